// Demotion hysteresis: demote at once on loss/RTT/jitter over threshold, promote only after a continuous healthy
// hold-down; too few samples judge nothing; unavailable quality never demotes.

import { demotionStep, INITIAL_DEMOTION, judge, type DemotionEvent, type DemotionState } from '../../../src/health/demotion';
import { DEFAULT_DEMOTION, type DemotionConfig, type QualityFigures } from '../../../src/health/types';

const cfg: DemotionConfig = { ...DEFAULT_DEMOTION, maxRttMs: 100, maxJitterMs: 20 };
const fig = (lossPct: number, extra: Partial<QualityFigures> = {}): QualityFigures => ({
  windowMs: 10_000,
  samples: 100,
  lost: lossPct,
  lossPct,
  rttMs: 10,
  jitterMs: 1,
  ...extra,
});

/** Runs evaluations [time, figures] and returns the events with their times. */
function drive(steps: [number, QualityFigures | undefined][], start: DemotionState = INITIAL_DEMOTION) {
  let s = start;
  const events: DemotionEvent[] = [];
  const wakes: (number | undefined)[] = [];
  for (const [t, f] of steps) {
    const r = demotionStep(s, f, t, cfg);
    s = r.state;
    if (r.event) events.push(r.event);
    wakes.push(r.wakeAt);
  }
  return { state: s, events, wakes };
}

test('defaults: 5 % loss threshold, 20 samples minimum, 30 s hold-down, no RTT or jitter threshold', () => {
  expect(DEFAULT_DEMOTION).toEqual({ maxLossPct: 5, minSamples: 20, holdDownMs: 30_000 });
  expect(judge(fig(0, { rttMs: 5000, jitterMs: 900 }), DEFAULT_DEMOTION)).toEqual({ kind: 'good' });
});

test('thresholds are exceeded strictly; each reason is named with its figures', () => {
  expect(judge(fig(5), cfg)).toEqual({ kind: 'good' });
  expect(judge(fig(5.1, { lost: 5 }), cfg)).toMatchObject({ kind: 'bad', reason: 'loss', detail: 'loss 5.1 % (5/100) over 10 s > 5 %' });
  expect(judge(fig(0, { rttMs: 100 }), cfg)).toEqual({ kind: 'good' });
  expect(judge(fig(0, { rttMs: 100.4 }), cfg)).toMatchObject({ kind: 'bad', reason: 'rtt', detail: 'mean RTT 100.4 ms over 10 s > 100 ms' });
  expect(judge(fig(0, { jitterMs: 25 }), cfg)).toMatchObject({ kind: 'bad', reason: 'jitter' });
});

test('too few samples: unknown; no figures at all: no evidence against the tunnel', () => {
  expect(judge(fig(50, { samples: 19 }), cfg)).toEqual({ kind: 'unknown' });
  expect(judge(undefined, cfg)).toEqual({ kind: 'good' });
  expect(drive([[0, fig(50, { samples: 19 })]]).events).toEqual([]);
  expect(drive([[0, undefined]]).events).toEqual([]);
});

test('demoted at once, promoted exactly holdDownMs after it became healthy, with wakeAt at that moment', () => {
  const { events, wakes, state } = drive([
    [0, fig(0)],
    [1000, fig(20)],
    [2000, fig(10)],
    [5000, fig(3)], // healthy from here
    [20_000, fig(1)],
    [34_999, fig(0)],
    [35_000, fig(0)],
  ]);
  expect(events.map((e) => [e.type, e.at])).toEqual([
    ['demoted', 1000],
    ['promoted', 35_000],
  ]);
  expect(events[0]).toMatchObject({ reason: 'loss', detail: 'loss 20 % (20/100) over 10 s > 5 %' });
  expect(events[1]).toMatchObject({ demotedForMs: 34_000 });
  expect(wakes).toEqual([undefined, undefined, undefined, 35_000, 35_000, 35_000, undefined]);
  expect(state).toEqual({ demoted: false });
});

test('a bad evaluation during the hold-down starts the healthy period again', () => {
  const { events } = drive([
    [0, fig(20)],
    [1000, fig(1)],
    [25_000, fig(6)], // relapse just before promotion
    [26_000, fig(1)],
    [55_999, fig(1)],
    [56_000, fig(1)],
  ]);
  expect(events.map((e) => [e.type, e.at])).toEqual([
    ['demoted', 0],
    ['promoted', 56_000],
  ]);
});

test('too few samples while demoted also restart the healthy period (nothing proves health)', () => {
  const { events } = drive([
    [0, fig(20)],
    [1000, fig(0)],
    [20_000, fig(0, { samples: 3 })],
    [31_000, fig(0)],
    [60_999, fig(0)],
    [61_000, fig(0)],
  ]);
  expect(events.map((e) => [e.type, e.at])).toEqual([
    ['demoted', 0],
    ['promoted', 61_000],
  ]);
});

test('demotion for RTT, then promotion when RTT is back under the threshold for the hold-down', () => {
  const { events } = drive([
    [0, fig(0, { rttMs: 250 })],
    [10_000, fig(0, { rttMs: 40 })],
    [40_000, fig(0, { rttMs: 40 })],
  ]);
  expect(events.map((e) => [e.type, e.type === 'demoted' ? e.reason : '', e.at])).toEqual([
    ['demoted', 'rtt', 0],
    ['promoted', '', 40_000],
  ]);
});

test('quality becoming unavailable while demoted counts as healthy, so the tunnel is not stuck demoted', () => {
  const { events } = drive([
    [0, fig(20)],
    [1000, undefined],
    [31_000, undefined],
  ]);
  expect(events.map((e) => e.type)).toEqual(['demoted', 'promoted']);
  expect(events[1]).not.toHaveProperty('figures');
});
