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
  /** The runner has set the session up: start periodic transmission. */
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
