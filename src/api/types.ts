// The control API's JSON shapes (version v1) and the provider interface the daemon implements.
// Shared by the server, the client and the CLI; the server never reaches into the daemon beyond this.

import type { Family, Prefix } from '../bgp/types';

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
  /** Times the session left Established. */
  flaps: number;
}

export interface StatusResponse {
  router: RouterStatus;
  sessions: SessionStatus[];
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
}

/** Body of every non-2xx response. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
