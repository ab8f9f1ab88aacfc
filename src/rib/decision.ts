// The BGP decision process (RFC 4271 §9.1.2.2) as an ordered list of named comparators, plus the
// multipath (ECMP) set and the ranking of all paths into tiers (best set, next-best set, ...).

import { asPathLength, effectiveLocalPref, effectiveMed, effectiveOrigin, neighborAs } from './attrs';
import type { Path } from './path';

/** Why the best path won; 'only-path' when there was nothing to compare. */
export type BestReason =
  | 'only-path'
  | 'locally-originated'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'router-id'
  | 'peer-address';

export interface DecisionOptions {
  /** Most paths in one ECMP set (1 disables multipath). Default 8. */
  maxPaths: number;
  /**
   * false (default): ECMP members must have the best path's neighbour AS (and equal AS_PATH length, by the
   * steps before). For our deployment — one far AS reached over every tunnel — that is exactly "all tunnels to
   * the same site", and it keeps MED comparable inside the set. true: equal AS_PATH length is enough
   * (like FRR's `bgp bestpath as-path multipath-relax`).
   */
  multipathRelax: boolean;
  /** Compare MED between paths from different neighbour ASes too (RFC 4271 §9.1.2.2 (c) allows it). */
  alwaysCompareMed: boolean;
}

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = Object.freeze({
  maxPaths: 8,
  multipathRelax: false,
  alwaysCompareMed: false,
});

/**
 * One step: compare(a, b) < 0 when a is preferred, > 0 when b is, 0 when equal or not comparable
 * (MED between different neighbour ASes). Steps are applied as RFC 4271 §9.1.2.2 prescribes: a step
 * removes every candidate that another remaining candidate beats. Unlike a pairwise "fold" this is
 * independent of the order paths arrived in, even for MED, which is not transitive across neighbour ASes.
 */
export interface Comparator {
  reason: BestReason;
  compare(a: Path, b: Path, opts: DecisionOptions): number;
}

const cmpNum = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The steps up to and including 'ebgp-over-ibgp' decide which paths are "equally good" (the multipath set);
 * IGP cost to the next hop (§9.1.2.2 (e)) is skipped: every next hop is a directly attached tunnel end,
 * so all costs are equal. Locally originated routes come first, as BIRD's route preference does: no learned
 * route may replace a prefix this router owns, whatever its LOCAL_PREF.
 */
export const MULTIPATH_COMPARATORS: readonly Comparator[] = Object.freeze([
  { reason: 'locally-originated', compare: (a, b) => (a.peer.local === b.peer.local ? 0 : a.peer.local ? -1 : 1) },
  { reason: 'local-pref', compare: (a, b) => cmpNum(effectiveLocalPref(b.attrs), effectiveLocalPref(a.attrs)) },
  { reason: 'as-path-length', compare: (a, b) => cmpNum(asPathLength(a.attrs), asPathLength(b.attrs)) },
  { reason: 'origin', compare: (a, b) => cmpNum(effectiveOrigin(a.attrs), effectiveOrigin(b.attrs)) },
  {
    reason: 'med',
    compare: (a, b, opts) =>
      opts.alwaysCompareMed || neighborAs(a.attrs) === neighborAs(b.attrs)
        ? cmpNum(effectiveMed(a.attrs), effectiveMed(b.attrs))
        : 0,
  },
  { reason: 'ebgp-over-ibgp', compare: (a, b) => (a.peer.ebgp === b.peer.ebgp ? 0 : a.peer.ebgp ? -1 : 1) },
] satisfies Comparator[]);

/** Final tie-breaks, §9.1.2.2 (f) and (g) (no RFC 4456 ORIGINATOR_ID: we do not reflect routes). */
export const TIE_BREAK_COMPARATORS: readonly Comparator[] = Object.freeze([
  { reason: 'router-id', compare: (a, b) => cmpNum(a.peer.routerIdNum, b.peer.routerIdNum) },
  { reason: 'peer-address', compare: (a, b) => (a.peer.addressKey < b.peer.addressKey ? -1 : a.peer.addressKey > b.peer.addressKey ? 1 : 0) },
] satisfies Comparator[]);

export const COMPARATORS: readonly Comparator[] = Object.freeze([...MULTIPATH_COMPARATORS, ...TIE_BREAK_COMPARATORS]);

/** Keeps the candidates that no other candidate beats under `c`. */
function survivors(cands: Path[], c: Comparator, opts: DecisionOptions): Path[] {
  if (cands.length < 2) return cands;
  const out: Path[] = [];
  for (const p of cands) {
    let beaten = false;
    for (const q of cands) {
      if (q !== p && c.compare(q, p, opts) < 0) {
        beaten = true;
        break;
      }
    }
    if (!beaten) out.push(p);
  }
  return out;
}

/** Deterministic order inside an equal set: the tie-breaks, then the peer key (never equal in practice). */
function tieBreakOrder(a: Path, b: Path): number {
  return (
    cmpNum(a.peer.routerIdNum, b.peer.routerIdNum) ||
    (a.peer.addressKey < b.peer.addressKey ? -1 : a.peer.addressKey > b.peer.addressKey ? 1 : 0) ||
    (a.peer.key < b.peer.key ? -1 : a.peer.key > b.peer.key ? 1 : 0)
  );
}

export interface TierSelection {
  /** The best path first, then the rest of the ECMP set in tie-break order. */
  set: Path[];
  /** The step that left the best path alone ('only-path' when there was one candidate). */
  reason: BestReason;
}

/** Runs the decision process over `cands` (non-empty) and returns the best path's ECMP set. */
export function selectTier(cands: readonly Path[], opts: DecisionOptions): TierSelection {
  if (cands.length === 1) return { set: [cands[0]], reason: 'only-path' };
  let reason: BestReason | undefined;
  let left = cands as Path[];
  for (const c of MULTIPATH_COMPARATORS) {
    left = survivors(left, c, opts);
    if (reason === undefined && left.length === 1) reason = c.reason;
  }
  const multipath = left;
  for (const c of TIE_BREAK_COMPARATORS) {
    left = survivors(left, c, opts);
    if (reason === undefined && left.length === 1) reason = c.reason;
  }
  // Two sessions with one router id and one address cannot both be up; the key keeps it deterministic anyway.
  const best = left.length === 1 ? left[0] : left.slice().sort(tieBreakOrder)[0];
  reason ??= 'peer-address';
  if (best.peer.local || opts.maxPaths <= 1 || multipath.length === 1) return { set: [best], reason };
  const bestAs = neighborAs(best.attrs);
  const set = [best];
  const rest = multipath
    .filter((p) => p !== best && (opts.multipathRelax || neighborAs(p.attrs) === bestAs))
    .sort(tieBreakOrder);
  for (const p of rest) {
    if (set.length >= opts.maxPaths) break;
    set.push(p);
  }
  return { set, reason };
}

export interface Ranking {
  /** Every path, best first: tier 0 (the ECMP set), then tier 1 (the ECMP set of what is left), ... */
  ordered: Path[];
  /** Exclusive end index of each tier in `ordered`; tierEnds[0] is the size of the ECMP set. Do not mutate. */
  tierEnds: readonly number[];
  reason: BestReason;
}

/**
 * Ranks all candidates into tiers by running the decision process again on what each tier leaves.
 * Tier 1 is what the FIB falls back to when every tier-0 tunnel dies (prefix-independent failover).
 */
export function rankPaths(cands: readonly Path[], opts: DecisionOptions): Ranking {
  return cands.length === 2 ? rankTwo(cands[0], cands[1], opts) : rankByElimination(cands, opts);
}

/** The general ranking (any number of candidates); exported so tests can check the two-path shortcut against it. */
export function rankByElimination(cands: readonly Path[], opts: DecisionOptions): Ranking {
  const ordered = new Array<Path>(cands.length);
  const tierEnds: number[] = [];
  let n = 0;
  let reason: BestReason = 'only-path';
  let left = cands;
  while (left.length > 0) {
    const tier = selectTier(left, opts);
    if (n === 0) reason = tier.reason;
    for (const p of tier.set) ordered[n++] = p;
    tierEnds.push(n);
    left = left.filter((p) => !tier.set.includes(p));
  }
  return { ordered, tierEnds: tierEnds.slice(), reason };
}

const TWO_TIERS: number[] = [1, 2];
const ONE_TIER: number[] = [2];

/**
 * Two candidates (a prefix over a primary and a backup tunnel: the common multi-path case) without the
 * elimination's temporary arrays. Same result as rankByElimination: for two paths, a step eliminates one
 * exactly when it compares them unequal, and every comparator is antisymmetric.
 */
function rankTwo(a: Path, b: Path, opts: DecisionOptions): Ranking {
  for (const c of MULTIPATH_COMPARATORS) {
    const r = c.compare(a, b, opts);
    if (r !== 0) return { ordered: r < 0 ? [a, b] : [b, a], tierEnds: TWO_TIERS, reason: c.reason };
  }
  const rid = cmpNum(a.peer.routerIdNum, b.peer.routerIdNum);
  const reason: BestReason = rid !== 0 ? 'router-id' : 'peer-address';
  const ordered = tieBreakOrder(a, b) <= 0 ? [a, b] : [b, a];
  const together = opts.maxPaths >= 2 && (opts.multipathRelax || neighborAs(a.attrs) === neighborAs(b.attrs));
  return { ordered, tierEnds: together ? ONE_TIER : TWO_TIERS, reason };
}
