// The control API's per-neighbor views (version v1): detail as `show bgp neighbors X json` users expect it, the
// Adj-RIB-Out, and resets (`clear`: RFC 4486 Cease/Administrative Reset, RFC 2918 ROUTE-REFRESH, re-sent Adj-RIB-Out).

import type { MessageCounts } from '../bgp/session-types';
import type { Family, Prefix } from '../bgp/types';
import type { PathView, RouteQuery, SessionStatus } from './types';

/** Messages of each type, as the session counts them (one definition: src/bgp/session-types.ts). */
export type MessageCountsView = MessageCounts;

export interface NotificationView {
  /** "Cease/Administrative Reset (6/4)" with the shutdown communication when there is one. */
  text: string;
  code: number;
  subcode: number;
  /** Seconds ago. */
  ageS: number;
}

export interface NegotiatedView {
  /** Seconds; 0: no keepalives and no hold timer. */
  holdTime: number;
  keepalive: number;
  families: Family[];
  peerAsn: number;
  peerRouterId: string;
  fourOctetAs: boolean;
  extendedMessage: boolean;
  /** The peer takes ROUTE-REFRESH (so `clear --soft in` asks it for its routes). */
  routeRefresh: boolean;
  /** Both sides advertised graceful restart (RFC 4724). */
  gracefulRestart?: { restartTime: number; peerRestarting: boolean; families: { family: Family; forwardingPreserved: boolean }[] };
  /** What the peer's OPEN advertised, one line each ("route-refresh", "multiprotocol ipv6-unicast", "capability 73"). */
  peerCapabilities: string[];
}

export interface NeighborDetail {
  name: string;
  /** The same entry as in GET /v1/status (liveness, quality and drain included). */
  session: SessionStatus;
  configured: {
    holdTime: number;
    keepalive?: number;
    connectRetry: number;
    passive: boolean;
    port: number;
    families: Family[];
    localAddress?: string;
    gracefulRestart: boolean;
  };
  /** Null when the session is not Established. */
  negotiated: NegotiatedView | null;
  /** The TCP connection of the Established session. */
  connection: { localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number } | null;
  messages: { sent: MessageCountsView; received: MessageCountsView };
  notifications: { lastSent: NotificationView | null; lastReceived: NotificationView | null };
  /** The last failure with its reason (stable string), the state it happened in and its age. */
  lastError: { text: string; reason: string; state: string; ageS: number } | null;
  /** Times the session reached Established / left it. */
  establishedTransitions: number;
  /** Of those, moves to the other connection of a collision that the session survived (no 'down', no flap). */
  handovers: number;
  flaps: number;
  /** Seconds since the session was last lost (null when never). */
  downSinceS: number | null;
  connectRetryCounter: number;
  /** Consecutive failures and the IdleHold backoff (seconds) they have built up. */
  failures: number;
  idleHoldTimeS: number;
}

export interface AdjRibOutEntry {
  prefix: Prefix;
  /** The attributes as sent (after export policy: next hop, prepends, communities). */
  path: PathView;
}

export interface AdjRibOutResponse {
  neighbor: string;
  routes: AdjRibOutEntry[];
  total: number;
  /** Prefixes queued and not sent yet (the socket is slow, or the initial table is still going out). */
  pending: number;
}

/** hard: Cease/Administrative Reset and a new session; soft-in: ROUTE-REFRESH (or the kept pre-policy copy); soft-out: re-send. */
export type ClearType = 'hard' | 'soft-in' | 'soft-out' | 'soft';

export interface ClearResult {
  neighbor: string;
  type: ClearType;
  /**
   * What was done: "reset" (NOTIFICATION sent, reconnecting), "route-refresh" (asked the peer), "soft-reconfiguration"
   * (import policy re-run on the kept copy), "resent" (Adj-RIB-Out queued again).
   */
  actions: string[];
  detail: string;
}

export interface ClearResponse {
  target: string;
  results: ClearResult[];
}

/** The daemon's per-neighbor side of the API. Null: no neighbor with that name. */
export interface NeighborProvider {
  getNeighbor(name: string): Omit<NeighborDetail, 'session'> | null | Promise<Omit<NeighborDetail, 'session'> | null>;
  getAdjRibOut(name: string, query: RouteQuery): AdjRibOutResponse | null | Promise<AdjRibOutResponse | null>;
  /** `target` is a neighbor name or "all". Rejects with code ERR_UNKNOWN_TARGET or ERR_NOT_ESTABLISHED. */
  clear(target: string, type: ClearType): Promise<ClearResponse>;
}
