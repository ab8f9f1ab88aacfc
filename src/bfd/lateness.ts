// Transmit lateness of BFD periodic packets as a fixed-bucket histogram: cheap to record in the BFD process, cheap to
// ship to the daemon, mergeable, and readable as p50/p99/max. RFC 5880 §6.8.7 (the schedule being measured).

/**
 * Upper bounds in milliseconds, 1-1.5-2-3-5-7 per decade from 10 µs to 10 s: a quantile read from them is within
 * about 25 % of the true value, which tells "on time" (tens of µs) from "late by a tick" (ms) from "stalled" (100 ms).
 */
export const LATENESS_BOUNDS_MS: readonly number[] = (() => {
  const out: number[] = [];
  for (let decade = 0.01; decade < 10_000; decade *= 10) {
    for (const m of [1, 1.5, 2, 3, 5, 7]) out.push(Number((decade * m).toPrecision(2)));
  }
  out.push(10_000);
  return out;
})();

/** Counts per bucket (the last one is +Inf), their sum and the largest value seen. Plain data: crosses processes. */
export interface LatenessHistogram {
  counts: number[];
  sumMs: number;
  maxMs: number;
}

export function emptyHistogram(): LatenessHistogram {
  return { counts: new Array<number>(LATENESS_BOUNDS_MS.length + 1).fill(0), sumMs: 0, maxMs: 0 };
}

export function bucketOf(ms: number): number {
  // Binary search: the first bound >= ms.
  let lo = 0;
  let hi = LATENESS_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENESS_BOUNDS_MS[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function record(h: LatenessHistogram, ms: number): void {
  const v = Number.isFinite(ms) && ms > 0 ? ms : 0;
  h.counts[bucketOf(v)]! += 1;
  h.sumMs += v;
  if (v > h.maxMs) h.maxMs = v;
}

/** a += b (b may come from another process: its counts array must have the same length). */
export function mergeInto(a: LatenessHistogram, b: LatenessHistogram): void {
  if (b.counts.length !== a.counts.length) throw new RangeError(`lateness histogram with ${b.counts.length} buckets, expected ${a.counts.length}`);
  for (let i = 0; i < a.counts.length; i++) a.counts[i]! += b.counts[i]!;
  a.sumMs += b.sumMs;
  if (b.maxMs > a.maxMs) a.maxMs = b.maxMs;
}

export function totalCount(h: LatenessHistogram): number {
  let n = 0;
  for (const c of h.counts) n += c;
  return n;
}

/**
 * The q-quantile (0..1), interpolated linearly inside its bucket as Prometheus' histogram_quantile does, and never
 * above the exact maximum. Undefined for an empty histogram.
 */
export function quantile(h: LatenessHistogram, q: number): number | undefined {
  const n = totalCount(h);
  if (n === 0) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * n;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (c === 0 || seen + c < rank) {
      seen += c;
      continue;
    }
    const lower = i === 0 ? 0 : LATENESS_BOUNDS_MS[i - 1]!;
    const upper = i < LATENESS_BOUNDS_MS.length ? LATENESS_BOUNDS_MS[i]! : h.maxMs;
    const v = lower + (upper - lower) * ((rank - seen) / c);
    return Math.min(v, h.maxMs);
  }
  return h.maxMs;
}

export interface LatenessSummary {
  /** Periodic packets measured. */
  packets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(h: LatenessHistogram): LatenessSummary | undefined {
  const packets = totalCount(h);
  if (packets === 0) return undefined;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { packets, p50Ms: r(quantile(h, 0.5)!), p99Ms: r(quantile(h, 0.99)!), maxMs: r(h.maxMs) };
}
