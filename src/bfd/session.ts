// The serializable state of one BFD session, the events that drive it and the actions it returns.
// RFC 5880 §6.8.1 (state variables), §6.8.6 (events), §6.8.7 (what a transmitted packet carries).

import { BfdState, type BfdControlPacket } from './packet';
import { AUTH_TYPE_CODES, type BfdAuthConfig } from './auth';
import type { BfdAuthErrorCode } from './errors';
import { SLOW_TX_US } from './timers';

/** What the client asked for; intervals in microseconds as in the protocol. */
export interface BfdSessionConfig {
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  detectMult: number;
  /** Passive role (§6.1): send nothing until the peer has been heard. */
  passive: boolean;
  auth?: BfdAuthConfig;
}

/** Timer values advertised by a Poll Sequence in progress (§6.5). */
export interface BfdPoll {
  desiredMinTxUs: number;
  requiredMinRxUs: number;
}

/**
 * The session: the §6.8.1 variables under their RFC names (camel-cased, "bfd." dropped), plus what the
 * timer rules need. Plain data only, so a session can be logged, recorded and replayed.
 */
export interface BfdSession {
  sessionState: BfdState;
  remoteSessionState: BfdState;
  localDiscr: number;
  remoteDiscr: number;
  localDiag: number;
  /** bfd.DesiredMinTxInterval, the value in our packets: at least 1 s while not Up (§6.8.3). */
  desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval, the value in our packets. */
  requiredMinRxUs: number;
  remoteMinRxUs: number;
  demandMode: false;
  remoteDemandMode: boolean;
  detectMult: number;
  authType: number;
  rcvAuthSeq: number;
  xmitAuthSeq: number;
  authSeqKnown: boolean;

  config: BfdSessionConfig;
  /** Last received Desired Min TX and Detect Mult: the inputs of our detection time (§6.8.4). */
  remoteDesiredMinTxUs: number;
  remoteDetectMult: number;
  /** The Desired Min TX that sets our transmit interval now: an increase waits for the Final (§6.8.3). */
  txDesiredMinTxUs: number;
  /** The Required Min RX that sets our detection time now: a decrease waits for the Final (§6.8.3). */
  rxRequiredMinRxUs: number;
  /** Poll Sequence in progress, or null. */
  poll: BfdPoll | null;
  /** Whether a valid packet has been received since the last detection-time expiry. */
  heard: boolean;
  /** Detection times passed without a valid packet; at 2 AuthSeqKnown is cleared (§6.8.1). */
  detectExpiries: number;
}

export type BfdEvent =
  /** The runner has set the session up: start periodic transmission (a resumed session also arms detection and speaks at once). */
  | { type: 'Start' }
  /** Periodic transmission timer fired: send the next packet. */
  | { type: 'TxTimerExpired' }
  /** A decoded packet for this session; `raw` is what arrived (needed to check a digest). */
  | { type: 'RecvPacket'; packet: BfdControlPacket; raw: Uint8Array }
  | { type: 'DetectTimerExpired' }
  | { type: 'AdminDown' }
  | { type: 'AdminUp' }
  /** The client changed the timers: starts a Poll Sequence when Up (§6.8.3). */
  | { type: 'ChangeTimers'; desiredMinTxUs: number; requiredMinRxUs: number; detectMult: number };

export type BfdAction =
  /** Transmit now; sign with `authSequence` when the session authenticates with a keyed type. */
  | { type: 'send'; packet: BfdControlPacket; authSequence?: number }
  /** (Re)start periodic transmission at this interval before jitter, or stop it (null). */
  | { type: 'set-tx'; intervalUs: number | null; detectMult: number }
  /** (Re)start the detection timer to fire after this long from now, or stop it (null). */
  | { type: 'set-detect'; timeoutUs: number | null }
  | { type: 'state-change'; from: BfdState; to: BfdState; diag: number; detectionTimeUs: number }
  /** A received packet was discarded by a §6.8.6 / §6.7 rule of this session. */
  | { type: 'discard'; code: BfdAuthErrorCode | 'admin-down'; reason: string };

export interface BfdStepResult {
  session: BfdSession;
  actions: BfdAction[];
}

/** A new session in state Down (§6.8.1 initial values). Discriminator and first sequence come from the runner's randomness. */
export function createSession(config: BfdSessionConfig, localDiscr: number, xmitAuthSeq = 0): BfdSession {
  if (localDiscr === 0) throw new RangeError('bfd.LocalDiscr must be nonzero');
  const desired = Math.max(config.desiredMinTxUs, SLOW_TX_US);
  return {
    sessionState: BfdState.Down,
    remoteSessionState: BfdState.Down,
    localDiscr: localDiscr >>> 0,
    remoteDiscr: 0,
    localDiag: 0,
    desiredMinTxUs: desired,
    requiredMinRxUs: config.requiredMinRxUs,
    remoteMinRxUs: 1,
    demandMode: false,
    remoteDemandMode: false,
    detectMult: config.detectMult,
    authType: config.auth ? AUTH_TYPE_CODES[config.auth.type] : 0,
    rcvAuthSeq: 0,
    xmitAuthSeq: xmitAuthSeq >>> 0,
    authSeqKnown: false,
    config,
    remoteDesiredMinTxUs: 0,
    remoteDetectMult: 0,
    txDesiredMinTxUs: desired,
    rxRequiredMinRxUs: config.requiredMinRxUs,
    poll: null,
    heard: false,
    detectExpiries: 0,
  };
}

/**
 * What a new BFD process needs to carry a session on where a dead one left it, so the peer sees a short pause rather
 * than a new session: the state, the peer's discriminator and the timer values both sides agreed on. RFC 5880 §6.8.1
 * variables; our own discriminator travels beside it (the supervisor chooses it). A Poll in progress is not kept:
 * the resumed session advertises the values in force and starts a new Poll if the client's differ (§6.8.3).
 */
export interface BfdResume {
  sessionState: BfdState.Init | BfdState.Up;
  remoteDiscr: number;
  remoteSessionState: BfdState;
  remoteMinRxUs: number;
  remoteDesiredMinTxUs: number;
  remoteDetectMult: number;
  remoteDemandMode: boolean;
  txDesiredMinTxUs: number;
  rxRequiredMinRxUs: number;
  /** bfd.XmitAuthSeq to continue from (keyed authentication). */
  xmitAuthSeq: number;
}

/** The resume point of a session, or null when there is nothing to carry on (Down, AdminDown, peer not heard). */
export function resumePoint(s: BfdSession): BfdResume | null {
  if ((s.sessionState !== BfdState.Init && s.sessionState !== BfdState.Up) || s.remoteDiscr === 0 || !s.heard) return null;
  return {
    sessionState: s.sessionState,
    remoteDiscr: s.remoteDiscr,
    remoteSessionState: s.remoteSessionState,
    remoteMinRxUs: s.remoteMinRxUs,
    remoteDesiredMinTxUs: s.remoteDesiredMinTxUs,
    remoteDetectMult: s.remoteDetectMult,
    remoteDemandMode: s.remoteDemandMode,
    txDesiredMinTxUs: s.txDesiredMinTxUs,
    rxRequiredMinRxUs: s.rxRequiredMinRxUs,
    xmitAuthSeq: s.xmitAuthSeq,
  };
}

/** Whether two resume points differ in more than the transmit sequence (which changes with every packet). */
export function resumeChanged(a: BfdResume | null, b: BfdResume | null): boolean {
  if (a === null || b === null) return a !== b;
  return (
    a.sessionState !== b.sessionState ||
    a.remoteDiscr !== b.remoteDiscr ||
    a.remoteSessionState !== b.remoteSessionState ||
    a.remoteMinRxUs !== b.remoteMinRxUs ||
    a.remoteDesiredMinTxUs !== b.remoteDesiredMinTxUs ||
    a.remoteDetectMult !== b.remoteDetectMult ||
    a.remoteDemandMode !== b.remoteDemandMode ||
    a.txDesiredMinTxUs !== b.txDesiredMinTxUs ||
    a.rxRequiredMinRxUs !== b.rxRequiredMinRxUs
  );
}

/**
 * A session resumed in a new process: the state and peer as they were, the agreed timers advertised and in force,
 * `heard` set so that Start arms the detection timer (a full detection time from now) and sends at once. The receive
 * sequence is not carried: AuthSeqKnown starts false, so the peer's next packet sets it (§6.8.1).
 */
export function resumeSession(config: BfdSessionConfig, localDiscr: number, r: BfdResume): BfdSession {
  const s = createSession(config, localDiscr, r.xmitAuthSeq);
  return {
    ...s,
    sessionState: r.sessionState,
    remoteDiscr: r.remoteDiscr >>> 0,
    remoteSessionState: r.remoteSessionState,
    remoteMinRxUs: r.remoteMinRxUs,
    remoteDesiredMinTxUs: r.remoteDesiredMinTxUs,
    remoteDetectMult: r.remoteDetectMult,
    remoteDemandMode: r.remoteDemandMode,
    desiredMinTxUs: r.txDesiredMinTxUs,
    txDesiredMinTxUs: r.txDesiredMinTxUs,
    requiredMinRxUs: r.rxRequiredMinRxUs,
    rxRequiredMinRxUs: r.rxRequiredMinRxUs,
    heard: true,
  };
}
