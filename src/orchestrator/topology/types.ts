// The validated topology (camelCase, every default filled in): what a topology file means to the planner.
// docs/topology.md documents each field; defaults are here so the docs and the code cite one place.

import type { TopologyIssue } from './errors';

export type Mode = 'active-active' | 'active-passive';
export type TunnelType = 'wireguard' | 'veth' | 'ipsec';
export type Daemon = 'bgpfo' | 'frr' | 'bird';
export type FarRuns = Daemon | 'cloud';
export type IspRole = 'primary' | 'backup';
/**
 * How the file arranges its sites. two-site: `onprem:` + `far:` (the original form). multi-far: `onprem:` +
 * `far-sites:` (one on-prem site with tunnels to several far sites of any kind). hub-and-spoke: `hub:` (a far
 * side every spoke connects to) + `spokes:` (each an on-prem side with its own routers, ISPs and mode).
 */
export type Layout = 'two-site' | 'multi-far' | 'hub-and-spoke';
/** A cloud VPN service whose published behaviour the plan follows (cloud.ts: timers, route limit, steering). */
export type CloudProvider = 'aws' | 'azure' | 'gcp';
/** A field path as written in the file (kebab-case keys, list indexes): what errors point at. */
export type FieldPath = (string | number)[];

export interface Liveness {
  method: 'bfd' | 'probe';
  intervalMs: number;
  multiplier: number;
}

export interface BgpSpec {
  holdTime: number;
  keepalive: number;
  maxPrefixes: number;
  backupPrepend: number;
  backupLocalPref: number;
  gracefulRestart: boolean;
}

export interface IspSpec {
  name: string;
  role: IspRole;
}

export interface LanRouterSpec {
  name: string;
  asn: number;
  runs: Daemon;
}

export interface SiteSpec {
  name: string;
  asn: number;
  /** IPv4 prefixes first, then IPv6 ones, each group in file order (canonical text). */
  prefixes: string[];
  lanRouter: LanRouterSpec;
  hosts: number;
  /** Where the site is written: ['onprem'], ['far'], ['far-sites', i], ['hub'] or ['spokes', i]. */
  path: FieldPath;
}

export interface RouterSpec {
  /** The node name: as written, or "<spoke>-<name>" for a spoke's routers. */
  name: string;
  routerId?: string;
  /** Real uplink addresses per ISP; ISPs without one get lab addresses from the underlay pool. */
  uplinks: { isp: string; address: string; gateway: string }[];
}

export interface GatewaySpec {
  name: string;
  routerId?: string;
  uplink?: { address: string; gateway: string };
}

/** The side with routers and ISPs, running bgpfo: the on-prem site, or each spoke. */
export interface OnpremSite extends SiteSpec {
  routers: RouterSpec[];
  mode: Mode;
  isps: IspSpec[];
  liveness: Liveness;
  bgp: BgpSpec;
}

/** The side with gateways: the far site(s), or the hub. */
export interface FarSite extends SiteSpec {
  runs: FarRuns;
  /** runs: cloud only: what emulates the cloud gateway in the lab. */
  standIn?: 'frr' | 'bird';
  /** runs: cloud only, when the file names the provider (absent = the generic 60/180 s cloud gateway). */
  cloud?: CloudProvider;
  gateways: GatewaySpec[];
  /** Where this site's tunnels take their inner /30s (the site's own inner-pool, the provider's range, or the file's). */
  innerPool: string[];
}

export interface Topology {
  lab: string;
  description?: string;
  layout: Layout;
  /** The first on-prem side site's (the only one in two-site and multi-far files). */
  mode: Mode;
  tunnel: { type: TunnelType; mtu: number; listenPort: number };
  /** The first on-prem side site's; each site carries its own in onpremSites. */
  liveness: Liveness;
  bgp: BgpSpec;
  addressing: { innerPool: string[]; innerPool6: string; transitPool: string; transitPool6: string; underlayPool: string };
  /** Every ISP named anywhere, in order of first appearance (an ISP has one role in the whole file). */
  isps: IspSpec[];
  /** onpremSites[0] and farSites[0]: the two sites of a two-site file. */
  onprem: OnpremSite;
  far: FarSite;
  /** two-site: [onprem]; multi-far: [onprem]; hub-and-spoke: the spokes in file order. */
  onpremSites: OnpremSite[];
  /** two-site: [far]; multi-far: the far sites in file order; hub-and-spoke: [hub]. */
  farSites: FarSite[];
  source: TopologySource;
  warnings: TopologyIssue[];
}

/** Where the topology came from, and the line of every field, so later stages can still point at lines. */
export interface TopologySource {
  file: string;
  /** Formatted field path ("onprem.routers[0].name") -> 1-based line. */
  lines: Record<string, number>;
  /** The file's data as the schema returned it (kebab-case), for messages that quote a field's value. */
  data?: unknown;
}

export const TOPOLOGY_DEFAULTS = {
  /** Azure's APIPA range for VPN BGP addresses, 169.254.21.0 - 169.254.22.255 (AWS and GCP also take it). */
  innerPool: ['169.254.21.0/24', '169.254.22.0/24'],
  /** Files with more than two sites: 4,096 /30s, still link-local (AWS and GCP take any of 169.254.0.0/16). */
  innerPoolMulti: ['169.254.64.0/18'],
  /** Inner IPv6 /126s (a ULA, as AWS requires for IPv6 inside addresses): only used when IPv6 is planned. */
  innerPool6: 'fd00:a9fe::/64',
  /** Point-to-point links inside each site (router <-> LAN router, router <-> twin). */
  transitPool: '10.255.0.0/24',
  /** Files with more than two sites: room for hundreds of sites' links. */
  transitPoolMulti: '10.255.0.0/16',
  transitPool6: 'fd00:aff::/64',
  /** Lab-only "public" addresses (RFC 2544 benchmarking range): uplinks of routers and gateways. */
  underlayPool: '198.18.0.0/16',
  mtu: { wireguard: 1420, ipsec: 1400, veth: 1500 } as Record<TunnelType, number>,
  listenPort: 51820,
  bfd: { intervalMs: 100, multiplier: 3 },
  probe: { intervalMs: 200, multiplier: 5 },
  holdTime: 30,
  maxPrefixes: 1000,
  backupPrepend: 2,
  backupLocalPref: 50,
  hosts: 1,
  lanRouterRuns: 'bird' as Daemon,
  standIn: 'frr' as const,
  /** A spoke that lists no routers gets these two. */
  spokeRouters: ['r1', 'r2'],
  /** Cloud VPN gateways (Azure) keep these BGP timers whatever we offer. */
  cloudKeepalive: 60,
  cloudHoldTime: 180,
} as const;
