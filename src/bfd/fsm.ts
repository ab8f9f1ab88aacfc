// The BFD session state machine as a pure step function: reception, detection, admin and timer changes.
// RFC 5880 §6.2 and §6.8.6 (transitions), §6.5 and §6.8.3 (Poll/Final for timer changes), §6.8.4, §6.8.7.

import { verifyAuth } from './auth';
import { BfdAuthError } from './errors';
import { BfdDiag, BfdState, type BfdControlPacket } from './packet';
import type { BfdAction, BfdEvent, BfdSession, BfdStepResult } from './session';
import { detectionTimeUs, SLOW_TX_US, txIntervalUs } from './timers';

/** Advance a session by one event. Never throws for protocol input: bad packets become `discard` actions. */
export function step(session: BfdSession, event: BfdEvent): BfdStepResult {
  const s: BfdSession = { ...session, poll: session.poll && { ...session.poll } };
  const actions: BfdAction[] = [];
  const txBefore = txPlan(session);
  const stateBefore = s.sessionState;

  switch (event.type) {
    case 'Start':
      // A session resumed in a new process (session.ts resumeSession): detection runs from now, and the peer hears
      // us at once so the pause it sees is as short as the restart.
      if (s.heard) {
        actions.push({ type: 'set-detect', timeoutUs: currentDetectionTimeUs(s) });
        if (txPlan(s) !== null) actions.push(send(s, false));
      }
      break;
    case 'TxTimerExpired':
      if (txPlan(s) !== null) actions.push(send(s, false));
      break;
    case 'RecvPacket':
      recvPacket(s, event.packet, event.raw, actions);
      break;
    case 'DetectTimerExpired':
      detectExpired(s, actions);
      break;
    case 'AdminDown':
      if (s.sessionState !== BfdState.AdminDown) {
        // §6.8.16: state AdminDown with diag 7, keep transmitting so the peer goes Down, not "timeout".
        s.sessionState = BfdState.AdminDown;
        s.localDiag = BfdDiag.AdministrativelyDown;
        actions.push({ type: 'set-detect', timeoutUs: null });
      }
      break;
    case 'AdminUp':
      if (s.sessionState === BfdState.AdminDown) {
        s.sessionState = BfdState.Down;
        s.localDiag = BfdDiag.None;
      }
      break;
    case 'ChangeTimers':
      s.config = {
        ...s.config,
        desiredMinTxUs: event.desiredMinTxUs,
        requiredMinRxUs: event.requiredMinRxUs,
        detectMult: event.detectMult,
      };
      // Detect Mult is not covered by Poll/Final: the peer simply uses the value in our next packet.
      s.detectMult = event.detectMult;
      break;
  }

  if (s.sessionState !== stateBefore) {
    if (s.sessionState === BfdState.Up) s.localDiag = BfdDiag.None;
    actions.push({
      type: 'state-change',
      from: stateBefore,
      to: s.sessionState,
      diag: s.localDiag,
      detectionTimeUs: currentDetectionTimeUs(s),
    });
  }
  applyTimerTargets(s);
  // Tell the peer about a state change at once rather than up to a (slow) interval later.
  if (s.sessionState !== stateBefore && txPlan(s) !== null && !actions.some((a) => a.type === 'send')) {
    actions.push(send(s, false));
  }
  const txAfter = txPlan(s);
  if (txAfter !== txBefore || event.type === 'Start') {
    actions.push({ type: 'set-tx', intervalUs: txAfter, detectMult: s.detectMult });
  }
  return { session: s, actions };
}

/** §6.8.6 reception, after the decoder's session-independent checks and the runner's demultiplexing. */
function recvPacket(s: BfdSession, pkt: BfdControlPacket, raw: Uint8Array, actions: BfdAction[]): void {
  try {
    const seq = verifyAuth(raw, pkt, s.config.auth, { known: s.authSeqKnown, rcvSeq: s.rcvAuthSeq });
    s.authSeqKnown = seq.known;
    s.rcvAuthSeq = seq.rcvSeq;
  } catch (err) {
    if (!(err instanceof BfdAuthError)) throw err;
    actions.push({ type: 'discard', code: err.code, reason: `${err.message} (${err.rule})` });
    return;
  }
  s.remoteDiscr = pkt.myDiscriminator;
  s.remoteSessionState = pkt.state;
  s.remoteDemandMode = pkt.demand;
  s.remoteMinRxUs = pkt.requiredMinRxUs;
  s.remoteDesiredMinTxUs = pkt.desiredMinTxUs;
  s.remoteDetectMult = pkt.detectMult;
  if (pkt.final && s.poll) endPoll(s);

  if (s.sessionState === BfdState.AdminDown) {
    actions.push({ type: 'discard', code: 'admin-down', reason: 'session is AdminDown (RFC 5880 §6.8.6)' });
    return;
  }
  if (pkt.state === BfdState.AdminDown) {
    if (s.sessionState !== BfdState.Down) goDown(s, BfdDiag.NeighborSignaledSessionDown);
  } else if (s.sessionState === BfdState.Down) {
    if (pkt.state === BfdState.Down) s.sessionState = BfdState.Init;
    else if (pkt.state === BfdState.Init) s.sessionState = BfdState.Up;
  } else if (s.sessionState === BfdState.Init) {
    if (pkt.state === BfdState.Init || pkt.state === BfdState.Up) s.sessionState = BfdState.Up;
  } else if (pkt.state === BfdState.Down) {
    goDown(s, BfdDiag.NeighborSignaledSessionDown);
  }

  // §6.8.7: the Final goes out at once, whatever the state, timers or demand mode.
  if (pkt.poll) actions.push(send(s, true));
  // The packet counts for detection (§6.8.4): restart the timer with the time as it now stands.
  s.heard = true;
  s.detectExpiries = 0;
  actions.push({ type: 'set-detect', timeoutUs: currentDetectionTimeUs(s) });
}

function detectExpired(s: BfdSession, actions: BfdAction[]): void {
  if (!s.heard && s.detectExpiries === 0) return; // stale timer: nothing was ever armed for it
  const detection = currentDetectionTimeUs(s);
  s.detectExpiries += 1;
  if (s.detectExpiries === 1) {
    if (s.sessionState === BfdState.Init || s.sessionState === BfdState.Up) {
      goDown(s, BfdDiag.ControlDetectionTimeExpired);
    }
    // §6.8.1: forget the peer (RemoteDiscr 0); like BIRD and FRR also its timers and state.
    s.heard = false;
    s.remoteDiscr = 0;
    s.remoteSessionState = BfdState.Down;
    s.remoteMinRxUs = 1;
    s.remoteDemandMode = false;
  }
  // §6.8.1: AuthSeqKnown is cleared after twice the detection time without a packet.
  if (s.detectExpiries >= 2) s.authSeqKnown = false;
  const again = s.detectExpiries < 2 && s.authSeqKnown;
  actions.push({ type: 'set-detect', timeoutUs: again ? detection : null });
}

function goDown(s: BfdSession, diag: number): void {
  s.sessionState = BfdState.Down;
  s.localDiag = diag;
}

/** The detection time in force, or 0 when nothing has been heard from the peer. */
export function currentDetectionTimeUs(s: BfdSession): number {
  if (s.remoteDetectMult === 0) return 0;
  return detectionTimeUs(s.remoteDetectMult, s.rxRequiredMinRxUs, s.remoteDesiredMinTxUs);
}

/** The periodic transmit interval before jitter, or null when §6.8.7 forbids periodic packets. */
export function txPlan(s: BfdSession): number | null {
  if (s.config.passive && s.remoteDiscr === 0) return null;
  if (s.remoteMinRxUs === 0) return null;
  const remoteDemandActive =
    s.remoteDemandMode && s.sessionState === BfdState.Up && s.remoteSessionState === BfdState.Up;
  if (remoteDemandActive && !s.poll) return null;
  return txIntervalUs(s.txDesiredMinTxUs, s.remoteMinRxUs);
}

/** The timer values we want to advertise: the client's, with at least 1 s Desired Min TX while not Up. */
function target(s: BfdSession): { desired: number; required: number } {
  const desired = s.sessionState === BfdState.Up ? s.config.desiredMinTxUs : Math.max(s.config.desiredMinTxUs, SLOW_TX_US);
  return { desired, required: s.config.requiredMinRxUs };
}

/**
 * Bring the advertised and effective timer values towards the target (§6.8.3). Outside Up they change
 * at once: the peer reads them in our next packet and nothing depends on them yet. In Up a change is a
 * Poll Sequence; a faster transmit or slower receive takes effect at once, the other direction only when
 * the Final proves the peer has seen it. One Poll at a time: later changes wait for the Final (§6.5).
 */
function applyTimerTargets(s: BfdSession): void {
  const t = target(s);
  if (s.sessionState !== BfdState.Up) {
    s.poll = null;
    s.desiredMinTxUs = s.txDesiredMinTxUs = t.desired;
    s.requiredMinRxUs = s.rxRequiredMinRxUs = t.required;
    return;
  }
  if (s.poll) return;
  if (t.desired === s.desiredMinTxUs && t.required === s.requiredMinRxUs) return;
  s.poll = { desiredMinTxUs: t.desired, requiredMinRxUs: t.required };
  s.desiredMinTxUs = t.desired;
  s.requiredMinRxUs = t.required;
  if (t.desired < s.txDesiredMinTxUs) s.txDesiredMinTxUs = t.desired;
  if (t.required > s.rxRequiredMinRxUs) s.rxRequiredMinRxUs = t.required;
}

/** The Final arrived: the advertised values are in force on both sides. */
function endPoll(s: BfdSession): void {
  s.poll = null;
  s.txDesiredMinTxUs = s.desiredMinTxUs;
  s.rxRequiredMinRxUs = s.requiredMinRxUs;
}

/** Build the next packet (§6.8.7) and advance bfd.XmitAuthSeq for keyed authentication. */
function send(s: BfdSession, final: boolean): BfdAction {
  const packet: BfdControlPacket = {
    version: 1,
    diag: s.localDiag,
    state: s.sessionState,
    poll: !final && s.poll !== null,
    final,
    cpi: false,
    demand: false,
    multipoint: false,
    detectMult: s.detectMult,
    myDiscriminator: s.localDiscr,
    yourDiscriminator: s.remoteDiscr,
    desiredMinTxUs: s.desiredMinTxUs,
    requiredMinRxUs: s.requiredMinRxUs,
    requiredMinEchoRxUs: 0, // no Echo function
  };
  if (s.authType >= 2) {
    const authSequence = s.xmitAuthSeq;
    s.xmitAuthSeq = (s.xmitAuthSeq + 1) >>> 0;
    return { type: 'send', packet, authSequence };
  }
  return { type: 'send', packet };
}
