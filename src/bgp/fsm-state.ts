// Creating an FSM's state, and Tx: one transition under construction (state copy, actions, timers, jitter).
// RFC 4271 §8 (timers), §10 (jitter). Used by fsm.ts only; step() there is the public entry point.

import { FSM_DEFAULTS, type FsmAction, type FsmConfig, type FsmConfigInput, type FsmState, type TimerName } from './fsm-types';
import type { NotificationMessage } from './types';

/** Configuration with defaults filled in; properties given as undefined count as absent. */
export function fsmConfig(input: FsmConfigInput): FsmConfig {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as FsmConfigInput;
  return { ...FSM_DEFAULTS, ...given, idleHold: { ...(given.idleHold ?? FSM_DEFAULTS.idleHold) } };
}

/** A stopped FSM in Idle. The seed feeds timer jitter, so equal seeds replay equally. */
export function createFsm(input: FsmConfigInput, seed = 1): FsmState {
  const config = fsmConfig(input);
  return {
    state: 'Idle',
    config,
    started: false,
    passive: config.passive,
    connectRetryCounter: 0,
    failures: 0,
    idleHoldTime: config.idleHold.min,
    timers: {},
    negotiated: null,
    peerRouterId: null,
    establishedAt: null,
    flaps: 0,
    lastError: null,
    rng: mix32(seed) || 1,
  };
}

/** murmur3's finalizer: neighbouring seeds (1, 2, 3...) give unrelated jitter sequences. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** One transition under construction: a copy of the state, the actions so far, and timer helpers. */
export class Tx {
  readonly s: FsmState;
  readonly actions: FsmAction[] = [];
  constructor(
    state: FsmState,
    readonly now: number,
  ) {
    this.s = { ...state, timers: { ...state.timers } };
  }

  push(a: FsmAction): void {
    this.actions.push(a);
  }

  /** Start (or restart) a timer; jittered timers get RFC 4271 §10's factor of 0.75..1. */
  start(timer: TimerName, seconds: number, jitter = false): void {
    let ms = Math.round(seconds * 1000);
    if (jitter && this.s.config.jitter) ms = Math.round(ms * (0.75 + 0.25 * this.random()));
    this.s.timers[timer] = this.now + ms;
    this.push({ type: 'start-timer', timer, ms });
  }

  stop(timer: TimerName): void {
    if (this.s.timers[timer] === undefined) return;
    delete this.s.timers[timer];
    this.push({ type: 'stop-timer', timer });
  }

  send(n: NotificationMessage): NotificationMessage {
    this.push({ type: 'send-notification', notification: n });
    return n;
  }

  private random(): number {
    let x = this.s.rng | 0 || 1;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s.rng = x >>> 0;
    return this.s.rng / 2 ** 32;
  }
}
