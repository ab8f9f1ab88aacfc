// The plan: every namespace, interface, address, route, tunnel, BGP session and process a topology implies.
// Plain JSON (no classes, no Maps) so `bgpfo plan` can print it and realizers can walk it without the planner.

import type { CloudProvider, Daemon, IspRole, Layout, Liveness, Mode, TunnelType } from '../topology/types';

export const PLAN_FORMAT = 'bgpfo-plan/1';

/**
 * The side of a tunnel a node is on. 'onprem': the side with routers and ISPs running bgpfo (the on-prem site,
 * or a spoke); 'far': the side with gateways (the far site(s), or the hub). Two-site plans key `sites` by it.
 */
export type Site = 'onprem' | 'far';
export type NodeRole = 'onprem-router' | 'far-gateway' | 'lan-router' | 'host' | 'internet';
export type InterfacePurpose = 'uplink' | 'isp' | 'transit' | 'twin' | 'lan' | 'tunnel';

export interface Plan {
  format: typeof PLAN_FORMAT;
  lab: string;
  /** Base name of the topology file the plan came from. */
  source: string;
  description?: string;
  mode: Mode;
  tunnelType: TunnelType;
  /** The first on-prem side site's; each tunnel session carries its own in multi-site plans (PlanSession.liveness). */
  liveness: Liveness;
  /**
   * Two-site plans: keys 'onprem' and 'far' (as always). Multi-site plans: one entry per site keyed by the site's
   * name, far side first (the hub, or the far sites), then the on-prem side (the on-prem site, or the spokes).
   */
  sites: Record<string, PlanSite>;
  /** Multi-site plans only ('multi-far' or 'hub-and-spoke'); absent = the two-site plan it always was. */
  layout?: Exclude<Layout, 'two-site'>;
  /** Multi-site plans only: one per pair of sites joined by tunnels (each spoke with the hub, or on-prem with each far site). */
  connections?: PlanConnection[];
  /** Present when any site has an IPv6 prefix: which connections and sites carry IPv6. */
  ipv6?: PlanIpv6;
  isps: PlanIsp[];
  nodes: PlanNode[];
  /** Every veth pair to create (underlay uplinks, LAN and twin links, and the tunnels themselves for `veth`). */
  links: PlanLink[];
  tunnels: PlanTunnel[];
  sessions: PlanSession[];
  testClients: PlanTestClient[];
  /** Formatted warnings ("file:line: path: message"). */
  warnings: string[];
}

export interface PlanSite {
  name: string;
  /** Multi-site plans only: the side this site is on, and the key of this entry in plan.sites (= name). */
  side?: Site;
  asn: number;
  prefixes: string[];
  /** The LAN segment hosts live on (inside the first prefix). */
  lanSegment: string;
  lanRouter: string;
  /** Routers (on-prem) or gateways (far) that terminate tunnels. */
  edges: string[];
  /** What runs on the edges; 'cloud' edges are stand-ins running `standIn`. */
  runs: Daemon | 'cloud';
  standIn?: 'frr' | 'bird';
  /** The site's LAN /64 (inside its first IPv6 prefix) when it has IPv6 prefixes: router ::1, hosts ::a up. */
  lanSegment6?: string;
  /** runs: cloud with a named provider: what the plan followed (timers, route limit, steering). */
  cloud?: PlanCloud;
  /** Multi-site on-prem side sites: their own mode and ISPs (names of plan.isps). */
  mode?: Mode;
  isps?: string[];
}

/** A provider's published behaviour as the plan applies it (src/orchestrator/topology/cloud.ts). */
export interface PlanCloud {
  provider: CloudProvider;
  keepalive: number;
  holdTime: number;
  /** Routes it takes from us per session; absent = no published per-session limit. */
  maxRoutesIn?: number;
  /** What its choice between our tunnels compares after the longest prefix: AS path length, MED (lower wins). */
  honours: { asPath: boolean; med: boolean };
  /** Whether our routers announce more-specifics over the surviving tunnels when one dies (probe steering). */
  moreSpecifics: boolean;
}

/** Two sites joined by tunnels: what `bgpfo plan` prints per site and what the lab's per-spoke checks use. */
export interface PlanConnection {
  /** "<onprem-side site>-<far-side site>", e.g. "br01-hub". */
  name: string;
  /** Keys of plan.sites. */
  onprem: string;
  far: string;
  mode: Mode;
  /** ISP names (plan.isps) this connection's tunnels use, primary first. */
  isps: string[];
  liveness: Liveness;
  /** Tunnel names (plan.tunnels) of this connection, in plan order. */
  tunnels: string[];
  /** Whether its tunnels and sessions carry IPv6 (both sites have IPv6 prefixes and the far side can). */
  ipv6: boolean;
}

/**
 * IPv6 rides on the IPv4 sessions (MP-BGP, RFC 4760): each tunnel and each site link has an IPv6 /126 too, and
 * IPv6 routes carry that address as their next hop (docs/topology.md "Dual-stack" says why).
 */
export interface PlanIpv6 {
  innerPool: string;
  transitPool: string;
}

export interface PlanIsp {
  name: string;
  role: IspRole;
  /** 1-based position in the topology file. */
  index: number;
  /** Policy routing for this ISP's tunnels when a router has several uplinks (absent with one ISP). */
  fwmark?: number;
  table?: number;
}

export interface PlanNode {
  name: string;
  role: NodeRole;
  /** The side (two-site plans: also the key of plan.sites). */
  site: Site | 'underlay';
  /** Multi-site plans only: the key of this node's site in plan.sites. */
  siteName?: string;
  /** Network namespace in the netns lab: "bgpfo-<lab>-<node>", so two labs can coexist. */
  namespace: string;
  /** The routing daemon this node runs ('none' for hosts and the internet). */
  runs: Daemon | 'none';
  /** Set on far gateways that stand in for a cloud VPN gateway (no BFD, fixed 60/180 s timers). */
  emulates?: 'cloud-gateway';
  asn?: number;
  routerId?: string;
  interfaces: PlanInterface[];
  routes: PlanRoute[];
  rules: PlanRule[];
  /** sysctl name -> value, applied inside the namespace (or on the host). */
  sysctls: Record<string, string>;
  /** Prefixes this node originates into BGP. */
  originate: string[];
}

export interface PlanInterface {
  name: string;
  kind: 'veth' | 'bridge' | 'wireguard' | 'xfrm';
  purpose: InterfacePurpose;
  /** CIDR form ("10.255.0.1/30"); IPv6 ones ("fd00:a9fe::2/126") follow the IPv4 ones in dual-stack plans. */
  addresses: string[];
  mtu?: number;
  /** The bridge this interface is a port of. */
  master?: string;
  /** PlanLink id, for veth ends. */
  link?: string;
  /** Tunnel name, for tunnel interfaces. */
  tunnel?: string;
  isp?: string;
}

export interface PlanRoute {
  /** Destination prefix, "default" (IPv4) or "::/0" (IPv6 default, via an IPv6 address). */
  to: string;
  via: string;
  dev: string;
  /** Routing table; absent = main. */
  table?: number;
}

/** A policy routing rule: WireGuard tunnels select their ISP by socket mark, IPsec ones by source address. */
export interface PlanRule {
  priority: number;
  fwmark?: number;
  from?: string;
  table: number;
}

export interface LinkEnd {
  node: string;
  ifname: string;
}

export interface PlanLink {
  id: string;
  kind: 'veth';
  purpose: Exclude<InterfacePurpose, 'isp'>;
  a: LinkEnd;
  b: LinkEnd;
  /** The ISP this link belongs to (uplinks, and tunnels of type veth): what `lab fault isp-down` cuts. */
  isp?: string;
  tunnel?: string;
}

export interface TunnelEnd {
  node: string;
  ifname: string;
  /** Inner address with its /30 ("169.254.21.2/30"). */
  inner: string;
  /** Inner IPv6 address with its /126, when the tunnel carries IPv6 ("fd00:a9fe::2/126"). */
  inner6?: string;
  /** Outer (underlay) address the tunnel is sent from; absent for veth tunnels. */
  underlay?: string;
  /** UDP port (WireGuard) on this end. */
  listenPort?: number;
  /** Socket mark routing this tunnel's packets out of its ISP (multi-ISP routers). */
  fwmark?: number;
}

export interface PlanTunnel {
  /** "<router>-<gateway>-<isp>", also the BGP neighbor name stem. */
  name: string;
  /** "t<index>"; indexes count ISPs, then routers, then gateways in file order. */
  id: string;
  index: number;
  kind: TunnelType;
  role: IspRole;
  isp: string;
  mtu: number;
  /** The /30 the inner addresses come from. */
  innerPrefix: string;
  /** The /126 of the inner IPv6 addresses, when the tunnel carries IPv6. */
  innerPrefix6?: string;
  /** Multi-site plans only: the connection (PlanConnection.name) this tunnel belongs to. */
  connection?: string;
  onprem: TunnelEnd;
  far: TunnelEnd;
}

export interface SessionEnd {
  node: string;
  /** The name this end gives the session ("gw1-isp1"), unique on its node. */
  neighborName: string;
  /** This end's address (the other end connects to it). */
  address: string;
  /** Dual-stack sessions: the IPv6 next hop this end advertises for IPv6 routes (its address on the same link). */
  address6?: string;
  /** MED this end sets on routes it exports over the session (towards providers that compare MED). */
  med?: number;
  asn: number;
  /** Extra copies of this end's ASN on export (on top of the one eBGP adds). */
  prepend: number;
  /** LOCAL_PREF this end sets on routes it learns over the session. */
  localPref: number;
  /** Prefix filters ("10.20.0.0/16 le 32", "2001:db8:20::/48 le 128") of routes this end accepts. */
  import: string[];
  /** Prefix filters of learned routes this end re-advertises (originated ones always go). */
  exportLearned: string[];
  /** This end rewrites NEXT_HOP to itself (needed on iBGP so the twin can resolve it). */
  nextHopSelf: boolean;
  /** How this end watches the tunnel besides BGP ('none' where the far side cannot do BFD or probes). */
  liveness: 'bfd' | 'probe' | 'none';
}

export interface PlanSession {
  name: string;
  kind: 'tunnel' | 'ibgp' | 'lan';
  tunnel?: string;
  role: IspRole;
  ibgp: boolean;
  holdTime: number;
  keepalive: number;
  /** The far end keeps these timers whatever is offered (cloud gateways). */
  fixedTimers: boolean;
  maxPrefixes: number;
  /** Both ends run graceful restart (RFC 4724), where their daemons can: topology bgp.graceful-restart. */
  gracefulRestart: boolean;
  /** Dual-stack sessions: ['ipv4-unicast', 'ipv6-unicast']; absent = IPv4 only. */
  families?: ('ipv4-unicast' | 'ipv6-unicast')[];
  /** Multi-site plans: this session's liveness timers (the connection's); absent = plan.liveness. */
  liveness?: Liveness;
  /** Probe steering with more-specifics is off (the far side's route limit has no room for them). */
  noSteering?: true;
  /** a = on-prem side (tunnels), the lower router (iBGP), the LAN router (LAN sessions). */
  a: SessionEnd;
  b: SessionEnd;
}

export interface PlanTestClient {
  name: string;
  from: { node: string; address: string };
  to: { node: string; address: string };
  /** Tunnels this traffic should use when everything is up (all primaries in active/active, ISP 1's in active/passive). */
  expectTunnels: string[];
  /** 'ipv6' for the IPv6 twin of a client (addresses are IPv6); absent = IPv4. */
  family?: 'ipv6';
  /** Multi-site plans only: the connection this traffic crosses. */
  connection?: string;
}
