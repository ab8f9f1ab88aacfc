// Quality-based demotion with hysteresis, as a pure step: demote at once when loss/RTT/jitter crosses a threshold,
// promote only after the tunnel has stayed healthy for a hold-down. No RFC (issue 3 item 6; docs/liveness.md).

import type { DemotionConfig, QualityFigures } from './types';

export type DemotionReason = 'loss' | 'rtt' | 'jitter';

export interface DemotionState {
  demoted: boolean;
  /** While demoted: why, since when (clock ms), and since when it has been continuously healthy. */
  reason?: DemotionReason;
  detail?: string;
  since?: number;
  healthySince?: number;
}

export type DemotionEvent =
  | { type: 'demoted'; reason: DemotionReason; detail: string; figures: QualityFigures; at: number }
  /** figures is absent when quality became unavailable while demoted. */
  | { type: 'promoted'; figures?: QualityFigures; demotedForMs: number; at: number };

export type Judgement = { kind: 'bad'; reason: DemotionReason; detail: string } | { kind: 'good' } | { kind: 'unknown' };

export const INITIAL_DEMOTION: DemotionState = { demoted: false };

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Thresholds are exceeded strictly: 5 % loss with maxLossPct 5 is still good. Too few samples judge nothing.
 * No figures at all (quality unavailable: BFD mode without a quality probe, or a far side that stopped answering
 * ICMP) is no evidence against the tunnel: good, so a demoted tunnel cannot stay demoted on no data forever.
 */
export function judge(f: QualityFigures | undefined, cfg: DemotionConfig): Judgement {
  if (!f) return { kind: 'good' };
  if (f.samples < cfg.minSamples) return { kind: 'unknown' };
  if (f.lossPct > cfg.maxLossPct) {
    return { kind: 'bad', reason: 'loss', detail: `loss ${fmt(f.lossPct)} % (${f.lost}/${f.samples}) over ${f.windowMs / 1000} s > ${cfg.maxLossPct} %` };
  }
  if (cfg.maxRttMs !== undefined && f.rttMs !== undefined && f.rttMs > cfg.maxRttMs) {
    return { kind: 'bad', reason: 'rtt', detail: `mean RTT ${fmt(f.rttMs)} ms over ${f.windowMs / 1000} s > ${cfg.maxRttMs} ms` };
  }
  if (cfg.maxJitterMs !== undefined && f.jitterMs !== undefined && f.jitterMs > cfg.maxJitterMs) {
    return { kind: 'bad', reason: 'jitter', detail: `jitter ${fmt(f.jitterMs)} ms over ${f.windowMs / 1000} s > ${cfg.maxJitterMs} ms` };
  }
  return { kind: 'good' };
}

/**
 * One evaluation at `now`. `wakeAt` is when the state would change with no new figures (the end of the promotion
 * hold-down), so a runner can re-evaluate exactly then. Too few samples neither demote nor count as healthy: a
 * demoted tunnel's healthy period starts again once there are enough.
 */
export function demotionStep(
  s: DemotionState,
  figures: QualityFigures | undefined,
  now: number,
  cfg: DemotionConfig,
): { state: DemotionState; event?: DemotionEvent; wakeAt?: number } {
  const j = judge(figures, cfg);
  if (!s.demoted) {
    if (j.kind !== 'bad') return { state: s };
    return {
      state: { demoted: true, reason: j.reason, detail: j.detail, since: now },
      event: { type: 'demoted', reason: j.reason, detail: j.detail, figures: figures!, at: now },
    };
  }
  if (j.kind === 'bad') {
    // Still bad: the healthy period (if any) is broken; keep the first reason but show the current figures.
    const { healthySince: _, ...rest } = s;
    return { state: { ...rest, detail: j.detail } };
  }
  if (j.kind === 'unknown') {
    const { healthySince: _, ...rest } = s;
    return { state: rest };
  }
  const healthySince = s.healthySince ?? now;
  const promoteAt = healthySince + cfg.holdDownMs;
  if (now >= promoteAt) {
    return {
      state: { demoted: false },
      event: { type: 'promoted', ...(figures ? { figures } : {}), demotedForMs: now - (s.since ?? now), at: now },
    };
  }
  return { state: { ...s, healthySince }, wakeAt: promoteAt };
}
