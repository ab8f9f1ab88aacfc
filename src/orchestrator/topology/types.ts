// The validated topology (camelCase, every default filled in): what a topology file means to the planner.
// docs/topology.md documents each field; defaults are here so the docs and the code cite one place.

import type { TopologyIssue } from './errors';

export type Mode = 'active-active' | 'active-passive';
export type TunnelType = 'wireguard' | 'veth' | 'ipsec';
export type Daemon = 'bgpfo' | 'frr' | 'bird';
export type FarRuns = Daemon | 'cloud';
export type IspRole = 'primary' | 'backup';

export interface Liveness {
  method: 'bfd' | 'probe';
  intervalMs: number;
  multiplier: number;
}

export interface LanRouterSpec {
  name: string;
  asn: number;
  runs: Daemon;
}

export interface SiteSpec {
  name: string;
  asn: number;
  prefixes: string[];
  lanRouter: LanRouterSpec;
  hosts: number;
}

export interface RouterSpec {
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

export interface Topology {
  lab: string;
  description?: string;
  mode: Mode;
  tunnel: { type: TunnelType; mtu: number; listenPort: number };
  liveness: Liveness;
  bgp: { holdTime: number; keepalive: number; maxPrefixes: number; backupPrepend: number; backupLocalPref: number; gracefulRestart: boolean };
  addressing: { innerPool: string[]; transitPool: string; underlayPool: string };
  isps: { name: string; role: IspRole }[];
  onprem: SiteSpec & { routers: RouterSpec[] };
  far: SiteSpec & { runs: FarRuns; standIn?: 'frr' | 'bird'; gateways: GatewaySpec[] };
  source: TopologySource;
  warnings: TopologyIssue[];
}

/** Where the topology came from, and the line of every field, so later stages can still point at lines. */
export interface TopologySource {
  file: string;
  /** Formatted field path ("onprem.routers[0].name") -> 1-based line. */
  lines: Record<string, number>;
}

export const TOPOLOGY_DEFAULTS = {
  /** Azure's APIPA range for VPN BGP addresses, 169.254.21.0 - 169.254.22.255 (AWS and GCP also take it). */
  innerPool: ['169.254.21.0/24', '169.254.22.0/24'],
  /** Point-to-point links inside each site (router <-> LAN router, router <-> twin). */
  transitPool: '10.255.0.0/24',
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
  /** Cloud VPN gateways (Azure) keep these BGP timers whatever we offer. */
  cloudKeepalive: 60,
  cloudHoldTime: 180,
} as const;
