// The control API's JSON shapes (version v1) and the provider interface the daemon implements.
// Shared by the server, the client and the CLI; the server never reaches into the daemon beyond this.

import type { BfdServiceStatus } from '../bfd/service';
import type { Family, Prefix } from '../bgp/types';
import type { EventBus } from './events';
import type { NeighborProvider } from './neighbor-types';

export const API_VERSION = 'v1';

export interface RouterStatus {
  asn: number;
  routerId: string;
  /** bgpfo version string. */
  version: string;
  pid: number;
  /** Seconds since the daemon started. */
  uptime: number;
  /** Addresses the BGP listener is bound to. */
  listen: string[];
  /** Prefixes in the Loc-RIB (all families), cheap to read: no walk of the table. */
  locRibPrefixes: number;
  /** Host sysctls this run changed (absent when none): a clean stop puts them back when `restore` is true. */
  hostSettings?: HostSettingChange[];
  /** How the kernel FIB reaches the kernel (absent without a kernel FIB): our netlink helper, or ip -batch without it. */
  fibWriter?: 'netlink' | 'ip-batch';
  /** Where the daemon's memory goes (process figures from Node, the Loc-RIB's own accounting). */
  memory?: MemoryStatus;
}

export interface MemoryStatus {
  rssBytes: number;
  /** V8 heap in use and reserved. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (typed arrays' contents: the route tables). */
  arrayBuffersBytes: number;
  /** The Loc-RIB's prefix table and pending-change table (typed arrays). */
  locRibTableBytes: number;
  /** Distinct path and ranking objects the Loc-RIB's prefixes share. */
  locRibSharedEntries: number;
}

export interface HostSettingChange {
  /** e.g. "net.ipv4.ip_forward". */
  key: string;
  /** The value before bgpfo changed it (null when unknown). */
  from: string | null;
  to: string;
  /** fib.restore-sysctls: a clean stop writes `from` back (if the value is still `to`). */
  restore: boolean;
}

export interface PrefixCounts {
  /** Prefixes in the neighbor's Adj-RIB-In before import policy. */
  received: number;
  /** Of those, accepted by import policy. */
  accepted: number;
  /** Prefixes we currently advertise to the neighbor. */
  advertised: number;
}

export interface SessionStatus {
  name: string;
  /** Peer address. */
  peer: string;
  peerAsn: number;
  localAddress?: string;
  role: 'primary' | 'backup';
  /** RFC 4271 §8 state name: Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  state: string;
  /** Seconds since the session reached Established; null when it is not Established. */
  uptime: number | null;
  peerRouterId?: string;
  /** Negotiated hold time in seconds (when Established). */
  holdTime?: number;
  /** Negotiated families (when Established), else the configured ones. */
  families: Family[];
  prefixes: PrefixCounts;
  /** Last reason the session went down (e.g. "hold timer expired", a NOTIFICATION), null if never. */
  lastError: string | null;
  /** With lastError: its stable reason (collision, hold-timer-expired, notification-received...) and age in seconds. */
  lastErrorReason?: string;
  lastErrorAgeS?: number;
  /** Times the session left Established. */
  flaps: number;
  /** BFD or probe liveness of the tunnel under the session (filled in when liveness is configured). */
  liveness?: LivenessStatus;
  /** Tunnel quality over the health window (filled in when probing runs). */
  quality?: TunnelQualityStatus;
  /** Present while the neighbor is drained (bgpfo drain). */
  drain?: DrainStatus;
  /** The failover core's view of the tunnel: what it does now and why (a held session always has its reason). */
  failover?: FailoverStatus;
}

export interface FailoverStatus {
  /** forwarding, waiting-for-routes, stale (peer restarting, routes kept), held, down, starting (liveness not verified). */
  state: string;
  reason: string;
  /** The tunnel's next hops are in their nexthop groups. */
  fibIn: boolean;
}

/** Liveness of a tunnel: BFD (RFC 5880) or the ping probe; times in milliseconds. */
export interface LivenessStatus {
  mode: 'bfd' | 'probe';
  /** 'up' | 'down', or a BFD state name (AdminDown, Down, Init, Up). */
  state: string;
  /** Transmit / expected receive interval in force, and the detect multiplier. */
  txIntervalMs?: number;
  rxIntervalMs?: number;
  multiplier?: number;
  /** Time without packets after which the tunnel is declared down. */
  detectionTimeMs?: number;
  /** Seconds in the current state. */
  since?: number;
  /** Why it last changed ("Control Detection Time Expired", "no reply to icmp_seq 8-10"). */
  detail?: string;
  /** Times liveness went down. */
  downs?: number;
  /** The tunnel's verdict (docs/liveness.md): up, demoted (out of ECMP, prepended) or down (session held in Idle). */
  verdict?: 'up' | 'demoted' | 'down';
  /** healthy, starting, liveness-down, dampened, loss, rtt or jitter. */
  reason?: string;
  /** The reason in words ("loss 12.5 % > 5 % over 10 s", "flap dampening level 2: held 2000 ms ..."). */
  verdictDetail?: string;
  /** With reason dampened: seconds until the flap hold-down ends. */
  heldForS?: number;
  /** Probe-mode steering: more-specific halves advertised over the surviving sessions because this tunnel is down. */
  steering?: string[];
}

export interface TunnelQualityStatus {
  lossPct: number;
  rttMs?: number;
  jitterMs?: number;
  samples: number;
  windowMs: number;
  /** The health verdict: up, demoted (out of ECMP, prepended) or down; with its reason. */
  verdict?: 'up' | 'demoted' | 'down';
  reason?: string;
}

export interface DrainStatus {
  /** The drain target that covers this neighbor (its name, or "all"). */
  target: string;
  /** Seconds since the drain began. */
  since: number;
  phase: 'waiting' | 'moved' | 'timeout' | 'down';
  /** The session was taken down by the drain (--shutdown). */
  shutdown: boolean;
}

export interface StatusResponse {
  router: RouterStatus;
  sessions: SessionStatus[];
  /** The BFD process: pid, priority, restarts, transmit lateness, per-session state and packet counters (when BFD runs). */
  bfd?: BfdServiceStatus;
}

/** One path as shown to operators. */
export interface PathView {
  /** Neighbor name, or "local" for an originated route. */
  peer: string;
  peerAddress?: string;
  nextHop: string | null;
  /** AS_PATH as numbers, sets shown as "{a,b}" strings. */
  asPath: (number | string)[];
  origin: 'igp' | 'egp' | 'incomplete';
  localPref?: number;
  med?: number;
  /** "ASN:VALUE". */
  communities?: string[];
  /** "A:B:C". */
  largeCommunities?: string[];
}

export interface RouteEntry {
  prefix: Prefix;
  family: Family;
  best: PathView;
  /** The multipath set, best first; length 1 when there is no ECMP. */
  ecmp: PathView[];
  /** Which decision step chose best (e.g. "as-path-length", "only-path", "locally-originated"). */
  reason: string;
}

export interface RoutesResponse {
  routes: RouteEntry[];
  /** Prefixes matching the query before `limit` applied. */
  total: number;
}

export interface AdjRibInEntry {
  prefix: Prefix;
  path: PathView;
  /** With policy=pre: whether import policy accepted it, and why not. */
  accepted?: boolean;
  refusedBecause?: string;
}

export interface AdjRibInResponse {
  neighbor: string;
  policy: 'pre' | 'post';
  routes: AdjRibInEntry[];
  total: number;
}

export interface RouteQuery {
  /** Canonical prefix. With match 'exact' only that prefix; with 'longest' the longest prefix covering it. */
  prefix?: Prefix;
  match?: 'exact' | 'longest';
  /** At most this many entries (prefix order); absent = all. */
  limit?: number;
}

/** What the daemon gives the control server. Methods may be sync or async. */
export interface ControlProvider {
  getStatus(): StatusResponse | Promise<StatusResponse>;
  getRoutes(query: RouteQuery): RoutesResponse | Promise<RoutesResponse>;
  /** null when no neighbor has that name. */
  getAdjRibIn(neighbor: string, policy: 'pre' | 'post', query: RouteQuery): AdjRibInResponse | null | Promise<AdjRibInResponse | null>;
  /** The write side (POST /v1/reload, /v1/drain, /v1/undrain) and GET /v1/events; absent: 404. */
  operations?: OperationsProvider;
  /** Neighbor detail, Adj-RIB-Out and clear (api/neighbor-types.ts); absent: 404. */
  neighbors?: NeighborProvider;
}

/** POST /v1/reload: re-read the config file the daemon was started with. */
export interface ReloadResponse {
  result: 'applied' | 'unchanged';
  /** One line per action ("neighbor tun-c1 added", "tun-a1: export policy changed: re-advertised"). */
  actions: string[];
}

/** POST /v1/drain. */
export interface DrainRequest {
  /** A neighbor name, a peer address, an interface name, or "all" (the whole router). */
  target: string;
  /** Seconds to wait for the traffic to leave (default 30); 0: do not wait. */
  timeoutS?: number;
  /** Take the session(s) down once the traffic has moved (Cease/Administrative Shutdown). */
  shutdown?: boolean;
  /** With shutdown: take them down even when the wait timed out. */
  force?: boolean;
  /** Packets per second (rx + tx) under which an interface counts as quiet (default 50). */
  quietPps?: number;
}

export interface DrainInterfaceResult {
  ifname: string;
  /** Packets per second (rx + tx) over the first second after the marks (often already low) and the last one. */
  startPps: number;
  endPps: number;
}

export interface DrainResponse {
  target: string;
  neighbors: string[];
  /** moved: every interface went quiet; timeout: not within timeoutS; skipped: no wait (timeoutS 0 or no interface). */
  traffic: 'moved' | 'timeout' | 'skipped';
  interfaces: DrainInterfaceResult[];
  waitedMs: number;
  /** Sessions taken down. */
  shutdown: string[];
  detail: string;
}

export interface UndrainResponse {
  target: string;
  neighbors: string[];
  /** Sessions started again (they had been taken down by the drain). */
  restarted: string[];
}

export interface OperationsProvider {
  /** Rejects with an error whose message is the config error (code 'ERR_CONFIG') when the new config is refused. */
  reload(): Promise<ReloadResponse>;
  drain(req: DrainRequest): Promise<DrainResponse>;
  undrain(target: string): Promise<UndrainResponse>;
  /** The event bus the /v1/events stream reads. */
  readonly events: EventBus;
}

/** Body of every non-2xx response. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
