// Flap dampening: the hold-down doubles with each Down (1 s, 2 s, 4 s ... capped at 60 s) and decays one step per
// quiet period without a new Down.

import { dampenDown, holdForLevel, INITIAL_DAMPENING, levelAt, maxLevel, type DampeningState } from '../../../src/health/dampening';
import { DEFAULT_DAMPENING as cfg } from '../../../src/health/types';

test('defaults: 1 s initial, 60 s cap, 30 s decay step', () => {
  expect(cfg).toEqual({ initialHoldMs: 1000, maxHoldMs: 60_000, decayMs: 30_000 });
});

test('hold-down grows 1, 2, 4, 8, 16, 32 s and is capped at 60 s for flaps in quick succession', () => {
  let s: DampeningState = INITIAL_DAMPENING;
  const holds: number[] = [];
  for (let i = 0; i < 10; i++) {
    s = dampenDown(s, i * 1000, cfg);
    holds.push(s.holdMs);
  }
  expect(holds).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  expect(s.level).toBe(maxLevel(cfg));
  expect(maxLevel(cfg)).toBe(7);
});

test('the level stops at the cap, so decay from a long flapping spell is bounded', () => {
  let s: DampeningState = INITIAL_DAMPENING;
  for (let i = 0; i < 100; i++) s = dampenDown(s, i, cfg);
  expect(s.level).toBe(7);
  // 7 steps of 30 s after the last Down, the level is back to 0.
  expect(levelAt(s, 99 + 7 * 30_000 - 1, cfg)).toBe(1);
  expect(levelAt(s, 99 + 7 * 30_000, cfg)).toBe(0);
});

test('decay: one step per full decayMs without a new Down, counted from the last Down', () => {
  let s = INITIAL_DAMPENING;
  for (const t of [0, 1000, 2000, 3000]) s = dampenDown(s, t, cfg); // level 4 (8 s) at t=3000
  expect(s).toEqual({ level: 4, lastDownAt: 3000, holdMs: 8000 });
  expect(levelAt(s, 3000 + 29_999, cfg)).toBe(4);
  expect(levelAt(s, 3000 + 30_000, cfg)).toBe(3);
  expect(levelAt(s, 3000 + 65_000, cfg)).toBe(2);
  // A Down after 65 s of quiet climbs from the decayed level 2 to 3: a 4 s hold, not 16 s.
  const next = dampenDown(s, 3000 + 65_000, cfg);
  expect(next).toEqual({ level: 3, lastDownAt: 68_000, holdMs: 4000 });
  // After a long quiet spell the next Down is a first Down again.
  expect(dampenDown(s, 10 * 60_000, cfg)).toMatchObject({ level: 1, holdMs: 1000 });
});

test('initialHoldMs 0 disables dampening; a cap below the initial hold caps it', () => {
  const off = { ...cfg, initialHoldMs: 0 };
  expect(dampenDown(dampenDown(INITIAL_DAMPENING, 0, off), 1, off).holdMs).toBe(0);
  const tight = { ...cfg, initialHoldMs: 5000, maxHoldMs: 3000 };
  expect(holdForLevel(1, tight)).toBe(3000);
  expect(maxLevel(tight)).toBe(1);
});

test('decayMs 0 means no decay', () => {
  const s = dampenDown(INITIAL_DAMPENING, 0, { ...cfg, decayMs: 0 });
  expect(levelAt(s, 1e9, { ...cfg, decayMs: 0 })).toBe(1);
});
