// Interned, frozen path attribute sets as the RIB stores them, and the per-attribute facts the decision
// process reads (RFC 4271 §9.1.2.2: AS_PATH length, neighbour AS, ORIGIN, MED, LOCAL_PREF).

import type { AsPathSegment, PathAttributes, RawAttribute } from '../bgp/types';
import { AsPathSegmentType } from '../bgp/types';

/**
 * Path attributes as the RIB keeps them: no MP_REACH/MP_UNREACH (the NLRI lives in the RIB's keys), and
 * `nextHop` holds the family's next hop (for IPv6 the global address from MP_REACH). Always frozen and
 * interned: two equal sets are the same object, so `===` is attribute equality and many prefixes share one.
 */
export type RouteAttrs = Readonly<Omit<PathAttributes, 'mpReach' | 'mpUnreach'>>;

/** What callers may hand to intern(): a decoded attribute set (MP_* fields are dropped) or a RouteAttrs. */
export type AttrsInput = Omit<PathAttributes, 'mpReach' | 'mpUnreach'> & Partial<Pick<PathAttributes, 'mpReach' | 'mpUnreach'>>;

/** RFC 4271 §5.1.5: a route without LOCAL_PREF is treated as 100 (the usual default, as in FRR and BIRD). */
export const DEFAULT_LOCAL_PREF = 100;

/** RFC 8326 GRACEFUL_SHUTDOWN well-known community, 65535:0. */
export const COMMUNITY_GRACEFUL_SHUTDOWN = 0xffff0000;
/** RFC 1997 well-known communities. */
export const COMMUNITY_NO_EXPORT = 0xffffff01;
export const COMMUNITY_NO_ADVERTISE = 0xffffff02;

/**
 * The NEXT_HOP an export policy writes where the session's own address goes (RFC 4271 §5.1.3): the attribute set is
 * then the same for every peer sharing the policy (a hub's spokes), computed and interned once rather than once per
 * peer; the Adj-RIB-Out puts the session's address in when it builds the UPDATE (FRR's update-groups do the same).
 * Never on the wire.
 */
export const NEXT_HOP_SELF = 'self';

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/**
 * A string that is equal for equal attribute sets. Built once per UPDATE (not per prefix), so a plain
 * concatenation is cheap enough; order inside lists is kept (communities in a different order simply
 * intern as a different set, which is correct, only less shared).
 */
export function attrsKey(a: AttrsInput): string {
  let k = a.origin === undefined ? 'o' : 'o' + a.origin;
  if (a.asPath) {
    k += '|p';
    for (const seg of a.asPath) k += seg.type + ':' + seg.asns.join(',') + ';';
  }
  if (a.nextHop !== undefined) k += '|n' + a.nextHop;
  if (a.med !== undefined) k += '|m' + a.med;
  if (a.localPref !== undefined) k += '|l' + a.localPref;
  if (a.atomicAggregate) k += '|a';
  if (a.aggregator) k += '|g' + a.aggregator.asn + '@' + a.aggregator.address;
  if (a.communities) k += '|c' + a.communities.join(',');
  if (a.largeCommunities) {
    k += '|L';
    for (const c of a.largeCommunities) k += c[0] + ':' + c[1] + ':' + c[2] + ',';
  }
  if (a.unknown) for (const u of a.unknown) k += '|u' + u.flags + ':' + u.type + ':' + hex(u.value);
  return k;
}

/** A deep, frozen copy holding only the fields that are set (so equal sets have equal shapes). */
function frozenCopy(a: AttrsInput): RouteAttrs {
  const out: { -readonly [K in keyof RouteAttrs]: RouteAttrs[K] } = {};
  if (a.origin !== undefined) out.origin = a.origin;
  if (a.asPath) {
    out.asPath = Object.freeze(
      a.asPath.map((s): AsPathSegment => Object.freeze({ type: s.type, asns: Object.freeze(s.asns.slice()) as number[] })),
    ) as AsPathSegment[];
  }
  if (a.nextHop !== undefined) out.nextHop = a.nextHop;
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (a.aggregator) out.aggregator = Object.freeze({ asn: a.aggregator.asn, address: a.aggregator.address });
  if (a.communities) out.communities = Object.freeze(a.communities.slice()) as number[];
  if (a.largeCommunities) {
    out.largeCommunities = Object.freeze(
      a.largeCommunities.map((c) => Object.freeze([c[0], c[1], c[2]]) as [number, number, number]),
    ) as [number, number, number][];
  }
  if (a.unknown) {
    out.unknown = Object.freeze(
      a.unknown.map((u): RawAttribute => Object.freeze({ flags: u.flags, type: u.type, value: u.value.slice() })),
    ) as RawAttribute[];
  }
  return Object.freeze(out);
}

/**
 * Interns attribute sets. Entries are held weakly: once no route references a set, the garbage
 * collector frees it and the registry drops its key, so a long-running daemon does not accumulate
 * every attribute set it has ever seen.
 */
export class AttrInterner {
  private readonly table = new Map<string, WeakRef<RouteAttrs>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    const ref = this.table.get(key);
    if (ref && ref.deref() === undefined) this.table.delete(key);
  });
  /** The last input and output: an UPDATE stream often repeats the same set, and a hit costs no key. */
  private lastIn: AttrsInput | undefined;
  private lastOut: RouteAttrs | undefined;

  intern(a: AttrsInput): RouteAttrs {
    if (a === this.lastIn && this.lastOut) return this.lastOut;
    const key = attrsKey(a);
    const hit = this.table.get(key)?.deref();
    if (hit) {
      this.remember(a, hit);
      return hit;
    }
    const fresh = frozenCopy(a);
    this.table.set(key, new WeakRef(fresh));
    this.registry.register(fresh, key);
    this.remember(a, fresh);
    return fresh;
  }

  /** Number of live keys (for status and tests; may include sets the collector has not reclaimed yet). */
  get size(): number {
    return this.table.size;
  }

  private remember(a: AttrsInput, out: RouteAttrs): void {
    // Only a frozen input can be cached by identity: a mutable one might change before the next call.
    if (Object.isFrozen(a)) {
      this.lastIn = a;
      this.lastOut = out;
    }
  }
}

/** The process-wide interner: every RIB and policy object shares it, so identity means equality everywhere. */
export const attrInterner = new AttrInterner();

export function internAttrs(a: AttrsInput): RouteAttrs {
  return attrInterner.intern(a);
}

/** `a` with NEXT_HOP_SELF replaced by the session's address (interned; undefined: no NEXT_HOP), or `a` itself. */
export function withNextHop(a: RouteAttrs, nextHop: string | undefined): RouteAttrs {
  if (a.nextHop !== NEXT_HOP_SELF) return a;
  const { nextHop: _self, ...rest } = a;
  return internAttrs(nextHop === undefined ? rest : { ...rest, nextHop });
}

// ---- facts the decision process and the policies read --------------------------------------

/** RFC 4271 §9.1.2.2 (a): AS_SET counts as 1 whatever its size; RFC 5065 §5.3: confederation segments count 0. */
export function asPathLength(a: RouteAttrs): number {
  const path = a.asPath;
  if (!path) return 0;
  let n = 0;
  for (const seg of path) {
    if (seg.type === AsPathSegmentType.AsSequence) n += seg.asns.length;
    else if (seg.type === AsPathSegmentType.AsSet) n += 1;
  }
  return n;
}

/**
 * RFC 4271 §9.1.2.2 (c): the neighbouring AS is the first AS of the first AS_SEQUENCE; a path without one
 * (originated inside our AS, or only confederation segments) has neighbour AS 0, standing for "our own AS".
 */
export function neighborAs(a: RouteAttrs): number {
  const path = a.asPath;
  if (!path) return 0;
  for (const seg of path) {
    if (seg.type === AsPathSegmentType.AsSequence && seg.asns.length > 0) return seg.asns[0];
    if (seg.type === AsPathSegmentType.AsSet) return 0;
  }
  return 0;
}

/** True when the AS_PATH names `asn` in any segment (loop detection, RFC 4271 §9.1.2). */
export function asPathContains(a: RouteAttrs, asn: number): boolean {
  const path = a.asPath;
  if (!path) return false;
  for (const seg of path) if (seg.asns.includes(asn)) return true;
  return false;
}

export function effectiveLocalPref(a: RouteAttrs): number {
  return a.localPref ?? DEFAULT_LOCAL_PREF;
}

/** RFC 4271 §9.1.2.2 (c): a missing MED is the lowest value, 0. */
export function effectiveMed(a: RouteAttrs): number {
  return a.med ?? 0;
}

/** ORIGIN: IGP(0) < EGP(1) < INCOMPLETE(2); a missing ORIGIN (only possible for local routes) counts as IGP. */
export function effectiveOrigin(a: RouteAttrs): number {
  return a.origin ?? 0;
}

export function hasCommunity(a: RouteAttrs, community: number): boolean {
  return a.communities !== undefined && a.communities.includes(community);
}
