// Tunnel quality over a sliding window of probe outcomes: loss %, mean and max RTT, jitter.
// Jitter is RFC 3550 §6.4.1's per-packet difference D taken between consecutive replies' RTTs, averaged over the
// window (not the §6.4.1 1/16 smoothing), so it ages out with the window like loss does.

import type { QualityFigures, QualitySample } from './types';

interface Entry {
  /** Clock time the outcome was recorded (a late reply keeps its probe's original time). */
  t: number;
  seq: number;
  outcome: 'reply' | 'loss';
  rttMs?: number;
}

/**
 * Keyed on the caller's clock (`now` arguments), not on the samples' own timestamps, so it can be driven by a
 * FakeClock and is immune to the thread and wall-clock differences of where samples come from.
 *
 * `lagMs` (figures over (now - lag - window, now - lag]) keeps the newest outcomes out of the judgement until
 * liveness has had time to decide on them: the run of losses that ends in a Down is liveness's business, and
 * without the lag it would also demote the tunnel (which then stays demoted for the hold-down after it is back).
 */
export class QualityWindow {
  private entries: Entry[] = [];

  constructor(
    readonly windowMs: number,
    readonly lagMs = 0,
  ) {
    if (!(windowMs > 0)) throw new RangeError('quality windowMs must be positive');
    if (!(lagMs >= 0)) throw new RangeError('quality lagMs must not be negative');
  }

  /**
   * Records one outcome. A reply for a sequence already recorded as lost (ping's "no answer yet" came first)
   * turns that loss into a reply: the probe was answered, late. A late reply whose loss has left the window is
   * dropped rather than counted as a new probe.
   */
  add(sample: QualitySample, now: number): void {
    this.prune(now);
    if (sample.outcome === 'reply') {
      for (let i = this.entries.length - 1; i >= 0; i--) {
        const e = this.entries[i]!;
        if (e.seq === sample.seq && e.outcome === 'loss') {
          this.entries[i] = { t: e.t, seq: e.seq, outcome: 'reply', ...(sample.rttMs !== undefined ? { rttMs: sample.rttMs } : {}) };
          return;
        }
      }
      if (sample.late) return;
    }
    this.entries.push({ t: now, seq: sample.seq, outcome: sample.outcome, ...(sample.rttMs !== undefined ? { rttMs: sample.rttMs } : {}) });
  }

  /** Forget everything (liveness went Down and Up again: what was measured before says nothing now). */
  reset(): void {
    this.entries = [];
  }

  figures(now: number): QualityFigures {
    this.prune(now);
    const upTo = now - this.lagMs;
    let lost = 0;
    let samples = 0;
    let rttSum = 0;
    let rttMax = 0;
    let replies = 0;
    let deltaSum = 0;
    let deltas = 0;
    let prevRtt: number | undefined;
    for (const e of this.entries) {
      if (e.t > upTo) break; // entries are in arrival order
      samples++;
      if (e.outcome === 'loss') {
        lost++;
        continue;
      }
      if (e.rttMs === undefined) continue; // a truncated reply: answered, but no time
      replies++;
      rttSum += e.rttMs;
      rttMax = Math.max(rttMax, e.rttMs);
      if (prevRtt !== undefined) {
        deltaSum += Math.abs(e.rttMs - prevRtt);
        deltas++;
      }
      prevRtt = e.rttMs;
    }
    return {
      windowMs: this.windowMs,
      samples,
      lost,
      lossPct: samples ? (lost / samples) * 100 : 0,
      ...(replies ? { rttMs: rttSum / replies, rttMaxMs: rttMax } : {}),
      ...(deltas ? { jitterMs: deltaSum / deltas } : {}),
    };
  }

  private prune(now: number): void {
    const from = now - this.lagMs - this.windowMs;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop]!.t <= from) drop++;
    if (drop) this.entries = this.entries.slice(drop);
  }
}
