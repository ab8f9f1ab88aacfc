// The public shapes of BgpSession (src/bgp/session.ts): its options, events, status and errors.
// RFC 4271 §8 (states), RFC 4724 (graceful restart facts handed to the RIB).

import type { Logger } from 'pino';
import type { Negotiated, PeerGracefulRestart } from './capabilities';
import type { BgpState, DownReason, LastError } from './fsm-types';
import type { Family, NotificationMessage, UpdateMessage } from './types';
import type { Clock } from '../util/clock';

export interface SessionOptions {
  name: string;
  localAddress?: string;
  peerAddress: string;
  /** TCP port of the peer (default 179). */
  port?: number;
  localAsn: number;
  remoteAsn: number;
  routerId: string;
  /** Seconds (default 90); 0 proposes no keepalives. */
  holdTime?: number;
  keepalive?: number;
  /** Seconds (default 5). */
  connectRetry?: number;
  passive?: boolean;
  families: Family[];
  gracefulRestart?: { restartTime: number; restarting: boolean; preserved: Family[] };
  extendedMessage?: boolean;
  clock: Clock;
  logger: Logger;
  /** Default RFC 8203 shutdown communication sent by stop(). */
  shutdownMessage?: string;
  /** IdleHoldTimer backoff bounds in seconds (default 1..120). */
  idleHold?: { min: number; max: number };
  /** Seconds Established after which the backoff resets (default 60). */
  stableTime?: number;
  jitter?: boolean;
  collisionDetectEstablished?: boolean;
  /** Seed for timer jitter (default random). */
  seed?: number;
}

export interface EstablishedInfo extends Negotiated {
  /**
   * The session moved to a new connection without going down: the peer kept the other connection of a collision
   * (RFC 4271 §6.8) while this one was Established here. No 'down' came before; the peer sends its table again.
   */
  handover?: boolean;
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

export interface DownInfo {
  reason: DownReason;
  message: string;
  notificationSent?: NotificationMessage;
  notificationReceived?: NotificationMessage;
  /** The lost session had negotiated graceful restart: a helper may keep its routes as stale (RFC 4724). */
  gracefulRestart?: PeerGracefulRestart;
}

export interface SessionInfo {
  name: string;
  peerAddress: string;
  state: BgpState;
  /** Milliseconds since Established, null when not Established. */
  uptime: number | null;
  lastError: LastError | null;
  flaps: number;
  negotiated: Negotiated | null;
  peerRouterId: string | null;
  connectRetryCounter: number;
  /** Consecutive failures and the IdleHold backoff (seconds) they have built up. */
  failures: number;
  idleHoldTime: number;
  /** TCP connections held: 2 while a collision (RFC 4271 §6.8) is being resolved. */
  connections: number;
  /** Messages in and out, NOTIFICATIONs with their times, Established transitions (over the neighbor's life). */
  counters?: SessionCounters;
}

/** Messages of each type (RFC 4271 §4.1 types 1-4, RFC 2918 type 5); End-of-RIB markers count as UPDATEs. */
export interface MessageCounts {
  open: number;
  update: number;
  notification: number;
  keepalive: number;
  routeRefresh: number;
  total: number;
}

export interface TimedNotification {
  notification: NotificationMessage;
  /** Clock time (ms). */
  at: number;
}

export interface SessionCounters {
  sent: MessageCounts;
  received: MessageCounts;
  lastNotificationSent?: TimedNotification;
  lastNotificationReceived?: TimedNotification;
  /** Times the session reached Established. */
  establishedTransitions: number;
  /** Of those, moves of the session to the other connection of a collision without going down. */
  handovers?: number;
  /** Clock time (ms) of the last Established, and of the last loss of it. */
  lastUpAt?: number;
  lastDownAt?: number;
}

export function emptyMessageCounts(): MessageCounts {
  return { open: 0, update: 0, notification: 0, keepalive: 0, routeRefresh: 0, total: 0 };
}

/** Adds n messages of a type (the BgpMessage type name) to a count. */
export function countMessage(c: MessageCounts, type: 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh', n = 1): void {
  if (type === 'route-refresh') c.routeRefresh += n;
  else c[type] += n;
  c.total += n;
}

export interface BgpSessionEvents {
  state: [from: BgpState, to: BgpState];
  established: [info: EstablishedInfo];
  update: [update: UpdateMessage];
  'route-refresh': [family: Family];
  'end-of-rib': [family: Family];
  down: [info: DownInfo];
  drain: [];
}

/** A session API misuse; `code` is stable. */
export class SessionError extends Error {
  constructor(
    readonly code: 'ERR_BGP_NOT_ESTABLISHED',
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
