// Sliding-window maths: loss %, mean/max RTT, jitter (mean |ΔRTT|), ageing out, late replies, reset.

import { QualityWindow } from '../../../src/health/quality';
import type { QualitySample } from '../../../src/health/types';
import { FakeClock } from '../../../src/util/clock';

const r = (seq: number, rttMs: number, late = false): QualitySample => ({ seq, outcome: 'reply', rttMs, at: 0, ...(late ? { late } : {}) });
const l = (seq: number): QualitySample => ({ seq, outcome: 'loss', at: 0 });

test('empty window: no samples, 0 % loss, no RTT or jitter', () => {
  expect(new QualityWindow(10_000).figures(0)).toEqual({ windowMs: 10_000, samples: 0, lost: 0, lossPct: 0 });
});

test('loss, mean and max RTT, jitter over what is in the window', () => {
  const w = new QualityWindow(10_000);
  w.add(r(1, 10), 0);
  w.add(r(2, 14), 100);
  w.add(l(3), 200);
  w.add(r(4, 11), 300);
  // RTTs 10, 14, 11 -> mean 35/3, max 14; deltas |14-10| = 4, |11-14| = 3 -> jitter 3.5 (the loss between is skipped)
  const f = w.figures(300);
  expect(f).toMatchObject({ samples: 4, lost: 1, lossPct: 25, rttMaxMs: 14, jitterMs: 3.5 });
  expect(f.rttMs).toBeCloseTo(35 / 3, 10);
});

test('samples age out of the window on the caller clock (FakeClock), one by one', () => {
  const clock = new FakeClock();
  const w = new QualityWindow(1000);
  for (let i = 0; i < 10; i++) {
    w.add(i % 5 === 0 ? l(i) : r(i, 1), clock.now()); // losses at t=0 and t=500
    clock.advance(100);
  }
  // now = 1000: the sample of t=0 is out (the window is (now - 1000, now]).
  expect(w.figures(clock.now())).toMatchObject({ samples: 9, lost: 1 });
  clock.advance(500); // now = 1500: only t=600..900 remain
  expect(w.figures(clock.now())).toMatchObject({ samples: 4, lost: 0, lossPct: 0 });
  clock.advance(1000);
  expect(w.figures(clock.now())).toMatchObject({ samples: 0, lossPct: 0 });
});

test('a late reply turns its loss into a reply, keeping the probe once and at its original time', () => {
  const w = new QualityWindow(1000);
  w.add(r(1, 5), 0);
  w.add(l(2), 50);
  w.add(r(2, 120, true), 130);
  expect(w.figures(130)).toMatchObject({ samples: 2, lost: 0, rttMaxMs: 120 });
  // It ages out with its probe's time (50), not the reply's (130).
  expect(w.figures(1050)).toMatchObject({ samples: 0 });
});

test('a late reply whose loss has already left the window is not counted as a new probe', () => {
  const w = new QualityWindow(100);
  w.add(l(7), 0);
  w.add(r(7, 150, true), 150);
  expect(w.figures(150)).toMatchObject({ samples: 0, lost: 0 });
});

test('a truncated reply (no RTT) counts as answered but not in RTT or jitter', () => {
  const w = new QualityWindow(1000);
  w.add(r(1, 2), 0);
  w.add({ seq: 2, outcome: 'reply', at: 0 }, 10);
  w.add(r(3, 4), 20);
  expect(w.figures(20)).toMatchObject({ samples: 3, lost: 0, rttMs: 3, jitterMs: 2 });
});

test('20 % loss, evenly spread, reads as 20 %', () => {
  const w = new QualityWindow(10_000);
  for (let i = 0; i < 200; i++) w.add(i % 5 === 4 ? l(i) : r(i, 1), i * 50);
  expect(w.figures(199 * 50)).toMatchObject({ samples: 200, lost: 40, lossPct: 20 });
});

test('lagMs: the newest outcomes are not judged yet; the judged window is (now - lag - window, now - lag]', () => {
  const w = new QualityWindow(1000, 200);
  w.add(r(1, 1), 0);
  w.add(r(2, 1), 500);
  w.add(l(3), 900);
  expect(w.figures(900)).toMatchObject({ samples: 2, lost: 0 });
  expect(w.figures(1100)).toMatchObject({ samples: 3, lost: 1 }); // t=900 is judged now
  expect(w.figures(1200)).toMatchObject({ samples: 2, lost: 1 }); // t=0 has left: 0 <= 1200 - 200 - 1000
  expect(w.figures(1699)).toMatchObject({ samples: 2, lost: 1 });
  expect(w.figures(1700)).toMatchObject({ samples: 1, lost: 1 });
  expect(() => new QualityWindow(1000, -1)).toThrow(RangeError);
});

test('reset() forgets everything', () => {
  const w = new QualityWindow(1000);
  w.add(l(1), 0);
  w.reset();
  expect(w.figures(0).samples).toBe(0);
});

test('the window must be positive', () => {
  expect(() => new QualityWindow(0)).toThrow(RangeError);
});
