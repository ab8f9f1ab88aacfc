// Export policy of one neighbor: what may be advertised (RFC 4271 §9.1.3, §9.2; RFC 1997 NO_EXPORT /
// NO_ADVERTISE) and how attributes are rewritten (§5.1.2 AS_PATH prepend, §5.1.3 NEXT_HOP, §5.1.4 MED, §5.1.5).

import type { AsPathSegment, Prefix, RawAttribute } from '../bgp/types';
import { AsPathSegmentType, ATTR_FLAG_PARTIAL, ATTR_FLAG_TRANSITIVE } from '../bgp/types';
import type { AttrsInput, RouteAttrs } from '../rib/attrs';
import { COMMUNITY_NO_ADVERTISE, COMMUNITY_NO_EXPORT, effectiveLocalPref, hasCommunity, internAttrs, NEXT_HOP_SELF, withNextHop } from '../rib/attrs';
import type { ExportFilter } from '../rib/adj-rib-out';
import type { Path } from '../rib/path';
import type { NeighborPolicyConfig, RouterPolicyConfig } from './config';
import { configuredPrepend, isIbgp } from './config';
import type { CompiledFilter } from './prefix-match';
import { familyOfPrefix, PrefixList } from './prefix-match';

/** Our side of the session: the addresses we put in NEXT_HOP (a family without one is not advertised). */
export interface LocalNextHops {
  ipv4?: string;
  /** The local global IPv6 address, given by the session (RFC 2545). */
  ipv6?: string;
}

/** Per-neighbor settings that change at run time (drain: GRACEFUL_SHUTDOWN 65535:0, more prepends). */
export interface DynamicExportSettings {
  extraPrepend: number;
  communities: readonly number[];
  largeCommunities: readonly (readonly [number, number, number])[];
}

/** RFC 4271 §5.1.2: prepend `asn` `count` times, into the leading AS_SEQUENCE when there is one. */
export function prependAsPath(path: readonly AsPathSegment[] | undefined, asn: number, count: number): AsPathSegment[] {
  const segs = path ? path.slice() : [];
  if (count <= 0) return segs;
  const add = new Array<number>(count).fill(asn);
  // The codec splits sequences longer than 255 ASNs on encode, so merging here is always safe.
  if (segs.length > 0 && segs[0].type === AsPathSegmentType.AsSequence) {
    segs[0] = { type: AsPathSegmentType.AsSequence, asns: [...add, ...segs[0].asns] };
  } else {
    segs.unshift({ type: AsPathSegmentType.AsSequence, asns: add });
  }
  return segs;
}

function addUnique<T>(base: readonly T[] | undefined, extra: readonly T[], same: (a: T, b: T) => boolean): T[] | undefined {
  if (extra.length === 0) return base ? base.slice() : undefined;
  const out = base ? base.slice() : [];
  for (const x of extra) if (!out.some((y) => same(x, y))) out.push(x);
  return out;
}

const NOT_TO_SOURCE = 'learned from this neighbor';
const NOT_IN_LEARNED = 'learned route not matched by any export learned filter';
const NOT_IBGP_TO_IBGP = 'iBGP-learned route to an iBGP neighbor';
const NOT_NO_ADVERTISE = 'carries NO_ADVERTISE';
const NOT_NO_EXPORT = 'carries NO_EXPORT';
const NOT_NO_V4_NEXT_HOP = 'no local IPv4 address for NEXT_HOP';
const NOT_NO_V6_NEXT_HOP = 'no local IPv6 address for NEXT_HOP';

export class ExportPolicy implements ExportFilter {
  readonly peerKey: string;
  readonly ebgp: boolean;
  private readonly localAsn: number;
  private readonly prepend: number;
  private readonly learned: PrefixList;
  private readonly deny: PrefixList;
  private readonly denyReasons = new Map<CompiledFilter, string>();
  private readonly baseCommunities: readonly number[];
  private readonly baseLarge: readonly (readonly [number, number, number])[];
  private readonly med: number | undefined;
  private nextHops: LocalNextHops;
  private dyn: DynamicExportSettings = { extraPrepend: 0, communities: [], largeCommunities: [] };
  /**
   * Rewritten attributes by input set, one cache per (family, originated?) since both change the result; shared by
   * every policy that rewrites the same way (sharedMemo), since the session's own next hop is not in them.
   */
  private memo: WeakMap<RouteAttrs, RouteAttrs>[];

  constructor(cfg: NeighborPolicyConfig, router: RouterPolicyConfig, nextHops: LocalNextHops = {}) {
    this.peerKey = cfg.name;
    this.ebgp = !isIbgp(cfg, router);
    this.localAsn = router.asn;
    this.prepend = configuredPrepend(cfg);
    this.learned = new PrefixList(cfg.export?.learned);
    this.deny = new PrefixList(cfg.export?.deny);
    for (const e of this.deny.entries) this.denyReasons.set(e, `denied by export filter "${e.text}"`);
    this.baseCommunities = cfg.export?.communities ?? [];
    this.baseLarge = cfg.export?.largeCommunities ?? [];
    this.med = cfg.export?.med;
    this.nextHops = { ...nextHops };
    this.memo = this.sharedMemo();
  }

  /** Rewrite caches by everything rewrite() reads: policies that rewrite alike (a hub's spokes) share one. */
  private static readonly memos = new Map<string, WeakMap<RouteAttrs, RouteAttrs>[]>();

  private sharedMemo(): WeakMap<RouteAttrs, RouteAttrs>[] {
    const d = this.dyn;
    const key = JSON.stringify([this.ebgp, this.localAsn, this.asnCopies, this.med, this.baseCommunities, d.communities, this.baseLarge, d.largeCommunities]);
    let memo = ExportPolicy.memos.get(key);
    if (!memo) {
      // Bounded: a daemon sees few distinct rewrites, but drains and reloads keep making new ones.
      if (ExportPolicy.memos.size >= 1024) ExportPolicy.memos.clear();
      memo = [new WeakMap(), new WeakMap(), new WeakMap(), new WeakMap()];
      ExportPolicy.memos.set(key, memo);
    }
    return memo;
  }

  /** Sets the session's local addresses (known once it is up). Call AdjRibOut.rebuild() afterwards. */
  setNextHops(nextHops: LocalNextHops): void {
    this.nextHops = { ...nextHops };
  }

  /** The address NEXT_HOP_SELF stands for in this session's UPDATEs of `family` (undefined: none). */
  nextHopFor(family: 'ipv4-unicast' | 'ipv6-unicast'): string | undefined {
    return family === 'ipv6-unicast' ? this.nextHops.ipv6 : this.nextHops.ipv4;
  }

  /** Changes the run-time settings (only the fields given). Call AdjRibOut.rebuild() afterwards. */
  setDynamic(d: Partial<DynamicExportSettings>): void {
    if (d.extraPrepend !== undefined && (!Number.isInteger(d.extraPrepend) || d.extraPrepend < 0)) {
      throw new Error(`extraPrepend must be a non-negative integer, got ${d.extraPrepend}`);
    }
    this.dyn = { ...this.dyn, ...d };
    this.memo = this.sharedMemo();
  }

  get dynamic(): Readonly<DynamicExportSettings> {
    return this.dyn;
  }

  /** False when no export "learned" filter is configured: only our originated routes can go out. */
  get exportsLearned(): boolean {
    return this.learned.size > 0;
  }

  /** Total copies of our ASN an eBGP export carries: 1 + configured prepend + dynamic extra. */
  get asnCopies(): number {
    return 1 + this.prepend + this.dyn.extraPrepend;
  }

  /** The attributes this session sends for the route (its own address as NEXT_HOP), or undefined: not sent. */
  exportRoute(prefix: Prefix, best: Path): RouteAttrs | undefined {
    const d = this.decide(prefix, best);
    return typeof d === 'string' ? undefined : withNextHop(d, this.nextHopFor(familyOfPrefix(prefix)));
  }

  /**
   * The same with NEXT_HOP_SELF in place of the session's address: one attribute set shared by every session whose
   * policy rewrites alike (the Adj-RIB-Out's input; it puts the address in when it builds the UPDATE).
   */
  exportTemplate(prefix: Prefix, best: Path): RouteAttrs | undefined {
    const d = this.decide(prefix, best);
    return typeof d === 'string' ? undefined : d;
  }

  /** Why a route is (not) exported, for status/debug. */
  explain(prefix: Prefix, best: Path): string {
    const d = this.decide(prefix, best);
    return typeof d === 'string' ? d : 'exported';
  }

  /** The attributes to send, or why not (constant strings: this runs once per prefix per peer). */
  private decide(prefix: Prefix, best: Path): RouteAttrs | string {
    const peer = best.peer;
    // §9.2: never advertise a route back to the peer it came from.
    if (peer.key === this.peerKey) return NOT_TO_SOURCE;
    if (!peer.local) {
      // Safe default: a learned route goes out only when an export "learned" filter names it.
      if (!this.learned.match(prefix)) return NOT_IN_LEARNED;
      // §9.2 (no route reflection): what an iBGP peer taught us is not passed to another iBGP peer.
      if (!peer.ebgp && !this.ebgp) return NOT_IBGP_TO_IBGP;
    }
    const denied = this.deny.match(prefix);
    if (denied) return this.denyReasons.get(denied)!;
    const a = best.attrs;
    if (hasCommunity(a, COMMUNITY_NO_ADVERTISE)) return NOT_NO_ADVERTISE;
    if (this.ebgp && hasCommunity(a, COMMUNITY_NO_EXPORT)) return NOT_NO_EXPORT;
    const v6 = familyOfPrefix(prefix) === 'ipv6-unicast';
    const nextHop = v6 ? this.nextHops.ipv6 : this.nextHops.ipv4;
    if (nextHop === undefined) return v6 ? NOT_NO_V6_NEXT_HOP : NOT_NO_V4_NEXT_HOP;
    const memo = this.memo[(v6 ? 2 : 0) + (peer.local ? 1 : 0)];
    let out = memo.get(a);
    if (!out) {
      out = this.rewrite(a, NEXT_HOP_SELF, peer.local);
      memo.set(a, out);
    }
    return out;
  }

  private rewrite(a: RouteAttrs, nextHop: string, originated: boolean): RouteAttrs {
    const out: AttrsInput = { ...a, nextHop };
    if (this.ebgp) {
      out.asPath = prependAsPath(a.asPath, this.localAsn, this.asnCopies);
      // §5.1.5: LOCAL_PREF is not sent to external peers. §5.1.4: a MED we learned stays in the AS that
      // received it; a MED on our own originated route is ours to send.
      delete out.localPref;
      if (!originated) delete out.med;
    } else {
      out.asPath = a.asPath ? a.asPath.slice() : [];
      out.localPref = effectiveLocalPref(a);
    }
    // A configured MED is ours to send to this neighbor (a backup tunnel towards a cloud that ranks by MED).
    if (this.med !== undefined) out.med = this.med;
    out.communities = addUnique(a.communities, [...this.baseCommunities, ...this.dyn.communities], (x, y) => x === y);
    out.largeCommunities = addUnique(
      a.largeCommunities,
      [...this.baseLarge, ...this.dyn.largeCommunities].map((c) => [c[0], c[1], c[2]] as [number, number, number]),
      (x, y) => x[0] === y[0] && x[1] === y[1] && x[2] === y[2],
    );
    if (out.communities === undefined) delete out.communities;
    if (out.largeCommunities === undefined) delete out.largeCommunities;
    if (a.unknown) {
      // RFC 4271 §5: optional transitive attributes we do not know travel on with Partial set; others stop here.
      const kept: RawAttribute[] = a.unknown
        .filter((u) => (u.flags & ATTR_FLAG_TRANSITIVE) !== 0)
        .map((u) => ({ flags: u.flags | ATTR_FLAG_PARTIAL, type: u.type, value: u.value }));
      if (kept.length > 0) out.unknown = kept;
      else delete out.unknown;
    }
    return internAttrs(out);
  }
}
