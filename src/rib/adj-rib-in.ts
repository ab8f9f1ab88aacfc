// Adj-RIB-In of one peer (RFC 4271 §3.2, §9.1): routes as received (pre-policy, optional) and as accepted
// by import policy (post-policy), feeding the Loc-RIB; counts prefixes and enforces max-prefix (RFC 4486 Cease/1).

import type { Family, Prefix } from '../bgp/types';
import { AFI_IPV4, AFI_IPV6, ErrorCode, SAFI_UNICAST } from '../bgp/types';
import { CeaseSubcode } from '../bgp/errors';
import type { RouteAttrs } from './attrs';
import type { LocRib } from './loc-rib';
import type { PrefixRef } from '../bgp/prefix-table';
import { bindIpv6Words, ipv6Ref, PrefixTable, prefixRefText } from '../bgp/prefix-table';
import { prefixCount } from '../bgp/codec/nlri';
import type { Peer } from './path';
import type { FamilyRoutes } from './update';

/**
 * Import policy as the RIB needs it (src/policy implements it). importRoute returns the attributes to keep
 * (interned) or, for a refusal, a short reason for status and debug logs. Must be pure: the same input gives
 * the same answer, so a policy change can be re-applied from the pre-policy copy.
 */
export interface ImportFilter {
  importRoute(prefix: Prefix, attrs: RouteAttrs): RouteAttrs | string;
  /**
   * The same verdict for a prefix given as a number ref of the prefix tables (PrefixRef: an IPv4 wire key, or an IPv6
   * ref into the bound words); absent: importRoute on its text.
   */
  importRef?(ref: number, attrs: RouteAttrs): RouteAttrs | string;
  /** Accepted prefixes per family above which the session must close (absent: no limit). */
  readonly maxPrefixes?: number;
  /** Percent of maxPrefixes at which to warn once (absent: no warning). */
  readonly maxPrefixesWarning?: number;
}

/** The filter's verdict on the prefix a number ref stands for, through importRef when it has one. */
export function importByRef(filter: ImportFilter, ref: number, attrs: RouteAttrs): RouteAttrs | string {
  return filter.importRef ? filter.importRef(ref, attrs) : filter.importRoute(prefixRefText(ref), attrs);
}

/** Something the session must act on, returned from apply(). */
export type ImportSignal =
  | { kind: 'max-prefix-warning'; family: Family; accepted: number; limit: number; percent: number }
  | {
      kind: 'max-prefix-exceeded';
      family: Family;
      accepted: number;
      limit: number;
      /** The NOTIFICATION to send: Cease / Maximum Number of Prefixes Reached, data AFI(2) SAFI(1) limit(4). */
      notification: { code: number; subcode: number; data: Uint8Array };
    };

export interface AdjRibInOptions {
  /** Keep the pre-policy copy (soft reconfiguration inbound, `adj-rib-in?policy=pre`). Default true. */
  keepPrePolicy?: boolean;
  /** Called for each refused announcement (debug logging); keep it cheap. */
  onRefuse?: (prefix: Prefix, reason: string) => void;
}

/** RFC 4486 §4: the Cease data for "Maximum Number of Prefixes Reached". */
export function maxPrefixNotification(family: Family, limit: number): { code: number; subcode: number; data: Uint8Array } {
  const data = new Uint8Array(7);
  const view = new DataView(data.buffer);
  view.setUint16(0, family === 'ipv4-unicast' ? AFI_IPV4 : AFI_IPV6);
  data[2] = SAFI_UNICAST;
  view.setUint32(3, limit);
  return { code: ErrorCode.Cease, subcode: CeaseSubcode.MaxPrefixesReached, data };
}

/**
 * Routes as received, kept lean: per prefix the number of its attribute set in a PrefixTable, the sets themselves
 * once each (a peer's full table has a few thousand distinct sets at most), reference-counted so a set no prefix
 * holds is let go. About 20 bytes per route instead of a Map entry and a prefix string (~70).
 */
class ReceivedRoutes {
  private readonly table = new PrefixTable(1);
  private readonly sets: (RouteAttrs | undefined)[] = [undefined];
  private readonly refs: number[] = [0];
  private readonly ids = new Map<RouteAttrs, number>();
  private readonly freeIds: number[] = [];
  /** The last set looked up and its number: an UPDATE's prefixes all carry the same set (one Map lookup, not one each). */
  private lastAttrs: RouteAttrs | undefined;
  private lastId = 0;

  get size(): number {
    return this.table.size;
  }

  get(prefix: PrefixRef): RouteAttrs | undefined {
    const id = this.table.find(prefix);
    return id < 0 ? undefined : this.sets[this.table.get(id, 0)];
  }

  /** Stores the set received for `prefix`; returns true when the prefix was held already. */
  set(prefix: PrefixRef, attrs: RouteAttrs): boolean {
    const id = this.table.insert(prefix);
    const old = this.table.get(id, 0);
    const next = this.idOf(attrs);
    if (old === next) return true;
    this.refs[next]++;
    this.table.set(id, 0, next);
    this.release(old);
    return old !== 0;
  }

  has(prefix: PrefixRef): boolean {
    return this.table.find(prefix) >= 0;
  }

  delete(prefix: PrefixRef): boolean {
    const id = this.table.find(prefix);
    if (id < 0) return false;
    this.release(this.table.get(id, 0));
    this.table.removeId(id);
    return true;
  }

  clear(): void {
    this.table.clear();
    this.sets.length = 1;
    this.refs.length = 1;
    this.ids.clear();
    this.freeIds.length = 0;
    this.lastAttrs = undefined;
  }

  *entries(): IterableIterator<[Prefix, RouteAttrs]> {
    for (const id of this.table.ids()) yield [this.table.prefixOf(id), this.sets[this.table.get(id, 0)]!];
  }

  [Symbol.iterator](): IterableIterator<[Prefix, RouteAttrs]> {
    return this.entries();
  }

  private idOf(attrs: RouteAttrs): number {
    if (attrs === this.lastAttrs) return this.lastId;
    this.lastAttrs = attrs;
    const known = this.ids.get(attrs);
    if (known !== undefined) return (this.lastId = known);
    const id = this.freeIds.pop() ?? this.sets.length;
    this.sets[id] = attrs;
    this.refs[id] = 0;
    this.ids.set(attrs, id);
    return (this.lastId = id);
  }

  private release(id: number): void {
    if (id === 0 || --this.refs[id] > 0) return;
    if (id === this.lastId) this.lastAttrs = undefined;
    this.ids.delete(this.sets[id]!);
    this.sets[id] = undefined;
    this.freeIds.push(id);
  }
}

interface FamilyCount {
  accepted: number;
  warned: boolean;
}

export class AdjRibIn {
  /**
   * The pre-policy copy, in two parts. Most accepted routes need no entry of their own: the Loc-RIB holds their
   * post-policy set, and `origin` gives back the set that came in (one post-policy set per received set, so a
   * table of a million routes costs one entry per distinct set, not one per route). `explicit` holds the rest:
   * refused routes, and accepted ones whose post-policy set was first made from another received set (two sets
   * that policy made equal, e.g. differing only in a LOCAL_PREF an eBGP peer should not send). Absent when
   * keepPrePolicy is false.
   */
  private readonly explicit: ReceivedRoutes | undefined;
  /** Post-policy set (interned) -> the received set it was first made from; weak: it lives as long as the Loc-RIB holds the set. */
  private readonly origin: WeakMap<RouteAttrs, RouteAttrs> | undefined;
  /** Accepted routes of this session whose received set is origin's (no explicit entry). */
  private implicit = 0;
  // The post-policy routes are this peer's paths in the Loc-RIB; a second map of them would only cost memory.
  private readonly counts: Record<Family, FamilyCount> = {
    'ipv4-unicast': { accepted: 0, warned: false },
    'ipv6-unicast': { accepted: 0, warned: false },
  };
  private readonly onRefuse: ((prefix: Prefix, reason: string) => void) | undefined;
  /** Announcements received since the session came up (cumulative, for status). */
  announcementsReceived = 0;
  /** Announcements refused by import policy since the session came up (cumulative). */
  announcementsRefused = 0;

  constructor(
    readonly peer: Peer,
    private readonly locRib: LocRib,
    private policy: ImportFilter,
    opts: AdjRibInOptions = {},
  ) {
    const keep = opts.keepPrePolicy !== false;
    this.explicit = keep ? new ReceivedRoutes() : undefined;
    this.origin = keep ? new WeakMap() : undefined;
    this.onRefuse = opts.onRefuse;
  }

  /**
   * Applies one family's routes from an UPDATE: withdrawals first, then announcements. Returns a signal when
   * max-prefix is crossed; on 'max-prefix-exceeded' it stops early (the session is about to close and clear()).
   */
  apply(routes: FamilyRoutes): ImportSignal | undefined {
    const count = this.counts[routes.family];
    // Prefixes from the codec come in wire form (IPv4 keys, IPv6 words): the tables and import policy take them as
    // number refs, no text is made. IPv6 refs point into the bound words, which nothing rebinds within this call.
    const withdrawKeys = routes.withdrawKeys;
    const withdrawWords = routes.withdrawWords6;
    if (withdrawKeys) {
      for (let i = 0; i < withdrawKeys.length; i++) this.withdrawOne(withdrawKeys[i], count);
    } else if (withdrawWords) {
      bindIpv6Words(withdrawWords);
      for (let i = 0, n = withdrawWords.length / 5; i < n; i++) this.withdrawOne(ipv6Ref(i), count);
    } else {
      for (const p of routes.withdraw) this.withdrawOne(p, count);
    }
    const attrs = routes.attributes;
    const n = prefixCount(routes, 'announce');
    if (!attrs || n === 0) return this.warnIfNeeded(routes.family, count);
    const keys = routes.announceKeys;
    const words = keys ? undefined : routes.announceWords6;
    const text = keys || words ? undefined : routes.announce;
    if (words) bindIpv6Words(words);
    const limit = this.policy.maxPrefixes;
    for (let i = 0; i < n; i++) {
      this.announcementsReceived++;
      const p: PrefixRef = keys ? keys[i] : words ? ipv6Ref(i) : text![i];
      if (this.importOne(p, attrs, count, true) && limit !== undefined && count.accepted > limit) {
        return {
          kind: 'max-prefix-exceeded',
          family: routes.family,
          accepted: count.accepted,
          limit,
          notification: maxPrefixNotification(routes.family, limit),
        };
      }
    }
    return this.warnIfNeeded(routes.family, count);
  }

  /** Runs one received route through import policy into the Loc-RIB; returns true when it added an accepted prefix. */
  private importOne(p: PrefixRef, attrs: RouteAttrs, count: FamilyCount, received: boolean): boolean {
    const explicit = this.explicit;
    const r = typeof p === 'number' ? importByRef(this.policy, p, attrs) : this.policy.importRoute(p, attrs);
    if (typeof r === 'string') {
      if (received) {
        this.announcementsRefused++;
        this.onRefuse?.(prefixRefText(p), r);
      }
      const held = explicit !== undefined && explicit.set(p, attrs);
      if (this.locRib.withdraw(this.peer.key, p, this.peer)) {
        count.accepted--;
        if (explicit && !held) this.implicit--;
      }
      return false;
    }
    const added = this.locRib.upsert(this.peer, p, r);
    if (added) count.accepted++;
    if (explicit) this.keepReceived(explicit, p, attrs, r, added);
    return added;
  }

  /** Keeps `attrs` as the received set of accepted prefix p (post-policy set `post`; `added`: no path of ours before). */
  private keepReceived(explicit: ReceivedRoutes, p: PrefixRef, attrs: RouteAttrs, post: RouteAttrs, added: boolean): void {
    const origin = this.origin!;
    let from = origin.get(post);
    if (from === undefined) origin.set(post, (from = attrs));
    // Our path was there and had no explicit entry: it was implicit.
    const wasImplicit = !added && !(explicit.size > 0 && explicit.has(p));
    if (from === attrs) {
      if (wasImplicit) return;
      this.implicit++;
      if (explicit.size > 0) explicit.delete(p);
      return;
    }
    if (wasImplicit) this.implicit--;
    explicit.set(p, attrs);
  }

  private withdrawOne(p: PrefixRef, count: FamilyCount): void {
    const explicit = this.explicit;
    const held = explicit !== undefined && explicit.size > 0 && explicit.delete(p);
    if (this.locRib.withdraw(this.peer.key, p, this.peer)) {
      count.accepted--;
      if (explicit && !held) this.implicit--;
    }
  }

  /** Applies every family of an UPDATE; returns the first exceeded signal, else the first warning. */
  applyAll(list: readonly FamilyRoutes[]): ImportSignal | undefined {
    let warning: ImportSignal | undefined;
    for (const r of list) {
      const s = this.apply(r);
      if (s?.kind === 'max-prefix-exceeded') return s;
      warning ??= s;
    }
    return warning;
  }

  /** The session went down: forget everything and withdraw this session's paths from the Loc-RIB. */
  clear(): void {
    this.locRib.removeSession(this.peer);
    this.explicit?.clear();
    this.implicit = 0;
    for (const c of Object.values(this.counts)) {
      c.accepted = 0;
      c.warned = false;
    }
    this.announcementsReceived = 0;
    this.announcementsRefused = 0;
  }

  /**
   * Installs a new import policy and re-evaluates every stored route against it (soft reconfiguration).
   * Needs the pre-policy copy; without it returns false and the caller must ask the peer for a ROUTE-REFRESH.
   */
  setPolicy(policy: ImportFilter): boolean {
    this.policy = policy;
    const explicit = this.explicit;
    if (!explicit) return false;
    for (const fam of Object.keys(this.counts) as Family[]) {
      this.counts[fam].warned = false;
    }
    // Explicit entries first (one may become implicit: the second pass then sees it again, which changes nothing),
    // then the implicit ones, in place: re-importing a prefix changes only its own Loc-RIB entry.
    for (const [p, attrs] of explicit) this.importOne(p, attrs, this.counts[familyOfPrefix(p)], false);
    for (const [p, attrs] of this.implicitEntries()) this.importOne(p, attrs, this.counts[familyOfPrefix(p)], false);
    return true;
  }

  get keepsPrePolicy(): boolean {
    return this.explicit !== undefined;
  }

  /** Accepted (post-policy) prefixes, per family or in total. */
  accepted(family?: Family): number {
    return family ? this.counts[family].accepted : this.counts['ipv4-unicast'].accepted + this.counts['ipv6-unicast'].accepted;
  }

  /** Prefixes currently held as received (pre-policy), or undefined when that copy is not kept. */
  received(): number | undefined {
    return this.explicit === undefined ? undefined : this.explicit.size + this.implicit;
  }

  prePolicy(prefix: Prefix): RouteAttrs | undefined {
    const explicit = this.explicit;
    if (!explicit) return undefined;
    const held = explicit.get(prefix);
    if (held) return held;
    const path = this.locRib.pathFrom(this.peer.key, prefix);
    return path?.peer === this.peer ? this.origin!.get(path.attrs) : undefined;
  }

  postPolicy(prefix: Prefix): RouteAttrs | undefined {
    return this.locRib.pathFrom(this.peer.key, prefix)?.attrs;
  }

  /** Why a received route is not accepted now (re-runs the policy), or undefined if it is accepted / unknown. */
  refusalReason(prefix: Prefix): string | undefined {
    const a = this.prePolicy(prefix);
    if (!a) return undefined;
    const r = this.policy.importRoute(prefix, a);
    return typeof r === 'string' ? r : undefined;
  }

  /**
   * Routes before or after import policy (status: `adj-rib-in?policy=pre|post`). Both scan the Loc-RIB. 'pre' stays
   * valid after the session is gone (a lost session's routes are withdrawn from it in slices): its implicit part is
   * then what the Loc-RIB still holds of this session.
   */
  *entries(policy: 'pre' | 'post'): IterableIterator<[Prefix, RouteAttrs]> {
    if (policy === 'pre') {
      if (!this.explicit) return;
      yield* this.explicit.entries();
      yield* this.implicitEntries();
      return;
    }
    for (const [p, path] of this.locRib.pathsFrom(this.peer.key)) yield [p, path.attrs];
  }

  /** Accepted routes with no explicit entry, as received: this session's Loc-RIB paths mapped back through `origin`. */
  private *implicitEntries(): IterableIterator<[Prefix, RouteAttrs]> {
    const explicit = this.explicit!;
    const origin = this.origin!;
    for (const [p, path] of this.locRib.pathsFrom(this.peer.key)) {
      if (path.peer !== this.peer || (explicit.size > 0 && explicit.has(p))) continue;
      const a = origin.get(path.attrs);
      if (a) yield [p, a];
    }
  }

  private warnIfNeeded(family: Family, count: FamilyCount): ImportSignal | undefined {
    const limit = this.policy.maxPrefixes;
    const percent = this.policy.maxPrefixesWarning;
    if (limit === undefined || percent === undefined) return undefined;
    const threshold = (limit * percent) / 100;
    if (count.accepted < threshold) {
      count.warned = false; // re-arm once the count falls back below the threshold
      return undefined;
    }
    if (count.warned) return undefined;
    count.warned = true;
    return { kind: 'max-prefix-warning', family, accepted: count.accepted, limit, percent };
  }
}

function familyOfPrefix(p: Prefix): Family {
  return p.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}
