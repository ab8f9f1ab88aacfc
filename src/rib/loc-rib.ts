// The Loc-RIB (RFC 4271 §3.2, §9.1): per prefix the post-policy candidates from every peer plus our own
// originated route, ranked by the decision process; changes are collected and drained in batches.

import type { Prefix } from '../bgp/types';
import type { RouteAttrs } from './attrs';
import { internAttrs } from './attrs';
import type { BestReason, DecisionOptions } from './decision';
import { DEFAULT_DECISION_OPTIONS, rankPaths } from './decision';
import type { Peer } from './path';
import { Path } from './path';

/**
 * A prefix with two or more candidates. Immutable: a change builds a new one, so the state a prefix had
 * before a batch of changes is kept by reference, without copying, until drainChanges() compares it.
 * A prefix with one candidate is stored as the bare Path (the common case; saves two objects per prefix).
 * Memory matters here (one per multi-path prefix): `ordered` is exact-size and the tier boundaries are
 * a bitmask, bit i set when a tier ends after ordered[i] (an array only beyond 31 paths).
 */
class Dest {
  constructor(
    readonly ordered: readonly Path[],
    readonly tiers: number | readonly number[],
    readonly reason: BestReason,
  ) {}
}

type Entry = Path | Dest;

const NO_PATHS: readonly Path[] = Object.freeze([]);
const NO_TIERS: readonly (readonly Path[])[] = Object.freeze([]);
/** Marks "the prefix had no route" in the pending-changes map. */
const ABSENT = 0;

function encodeTiers(tierEnds: readonly number[]): number | readonly number[] {
  const n = tierEnds[tierEnds.length - 1];
  if (n > 31) return tierEnds;
  let mask = 0;
  for (const end of tierEnds) mask |= 1 << (end - 1);
  return mask;
}

function tierEndsOf(d: Dest): readonly number[] {
  if (typeof d.tiers !== 'number') return d.tiers;
  const out: number[] = [];
  for (let i = 0; i < d.ordered.length; i++) if (d.tiers & (1 << i)) out.push(i + 1);
  return out;
}

function ecmpSize(d: Dest): number {
  if (typeof d.tiers !== 'number') return d.tiers[0];
  return 31 - Math.clz32(d.tiers & -d.tiers) + 1;
}

function bestOf(e: Entry | undefined): Path | undefined {
  return e === undefined ? undefined : e instanceof Path ? e : e.ordered[0];
}
function ecmpOf(e: Entry | undefined): readonly Path[] {
  if (e === undefined) return NO_PATHS;
  return e instanceof Path ? [e] : e.ordered.slice(0, ecmpSize(e));
}
function tiersOf(e: Entry | undefined): readonly (readonly Path[])[] {
  if (e === undefined) return NO_TIERS;
  if (e instanceof Path) return [[e]];
  const out: Path[][] = [];
  let start = 0;
  for (const end of tierEndsOf(e)) {
    out.push(e.ordered.slice(start, end));
    start = end;
  }
  return out;
}
function pathsOf(e: Entry): readonly Path[] {
  return e instanceof Path ? [e] : e.ordered;
}
function reasonOf(e: Entry | undefined): BestReason | undefined {
  return e === undefined ? undefined : e instanceof Path ? 'only-path' : e.reason;
}
function sameRanking(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a instanceof Path || b instanceof Path) return false;
  if (a.ordered.length !== b.ordered.length) return false;
  for (let i = 0; i < a.ordered.length; i++) if (a.ordered[i] !== b.ordered[i]) return false;
  if (typeof a.tiers === 'number' || typeof b.tiers === 'number') return a.tiers === b.tiers;
  return a.tiers.length === b.tiers.length && a.tiers.every((x, i) => x === (b.tiers as readonly number[])[i]);
}

/** The outcome for one prefix whose ranking changed since the last drain. Views are computed on access. */
export class RibChange {
  /** @internal */
  constructor(
    readonly prefix: Prefix,
    private readonly before: Entry | undefined,
    private readonly after: Entry | undefined,
  ) {}
  get best(): Path | undefined {
    return bestOf(this.after);
  }
  get ecmp(): readonly Path[] {
    return ecmpOf(this.after);
  }
  /** Tier 0 is the ECMP set, tier 1 the next-best set, and so on (input for the FIB's failover groups). */
  get tiers(): readonly (readonly Path[])[] {
    return tiersOf(this.after);
  }
  get reason(): BestReason | undefined {
    return reasonOf(this.after);
  }
  get oldBest(): Path | undefined {
    return bestOf(this.before);
  }
  get oldEcmp(): readonly Path[] {
    return ecmpOf(this.before);
  }
  get oldTiers(): readonly (readonly Path[])[] {
    return tiersOf(this.before);
  }
  /** False when only lower tiers (or the rest of the ECMP set) changed: Adj-RIB-Outs can skip the prefix. */
  get bestChanged(): boolean {
    return bestOf(this.before) !== bestOf(this.after);
  }
  /** A plain summary (peer keys instead of objects) for logs and recorded scenarios. */
  toJSON(): { prefix: Prefix; reason: BestReason | undefined; tiers: string[][]; oldTiers: string[][] } {
    const keys = (t: readonly (readonly Path[])[]) => t.map((tier) => tier.map((p) => p.peer.key));
    return { prefix: this.prefix, reason: this.reason, tiers: keys(this.tiers), oldTiers: keys(this.oldTiers) };
  }
}

/** A read-only view of one prefix, for status and tests. */
export interface RouteView {
  prefix: Prefix;
  best: Path;
  ecmp: readonly Path[];
  tiers: readonly (readonly Path[])[];
  paths: readonly Path[];
  reason: BestReason;
}

export interface LocRibOptions extends Partial<DecisionOptions> {
  /** Called once when the first change becomes pending after a drain (schedule a drain from it). */
  onPending?: () => void;
}

export class LocRib {
  private readonly routes = new Map<Prefix, Entry>();
  /** Prefixes touched since the last drain, with the entry they had before the first touch. */
  private readonly pending = new Map<Prefix, Entry | typeof ABSENT>();
  private readonly opts: DecisionOptions;
  private readonly onPending: (() => void) | undefined;

  constructor(
    /** The pseudo-peer owning originated routes (makeLocalPeer). */
    readonly localPeer: Peer,
    opts: LocRibOptions = {},
  ) {
    if (!localPeer.local) throw new Error('LocRib needs the local pseudo-peer (makeLocalPeer)');
    this.opts = {
      maxPaths: opts.maxPaths ?? DEFAULT_DECISION_OPTIONS.maxPaths,
      multipathRelax: opts.multipathRelax ?? DEFAULT_DECISION_OPTIONS.multipathRelax,
      alwaysCompareMed: opts.alwaysCompareMed ?? DEFAULT_DECISION_OPTIONS.alwaysCompareMed,
    };
    if (!Number.isInteger(this.opts.maxPaths) || this.opts.maxPaths < 1) throw new Error(`maxPaths must be >= 1, got ${this.opts.maxPaths}`);
    this.onPending = opts.onPending;
  }

  get decisionOptions(): Readonly<DecisionOptions> {
    return this.opts;
  }

  /** Number of prefixes with at least one path. */
  get size(): number {
    return this.routes.size;
  }

  /** Number of prefixes waiting in drainChanges(). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** True when `prefix` changed since the last drain (its new ranking has not been handed on yet). */
  isPending(prefix: Prefix): boolean {
    return this.pending.has(prefix);
  }

  /**
   * Adds or replaces the path `peer` gave for `prefix` (attrs must be interned, post-policy). Returns true
   * when the peer had no path for the prefix before (the Adj-RIB-In counts accepted prefixes by it). A path
   * kept from an earlier session of the same key (a stale path, graceful restart: RFC 4724 §4.2) is replaced
   * but counts as absent: it is the new session's first path for the prefix.
   */
  upsert(peer: Peer, prefix: Prefix, attrs: RouteAttrs): boolean {
    const cur = this.routes.get(prefix);
    if (cur === undefined) {
      this.touch(prefix, undefined);
      this.routes.set(prefix, new Path(peer, attrs));
      return true;
    }
    if (cur instanceof Path) {
      if (cur.peer.key === peer.key) {
        if (cur.attrs === attrs && cur.peer === peer) return false;
        this.touch(prefix, cur);
        this.routes.set(prefix, new Path(peer, attrs));
        return cur.peer !== peer;
      }
      this.touch(prefix, cur);
      this.routes.set(prefix, this.rank([cur, new Path(peer, attrs)]));
      return true;
    }
    const paths = cur.ordered;
    const i = indexOfPeer(paths, peer.key);
    if (i >= 0 && paths[i].attrs === attrs && paths[i].peer === peer) return false;
    let next: Path[];
    if (i >= 0) {
      next = paths.slice();
      next[i] = new Path(peer, attrs);
    } else {
      next = new Array<Path>(paths.length + 1);
      for (let j = 0; j < paths.length; j++) next[j] = paths[j];
      next[paths.length] = new Path(peer, attrs);
    }
    this.touch(prefix, cur);
    this.routes.set(prefix, this.rank(next));
    return i < 0 || paths[i].peer !== peer;
  }

  /**
   * Removes the path `peerKey` gave for `prefix`; returns false when there was none. With `session`, a stale
   * path of an earlier session under the same key is removed too but returns false (it was not counted).
   */
  withdraw(peerKey: string, prefix: Prefix, session?: Peer): boolean {
    const cur = this.routes.get(prefix);
    if (cur === undefined) return false;
    if (cur instanceof Path) {
      if (cur.peer.key !== peerKey) return false;
      this.touch(prefix, cur);
      this.routes.delete(prefix);
      return session === undefined || cur.peer === session;
    }
    const i = indexOfPeer(cur.ordered, peerKey);
    if (i < 0) return false;
    this.touch(prefix, cur);
    const removed = cur.ordered[i];
    const next = cur.ordered.filter((_, j) => j !== i);
    this.routes.set(prefix, next.length === 1 ? next[0] : this.rank(next));
    return session === undefined || removed.peer === session;
  }

  /** The path `peerKey` gave for `prefix` (its post-policy route), if any. */
  pathFrom(peerKey: string, prefix: Prefix): Path | undefined {
    const e = this.routes.get(prefix);
    if (e === undefined) return undefined;
    if (e instanceof Path) return e.peer.key === peerKey ? e : undefined;
    const i = indexOfPeer(e.ordered, peerKey);
    return i < 0 ? undefined : e.ordered[i];
  }

  /** Every path of one peer (scans the table: for status pages, not for hot paths). */
  *pathsFrom(peerKey: string): IterableIterator<[Prefix, Path]> {
    for (const [prefix, e] of this.routes) {
      if (e instanceof Path) {
        if (e.peer.key === peerKey) yield [prefix, e];
      } else {
        const i = indexOfPeer(e.ordered, peerKey);
        if (i >= 0) yield [prefix, e.ordered[i]];
      }
    }
  }

  /**
   * Withdraws every path of a peer (its session went down). Scans the whole table; when the caller knows
   * the peer's prefixes (AdjRibIn does), passing them makes the cost proportional to the peer's share.
   */
  removePeer(peerKey: string, prefixes?: Iterable<Prefix>): number {
    let n = 0;
    if (prefixes) {
      for (const p of prefixes) if (this.withdraw(peerKey, p)) n++;
      return n;
    }
    for (const [prefix, e] of this.routes) {
      if (e instanceof Path ? e.peer.key === peerKey : indexOfPeer(e.ordered, peerKey) >= 0) {
        this.withdraw(peerKey, prefix);
        n++;
      }
    }
    return n;
  }

  /** Originates `prefix` with the given attributes (default ORIGIN IGP, empty AS_PATH); replaces a previous one. */
  originate(prefix: Prefix, attrs: Omit<RouteAttrs, 'nextHop'> = {}): void {
    this.upsert(this.localPeer, prefix, internAttrs({ origin: 0, asPath: [], ...attrs }));
  }

  unoriginate(prefix: Prefix): boolean {
    return this.withdraw(this.localPeer.key, prefix);
  }

  /**
   * Takes up to `limit` touched prefixes (all by default) off the pending set and returns those whose
   * ranking differs from before they were first touched; a prefix that ended where it started (announced
   * then withdrawn within one batch) yields nothing, so fewer than `limit` changes may come back while
   * more are pending: loop while pendingCount > 0. Changes come out in the order prefixes were first touched.
   */
  drainChanges(limit = Infinity): RibChange[] {
    const out: RibChange[] = [];
    const all = limit >= this.pending.size;
    let n = 0;
    for (const [prefix, before] of this.pending) {
      if (n++ >= limit) break;
      // Deleting one by one is costly at a million entries; when everything goes, clear() once instead.
      if (!all) this.pending.delete(prefix);
      const old = before === ABSENT ? undefined : before;
      const now = this.routes.get(prefix);
      if (!sameRanking(old, now)) out.push(new RibChange(prefix, old, now));
    }
    if (all) this.pending.clear();
    return out;
  }

  get(prefix: Prefix): RouteView | undefined {
    const e = this.routes.get(prefix);
    if (e === undefined) return undefined;
    return { prefix, best: bestOf(e)!, ecmp: ecmpOf(e), tiers: tiersOf(e), paths: pathsOf(e), reason: reasonOf(e)! };
  }

  best(prefix: Prefix): Path | undefined {
    return bestOf(this.routes.get(prefix));
  }

  /** Visits every prefix's best path (for building an Adj-RIB-Out from scratch). */
  forEachBest(fn: (prefix: Prefix, best: Path) => void): void {
    for (const [prefix, e] of this.routes) fn(prefix, e instanceof Path ? e : e.ordered[0]);
  }

  *prefixes(): IterableIterator<Prefix> {
    yield* this.routes.keys();
  }

  private touch(prefix: Prefix, before: Entry | undefined): void {
    if (this.pending.has(prefix)) return;
    this.pending.set(prefix, before === undefined ? ABSENT : before);
    if (this.pending.size === 1) this.onPending?.();
  }

  private rank(paths: Path[]): Dest {
    const r = rankPaths(paths, this.opts);
    return new Dest(r.ordered, encodeTiers(r.tierEnds), r.reason);
  }
}

function indexOfPeer(paths: readonly Path[], key: string): number {
  for (let i = 0; i < paths.length; i++) if (paths[i].peer.key === key) return i;
  return -1;
}
