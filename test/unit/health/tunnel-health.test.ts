// The combined verdict as a pure step: liveness + flap dampening + quality demotion -> 'up' | 'demoted' | 'down'.

import {
  initialTunnelHealth,
  tunnelHealthStep,
  type TunnelHealthConfig,
  type TunnelHealthEvent,
  type TunnelHealthOutput,
  type TunnelHealthState,
} from '../../../src/health/tunnel-health';
import { DEFAULT_DAMPENING, DEFAULT_DEMOTION, type QualityFigures } from '../../../src/health/types';

const cfg: TunnelHealthConfig = { dampening: DEFAULT_DAMPENING, demotion: { ...DEFAULT_DEMOTION, holdDownMs: 5000 } };
const good: QualityFigures = { windowMs: 10_000, samples: 100, lost: 0, lossPct: 0, rttMs: 5 };
const lossy: QualityFigures = { windowMs: 10_000, samples: 100, lost: 20, lossPct: 20, rttMs: 5 };

class Run {
  s: TunnelHealthState = initialTunnelHealth(0);
  outputs: (TunnelHealthOutput & { t: number })[] = [];
  wakeAt: number | undefined;
  constructor(private readonly c: TunnelHealthConfig = cfg) {}
  ev(e: TunnelHealthEvent): this {
    const r = tunnelHealthStep(this.s, e, this.c);
    this.s = r.state;
    this.wakeAt = r.wakeAt;
    this.outputs.push(...r.outputs.map((o) => ({ ...o, t: e.at })));
    return this;
  }
  up(at: number) {
    return this.ev({ type: 'liveness', state: 'up', detail: 'probe up', at });
  }
  down(at: number) {
    return this.ev({ type: 'liveness', state: 'down', detail: 'probe timeout', at });
  }
  q(at: number, figures: QualityFigures | undefined) {
    return this.ev({ type: 'quality', figures, at });
  }
  tick(at: number) {
    return this.ev({ type: 'tick', at });
  }
  verdicts() {
    return this.outputs.filter((o) => o.type === 'verdict').map((o) => [(o as Extract<TunnelHealthOutput, { type: 'verdict' }>).verdict.state, o.t]);
  }
}

test('starts down ("starting"); the first Up is used at once and clears the quality window', () => {
  const r = new Run();
  expect(r.s.verdict).toEqual({ state: 'down', reason: 'starting', detail: 'no liveness verdict yet', since: 0 });
  r.up(100);
  expect(r.verdicts()).toEqual([['up', 100]]);
  expect(r.outputs.map((o) => o.type)).toEqual(['reset-quality', 'verdict']);
  expect(r.s.verdict).toMatchObject({ state: 'up', reason: 'healthy', since: 100 });
  expect(r.wakeAt).toBeUndefined();
});

test('a start in Down is not a flap: no dampening, Up is used at once', () => {
  const r = new Run().down(0).up(500);
  expect(r.outputs.filter((o) => o.type === 'dampened')).toEqual([]);
  expect(r.verdicts()).toEqual([['up', 500]]);
});

test('after a Down the tunnel is held down for the dampening hold once it is back up; the hold ends by a tick at wakeAt', () => {
  const r = new Run().up(0).down(1000);
  expect(r.verdicts()).toEqual([
    ['up', 0],
    ['down', 1000],
  ]);
  expect(r.s.verdict).toMatchObject({ state: 'down', reason: 'liveness-down', detail: 'probe timeout' });
  expect(r.outputs.find((o) => o.type === 'dampened')).toMatchObject({ level: 1, holdMs: 1000, at: 1000 });
  r.up(3000);
  // Still down, now because of the hold, which says until when; no verdict event for a reason change.
  expect(r.verdicts()).toHaveLength(2);
  expect(r.s.verdict).toMatchObject({ state: 'down', reason: 'dampened', heldUntil: 4000, since: 1000 });
  expect(r.wakeAt).toBe(4000);
  r.tick(3999);
  expect(r.verdicts()).toHaveLength(2);
  r.tick(4000);
  expect(r.verdicts().at(-1)).toEqual(['up', 4000]);
  expect(r.wakeAt).toBeUndefined();
});

test('flapping: each Down doubles the hold (1, 2, 4 s), a Down during the hold counts too', () => {
  const r = new Run().up(0);
  const holds: number[] = [];
  let t = 1000;
  for (let i = 0; i < 3; i++) {
    r.down(t);
    r.up(t + 100);
    holds.push(r.s.verdict.heldUntil! - (t + 100));
    t += 500; // Down again before the hold ends
  }
  expect(holds).toEqual([1000, 2000, 4000]);
  expect(r.verdicts()).toEqual([
    ['up', 0],
    ['down', 1000],
  ]);
});

test('loss demotes a live tunnel at once; it is promoted only after holdDownMs of good figures', () => {
  const r = new Run().up(0).q(100, good).q(200, lossy);
  expect(r.verdicts()).toEqual([
    ['up', 0],
    ['demoted', 200],
  ]);
  expect(r.outputs.find((o) => o.type === 'demoted')).toMatchObject({ reason: 'loss', figures: lossy });
  expect(r.s.verdict).toMatchObject({ state: 'demoted', reason: 'loss' });
  r.q(1000, good);
  expect(r.wakeAt).toBe(6000);
  r.q(5999, good);
  expect(r.verdicts()).toHaveLength(2);
  r.q(6000, good);
  expect(r.verdicts().at(-1)).toEqual(['up', 6000]);
  expect(r.outputs.find((o) => o.type === 'promoted')).toMatchObject({ demotedForMs: 5800 });
});

test('a lossy tunnel that flaps: quality is ignored while down, the demotion outlives the Down, the hold comes first', () => {
  const r = new Run().up(0).q(100, lossy);
  r.down(200).q(300, good); // ignored: liveness is down
  expect(r.s.demotion.demoted).toBe(true);
  r.up(400);
  expect(r.s.verdict).toMatchObject({ state: 'down', reason: 'dampened', heldUntil: 1400 });
  r.q(500, good); // healthy from 500 on; the promotion would be at 5500
  r.tick(1400);
  // The hold ends into 'demoted', not 'up'.
  expect(r.verdicts()).toEqual([
    ['up', 0],
    ['demoted', 100],
    ['down', 200],
    ['demoted', 1400],
  ]);
  r.q(5500, good);
  expect(r.verdicts().at(-1)).toEqual(['up', 5500]);
});

test('wakeAt is the earlier of the flap hold end and the promotion time', () => {
  const r = new Run().up(0).q(10, lossy).down(20).up(30).q(40, good);
  // hold ends 1030, promotion at 5040
  expect(r.wakeAt).toBe(1030);
  r.q(1030, good);
  expect(r.wakeAt).toBe(5040);
});

test('repeated liveness events in the same state only refresh the detail', () => {
  const r = new Run().up(0).ev({ type: 'liveness', state: 'up', detail: 'still up', at: 10 });
  expect(r.verdicts()).toEqual([['up', 0]]);
  expect(r.s.verdict).toMatchObject({ detail: 'still up', since: 0 });
});
