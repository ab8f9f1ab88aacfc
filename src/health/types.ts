// Shared vocabulary of tunnel health: liveness events, quality samples and figures, verdicts, and the defaults.
// No RFC: bgpfo's own model (docs/liveness.md). Plain data only, so a run can be logged and replayed.

export type LivenessMode = 'bfd' | 'probe';
export type LivenessState = 'up' | 'down';

/** Stable codes for why liveness changed. */
export type LivenessReason =
  /** BFD session Up / Down (detail: the RFC 5880 diagnostic). */
  | 'bfd-up'
  | 'bfd-down'
  /** `multiplier` replies with consecutive sequence numbers. */
  | 'probe-replies'
  /** `multiplier` probes in a row without any reply in between. */
  | 'probe-timeout'
  /** The ping child exited (or could not be started); it is restarted with backoff. */
  | 'ping-exited'
  /** The ping child printed nothing for far longer than its interval; it was killed and is restarted. */
  | 'ping-silent'
  /** The probe worker thread died; it is restarted. */
  | 'worker-exited';

export interface LivenessEvent {
  state: LivenessState;
  mode: LivenessMode;
  reason: LivenessReason;
  /** Words for logs and status: "no reply to icmp_seq 8-10 (3 x 50 ms)", "Control Detection Time Expired". */
  detail: string;
  /** Epoch milliseconds (sub-millisecond) when the thread that keeps the timing saw the change. */
  at: number;
  /** interval x multiplier (probe) or the BFD detection time in force (0 if not known yet). */
  detectionTimeMs: number;
}

/** One probe's outcome. A reply that comes after its "no answer yet" is sent again with `late: true`. */
export interface QualitySample {
  /** ICMP sequence number as ping prints it (16 bits, wraps). */
  seq: number;
  outcome: 'reply' | 'loss';
  rttMs?: number;
  late?: boolean;
  /** Epoch milliseconds when the outcome was seen. */
  at: number;
}

/** Loss, RTT and jitter over the sliding window. */
export interface QualityFigures {
  windowMs: number;
  /** Probes whose outcome is known, inside the window. */
  samples: number;
  lost: number;
  /** lost / samples x 100; 0 when there are no samples. */
  lossPct: number;
  /** Mean, maximum RTT of the replies in the window (absent without replies). */
  rttMs?: number;
  rttMaxMs?: number;
  /** Mean absolute difference between consecutive replies' RTTs (RFC 3550 §6.4.1's D, unsmoothed). */
  jitterMs?: number;
}

export type TunnelVerdictState = 'up' | 'demoted' | 'down';

export type VerdictReason =
  /** Liveness is up, quality is fine (or unknown). */
  | 'healthy'
  /** No liveness verdict yet. */
  | 'starting'
  /** Liveness says down. */
  | 'liveness-down'
  /** Liveness is up again, but the flap hold-down has not ended. */
  | 'dampened'
  /** Demoted for quality. */
  | 'loss'
  | 'rtt'
  | 'jitter';

/** What BGP and the FIB consume: up = use normally; demoted = leave the ECMP set, prepend more; down = do not use. */
export interface TunnelVerdict {
  state: TunnelVerdictState;
  reason: VerdictReason;
  detail: string;
  /** Clock milliseconds when this state began. */
  since: number;
  /** With reason 'dampened': clock milliseconds when the hold-down ends. */
  heldUntil?: number;
}

export interface QualityConfig {
  /** Sliding window for loss, RTT and jitter. */
  windowMs: number;
  /**
   * Outcomes younger than this are not judged yet, so the losses that make liveness go Down do not also demote the
   * tunnel. Default: the detection time plus one probe interval (probe: interval x (multiplier + 1); BFD: interval x
   * multiplier + the quality probe's interval).
   */
  settleMs?: number;
}

export interface DemotionConfig {
  /** Demote when loss over the window exceeds this (strictly greater). */
  maxLossPct: number;
  /** Demote when the mean RTT over the window exceeds this; undefined: no RTT threshold. */
  maxRttMs?: number;
  /** Demote when jitter over the window exceeds this; undefined: no jitter threshold. */
  maxJitterMs?: number;
  /** Fewer samples than this in the window: quality unknown, no judgement either way. */
  minSamples: number;
  /** A demoted tunnel is promoted after it has been continuously healthy this long. */
  holdDownMs: number;
}

export interface DampeningConfig {
  /** Hold-down after the first Down; each further Down doubles it. 0 disables dampening. */
  initialHoldMs: number;
  /** Cap of the hold-down. */
  maxHoldMs: number;
  /** Every decayMs without a new Down takes one doubling back off. */
  decayMs: number;
}

export const DEFAULT_QUALITY: QualityConfig = { windowMs: 10_000 };
export const DEFAULT_DEMOTION: DemotionConfig = { maxLossPct: 5, minSamples: 20, holdDownMs: 30_000 };
export const DEFAULT_DAMPENING: DampeningConfig = { initialHoldMs: 1_000, maxHoldMs: 60_000, decayMs: 30_000 };
/** Probe liveness timers when none are configured (same meaning as BFD's interval x multiplier). */
export const DEFAULT_PROBE_TIMERS = { intervalMs: 100, multiplier: 3 } as const;
/** BFD mode: the low-rate ping that measures quality alongside BFD (5 per second: 50 samples per 10 s window). */
export const DEFAULT_QUALITY_PROBE_INTERVAL_MS = 200;
