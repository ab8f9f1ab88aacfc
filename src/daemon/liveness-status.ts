// How a tunnel's liveness, quality and verdict look in `bgpfo status --json` (api/types LivenessStatus and
// TunnelQualityStatus), and a control-API provider that adds them to each session of the speaker's status.

import type { ControlProvider, LivenessStatus, SessionStatus, StatusResponse, TunnelQualityStatus } from '../api/types';
import type { LivenessConfig } from '../config';
import type { TunnelHealthStatus } from '../health';

export interface TunnelView {
  cfg: LivenessConfig;
  health: TunnelHealthStatus;
  /** Clock ms now, and when liveness last changed (or the monitor started). */
  now: number;
  livenessSince: number;
  downs: number;
  /** Halves advertised because this tunnel is down (probe-mode steering). */
  steering: string[];
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function livenessStatus(v: TunnelView): LivenessStatus {
  const h = v.health;
  const last = h.liveness.last;
  const detection = last?.detectionTimeMs ? last.detectionTimeMs : v.cfg.mode === 'probe' ? v.cfg.intervalMs * v.cfg.multiplier : undefined;
  const out: LivenessStatus = {
    mode: v.cfg.mode,
    state: h.liveness.state,
    txIntervalMs: v.cfg.intervalMs,
    rxIntervalMs: v.cfg.mode === 'bfd' ? v.cfg.bfd.requiredMinRxMs : v.cfg.intervalMs,
    multiplier: v.cfg.multiplier,
    since: Math.max(0, Math.floor((v.now - v.livenessSince) / 1000)),
    detail: h.liveness.detail,
    downs: v.downs,
    verdict: h.verdict.state,
    reason: h.verdict.reason,
    verdictDetail: h.verdict.detail,
  };
  if (detection !== undefined) out.detectionTimeMs = detection;
  if (h.verdict.heldUntil !== undefined) out.heldForS = Math.max(0, round((h.verdict.heldUntil - v.now) / 1000, 1));
  if (v.steering.length > 0) out.steering = v.steering;
  return out;
}

/** Quality over the window, when there is any measurement (BFD mode without a side probe has none). */
export function qualityStatus(v: TunnelView): TunnelQualityStatus | undefined {
  const f = v.health.quality.figures;
  if (!f) return undefined;
  const out: TunnelQualityStatus = {
    lossPct: round(f.lossPct, 2),
    samples: f.samples,
    windowMs: f.windowMs,
    verdict: v.health.verdict.state,
    reason: v.health.verdict.reason,
  };
  if (f.rttMs !== undefined) out.rttMs = round(f.rttMs);
  if (f.jitterMs !== undefined) out.jitterMs = round(f.jitterMs);
  return out;
}

/** What the provider needs of the liveness controller. */
export interface SessionDecorator {
  sessionStatus(name: string): { liveness?: LivenessStatus; quality?: TunnelQualityStatus };
}

/**
 * A provider whose getStatus() lets `fill` add to each session; everything else (routes, views, operations) is the
 * inner provider's, whatever it offers (the wrapper inherits from it rather than listing its methods).
 */
export function decorateSessions(inner: ControlProvider, fill: (s: SessionStatus) => void): ControlProvider {
  const out = Object.create(inner) as ControlProvider;
  out.getStatus = async (): Promise<StatusResponse> => {
    const s = await inner.getStatus();
    for (const x of s.sessions) fill(x);
    return s;
  };
  return out;
}

/** Fills `liveness` and `quality` of each session in getStatus(); everything else (operations too) passes through. */
export function withLivenessStatus(inner: ControlProvider, liveness: SessionDecorator): ControlProvider {
  return decorateSessions(inner, (x) => {
    const extra = liveness.sessionStatus(x.name);
    if (extra.liveness) x.liveness = extra.liveness;
    if (extra.quality) x.quality = extra.quality;
  });
}
