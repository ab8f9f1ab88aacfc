// Runs one BFD session: feeds events to the pure FSM and performs its actions with a clock and a transmit function.
// RFC 5880 §6.8.7 (periodic transmission with jitter), §6.8.4 (detection timer); no sockets here (see worker.ts).

import type { Clock, TimerHandle } from '../util/clock';
import { encodeControl } from './codec';
import { step } from './fsm';
import type { BfdControlPacket } from './packet';
import { createSession, resumeChanged, resumePoint, resumeSession, type BfdAction, type BfdEvent, type BfdResume, type BfdSession, type BfdSessionConfig } from './session';
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
  /** Fixed local discriminator (the supervisor's choice, or tests); random nonzero otherwise. */
  localDiscr?: number;
  /** Carry on a session a previous process ran (session.ts resumeSession); needs localDiscr. */
  resume?: BfdResume;
  /**
   * A periodic packet went out `lateMs` after the time its jittered interval scheduled it for (§6.8.7): how late
   * this process was, as opposed to how lossy the path is.
   */
  onTxLateness?(lateMs: number): void;
  /** The resume point changed (state, peer, agreed timers): what a new process would need to carry on. */
  onResumePoint?(resume: BfdResume | null): void;
}

export class BfdSessionRunner {
  private s: BfdSession;
  private txTimer: TimerHandle | undefined;
  private detectTimer: TimerHandle | undefined;
  private txIntervalUs: number | null = null;
  private detectionUs = 0;
  private stopped = false;
  /** clock.now() the pending periodic packet is due at. */
  private txDue = 0;
  private lastResume: BfdResume | null = null;
  private readonly random: () => number;

  constructor(
    config: BfdSessionConfig,
    private readonly opts: BfdRunnerOptions,
  ) {
    this.random = opts.random ?? Math.random;
    const discr = opts.localDiscr ?? 1 + Math.floor(this.random() * 0xfffffffe);
    if (opts.resume) {
      this.s = resumeSession(config, discr, opts.resume);
      this.lastResume = resumePoint(this.s);
    } else this.s = createSession(config, discr, Math.floor(this.random() * 0x100000000));
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
    if (this.opts.onResumePoint) {
      const r = resumePoint(this.s);
      if (resumeChanged(this.lastResume, r)) this.opts.onResumePoint(r);
      this.lastResume = r;
    }
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
    this.txDue = this.opts.clock.now() + us / 1000;
    this.txTimer = this.opts.clock.setTimeout(() => {
      this.txTimer = undefined;
      const due = this.txDue;
      this.dispatch({ type: 'TxTimerExpired' });
      // Measured after the packet was handed to the socket: scheduling, the deferral past waiting I/O, encoding.
      this.opts.onTxLateness?.(Math.max(0, this.opts.clock.now() - due));
      if (!this.stopped && !this.txTimer) this.scheduleTx();
    }, us / 1000);
  }
}
