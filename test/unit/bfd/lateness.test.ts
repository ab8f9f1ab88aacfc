// The transmit-lateness histogram: bucket bounds, quantiles within a bucket's accuracy, merging across processes.
import fc from 'fast-check';
import { bucketOf, emptyHistogram, LATENESS_BOUNDS_MS, mergeInto, quantile, record, summarize, totalCount } from '../../../src/bfd/lateness';

test('bounds rise from 10 µs to 10 s, 1-1.5-2-3-5-7 per decade', () => {
  expect(LATENESS_BOUNDS_MS.slice(0, 7)).toEqual([0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1]);
  expect(LATENESS_BOUNDS_MS.at(-1)).toBe(10_000);
  for (let i = 1; i < LATENESS_BOUNDS_MS.length; i++) expect(LATENESS_BOUNDS_MS[i]!).toBeGreaterThan(LATENESS_BOUNDS_MS[i - 1]!);
  expect(bucketOf(0)).toBe(0);
  expect(bucketOf(0.01)).toBe(0);
  expect(bucketOf(0.011)).toBe(1);
  expect(bucketOf(20_000)).toBe(LATENESS_BOUNDS_MS.length); // +Inf
});

test('quantiles land in the right bucket and never above the maximum', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
      const h = emptyHistogram();
      for (const x of xs) record(h, x);
      const v = quantile(h, q)!;
      const sorted = [...xs].sort((a, b) => a - b);
      const exact = sorted[Math.max(0, Math.ceil(q * xs.length) - 1)]!;
      expect(v).toBeLessThanOrEqual(Math.max(...xs) + 1e-9);
      // Same bucket as the exact quantile, or a neighbour through interpolation at its edge.
      expect(Math.abs(bucketOf(v) - bucketOf(exact))).toBeLessThanOrEqual(1);
    }),
  );
});

test('summary and merge', () => {
  const a = emptyHistogram();
  const b = emptyHistogram();
  for (let i = 0; i < 990; i++) record(a, 0.04);
  for (let i = 0; i < 10; i++) record(b, 180);
  mergeInto(a, b);
  expect(totalCount(a)).toBe(1000);
  const s = summarize(a)!;
  expect(s.packets).toBe(1000);
  expect(s.p50Ms).toBeGreaterThan(0.03);
  expect(s.p50Ms).toBeLessThanOrEqual(0.05);
  expect(s.p99Ms).toBeLessThanOrEqual(0.05);
  expect(s.maxMs).toBe(180);
  expect(summarize(emptyHistogram())).toBeUndefined();
  expect(() => mergeInto(a, { counts: [1], sumMs: 0, maxMs: 0 })).toThrow(/buckets/);
});
