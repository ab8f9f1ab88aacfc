// Flap dampening as pure functions: each Down raises a level, the level sets how long the tunnel must stay up
// before it is used again (1 s, 2 s, 4 s ... capped), and every quiet period takes a level off. Issue 3 item 4.

import type { DampeningConfig } from './types';

export interface DampeningState {
  /** 0: no recent flaps. */
  level: number;
  /** Clock ms of the last Down (decay counts from here). */
  lastDownAt?: number;
  /** Hold-down owed after the last Down: the tunnel must be up this long before it is used again. */
  holdMs: number;
}

export const INITIAL_DAMPENING: DampeningState = { level: 0, holdMs: 0 };

/** The hold-down of a level: 0, initial, 2 x initial, 4 x initial ... capped at maxHoldMs. */
export function holdForLevel(level: number, cfg: DampeningConfig): number {
  if (level <= 0 || cfg.initialHoldMs <= 0) return 0;
  return Math.min(cfg.maxHoldMs, cfg.initialHoldMs * 2 ** (level - 1));
}

/** The first level whose hold reaches the cap: the level stops growing there, so decay from it is bounded too. */
export function maxLevel(cfg: DampeningConfig): number {
  if (cfg.initialHoldMs <= 0 || cfg.maxHoldMs <= cfg.initialHoldMs) return 1;
  return 1 + Math.ceil(Math.log2(cfg.maxHoldMs / cfg.initialHoldMs));
}

/** The level at `now`, after one step of decay per full decayMs since the last Down. */
export function levelAt(s: DampeningState, now: number, cfg: DampeningConfig): number {
  if (s.level === 0 || s.lastDownAt === undefined) return s.level;
  if (!(cfg.decayMs > 0)) return s.level;
  const steps = Math.floor(Math.max(0, now - s.lastDownAt) / cfg.decayMs);
  return Math.max(0, s.level - steps);
}

/** A new Down: one level up from the decayed level, and the hold-down that comes with it. */
export function dampenDown(s: DampeningState, at: number, cfg: DampeningConfig): DampeningState {
  const level = Math.min(maxLevel(cfg), levelAt(s, at, cfg) + 1);
  return { level, lastDownAt: at, holdMs: holdForLevel(level, cfg) };
}
