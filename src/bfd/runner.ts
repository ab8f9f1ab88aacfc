// Runs one BFD session: feeds events to the pure FSM and performs its actions with a clock and a transmit function.
// RFC 5880 §6.8.7 (periodic transmission with jitter), §6.8.4 (detection timer); no sockets here (see worker.ts).

import type { Clock, TimerHandle } from '../util/clock';
import { encodeControl } from './codec';
import { step } from './fsm';
import type { BfdControlPacket } from './packet';
import { createSession, type BfdAction, type BfdEvent, type BfdSession, type BfdSessionConfig } from './session';
import { jitteredIntervalUs } from './timers';

export interface BfdRunnerChange {
  from: BfdSession['sessionState'];
  to: BfdSession['sessionState'];
  diag: number;
  detectionTimeUs: number;
  /** clock.now() when the FSM changed state. */
  at: number;
  /** The peer's state as last received, after the change: AdminDown tells a deliberate Down from a failure (RFC 5882 §3.2). */
  remoteState: BfdSession['remoteSessionState'];
}

export interface BfdRunnerOptions {
  clock: Clock;
  /** Sends one encoded packet to the peer. */
  transmit(bytes: Uint8Array): void;
  onStateChange(change: BfdRunnerChange): void;
  onDiscard?(code: string, reason: string): void;
  /** The detection time in force changed without a state change (e.g. after a Poll/Final). */
  onDetectionTime?(detectionTimeUs: number): void;
  /** Uniform [0, 1): jitter and the initial discriminator / sequence; Math.random by default. */
  random?: () => number;
  /** Fixed local discriminator (tests); random nonzero otherwise. */
  localDiscr?: number;
}

export class BfdSessionRunner {
  private s: BfdSession;
  private txTimer: TimerHandle | undefined;
  private detectTimer: TimerHandle | undefined;
  private txIntervalUs: number | null = null;
  private detectionUs = 0;
  private stopped = false;
  private readonly random: () => number;

  constructor(
    config: BfdSessionConfig,
    private readonly opts: BfdRunnerOptions,
  ) {
    this.random = opts.random ?? Math.random;
    const discr = opts.localDiscr ?? 1 + Math.floor(this.random() * 0xfffffffe);
    this.s = createSession(config, discr, Math.floor(this.random() * 0x100000000));
  }

  get session(): BfdSession {
    return this.s;
  }

  start(): void {
    this.dispatch({ type: 'Start' });
  }

  /** A packet demultiplexed to this session (already decoded; `raw` for digest checks). */
  receive(packet: BfdControlPacket, raw: Uint8Array): void {
    this.dispatch({ type: 'RecvPacket', packet, raw });
  }

  adminDown(): void {
    this.dispatch({ type: 'AdminDown' });
  }

  adminUp(): void {
    this.dispatch({ type: 'AdminUp' });
  }

  changeTimers(desiredMinTxUs: number, requiredMinRxUs: number, detectMult: number): void {
    this.dispatch({ type: 'ChangeTimers', desiredMinTxUs, requiredMinRxUs, detectMult });
  }

  stop(): void {
    this.stopped = true;
    this.txTimer?.cancel();
    this.detectTimer?.cancel();
  }

  private dispatch(event: BfdEvent): void {
    if (this.stopped) return;
    const { session, actions } = step(this.s, event);
    this.s = session;
    for (const a of actions) this.perform(a);
  }

  private perform(a: BfdAction): void {
    switch (a.type) {
      case 'send': {
        const auth = this.s.config.auth;
        const signer = auth ? { ...auth, sequence: a.authSequence ?? 0 } : undefined;
        this.opts.transmit(encodeControl(a.packet, signer));
        break;
      }
      case 'set-tx':
        this.txIntervalUs = a.intervalUs;
        this.scheduleTx();
        break;
      case 'set-detect':
        this.detectTimer?.cancel();
        if (a.timeoutUs !== null && a.timeoutUs !== this.detectionUs && this.s.heard) {
          this.detectionUs = a.timeoutUs;
          this.opts.onDetectionTime?.(a.timeoutUs);
        }
        this.detectTimer =
          a.timeoutUs === null
            ? undefined
            : this.opts.clock.setTimeout(() => this.dispatch({ type: 'DetectTimerExpired' }), a.timeoutUs / 1000);
        break;
      case 'state-change':
        this.opts.onStateChange({
          from: a.from,
          to: a.to,
          diag: a.diag,
          detectionTimeUs: a.detectionTimeUs,
          at: this.opts.clock.now(),
          remoteState: this.s.remoteSessionState,
        });
        break;
      case 'discard':
        this.opts.onDiscard?.(a.code, a.reason);
        break;
    }
  }

  /** Next periodic packet after a freshly jittered interval (§6.8.7: jitter applies to each packet). */
  private scheduleTx(): void {
    this.txTimer?.cancel();
    this.txTimer = undefined;
    if (this.txIntervalUs === null) return;
    const us = jitteredIntervalUs(this.txIntervalUs, this.s.detectMult, this.random());
    this.txTimer = this.opts.clock.setTimeout(() => {
      this.txTimer = undefined;
      this.dispatch({ type: 'TxTimerExpired' });
      if (!this.stopped && !this.txTimer) this.scheduleTx();
    }, us / 1000);
  }
}
