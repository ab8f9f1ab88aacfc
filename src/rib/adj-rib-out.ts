// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.2): what we want the peer to have versus what we sent,
// flushed as batches of prefixes sharing one outgoing attribute set (one UPDATE each, §9.2.1.2 packing).

import type { Family, PathAttributes, Prefix } from '../bgp/types';
import { AFI_IPV6, SAFI_UNICAST } from '../bgp/types';
import { prefixFamily } from '../bgp/prefix';
import type { RouteAttrs } from './attrs';
import { NEXT_HOP_SELF, withNextHop } from './attrs';
import type { LocRib, RibChange } from './loc-rib';
import type { Path } from './path';

/**
 * Export policy as the Adj-RIB-Out needs it (src/policy implements it): the attributes to send for the
 * prefix's best path, interned, or undefined to not advertise it. Must be pure for a given configuration.
 */
export interface ExportFilter {
  exportRoute(prefix: Prefix, best: Path): RouteAttrs | undefined;
  /**
   * False when only our own (originated) routes can be exported: a hub that sends each spoke its own prefixes then
   * skips the learned ones without asking exportRoute (thousands of prefixes times hundreds of peers). Default true.
   */
  readonly exportsLearned?: boolean;
  /**
   * The session's own address for `family`, which replaces NEXT_HOP_SELF in exported attributes when UPDATEs are
   * built (exportRoute may return shared attribute sets carrying NEXT_HOP_SELF; see src/rib/attrs.ts).
   */
  nextHop?(family: Family): string | undefined;
}

/**
 * One group for the codec's packUpdates(): every announced prefix shares `attributes` (wire-ready: for IPv6
 * the next hop is in attributes.mpReach, the packer fills its NLRI). A withdraw-only batch has empty attributes.
 */
export interface OutBatch {
  family: Family;
  attributes: PathAttributes;
  announce: Prefix[];
  withdraw: Prefix[];
  /**
   * The shared set `attributes` was made from, when it carried NEXT_HOP_SELF: the same for every session sharing the
   * policy, so its encoding can be reused (AttributeBytesCache).
   */
  shared?: RouteAttrs;
}

/**
 * The wire form of an outgoing attribute set for a family (RFC 4760 §3: IPv6 next hop rides in MP_REACH), with the
 * session's address in place of NEXT_HOP_SELF.
 */
function wireAttributes(family: Family, a: RouteAttrs, self: string | undefined): PathAttributes {
  if (family === 'ipv4-unicast') {
    if (a.nextHop !== NEXT_HOP_SELF) return a;
    return self === undefined ? { ...a, nextHop: undefined } : { ...a, nextHop: self };
  }
  const { nextHop: given, ...rest } = a;
  const nextHop = given === NEXT_HOP_SELF ? self : given;
  return { ...rest, mpReach: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: nextHop === undefined ? [] : [nextHop], nlri: [] } };
}

/**
 * Loc-RIB changes as every Adj-RIB-Out needs them, sorted once per batch instead of once per session: those whose
 * best path changed (only those can change what a peer is sent), and of those the ones whose best path, before or
 * after, is one of ours (all a session that exports only our own routes needs).
 */
export class ExportBatch {
  readonly bestChanged: readonly RibChange[];
  readonly ownTouched: readonly RibChange[];
  /** Of bestChanged: prefixes that had no best path before (new), and those left with none (gone). */
  readonly added: number;
  readonly removed: number;

  constructor(changes: readonly RibChange[]) {
    const changed: RibChange[] = [];
    const own: RibChange[] = [];
    let added = 0;
    let removed = 0;
    for (const c of changes) {
      const best = c.best;
      const old = c.oldBest;
      if (best === old) continue;
      changed.push(c);
      if (old === undefined) added++;
      else if (best === undefined) removed++;
      if (best?.peer.local || old?.peer.local) own.push(c);
    }
    this.bestChanged = changed;
    this.ownTouched = own;
    this.added = added;
    this.removed = removed;
  }
}

export class AdjRibOut {
  /** What the peer has: prefixes we announced and have not withdrawn since. */
  private readonly sent = new Map<Prefix, RouteAttrs>();
  /** Desired changes not flushed yet: attributes to announce, or null to withdraw. */
  private readonly pending = new Map<Prefix, RouteAttrs | null>();
  /** A route refresh asked for everything again: do not skip pending routes equal to what was sent. */
  private forced = false;

  constructor(
    readonly peerKey: string,
    private exporter: ExportFilter,
  ) {}

  /**
   * Feeds a batch sorted once for every session (ExportBatch): an Adj-RIB-Out that exports only our own routes looks
   * at the few changes that involve them, not at every change of a full table.
   */
  applyBatch(batch: ExportBatch): void {
    this.applyChanges(this.exporter.exportsLearned !== false ? batch.bestChanged : batch.ownTouched);
  }

  /** Feeds Loc-RIB changes through export policy. Changes that left the best path alone are skipped. */
  applyChanges(changes: readonly RibChange[]): void {
    const learnedToo = this.exporter.exportsLearned !== false;
    for (const c of changes) {
      if (!c.bestChanged) continue;
      const best = c.best;
      // Neither before nor now one of ours: it was not exported, and is not now.
      if (!learnedToo && !best?.peer.local && !c.oldBest?.peer.local) continue;
      this.setDesired(c.prefix, best ? this.exporter.exportRoute(c.prefix, best) : undefined);
    }
  }

  /** Sets what the peer should have for `prefix` (undefined: nothing), effective at the next flush(). */
  setDesired(prefix: Prefix, attrs: RouteAttrs | undefined): void {
    const want = attrs ?? null;
    if (!this.pending.has(prefix) && (this.sent.get(prefix) ?? null) === want) return;
    this.pending.set(prefix, want);
  }

  /**
   * Recomputes the desired state from the whole Loc-RIB, e.g. for a new session, or after the export policy
   * (prepend, communities) changed; only differences are sent at the next flush().
   */
  rebuild(locRib: LocRib, exporter: ExportFilter = this.exporter, holdBack?: (prefix: Prefix) => boolean): Prefix[] {
    this.exporter = exporter;
    // Prefixes the forwarding plane does not hold yet (architecture convention 14) keep what the peer has; the
    // caller re-exports them once the kernel acknowledged them. Withdrawals never wait.
    const held: Prefix[] = [];
    // Export policy first: it is the cheaper test, and a hub exports few of the prefixes it holds to each peer.
    const visit = (prefix: Prefix, best: Path): void => {
      const attrs = exporter.exportRoute(prefix, best);
      if (attrs !== undefined && holdBack?.(prefix)) held.push(prefix);
      else this.setDesired(prefix, attrs);
    };
    const ownOnly = exporter.exportsLearned === false;
    const visited = (best: Path | undefined): boolean => best !== undefined && (!ownOnly || best.peer.local);
    locRib.forEachBest(visit, ownOnly ? visited : undefined);
    // What is sent or pending and was not visited (no best path, or a learned one when only ours go out): withdrawn.
    for (const p of this.sent.keys()) if (!visited(locRib.best(p))) this.setDesired(p, undefined);
    for (const p of this.pending.keys()) if (!visited(locRib.best(p))) this.setDesired(p, undefined);
    return held;
  }

  /** Re-evaluates one prefix against its current best path (undefined: withdraw), e.g. once it is forwarded. */
  reexport(prefix: Prefix, best: Path | undefined): void {
    this.setDesired(prefix, best ? this.exporter.exportRoute(prefix, best) : undefined);
  }

  /** The session went down: the peer has nothing now; what we want stays, to be sent on the next session. */
  sessionDown(): void {
    for (const [p, a] of this.sent) if (!this.pending.has(p)) this.pending.set(p, a);
    this.sent.clear();
    this.forced = false;
  }

  /** ROUTE-REFRESH (RFC 2918): the next flush() re-announces everything we want the peer to have. */
  resendAll(): void {
    for (const [p, a] of this.sent) if (!this.pending.has(p)) this.pending.set(p, a);
    this.forced = this.pending.size > 0;
  }

  /**
   * Turns up to `limit` pending prefixes into batches: withdrawals per family first, then announcements
   * grouped by identical (interned) outgoing attributes. Routes equal to what was sent are not re-sent.
   */
  flush(limit = Infinity): OutBatch[] {
    const withdraw: Record<Family, Prefix[]> = { 'ipv4-unicast': [], 'ipv6-unicast': [] };
    const groups: Record<Family, Map<RouteAttrs, Prefix[]>> = { 'ipv4-unicast': new Map(), 'ipv6-unicast': new Map() };
    let n = 0;
    // Deleting one by one is costly at a million entries; when everything goes, clear() once instead.
    const all = limit >= this.pending.size;
    for (const [p, want] of this.pending) {
      if (n >= limit) break;
      n++;
      if (!all) this.pending.delete(p);
      const have = this.sent.get(p);
      if (want === null) {
        if (have !== undefined) {
          this.sent.delete(p);
          withdraw[prefixFamily(p)].push(p);
        }
        continue;
      }
      if (have === want && !this.forced) continue;
      this.sent.set(p, want);
      const g = groups[prefixFamily(p)];
      const list = g.get(want);
      if (list) list.push(p);
      else g.set(want, [p]);
    }
    if (all) this.pending.clear();
    if (this.pending.size === 0) this.forced = false;
    const out: OutBatch[] = [];
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      if (withdraw[family].length > 0) out.push({ family, attributes: {}, announce: [], withdraw: withdraw[family] });
    }
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      if (groups[family].size === 0) continue;
      const self = this.exporter.nextHop?.(family);
      for (const [attrs, announce] of groups[family]) {
        const batch: OutBatch = { family, attributes: wireAttributes(family, attrs, self), announce, withdraw: [] };
        if (attrs.nextHop === NEXT_HOP_SELF) batch.shared = attrs;
        out.push(batch);
      }
    }
    return out;
  }

  /** What the peer should end up with for `prefix`, counting unflushed changes (as sent: the session's next hop). */
  wanted(prefix: Prefix): RouteAttrs | undefined {
    return this.asSent(prefix, this.pending.has(prefix) ? (this.pending.get(prefix) ?? undefined) : this.sent.get(prefix));
  }

  /** What we last sent for `prefix` (undefined: not advertised), with the session's next hop. */
  advertised(prefix: Prefix): RouteAttrs | undefined {
    return this.asSent(prefix, this.sent.get(prefix));
  }

  /** True when we last sent an announcement of `prefix`. */
  isAdvertised(prefix: Prefix): boolean {
    return this.sent.has(prefix);
  }

  private asSent(prefix: Prefix, a: RouteAttrs | undefined): RouteAttrs | undefined {
    return a === undefined ? undefined : withNextHop(a, this.exporter.nextHop?.(prefixFamily(prefix)));
  }

  get advertisedCount(): number {
    return this.sent.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Prefixes we announced and have not withdrawn, in no particular order. */
  advertisedPrefixes(): IterableIterator<Prefix> {
    return this.sent.keys();
  }

  /** What we advertise, with the session's next hop (for views: builds an attribute set per distinct one). */
  *advertisedEntries(): IterableIterator<[Prefix, RouteAttrs]> {
    for (const [p, a] of this.sent) yield [p, this.asSent(p, a)!];
  }
}
