// One verdict per tunnel ('up' | 'demoted' | 'down') from liveness, flap dampening and quality demotion, as a pure
// step(state, event) -> { state, outputs, wakeAt }. No RFC; what BGP and the FIB consume (docs/liveness.md).

import { dampenDown, INITIAL_DAMPENING, levelAt, type DampeningState } from './dampening';
import { demotionStep, INITIAL_DEMOTION, type DemotionEvent, type DemotionState } from './demotion';
import type { DampeningConfig, DemotionConfig, LivenessState, QualityFigures, TunnelVerdict } from './types';

export interface TunnelHealthConfig {
  dampening: DampeningConfig;
  demotion: DemotionConfig;
}

export interface TunnelHealthState {
  liveness: 'unknown' | LivenessState;
  livenessDetail: string;
  livenessSince: number;
  /** While liveness is up: the tunnel is not used before this clock time (flap hold-down). */
  holdUntil: number;
  damp: DampeningState;
  demotion: DemotionState;
  verdict: TunnelVerdict;
}

export type TunnelHealthEvent =
  | { type: 'liveness'; state: LivenessState; detail: string; at: number }
  /** Current figures of the quality window (undefined: quality unavailable). */
  | { type: 'quality'; figures: QualityFigures | undefined; at: number }
  /** Re-evaluates time-based changes only (the flap hold-down). A runner with a quality window sends 'quality'
   *  with fresh figures at a `wakeAt` instead, which also ends a promotion hold-down. */
  | { type: 'tick'; at: number };

export type TunnelHealthOutput =
  /** The verdict's state changed (emitted only then; reason and detail may change silently within a state). */
  | { type: 'verdict'; verdict: TunnelVerdict; previous: TunnelVerdict }
  | DemotionEvent
  /** A Down raised the dampening level: when liveness is back, the tunnel is held this long. */
  | { type: 'dampened'; level: number; holdMs: number; at: number }
  /** Action: liveness came up; measurements from before say nothing now, clear the quality window. */
  | { type: 'reset-quality' };

export interface TunnelHealthStep {
  state: TunnelHealthState;
  outputs: TunnelHealthOutput[];
  /** When to send a 'tick' (clock ms) if nothing else happens first. */
  wakeAt?: number;
}

export function initialTunnelHealth(now: number): TunnelHealthState {
  return {
    liveness: 'unknown',
    livenessDetail: 'no liveness verdict yet',
    livenessSince: now,
    holdUntil: 0,
    damp: INITIAL_DAMPENING,
    demotion: INITIAL_DEMOTION,
    verdict: { state: 'down', reason: 'starting', detail: 'no liveness verdict yet', since: now },
  };
}

export function tunnelHealthStep(s: TunnelHealthState, ev: TunnelHealthEvent, cfg: TunnelHealthConfig): TunnelHealthStep {
  const outputs: TunnelHealthOutput[] = [];
  let next: TunnelHealthState = s;

  if (ev.type === 'liveness') {
    if (ev.state === s.liveness) {
      next = { ...s, livenessDetail: ev.detail };
    } else if (ev.state === 'down') {
      // Dampening counts transitions out of up; a start in Down is not a flap.
      const damp = s.liveness === 'up' ? dampenDown(s.damp, ev.at, cfg.dampening) : s.damp;
      if (damp !== s.damp) outputs.push({ type: 'dampened', level: damp.level, holdMs: damp.holdMs, at: ev.at });
      next = { ...s, liveness: 'down', livenessDetail: ev.detail, livenessSince: ev.at, damp, holdUntil: 0 };
    } else {
      outputs.push({ type: 'reset-quality' });
      next = { ...s, liveness: 'up', livenessDetail: ev.detail, livenessSince: ev.at, holdUntil: ev.at + s.damp.holdMs };
    }
  }

  // Quality counts only while liveness is up; a demotion outlives a Down (a lossy tunnel that flaps stays demoted
  // until it has been healthy for the hold-down).
  if (next.liveness === 'up' && ev.type === 'quality') {
    const d = demotionStep(next.demotion, ev.figures, ev.at, cfg.demotion);
    next = { ...next, demotion: d.state };
    if (d.event) outputs.push(d.event);
  }

  const verdict = verdictOf(next, ev.at);
  if (verdict.state !== next.verdict.state) {
    outputs.push({ type: 'verdict', verdict, previous: next.verdict });
    next = { ...next, verdict };
  } else {
    next = { ...next, verdict: { ...verdict, since: next.verdict.since } };
  }

  const wakes = [wakeOfDemotion(next, cfg), next.liveness === 'up' && next.holdUntil > ev.at ? next.holdUntil : undefined].filter(
    (w): w is number => w !== undefined && w > ev.at,
  );
  return { state: next, outputs, ...(wakes.length ? { wakeAt: Math.min(...wakes) } : {}) };
}

function wakeOfDemotion(s: TunnelHealthState, cfg: TunnelHealthConfig): number | undefined {
  return s.liveness === 'up' && s.demotion.demoted && s.demotion.healthySince !== undefined ? s.demotion.healthySince + cfg.demotion.holdDownMs : undefined;
}

/** The verdict as it stands at `now` (since = now; the caller keeps the original `since` within a state). */
export function verdictOf(s: TunnelHealthState, now: number): TunnelVerdict {
  if (s.liveness === 'unknown') return { state: 'down', reason: 'starting', detail: s.livenessDetail, since: now };
  if (s.liveness === 'down') return { state: 'down', reason: 'liveness-down', detail: s.livenessDetail, since: now };
  if (now < s.holdUntil) {
    return {
      state: 'down',
      reason: 'dampened',
      detail: `flap dampening level ${s.damp.level}: held ${s.damp.holdMs} ms after coming back up`,
      since: now,
      heldUntil: s.holdUntil,
    };
  }
  if (s.demotion.demoted) return { state: 'demoted', reason: s.demotion.reason!, detail: s.demotion.detail ?? '', since: now };
  return { state: 'up', reason: 'healthy', detail: s.livenessDetail, since: now };
}

/** Status helper: the dampening level right now (after decay). */
export function dampeningLevel(s: TunnelHealthState, now: number, cfg: TunnelHealthConfig): number {
  return levelAt(s.damp, now, cfg.dampening);
}
