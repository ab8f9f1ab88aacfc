// The BGP FSM's vocabulary: states, events (named after RFC 4271 §8.1), actions the runner performs,
// configuration and the serializable per-connection state. RFC 4271 §8, RFC 6608.

import type { Negotiated, ProtocolError } from './capabilities';
import type { Family, NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from './types';

export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'IdleHold';

/** A NOTIFICATION we are asked to send on a stop; the message is an RFC 8203/9003 shutdown communication. */
export interface StopNotification {
  code: number;
  subcode: number;
  data?: Uint8Array;
  message?: string;
}

/** RFC 4271 §8.1 events (the optional ones we use), with the message or error they carry. */
export type FsmEvent =
  | { type: 'ManualStart' }
  | { type: 'ManualStart_with_PassiveTcpEstablishment' }
  | { type: 'AutomaticStart' }
  | { type: 'AutomaticStart_with_PassiveTcpEstablishment' }
  /** Operator stop: Cease/Administrative Shutdown by default; no automatic restart afterwards. */
  | { type: 'ManualStop'; notification?: StopNotification }
  /** Local policy stop (e.g. max-prefix): the given NOTIFICATION, then restart after the IdleHoldTimer. */
  | { type: 'AutomaticStop'; notification: StopNotification }
  | { type: 'ConnectRetryTimer_Expires' }
  | { type: 'HoldTimer_Expires' }
  | { type: 'KeepaliveTimer_Expires' }
  | { type: 'IdleHoldTimer_Expires' }
  /** Our outgoing connection completed. */
  | { type: 'Tcp_CR_Acked' }
  /** An incoming connection was handed to this FSM. */
  | { type: 'TcpConnectionConfirmed' }
  | { type: 'TcpConnectionFails'; reason?: string }
  | { type: 'BGPOpen'; open: OpenMessage }
  | { type: 'BGPHeaderErr'; error: ProtocolError }
  | { type: 'BGPOpenMsgErr'; error: ProtocolError }
  | { type: 'OpenCollisionDump' }
  | { type: 'NotifMsgVerErr'; notification: NotificationMessage }
  | { type: 'NotifMsg'; notification: NotificationMessage }
  | { type: 'KeepAliveMsg' }
  | { type: 'UpdateMsg'; update: UpdateMessage }
  | { type: 'UpdateMsgErr'; error: ProtocolError }
  | { type: 'RouteRefreshMsg'; refresh: RouteRefreshMessage };

export type FsmEventType = FsmEvent['type'];

/** Why an Established session went down; stable strings for logs, status and the RIB. */
export type DownReason =
  | 'manual-stop'
  | 'automatic-stop'
  | 'hold-timer-expired'
  | 'notification-received'
  | 'tcp-connection-failed'
  | 'protocol-error'
  | 'collision';

/** What the runner does, in order. */
export type FsmAction =
  | { type: 'connect' }
  /** Close the TCP connection after what was written has been flushed; abort a pending connect. */
  | { type: 'drop' }
  | { type: 'send-open'; open: OpenMessage }
  | { type: 'send-keepalive' }
  | { type: 'send-notification'; notification: NotificationMessage }
  | { type: 'start-timer'; timer: TimerName; ms: number }
  | { type: 'stop-timer'; timer: TimerName }
  | { type: 'deliver-update'; update: UpdateMessage }
  | { type: 'deliver-route-refresh'; family: Family; subtype: number }
  /**
   * The session is up on this connection. `handover`: it moved here from the neighbor's previous connection, which
   * was Established and closed for it without a 'down' (a resolved collision, fsm-peer.ts): the same session goes on.
   */
  | { type: 'established'; negotiated: Negotiated; handover?: true }
  | {
      type: 'down';
      reason: DownReason;
      message: string;
      notificationSent?: NotificationMessage;
      notificationReceived?: NotificationMessage;
    };

/** Per-neighbor settings. Times in seconds, as operators write them. */
export interface FsmConfig {
  localAsn: number;
  remoteAsn: number;
  routerId: string;
  /** Proposed hold time; 0 asks for no keepalives at all. */
  holdTime: number;
  keepalive?: number;
  connectRetry: number;
  /** Never open a connection; wait for the peer's. */
  passive: boolean;
  families: Family[];
  extendedMessage: boolean;
  gracefulRestart?: { restartTime: number; restarting: boolean; preserved: Family[] };
  /** Hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes). */
  openHoldTime: number;
  /** IdleHoldTimer bounds: the first failure waits min, each consecutive failure doubles it, up to max. */
  idleHold: { min: number; max: number };
  /** An Established session that lasted this long resets the backoff (DampPeerOscillations). */
  stableTime: number;
  /**
   * RFC 4271 CollisionDetectEstablishedState: a valid OPEN on a new connection is compared with an Established
   * session by BGP identifier too (default true). The new connection the identifiers choose goes on beside the
   * Established one, which is closed only once the peer shows it kept the new one (fsm-peer.ts); off: every new
   * connection is closed with Cease/7 while the session is Established (RFC 4271 §6.8's default).
   */
  collisionDetectEstablished: boolean;
  /** RFC 4271 §10 jitter (factor 0.75..1) on ConnectRetry, Keepalive and IdleHold timers. */
  jitter: boolean;
  /** Default shutdown communication for ManualStop (RFC 8203). */
  shutdownMessage?: string;
}

export type FsmConfigInput = Omit<
  FsmConfig,
  | 'holdTime'
  | 'connectRetry'
  | 'passive'
  | 'extendedMessage'
  | 'openHoldTime'
  | 'idleHold'
  | 'stableTime'
  | 'jitter'
  | 'collisionDetectEstablished'
> &
  Partial<FsmConfig>;

export const FSM_DEFAULTS = {
  holdTime: 90,
  connectRetry: 5,
  passive: false,
  extendedMessage: true,
  openHoldTime: 240,
  idleHold: { min: 1, max: 120 },
  stableTime: 60,
  jitter: true,
  collisionDetectEstablished: true,
} as const;

export interface LastError {
  /** Clock time (ms) of the failure. */
  at: number;
  state: BgpState;
  reason: DownReason;
  message: string;
  notificationSent?: NotificationMessage;
  notificationReceived?: NotificationMessage;
}

/**
 * One connection's FSM state: plain data (structured-clone serializable), so a run can be recorded
 * and replayed. Counters that describe the neighbor rather than the connection (failures, flaps,
 * backoff) are copied when the runner opens a second connection for collision handling.
 */
export interface FsmState {
  state: BgpState;
  config: FsmConfig;
  /** A start was given and no ManualStop since: failures restart automatically (AllowAutomaticStart). */
  started: boolean;
  /** This run waits for the peer to connect (PassiveTcpEstablishment). */
  passive: boolean;
  /** RFC 4271 ConnectRetryCounter. */
  connectRetryCounter: number;
  /** Consecutive failures since the last stable session; drives the IdleHoldTimer. */
  failures: number;
  /** Seconds of the IdleHoldTimer for the next automatic restart (before jitter). */
  idleHoldTime: number;
  /** Running timers and the clock time (ms) each falls due. */
  timers: Partial<Record<TimerName, number>>;
  negotiated: Negotiated | null;
  /** The peer's BGP identifier from its last valid OPEN. */
  peerRouterId: string | null;
  /** Clock time (ms) the session became Established, null when it is not. */
  establishedAt: number | null;
  /** Times an Established session was lost. */
  flaps: number;
  lastError: LastError | null;
  /** xorshift32 state for jitter, so step() stays pure and replayable. */
  rng: number;
}

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}
