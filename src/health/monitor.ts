// TunnelHealthMonitor: the runner that joins a LivenessMonitor, a QualityWindow and the pure tunnel-health step on
// a Clock, and reports verdicts. This is the object the daemon creates per tunnel (docs/liveness.md).

import { realClock, type Clock, type TimerHandle } from '../util/clock';
import { levelAt } from './dampening';
import { createLivenessMonitor, type LivenessDeps, type LivenessListener, type LivenessMonitor, type LivenessSpec, type QualitySource } from './liveness';
import { QualityWindow } from './quality';
import { initialTunnelHealth, tunnelHealthStep, type TunnelHealthConfig, type TunnelHealthEvent, type TunnelHealthOutput, type TunnelHealthState } from './tunnel-health';
import {
  DEFAULT_DAMPENING,
  DEFAULT_DEMOTION,
  DEFAULT_QUALITY,
  DEFAULT_QUALITY_PROBE_INTERVAL_MS,
  type DampeningConfig,
  type DemotionConfig,
  type LivenessEvent,
  type QualityConfig,
  type QualityFigures,
  type QualitySample,
  type TunnelVerdict,
} from './types';

export interface TunnelHealthOptions {
  /** For logs and status. */
  name: string;
  liveness: LivenessSpec;
  quality?: Partial<QualityConfig>;
  demotion?: Partial<DemotionConfig>;
  dampening?: Partial<DampeningConfig>;
}

export interface TunnelHealthDeps extends LivenessDeps {
  clock?: Clock;
  log?: { info?(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** For tests: build the liveness monitor some other way. */
  createLiveness?: (spec: LivenessSpec, listener: LivenessListener) => LivenessMonitor;
}

export interface TunnelHealthStatus {
  name: string;
  verdict: TunnelVerdict;
  liveness: { mode: LivenessSpec['mode']; state: TunnelHealthState['liveness']; detail: string; last?: LivenessEvent };
  quality: { source: QualitySource; available: boolean; note?: string; figures?: QualityFigures };
  demotion: { demoted: boolean; reason?: string; detail?: string; since?: number; healthySince?: number; promoteAt?: number };
  dampening: { level: number; holdMs: number; heldUntil?: number };
}

/** Callbacks: onVerdict when the verdict's state changes; onEvent for every output (demoted, promoted, dampened). */
export interface TunnelHealthCallbacks {
  onVerdict(verdict: TunnelVerdict, previous: TunnelVerdict): void;
  onEvent?(ev: TunnelHealthOutput): void;
}

export function resolveHealthConfig(o: Pick<TunnelHealthOptions, 'quality' | 'demotion' | 'dampening'>): TunnelHealthConfig & { quality: QualityConfig } {
  return {
    quality: { ...DEFAULT_QUALITY, ...definedOnly(o.quality ?? {}) },
    demotion: { ...DEFAULT_DEMOTION, ...definedOnly(o.demotion ?? {}) },
    dampening: { ...DEFAULT_DAMPENING, ...definedOnly(o.dampening ?? {}) },
  };
}

export class TunnelHealthMonitor {
  private state: TunnelHealthState;
  private readonly cfg: TunnelHealthConfig & { quality: QualityConfig };
  private readonly clock: Clock;
  private readonly window: QualityWindow;
  private liveness: LivenessMonitor | undefined;
  private wake: TimerHandle | undefined;
  private wakeAt: number | undefined;
  private closed = false;
  private note: string | undefined;

  constructor(
    readonly options: TunnelHealthOptions,
    private readonly deps: TunnelHealthDeps,
    private readonly callbacks: TunnelHealthCallbacks,
  ) {
    this.cfg = resolveHealthConfig(options);
    this.clock = deps.clock ?? realClock;
    this.window = new QualityWindow(this.cfg.quality.windowMs, this.cfg.quality.settleMs ?? defaultSettleMs(options.liveness));
    this.state = initialTunnelHealth(this.clock.now());
  }

  /** Requests the BFD session or probe. Events may arrive from then on. */
  start(): void {
    if (this.liveness || this.closed) return;
    const listener: LivenessListener = { onChange: (ev) => this.onLiveness(ev), onSample: (s) => this.onSample(s) };
    this.liveness = this.deps.createLiveness ? this.deps.createLiveness(this.options.liveness, listener) : createLivenessMonitor(this.options.liveness, this.deps, listener);
  }

  close(): void {
    this.closed = true;
    this.wake?.cancel();
    this.liveness?.close();
  }

  get verdict(): TunnelVerdict {
    return this.state.verdict;
  }

  status(): TunnelHealthStatus {
    const now = this.clock.now();
    const s = this.state;
    const source = this.liveness?.qualitySource ?? 'none';
    const figures = this.currentFigures(now);
    const d = s.demotion;
    return {
      name: this.options.name,
      verdict: s.verdict,
      liveness: { mode: this.options.liveness.mode, state: s.liveness, detail: s.livenessDetail, ...(this.liveness?.current ? { last: this.liveness.current } : {}) },
      quality: { source, available: figures !== undefined, ...(this.note ? { note: this.note } : {}), ...(figures ? { figures } : {}) },
      demotion: {
        demoted: d.demoted,
        ...(d.reason ? { reason: d.reason } : {}),
        ...(d.detail ? { detail: d.detail } : {}),
        ...(d.since !== undefined ? { since: d.since } : {}),
        ...(d.healthySince !== undefined ? { healthySince: d.healthySince, promoteAt: d.healthySince + this.cfg.demotion.holdDownMs } : {}),
      },
      dampening: {
        level: levelAt(s.damp, now, this.cfg.dampening),
        holdMs: s.damp.holdMs,
        ...(s.verdict.heldUntil !== undefined ? { heldUntil: s.verdict.heldUntil } : {}),
      },
    };
  }

  private onLiveness(ev: LivenessEvent): void {
    if (this.closed) return;
    this.log('info', { tunnel: this.options.name, liveness: ev }, `tunnel ${this.options.name} liveness ${ev.state}: ${ev.detail}`);
    this.dispatch({ type: 'liveness', state: ev.state, detail: ev.detail, at: this.clock.now() });
  }

  private onSample(sample: QualitySample): void {
    if (this.closed || this.state.liveness !== 'up') return;
    const now = this.clock.now();
    this.window.add(sample, now);
    this.dispatch({ type: 'quality', figures: this.currentFigures(now), at: now });
  }

  /**
   * The window's figures, or undefined when quality is unavailable: no quality source, or (BFD mode) a side probe
   * that gets no reply at all while BFD is up. Real loss that total would have brought BFD down, so it means the far
   * side does not answer ICMP; judging it as 100 % loss would demote a healthy tunnel forever.
   */
  private currentFigures(now: number): QualityFigures | undefined {
    const source = this.liveness?.qualitySource ?? 'none';
    if (source === 'none') return undefined;
    const f = this.window.figures(now);
    if (source === 'bfd-side-probe' && f.samples > 0 && f.lost === f.samples) {
      if (!this.note) {
        this.note = 'quality probe gets no replies while BFD is up: the far side does not seem to answer ICMP echo';
        this.log('warn', { tunnel: this.options.name }, `tunnel ${this.options.name}: ${this.note}`);
      }
      return undefined;
    }
    this.note = undefined;
    return f;
  }

  private dispatch(ev: TunnelHealthEvent): void {
    const { state, outputs, wakeAt } = tunnelHealthStep(this.state, ev, this.cfg);
    this.state = state;
    for (const o of outputs) this.perform(o);
    this.schedule(wakeAt);
  }

  private perform(o: TunnelHealthOutput): void {
    if (o.type === 'reset-quality') this.window.reset();
    else if (o.type === 'verdict') {
      this.log('info', { tunnel: this.options.name, verdict: o.verdict }, `tunnel ${this.options.name} verdict ${o.previous.state} -> ${o.verdict.state}: ${o.verdict.detail}`);
    } else if (o.type === 'demoted') {
      this.log('info', { tunnel: this.options.name, figures: o.figures }, `tunnel ${this.options.name} demoted: ${o.detail}`);
    } else if (o.type === 'promoted') {
      this.log('info', { tunnel: this.options.name, figures: o.figures }, `tunnel ${this.options.name} promoted after ${Math.round(o.demotedForMs)} ms`);
    }
    try {
      this.callbacks.onEvent?.(o);
      if (o.type === 'verdict') this.callbacks.onVerdict(o.verdict, o.previous);
    } catch (err) {
      this.deps.log?.warn({ err, tunnel: this.options.name }, 'tunnel health callback threw');
    }
  }

  private schedule(wakeAt: number | undefined): void {
    if (wakeAt === this.wakeAt) return;
    this.wake?.cancel();
    this.wake = undefined;
    this.wakeAt = wakeAt;
    if (wakeAt === undefined) return;
    this.wake = this.clock.setTimeout(() => {
      this.wake = undefined;
      this.wakeAt = undefined;
      if (this.closed) return;
      const now = this.clock.now();
      // Fresh figures end a promotion hold-down; a bare tick ends a flap hold-down.
      this.dispatch(this.state.liveness === 'up' ? { type: 'quality', figures: this.currentFigures(now), at: now } : { type: 'tick', at: now });
    }, Math.max(0, wakeAt - this.clock.now()));
  }

  private log(level: 'info' | 'warn', obj: object, msg: string): void {
    if (level === 'info') this.deps.log?.info?.(obj, msg);
    else this.deps.log?.warn(obj, msg);
  }
}

/** The detection time plus one probe interval: by then liveness has decided on every outcome in the window. */
export function defaultSettleMs(l: LivenessSpec): number {
  if (l.mode === 'probe') return l.intervalMs * (l.multiplier + 1);
  const q = l.qualityProbe === undefined ? DEFAULT_QUALITY_PROBE_INTERVAL_MS : l.qualityProbe ? l.qualityProbe.intervalMs : 0;
  return l.intervalMs * l.multiplier + q;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
