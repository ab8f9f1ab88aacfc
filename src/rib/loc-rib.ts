// The Loc-RIB (RFC 4271 §3.2, §9.1): per prefix the post-policy candidates from every peer plus our own
// originated route, ranked by the decision process; changes are collected and drained in batches.

import type { Prefix } from '../bgp/types';
import type { RouteAttrs } from './attrs';
import { internAttrs } from './attrs';
import type { BestReason, DecisionOptions } from './decision';
import { DEFAULT_DECISION_OPTIONS, rankPaths } from './decision';
import type { PrefixRef } from '../bgp/prefix-table';
import { PrefixTable } from '../bgp/prefix-table';
import { ipv4KeyString, ipv6WordsPrefix } from '../bgp/codec/nlri';
import type { Peer } from './path';
import { Path } from './path';

/**
 * The ranking of two or more candidates. Immutable and interned (EntryRegistry): every prefix with the same set
 * of paths shares one, so the state a prefix had before a batch of changes is kept by reference, without
 * copying, until drainChanges() compares it. A prefix with one candidate holds the bare (interned) Path.
 * `ordered` is exact-size and the tier boundaries are a bitmask, bit i set when a tier ends after ordered[i]
 * (an array only beyond 31 paths).
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
  /** The prefix once asked for: built from `key` (IPv4) or the address words (IPv6); most of a full table needs none. */
  protected text: Prefix | undefined;

  /** @internal */
  constructor(
    private readonly before: Entry | undefined,
    private readonly after: Entry | undefined,
    /** IPv4: the prefix as address * 64 + length, which the FIB's tables take without parsing it; else -1. */
    readonly key = -1,
  ) {}
  get prefix(): Prefix {
    return (this.text ??= ipv4KeyString(this.key));
  }
  /** IPv6: writes the address's four words and the length at out[at..at+4] and returns true; IPv4: false. */
  ipv6WordsInto(_out: Uint32Array, _at: number): boolean {
    return false;
  }
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
  /**
   * The new ranking's identity: rankings are interned, so two changes with the same `ranking` have the same best
   * path, ECMP set and tiers (consumers memoize what they derive from them by it). Undefined when no path is left.
   */
  get ranking(): object | undefined {
    return this.after;
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

/**
 * An IPv6 prefix's change: its address words and length kept, its text made when first read. The words are kept as
 * signed 32-bit integers: a word of 2^31 or more would otherwise be a boxed number of its own, and a full table's
 * changes wait for the kernel long enough to be copied out of the young generation (`>>> 0` gives the word back).
 */
class RibChange6 extends RibChange {
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;

  /** @internal */
  constructor(
    before: Entry | undefined,
    after: Entry | undefined,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    private readonly len: number,
  ) {
    super(before, after);
    this.w0 = w0 | 0;
    this.w1 = w1 | 0;
    this.w2 = w2 | 0;
    this.w3 = w3 | 0;
  }
  override get prefix(): Prefix {
    return (this.text ??= ipv6WordsPrefix(this.w0 >>> 0, this.w1 >>> 0, this.w2 >>> 0, this.w3 >>> 0, this.len));
  }
  /** Stored into a Uint32Array, a signed word is its unsigned self again. */
  override ipv6WordsInto(out: Uint32Array, at: number): boolean {
    out[at] = this.w0;
    out[at + 1] = this.w1;
    out[at + 2] = this.w2;
    out[at + 3] = this.w3;
    out[at + 4] = this.len;
    return true;
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

/**
 * Path and Dest objects by number, shared by every prefix that has them: a Path is interned per (peer session,
 * attribute set) and a Dest per set of paths (the decision process depends only on the set, see decision.ts), so a
 * million prefixes learned over four tunnels hold a handful of objects, and a ranking is computed once per distinct
 * set instead of once per prefix. Reference-counted by the prefixes (and pending changes) that hold them; an object
 * no one holds is forgotten, and its id reused.
 */
class EntryRegistry {
  private readonly objs: (Entry | undefined)[] = [undefined];
  private readonly refs: number[] = [0];
  private readonly keys: (string | undefined)[] = [undefined];
  private readonly freeIds: number[] = [];
  private readonly pathIds = new Map<Peer, Map<RouteAttrs, number>>();
  private readonly destIds = new Map<string, number>();
  private readonly pathIdOf = new Map<Path, number>();

  constructor(private readonly opts: DecisionOptions) {}

  entry(id: number): Entry | undefined {
    return id === 0 ? undefined : this.objs[id];
  }

  /** Distinct Path and Dest objects held (status and benchmarks). */
  get count(): number {
    return this.objs.length - 1 - this.freeIds.length;
  }

  /** The last path() answer: an UPDATE's prefixes all come from one peer with one set (no Map lookups for them). */
  private lastPeer: Peer | undefined;
  private lastAttrs: RouteAttrs | undefined;
  private lastPath = 0;

  /** The id of the interned path (peer, attrs); a new one starts with no reference. */
  path(peer: Peer, attrs: RouteAttrs): number {
    if (peer === this.lastPeer && attrs === this.lastAttrs) return this.lastPath;
    this.lastPeer = peer;
    this.lastAttrs = attrs;
    return (this.lastPath = this.lookupPath(peer, attrs));
  }

  private lookupPath(peer: Peer, attrs: RouteAttrs): number {
    let byAttrs = this.pathIds.get(peer);
    if (!byAttrs) this.pathIds.set(peer, (byAttrs = new Map()));
    const id = byAttrs.get(attrs);
    if (id !== undefined) return id;
    const p = new Path(peer, attrs);
    const fresh = this.alloc(p, undefined);
    byAttrs.set(attrs, fresh);
    this.pathIdOf.set(p, fresh);
    return fresh;
  }

  /** The id of the interned ranking of `paths` (two or more interned paths, any order). */
  dest(paths: readonly Path[]): number {
    const ids = paths.map((p) => this.pathIdOf.get(p)!);
    ids.sort((a, b) => a - b);
    const key = ids.join(',');
    const known = this.destIds.get(key);
    if (known !== undefined) return known;
    const r = rankPaths(paths, this.opts);
    for (const id of ids) this.ref(id);
    const fresh = this.alloc(new Dest(r.ordered, encodeTiers(r.tierEnds), r.reason), key);
    this.destIds.set(key, fresh);
    return fresh;
  }

  /** The id of the path object `p` (interned by this registry). */
  idOf(p: Path): number {
    return this.pathIdOf.get(p)!;
  }

  ref(id: number): void {
    if (id !== 0) this.refs[id]++;
  }

  unref(id: number): void {
    if (id === 0 || --this.refs[id] > 0) return;
    const e = this.objs[id]!;
    if (e instanceof Path) {
      if (id === this.lastPath) this.lastPeer = this.lastAttrs = undefined;
      const byAttrs = this.pathIds.get(e.peer)!;
      byAttrs.delete(e.attrs);
      if (byAttrs.size === 0) this.pathIds.delete(e.peer);
      this.pathIdOf.delete(e);
    } else {
      this.destIds.delete(this.keys[id]!);
      for (const p of e.ordered) this.unref(this.pathIdOf.get(p)!);
    }
    this.objs[id] = undefined;
    this.keys[id] = undefined;
    this.freeIds.push(id);
  }

  private alloc(e: Entry, key: string | undefined): number {
    const id = this.freeIds.pop();
    if (id !== undefined) {
      this.objs[id] = e;
      this.refs[id] = 0;
      this.keys[id] = key;
      return id;
    }
    this.objs.push(e);
    this.refs.push(0);
    this.keys.push(key);
    return this.objs.length - 1;
  }
}

/** A first-in first-out queue of int32 (pending entry ids in the order their prefixes were first touched). */
class IntQueue {
  private buf = new Int32Array(64);
  head = 0;
  tail = 0;
  push(x: number): void {
    if (this.tail === this.buf.length) {
      const live = this.tail - this.head;
      const next = new Int32Array(Math.max(64, live * 2));
      next.set(this.buf.subarray(this.head, this.tail));
      this.buf = next;
      this.head = 0;
      this.tail = live;
    }
    this.buf[this.tail++] = x;
  }
  shift(): number {
    return this.buf[this.head++];
  }
  get length(): number {
    return this.tail - this.head;
  }
  get bytes(): number {
    return this.buf.byteLength;
  }
  clear(): void {
    this.buf = new Int32Array(64);
    this.head = this.tail = 0;
  }
}

export class LocRib {
  /**
   * Per prefix, the registry id of its Entry (a lone Path or a Dest). A prefix touched since the last drain is
   * marked in the table (PrefixTable.setMark) and queued in `pending`; one left with no path keeps its entry, with
   * id 0, until the drain hands its withdrawal on. So a change costs no lookup beyond the one that found the prefix.
   */
  private readonly routes = new PrefixTable(1);
  /** Prefixes with at least one path (the table also holds pending ones with none). */
  private routed = 0;
  /** Touched prefixes in first-touch order, as pairs: table entry, registry id of the entry it had before (0: none). */
  private readonly pending = new IntQueue();
  private readonly registry: EntryRegistry;
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
    this.registry = new EntryRegistry(this.opts);
    this.onPending = opts.onPending;
  }

  get decisionOptions(): Readonly<DecisionOptions> {
    return this.opts;
  }

  /** Number of prefixes with at least one path. */
  get size(): number {
    return this.routed;
  }

  /** Number of prefixes waiting in drainChanges(). */
  get pendingCount(): number {
    return this.pending.length >> 1;
  }

  /** What the table holds, for the memory breakdown (status, benchmarks). */
  get memory(): { prefixes: number; tableBytes: number; pendingBytes: number; sharedEntries: number } {
    return { prefixes: this.routed, tableBytes: this.routes.bytes, pendingBytes: this.pending.bytes, sharedEntries: this.registry.count };
  }

  /** True when `prefix` changed since the last drain (its new ranking has not been handed on yet). */
  isPending(prefix: Prefix): boolean {
    const id = this.routes.find(prefix);
    return id >= 0 && this.routes.marked(id);
  }

  /**
   * Adds or replaces the path `peer` gave for `prefix` (attrs must be interned, post-policy). Returns true
   * when the peer had no path for the prefix before (the Adj-RIB-In counts accepted prefixes by it). A path
   * kept from an earlier session of the same key (a stale path, graceful restart: RFC 4724 §4.2) is replaced
   * but counts as absent: it is the new session's first path for the prefix.
   */
  upsert(peer: Peer, prefix: PrefixRef, attrs: RouteAttrs): boolean {
    const reg = this.registry;
    const id = this.routes.insert(prefix);
    const curId = this.routes.get(id, 0);
    const cur = reg.entry(curId);
    if (cur === undefined) {
      this.touch(id, curId);
      this.store(id, curId, reg.path(peer, attrs));
      this.routed++;
      return true;
    }
    if (cur instanceof Path) {
      if (cur.peer.key === peer.key) {
        if (cur.attrs === attrs && cur.peer === peer) return false;
        this.touch(id, curId);
        this.store(id, curId, reg.path(peer, attrs));
        return cur.peer !== peer;
      }
      this.touch(id, curId);
      const added = reg.entry(reg.path(peer, attrs)) as Path;
      this.store(id, curId, reg.dest([cur, added]));
      return true;
    }
    const paths = cur.ordered;
    const i = indexOfPeer(paths, peer.key);
    if (i >= 0 && paths[i].attrs === attrs && paths[i].peer === peer) return false;
    const added = reg.entry(reg.path(peer, attrs)) as Path;
    let next: Path[];
    if (i >= 0) {
      next = paths.slice();
      next[i] = added;
    } else {
      next = new Array<Path>(paths.length + 1);
      for (let j = 0; j < paths.length; j++) next[j] = paths[j];
      next[paths.length] = added;
    }
    this.touch(id, curId);
    this.store(id, curId, reg.dest(next));
    return i < 0 || paths[i].peer !== peer;
  }

  /**
   * Removes the path `peerKey` gave for `prefix`; returns false when there was none. With `session`, a stale
   * path of an earlier session under the same key is removed too but returns false (it was not counted).
   */
  withdraw(peerKey: string, prefix: PrefixRef, session?: Peer): boolean {
    const id = this.routes.find(prefix);
    if (id < 0) return false;
    return this.withdrawAt(id, peerKey, session);
  }

  private withdrawAt(id: number, peerKey: string, session?: Peer): boolean {
    const reg = this.registry;
    const curId = this.routes.get(id, 0);
    const cur = reg.entry(curId);
    if (cur === undefined) return false;
    if (cur instanceof Path) {
      if (cur.peer.key !== peerKey) return false;
      this.touch(id, curId);
      // The entry stays (id 0) until drainChanges() hands the withdrawal on.
      this.store(id, curId, 0);
      this.routed--;
      return session === undefined || cur.peer === session;
    }
    const i = indexOfPeer(cur.ordered, peerKey);
    if (i < 0) return false;
    this.touch(id, curId);
    const removed = cur.ordered[i];
    const next = cur.ordered.filter((_, j) => j !== i);
    this.store(id, curId, next.length === 1 ? reg.idOf(next[0]) : reg.dest(next));
    return session === undefined || removed.peer === session;
  }

  /** The path `peerKey` gave for `prefix` (its post-policy route), if any. */
  pathFrom(peerKey: string, prefix: Prefix): Path | undefined {
    const e = this.entryOf(prefix);
    if (e === undefined) return undefined;
    if (e instanceof Path) return e.peer.key === peerKey ? e : undefined;
    const i = indexOfPeer(e.ordered, peerKey);
    return i < 0 ? undefined : e.ordered[i];
  }

  /** Every path of one peer (scans the table: for status pages, not for hot paths). */
  *pathsFrom(peerKey: string): IterableIterator<[Prefix, Path]> {
    for (const id of this.routes.ids()) {
      const e = this.registry.entry(this.routes.get(id, 0));
      if (e === undefined) continue;
      if (e instanceof Path) {
        if (e.peer.key === peerKey) yield [this.routes.prefixOf(id), e];
      } else {
        const i = indexOfPeer(e.ordered, peerKey);
        if (i >= 0) yield [this.routes.prefixOf(id), e.ordered[i]];
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
    for (const id of this.routes.ids()) {
      const e = this.registry.entry(this.routes.get(id, 0));
      if (e === undefined) continue;
      if (e instanceof Path ? e.peer.key === peerKey : indexOfPeer(e.ordered, peerKey) >= 0) {
        this.withdrawAt(id, peerKey);
        n++;
      }
    }
    return n;
  }

  /** Withdraws every path of one session (the Peer object), leaving other sessions' paths under its key alone. */
  removeSession(session: Peer): number {
    let n = 0;
    for (const id of this.routes.ids()) {
      const e = this.registry.entry(this.routes.get(id, 0));
      if (e === undefined) continue;
      if (e instanceof Path ? e.peer === session : e.ordered.some((p) => p.peer === session)) {
        this.withdrawAt(id, session.key, session);
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
    const reg = this.registry;
    let n = 0;
    const routes = this.routes;
    while (this.pending.length > 0 && n++ < limit) {
      const id = this.pending.shift();
      const beforeId = this.pending.shift();
      routes.setMark(id, false);
      const old = reg.entry(beforeId);
      const now = reg.entry(routes.get(id, 0));
      if (!sameRanking(old, now)) {
        const key = routes.ipv4Key(id);
        out.push(key >= 0 ? new RibChange(old, now, key) : new RibChange6(old, now, routes.ipv6Word(id, 0), routes.ipv6Word(id, 1), routes.ipv6Word(id, 2), routes.ipv6Word(id, 3), routes.ipv6Length(id)));
      }
      if (now === undefined) routes.removeId(id);
      reg.unref(beforeId);
    }
    // Empty again: give back the memory a large batch (a full table) took.
    if (this.pending.length === 0) this.pending.clear();
    return out;
  }

  get(prefix: Prefix): RouteView | undefined {
    const e = this.entryOf(prefix);
    if (e === undefined) return undefined;
    return { prefix, best: bestOf(e)!, ecmp: ecmpOf(e), tiers: tiersOf(e), paths: pathsOf(e), reason: reasonOf(e)! };
  }

  best(prefix: Prefix): Path | undefined {
    return bestOf(this.entryOf(prefix));
  }

  /**
   * Visits every prefix's best path (for building an Adj-RIB-Out from scratch); with `only`, just those whose best
   * path it accepts (tested before the prefix string is built).
   */
  forEachBest(fn: (prefix: Prefix, best: Path) => void, only?: (best: Path) => boolean): void {
    for (const id of this.routes.ids()) {
      const e = this.registry.entry(this.routes.get(id, 0));
      if (e === undefined) continue; // withdrawn, its change not drained yet
      const best = e instanceof Path ? e : e.ordered[0];
      if (only && !only(best)) continue;
      fn(this.routes.prefixOf(id), best);
    }
  }

  *prefixes(): IterableIterator<Prefix> {
    for (const id of this.routes.ids()) if (this.routes.get(id, 0) !== 0) yield this.routes.prefixOf(id);
  }

  private entryOf(prefix: Prefix): Entry | undefined {
    const id = this.routes.find(prefix);
    return id < 0 ? undefined : this.registry.entry(this.routes.get(id, 0));
  }

  /** Points table entry `id` (which held `oldEntry`) at `newEntry`: the new one is held before the old is let go. */
  private store(id: number, oldEntry: number, newEntry: number): void {
    this.registry.ref(newEntry);
    this.routes.set(id, 0, newEntry);
    this.registry.unref(oldEntry);
  }

  /** Marks table entry `id` changed (it held registry entry `before`), unless it already is since the last drain. */
  private touch(id: number, before: number): void {
    if (this.routes.marked(id)) return;
    this.routes.setMark(id, true);
    this.registry.ref(before);
    this.pending.push(id);
    this.pending.push(before);
    if (this.pending.length === 2) this.onPending?.();
  }
}

function indexOfPeer(paths: readonly Path[], key: string): number {
  for (let i = 0; i < paths.length; i++) if (paths[i].peer.key === key) return i;
  return -1;
}
