// The plan: every namespace, interface, address, route, tunnel, BGP session and process a topology implies.
// Plain JSON (no classes, no Maps) so `bgpfo plan` can print it and realizers can walk it without the planner.

import type { Daemon, IspRole, Liveness, Mode, TunnelType } from '../topology/types';

export const PLAN_FORMAT = 'bgpfo-plan/1';

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
  liveness: Liveness;
  sites: Record<Site, PlanSite>;
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
  site: Site | 'underlay';
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
  /** CIDR form ("10.255.0.1/30"). */
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
  /** Destination prefix or "default". */
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
  onprem: TunnelEnd;
  far: TunnelEnd;
}

export interface SessionEnd {
  node: string;
  /** The name this end gives the session ("gw1-isp1"), unique on its node. */
  neighborName: string;
  /** This end's address (the other end connects to it). */
  address: string;
  asn: number;
  /** Extra copies of this end's ASN on export (on top of the one eBGP adds). */
  prepend: number;
  /** LOCAL_PREF this end sets on routes it learns over the session. */
  localPref: number;
  /** Prefix filters ("10.20.0.0/16 le 32") of routes this end accepts. */
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
}
