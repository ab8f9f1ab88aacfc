// The BGP connection FSM as a pure step(state, event, now) -> { state, actions }: the runner performs actions.
// RFC 4271 §8.2 (with AllowAutomaticStart/Stop, DampPeerOscillations, PassiveTcpEstablishment), RFC 6608, RFC 8203.

import { buildOpen, negotiate, afiSafiToFamily } from './capabilities';
import { CeaseSubcode, FsmSubcode } from './errors';
import { fromError, fromStop, notification } from './fsm-messages';
import { Tx } from './fsm-state';
import type { BgpState, DownReason, FsmEvent, FsmState, StepResult, TimerName } from './fsm-types';
import type { NotificationMessage } from './types';

// Where this differs from the letter of §8.2.2, and why:
// - A refused outgoing connect (Connect + TcpConnectionFails) waits in Active for the ConnectRetryTimer
//   instead of going to Idle: an unreachable peer is not an oscillating one (FRR and BIRD do the same).
// - A passive FSM runs no ConnectRetryTimer: it never connects, so there is nothing to retry.
// - A received NOTIFICATION is never answered with one (the §8.2.2 "any other event" rows would).
// - DelayOpen and SendNOTIFICATIONwithoutOPEN are not implemented; the OPEN goes out as soon as TCP is up.
// - DampPeerOscillations is an IdleHoldTimer that doubles per consecutive failure (config.idleHold) and
//   resets once a session stayed Established for config.stableTime.

export * from './fsm-types';
export { eventForError, eventForMessage, notification, shutdownCommunication } from './fsm-messages';
export { createFsm, fsmConfig } from './fsm-state';

const CEASE = 6;
const HOLD_TIMER_EXPIRED = 4;
const FSM_ERROR = 5;
const TIMERS: TimerName[] = ['ConnectRetry', 'Hold', 'Keepalive', 'IdleHold'];

interface IdleOptions {
  reason: DownReason;
  message: string;
  notificationSent?: NotificationMessage;
  notificationReceived?: NotificationMessage;
  /** Count this as a failure for the IdleHoldTimer backoff and the ConnectRetryCounter. */
  damp: boolean;
  /** ManualStop: no automatic restart, counters back to zero. */
  manual?: boolean;
}

/** Leave for Idle: stop timers, drop TCP, report a lost session, and schedule the automatic restart. */
function toIdle(tx: Tx, o: IdleOptions): void {
  const s = tx.s;
  const from = s.state;
  for (const t of TIMERS) tx.stop(t);
  tx.push({ type: 'drop' });
  const detail = {
    ...(o.notificationSent ? { notificationSent: o.notificationSent } : {}),
    ...(o.notificationReceived ? { notificationReceived: o.notificationReceived } : {}),
  };
  if (from === 'Established') {
    s.flaps++;
    // A session that held long enough proves the peer sane again: forget earlier failures.
    if (s.establishedAt !== null && tx.now - s.establishedAt >= s.config.stableTime * 1000) {
      s.failures = 0;
      s.idleHoldTime = s.config.idleHold.min;
    }
    tx.push({ type: 'down', reason: o.reason, message: o.message, ...detail });
  }
  s.establishedAt = null;
  s.negotiated = null;
  s.state = 'Idle';
  if (o.manual) {
    s.started = false;
    s.connectRetryCounter = 0;
    s.failures = 0;
    s.idleHoldTime = s.config.idleHold.min;
    return;
  }
  s.lastError = { at: tx.now, state: from, reason: o.reason, message: o.message, ...detail };
  if (o.damp) {
    s.connectRetryCounter++;
    s.failures++;
    const { min, max } = s.config.idleHold;
    s.idleHoldTime = Math.min(min * 2 ** (s.failures - 1), max);
  }
  if (s.started) tx.start('IdleHold', s.idleHoldTime, true);
}

/** Send a NOTIFICATION for an error and fall to Idle. */
function failWith(tx: Tx, n: NotificationMessage, reason: DownReason, message: string): void {
  tx.send(n);
  toIdle(tx, { reason, message, notificationSent: n, damp: true });
}

/** Open a connection (active) or wait for one (passive). Passive runs no ConnectRetryTimer: nothing to retry. */
function begin(tx: Tx, passive: boolean): void {
  const s = tx.s;
  s.passive = passive;
  tx.stop('IdleHold');
  if (passive) {
    s.state = 'Active';
    return;
  }
  tx.start('ConnectRetry', s.config.connectRetry, true);
  tx.push({ type: 'connect' });
  s.state = 'Connect';
}

/** TCP is up: send our OPEN and wait for the peer's under the large initial hold timer. */
function openSent(tx: Tx): void {
  tx.stop('ConnectRetry');
  tx.push({ type: 'send-open', open: buildOpen(tx.s.config) });
  tx.start('Hold', tx.s.config.openHoldTime);
  tx.s.state = 'OpenSent';
}

function restartHold(tx: Tx): void {
  const hold = tx.s.negotiated?.holdTime ?? 0;
  if (hold > 0) tx.start('Hold', hold);
}

const UNEXPECTED_SUBCODE: Partial<Record<BgpState, number>> = {
  OpenSent: FsmSubcode.UnexpectedInOpenSent,
  OpenConfirm: FsmSubcode.UnexpectedInOpenConfirm,
  Established: FsmSubcode.UnexpectedInEstablished,
};

const MESSAGE_EVENTS = new Set<FsmEvent['type']>(['BGPOpen', 'KeepAliveMsg', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg']);

/** Events each state handles the same way once TCP is up (OpenSent, OpenConfirm, Established). */
function connected(tx: Tx, e: FsmEvent): boolean {
  const s = tx.s;
  switch (e.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // Further connections are separate FSMs in the runner (collision detection, §6.8).
      return true;
    case 'ManualStop': {
      const n = tx.send(fromStop(e.notification ?? { code: CEASE, subcode: CeaseSubcode.AdministrativeShutdown, message: s.config.shutdownMessage }));
      toIdle(tx, { reason: 'manual-stop', message: 'stopped by operator', notificationSent: n, damp: false, manual: true });
      return true;
    }
    case 'AutomaticStop': {
      const n = tx.send(fromStop(e.notification));
      toIdle(tx, { reason: 'automatic-stop', message: e.notification.message ?? 'stopped by local policy', notificationSent: n, damp: true });
      return true;
    }
    case 'HoldTimer_Expires':
      failWith(tx, notification(HOLD_TIMER_EXPIRED, 0), 'hold-timer-expired', 'hold timer expired');
      return true;
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      failWith(tx, fromError(e.error), 'protocol-error', e.error.message ?? `${e.type} ${e.error.code}/${e.error.subcode}`);
      return true;
    case 'OpenCollisionDump':
      failWith(tx, notification(CEASE, CeaseSubcode.ConnectionCollisionResolution), 'collision', 'connection collision resolution');
      return true;
    case 'NotifMsgVerErr':
    case 'NotifMsg': {
      // Never answer a NOTIFICATION with one: the peer is already closing (RFC 4271 §6).
      const n = e.notification;
      const msg = `received NOTIFICATION ${n.code}/${n.subcode}${n.shutdownMessage ? `: ${n.shutdownMessage}` : ''}`;
      // A version mismatch in OpenSent is not an oscillation: RFC 4271 leaves the counter alone.
      const damp = !(e.type === 'NotifMsgVerErr' && s.state === 'OpenSent');
      toIdle(tx, { reason: 'notification-received', message: msg, notificationReceived: n, damp });
      return true;
    }
    default:
      return false;
  }
}

/** Anything a state has no rule for: FSM Error, with RFC 6608's subcode when it was a message. */
function unexpected(tx: Tx, e: FsmEvent): void {
  const subcode = MESSAGE_EVENTS.has(e.type) ? (UNEXPECTED_SUBCODE[tx.s.state] ?? 0) : FsmSubcode.Unspecified;
  failWith(tx, notification(FSM_ERROR, subcode), 'protocol-error', `unexpected ${e.type} in ${tx.s.state}`);
}

function idle(tx: Tx, e: FsmEvent): void {
  const s = tx.s;
  switch (e.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      s.started = true;
      s.failures = 0;
      s.idleHoldTime = s.config.idleHold.min;
      s.connectRetryCounter = 0;
      begin(tx, s.config.passive || e.type !== 'ManualStart');
      return;
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      s.started = true;
      s.connectRetryCounter = 0;
      begin(tx, s.config.passive || e.type !== 'AutomaticStart');
      return;
    case 'IdleHoldTimer_Expires':
      if (s.started) begin(tx, s.passive);
      return;
    case 'ManualStop':
      // Cancels a pending automatic restart.
      s.started = false;
      s.failures = 0;
      s.idleHoldTime = s.config.idleHold.min;
      s.connectRetryCounter = 0;
      tx.stop('IdleHold');
      return;
    default:
      // RFC 4271 §8.2.2: every other event leaves Idle alone.
      return;
  }
}

/** Connect (our TCP connection is in progress) and Active (waiting for the peer's). */
function connecting(tx: Tx, e: FsmEvent): void {
  const s = tx.s;
  switch (e.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return;
    case 'ManualStop':
      toIdle(tx, { reason: 'manual-stop', message: 'stopped by operator', damp: false, manual: true });
      return;
    case 'AutomaticStop':
      toIdle(tx, { reason: 'automatic-stop', message: e.notification.message ?? 'stopped by local policy', damp: true });
      return;
    case 'ConnectRetryTimer_Expires':
      if (s.passive) return;
      if (s.state === 'Connect') tx.push({ type: 'drop' });
      tx.start('ConnectRetry', s.config.connectRetry, true);
      tx.push({ type: 'connect' });
      s.state = 'Connect';
      return;
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      openSent(tx);
      return;
    case 'TcpConnectionFails':
      if (s.state === 'Connect') {
        // Deviation from §8.2.2 (which goes to Idle): an unreachable peer is not an oscillating one, so
        // retry every ConnectRetryTime from Active instead of growing the IdleHold backoff (as FRR/BIRD do).
        tx.push({ type: 'drop' });
        s.connectRetryCounter++;
        s.lastError = { at: tx.now, state: 'Connect', reason: 'tcp-connection-failed', message: e.reason ?? 'TCP connection failed' };
        tx.start('ConnectRetry', s.config.connectRetry, true);
        s.state = 'Active';
        return;
      }
      toIdle(tx, { reason: 'tcp-connection-failed', message: e.reason ?? 'TCP connection failed', damp: true });
      return;
    case 'NotifMsgVerErr':
      toIdle(tx, { reason: 'notification-received', message: 'version error', notificationReceived: e.notification, damp: false });
      return;
    default:
      // No TCP connection to send a NOTIFICATION on.
      toIdle(tx, { reason: 'protocol-error', message: `unexpected ${e.type} in ${s.state}`, damp: true });
  }
}

function openSentState(tx: Tx, e: FsmEvent): void {
  const s = tx.s;
  if (connected(tx, e)) return;
  switch (e.type) {
    case 'TcpConnectionFails':
      // §8.2.2: back to Active and listen; not counted as an oscillation.
      tx.stop('Hold');
      tx.push({ type: 'drop' });
      s.lastError = { at: tx.now, state: 'OpenSent', reason: 'tcp-connection-failed', message: e.reason ?? 'TCP connection failed' };
      if (!s.passive) tx.start('ConnectRetry', s.config.connectRetry, true);
      s.state = 'Active';
      return;
    case 'BGPOpen': {
      const r = negotiate(s.config, e.open);
      if (!r.ok) {
        failWith(tx, fromError(r.error), 'protocol-error', r.error.message ?? 'bad OPEN');
        return;
      }
      const n = r.negotiated;
      s.negotiated = n;
      s.peerRouterId = n.peerRouterId;
      tx.stop('ConnectRetry');
      tx.push({ type: 'send-keepalive' });
      if (n.holdTime > 0) {
        tx.start('Keepalive', n.keepalive, true);
        tx.start('Hold', n.holdTime);
      } else {
        // Hold time 0: no keepalives, no hold timer (RFC 4271 §4.2).
        tx.stop('Hold');
      }
      s.state = 'OpenConfirm';
      return;
    }
    default:
      unexpected(tx, e);
  }
}

function openConfirmState(tx: Tx, e: FsmEvent): void {
  const s = tx.s;
  if (connected(tx, e)) return;
  switch (e.type) {
    case 'KeepaliveTimer_Expires':
      tx.push({ type: 'send-keepalive' });
      tx.start('Keepalive', s.negotiated!.keepalive, true);
      return;
    case 'TcpConnectionFails':
      toIdle(tx, { reason: 'tcp-connection-failed', message: e.reason ?? 'TCP connection failed', damp: true });
      return;
    case 'KeepAliveMsg':
      restartHold(tx);
      s.establishedAt = tx.now;
      s.state = 'Established';
      tx.push({ type: 'established', negotiated: s.negotiated! });
      return;
    default:
      unexpected(tx, e);
  }
}

function establishedState(tx: Tx, e: FsmEvent): void {
  const s = tx.s;
  if (connected(tx, e)) return;
  const n = s.negotiated!;
  switch (e.type) {
    case 'KeepaliveTimer_Expires':
      if (n.holdTime === 0) return;
      tx.push({ type: 'send-keepalive' });
      tx.start('Keepalive', n.keepalive, true);
      return;
    case 'TcpConnectionFails':
      toIdle(tx, { reason: 'tcp-connection-failed', message: e.reason ?? 'TCP connection failed', damp: true });
      return;
    case 'KeepAliveMsg':
      restartHold(tx);
      return;
    case 'UpdateMsg':
      restartHold(tx);
      tx.push({ type: 'deliver-update', update: e.update });
      return;
    case 'UpdateMsgErr':
      failWith(tx, fromError(e.error), 'protocol-error', e.error.message ?? `UPDATE error ${e.error.code}/${e.error.subcode}`);
      return;
    case 'RouteRefreshMsg': {
      restartHold(tx);
      // RFC 2918 §4: a family that was not negotiated is ignored.
      const family = afiSafiToFamily(e.refresh.afi, e.refresh.safi);
      if (family && n.families.includes(family)) tx.push({ type: 'deliver-route-refresh', family, subtype: e.refresh.subtype });
      return;
    }
    default:
      unexpected(tx, e);
  }
}

/** RFC 4271 §8.2.2: one event in, the next state and what to do out. Never mutates its input. */
export function step(state: FsmState, event: FsmEvent, now = 0): StepResult {
  const tx = new Tx(state, now);
  // A timer that fired is no longer running.
  const fired = event.type.endsWith('Timer_Expires') ? (event.type.slice(0, -'Timer_Expires'.length) as TimerName) : undefined;
  if (fired) delete tx.s.timers[fired];
  switch (state.state) {
    case 'Idle':
      idle(tx, event);
      break;
    case 'Connect':
    case 'Active':
      connecting(tx, event);
      break;
    case 'OpenSent':
      openSentState(tx, event);
      break;
    case 'OpenConfirm':
      openConfirmState(tx, event);
      break;
    case 'Established':
      establishedState(tx, event);
      break;
  }
  return { state: tx.s, actions: tx.actions };
}
