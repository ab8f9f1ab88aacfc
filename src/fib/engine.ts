// The FIB itself, independent of how the kernel is reached: path groups, prefix-independent failover
// (convention 9), idempotent per-prefix updates, carrier-loss repair. Reconciliation lives in reconcile.ts.

import type { Prefix } from '../bgp/types';
import type { PrefixRef } from '../bgp/prefix-table';
import { bindIpv6Words, ipv6Ref } from '../bgp/prefix-table';
import type { Dataplane, KernelOp, PrefixNumbers } from './dataplane';
import { FibModel, sameMembers, type GroupState, type IdRange, type NhState } from './model';
import { Pinning } from './pinning';
import { reconcileKernel, sweepStale } from './reconcile';
import { buildSnapshot } from './snapshot';
import { Tally } from './tally';
import { normalizeTiers, type IpFamily, type NormalTiers } from './tiers';
import { FibError, type Fib, type FibResult, type FibRoute, type FibSnapshot, type ReconcileOptions, type ReconcileReport } from './types';

/**
 * Our nexthop id range: 0x0F000000-0x0FFFFFFF (251,658,240-268,435,455). FRR's zebra keeps its own
 * and its daemons' ids below 250,000,000 and the top-4-bit ids (>= 0x10000000) for EVPN L2 groups.
 */
export const DEFAULT_ID_RANGE: IdRange = { base: 0x0f000000, count: 0x01000000 };

/** A prefix to place: its text, and its numbers when it came from the RIB (then the text is made only if read). */
type PrefixSource = PrefixNumbers & { readonly prefix: Prefix };

/**
 * The prefix as the route table takes it: the IPv4 key, an IPv6 ref into the route's words (bound here: use it before
 * anything else binds), or the text.
 */
function refOf(p: PrefixSource): PrefixRef {
  if (p.key !== undefined && p.key >= 0) return p.key;
  if (p.words6 !== undefined) {
    bindIpv6Words(p.words6);
    return ipv6Ref(p.index6 ?? 0);
  }
  return p.prefix;
}

/**
 * A route write that carries the prefix's numbers to the netlink writer and makes its text only if read. The numbers
 * are read through from the source, not copied: a batch's writes live until the kernel has them, and three more
 * fields (a key is a boxed number past 2^31) were a third of what each route left for the collector to copy.
 */
class RouteWrite implements PrefixNumbers {
  constructor(
    readonly kind: 'route-add' | 'route-replace',
    readonly nhid: number,
    private readonly source: PrefixSource,
  ) {}
  get key(): number | undefined {
    return this.source.key;
  }
  get words6(): Uint32Array | undefined {
    return this.source.words6;
  }
  get index6(): number | undefined {
    return this.source.index6;
  }
  get prefix(): Prefix {
    return this.source.prefix;
  }
}

/** Group writes built from the model: `targets[i]` is what `ops[i]` makes (a group, or a blackhole object). */
interface GroupBatch {
  ops: KernelOp[];
  targets: unknown[];
}

export interface FibLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EngineOptions {
  idRange?: IdRange;
  /** Route operations per dataplane batch; bounds memory and lets failover ops slip in between. */
  routeBatchSize?: number;
  logger?: FibLogger;
}

export class FibEngine implements Fib {
  readonly model: FibModel;
  readonly routeBatchSize: number;
  private readonly pins: Pinning;
  /**
   * place() calls writing prefixes that were pinned: until the kernel has them on their new groups, it still routes
   * them by the old ones, and a tunnel must not rejoin those (nexthopUp waits in the queue instead).
   */
  private unpinning = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private repairQueued = false;
  private closed = false;
  /** Results of repairs the engine started by itself (after carrier changes), for status and tests. */
  lastRepair: Promise<FibResult> = Promise.resolve(new Tally().result());

  constructor(
    readonly dp: Dataplane,
    private readonly options: EngineOptions = {},
  ) {
    this.model = new FibModel(options.idRange ?? DEFAULT_ID_RANGE);
    this.pins = new Pinning(this.model);
    this.routeBatchSize = options.routeBatchSize ?? 20_000;
    dp.onLink((ifname, usable) => this.linkChanged(ifname, usable));
  }

  /** Per-prefix work runs one call at a time, in call order. Failover calls do not wait here. */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FibError('FIB_CLOSED', 'FIB is closed'));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  replaceRoutes(routes: FibRoute[]): Promise<FibResult> {
    return this.enqueue(async () => {
      const t = new Tally();
      // Two lists, not a pair per route: a million-route batch makes no million small arrays.
      const sources: PrefixSource[] = [];
      const norms: NormalTiers[] = [];
      const removals: Prefix[] = [];
      for (const route of routes) {
        const norm = normalizeTiers(route);
        if (typeof norm === 'string') {
          t.error('FIB_BAD_ROUTE', norm, route.prefix);
          continue;
        }
        if (norm.tiers.length === 0) removals.push(route.prefix);
        else {
          sources.push(route);
          norms.push(norm);
        }
      }
      await this.place(sources, norms, removals, t, true);
      return t.result();
    });
  }

  /**
   * Points prefixes (sources[i], with tiers norms[i]) at the groups of their tiers (creating objects first) and removes
   * others. With `pin`, a prefix whose group differs from its tiers only by down tunnels' next hops stays where it is
   * (FibModel.pinned).
   */
  private async place(sources: readonly PrefixSource[], norms: readonly NormalTiers[], removals: Prefix[], t: Tally, pin: boolean): Promise<void> {
    const createdNhs: NhState[] = [];
    const createdGroups: GroupState[] = [];
    // Route ids (RouteTable) of the prefixes to write, valid until this queued operation ends, and their prefixes.
    const changes: number[] = [];
    const changed: PrefixSource[] = [];
    const touched = new Set<GroupState>();
    const m = this.model;
    const routes = m.routes;
    // A batch from the RIB is long runs of prefixes with one tier list: look its group up once per run.
    let lastNorm: NormalTiers | undefined;
    let lastGroup: GroupState | undefined;
    let unpinned = 0;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      const norm = norms[i];
      // The RIB's numbers: the route table finds (and adds) the prefix without its text. Pins are kept by text.
      const ref = refOf(source);
      let rid = routes.find(ref);
      if (rid >= 0 && pin) {
        const cur = routes.group(rid);
        if (cur.key !== norm.key && routes.installed(rid) === cur.id && this.pins.pinnable(cur, norm)) {
          m.pinned.set(source.prefix, norm);
          continue;
        }
      }
      if (m.pinned.size > 0 && m.pinned.delete(source.prefix)) unpinned++;
      const g = norm === lastNorm ? lastGroup! : m.ensureGroup(norm, createdNhs, createdGroups);
      lastNorm = norm;
      lastGroup = g;
      if (rid < 0) {
        rid = routes.add(refOf(source), g);
        g.routes++;
      } else {
        const cur = routes.group(rid);
        if (cur !== g) {
          cur.routes--;
          touched.add(cur);
          routes.setGroup(rid, g);
          g.routes++;
        } else if (routes.installed(rid) === g.id) {
          continue; // the RIB repeating itself: nothing to write
        }
      }
      changes.push(rid);
      changed.push(source);
    }
    if (unpinned > 0) this.unpinning++;
    let failed: number[];
    try {
      await this.createObjects(createdNhs, createdGroups, t);
      failed = await this.writeRoutes(changes, t, changed);
    } finally {
      if (unpinned > 0) this.unpinning--;
    }
    if (removals.length > 0) await this.deleteRoutes(removals, t, touched);
    await this.cleanup(touched, t, failed);
  }

  removeRoutes(prefixes: Prefix[]): Promise<FibResult> {
    return this.enqueue(async () => {
      const t = new Tally();
      const touched = new Set<GroupState>();
      await this.deleteRoutes(prefixes, t, touched);
      await this.cleanup(touched, t, []);
      return t.result();
    });
  }

  /**
   * Issued at once, not behind queued route work: one group replacement per group holding the tunnel, except where
   * deleting the tunnel's IPv6 next-hop objects does the same (shrinkByDelete).
   */
  async nexthopDown(tunnel: string): Promise<FibResult> {
    this.model.down.add(tunnel);
    this.pins.downChanged();
    const t = new Tally();
    const nhs = [...(this.model.nhsByTunnel.get(tunnel) ?? [])];
    const groups = this.groupsOf(nhs);
    const leaving = nhs.filter((nh) => this.deletableOnDown(nh));
    if (leaving.length === 0) {
      await this.regroup(groups, t);
      return t.result();
    }
    await this.shrinkByDelete(groups, leaving, t);
    return t.result();
  }

  /**
   * An IPv6 next hop of a down tunnel may leave the kernel by deleting its object: no route points at it directly
   * (a 'single' group's routes would go with it), it exists, and no previous run's objects or routes are still being
   * adopted: a group of theirs the model does not hold yet may list it, and may have it as its last member (the
   * delete would take that group's routes, and their traffic would leave by a less specific route).
   */
  private deletableOnDown(nh: NhState): boolean {
    if (nh.family !== 6 || !nh.present) return false;
    if (this.model.adoptable.size > 0 || this.model.stale.size > 0) return false;
    for (const g of nh.groups) if (g.single) return false;
    return true;
  }

  /**
   * IPv6 failover without walking routes. Replacing a group makes the kernel walk every IPv6 route on it, before the
   * swap (fib6_check_nh_list) and after (nh_rt_cache_flush): 80 ms before traffic moves at half a million routes on
   * the group. Deleting a member object takes it out of every group with no walk (remove_nh_grp_entry): 2.4 ms at a
   * million (bench/group-swap-gap.sh). So: groups that must change tier (or fall to the blackhole) are replaced,
   * which takes the leaving objects out of them; the leaving objects are deleted, which shrinks every other group
   * holding them, each keeping a live member. A group is never left with a deleted object as its last member (the
   * kernel would delete the group and its routes). The objects are made again when the tunnel comes back
   * (regroupTunnel re-creates absent next hops).
   *
   * The replacements and the deletes go in one batch, replacements first (the kernel takes a batch in order), unless
   * a replaced group holds nothing but leaving objects: were its replacement refused, the delete would empty it. Then
   * the replacements are answered first and the deletes are not sent if one failed. One batch matters under load:
   * the batch is written within the caller's turn, where a second one waits for the first's answer, which waits
   * behind the rest of that turn (the failover core tears the dead tunnel's session down next: 10 ms on a loaded
   * lab, measured as IPv6 traffic moving 10 ms after IPv4's).
   */
  private async shrinkByDelete(groups: Set<GroupState>, leaving: NhState[], t: Tally): Promise<void> {
    const ids = new Set(leaving.map((nh) => nh.id));
    // Per group that the deletes alone shrink, the membership they leave it (its tier unchanged).
    const shrinking = new Map<GroupState, { tier: number; members: number[] }>();
    const rewrite: GroupState[] = [];
    for (const g of groups) {
      const want = this.model.computeMembers(g);
      const kept = g.members.filter((id) => !ids.has(id));
      if (g.present && want.tier >= 0 && kept.length > 0 && sameMembers(want.members, kept)) shrinking.set(g, want);
      else rewrite.push(g);
    }
    // A group the deletes could empty if its replacement were refused: only leaving members, or unknown ones.
    const guarded = rewrite.some((g) => !g.present || g.members.length === 0 || g.members.every((id) => ids.has(id)));
    const dels: KernelOp[] = leaving.map((nh) => ({ kind: 'nh-del', id: nh.id }));
    let delFailed: number[];
    if (guarded) {
      await this.regroup(rewrite, t);
      // Unknown membership (a failed write) or a leaving object still in a replaced group: deleting is not safe.
      if (rewrite.some((g) => !g.present || g.members.length === 0 || g.members.some((id) => ids.has(id)))) {
        await this.regroup(shrinking.keys(), t);
        return;
      }
      // Absent from now on, so a return racing this delete makes the objects again behind it (one channel, in order).
      for (const nh of leaving) nh.present = false;
      delFailed = [...(await t.apply(this.dp, 'objects', dels))];
    } else {
      const batch = this.groupBatch(rewrite, false);
      for (const nh of leaving) nh.present = false;
      const failed = await t.apply(this.dp, 'objects', [...batch.ops, ...dels]);
      const n = batch.ops.length;
      delFailed = [...failed].filter((i) => i >= n).map((i) => i - n);
      // A refused replacement left its group as it was less the deleted objects: not guarded, so another member stays.
      await this.settleGroups(batch, new Set([...failed].filter((i) => i < n)), t, false);
    }
    for (const [g, want] of shrinking) {
      g.activeTier = want.tier;
      g.members = want.members;
    }
    if (delFailed.length > 0) {
      // The kernel kept some: they are still there, and their groups are replaced the usual way.
      for (const i of delFailed) leaving[i].present = true;
      await this.regroup(shrinking.keys(), t);
    }
  }

  /**
   * The tunnel is back: one group replacement per group holding it. Prefixes pinned to such a group whose routes did
   * not come back over the tunnel move to their own group first (per prefix, behind queued route work), so the
   * tunnel never carries a prefix its peer no longer announces.
   */
  async nexthopUp(tunnel: string): Promise<FibResult> {
    const t = new Tally();
    const leaving = this.pins.leavingWith(tunnel);
    // A move of prefixes that were pinned (another return's, or a RIB batch's) may be on its way to the kernel: they
    // are pinned no more, but the kernel still routes them by their old group. Rejoining now would put this tunnel
    // in that group under them (a far gateway's restart brings its two sessions back a millisecond apart), so this
    // return waits behind that move.
    if (leaving.length > 0 || this.unpinning > 0) {
      await this.enqueue(async () => {
        // Recomputed in the queue: route work before it may have brought some of them back.
        const still = this.pins.leavingWith(tunnel);
        await this.place(
          still.map(([prefix]) => ({ prefix })),
          still.map(([, norm]) => norm),
          [],
          t,
          false,
        );
        this.rejoin(tunnel);
        await this.regroupTunnel(tunnel, t);
      });
      return t.result();
    }
    this.rejoin(tunnel);
    await this.regroupTunnel(tunnel, t);
    return t.result();
  }

  private rejoin(tunnel: string): void {
    this.model.down.delete(tunnel);
    this.pins.downChanged();
    // Pinned prefixes whose tiers now equal their group's (nothing of theirs is down any more) are plain routes again.
    for (const [prefix, norm] of this.model.pinned) if (this.model.routes.groupOf(prefix)?.key === norm.key) this.model.pinned.delete(prefix);
  }

  private async regroupTunnel(tunnel: string, t: Tally): Promise<void> {
    const nhs = [...(this.model.nhsByTunnel.get(tunnel) ?? [])];
    // The kernel deletes nexthop objects whose interface lost carrier; re-create ours first.
    const recreated = await this.createNhs(nhs.filter((nh) => !nh.present), t);
    await this.regroup(this.groupsOf(nhs), t);
    if (recreated.some((nh) => [...nh.groups].some((g) => g.single))) this.scheduleRepair();
  }

  reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    return this.enqueue(() => reconcileKernel(this, options));
  }

  sweepStale(): Promise<FibResult> {
    return this.enqueue(async () => {
      const t = new Tally();
      await sweepStale(this, t);
      return t.result();
    });
  }

  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    try {
      if (options.flush) await this.enqueue(() => this.flushAll());
      else await this.queue;
    } finally {
      this.closed = true;
      await this.dp.close();
    }
  }

  snapshot(options: { routes?: boolean } = {}): FibSnapshot {
    return buildSnapshot(this.model, options);
  }

  // ---- building blocks (also used by reconcile.ts) ------------------------------------------

  groupPresent(g: GroupState): boolean {
    return g.single ? g.tiers[0][0].present : g.present;
  }

  groupsOf(nhs: Iterable<NhState>): Set<GroupState> {
    const out = new Set<GroupState>();
    for (const nh of nhs) for (const g of nh.groups) if (!g.single) out.add(g);
    return out;
  }

  /** Creates nexthop objects; returns those now present. */
  async createNhs(nhs: NhState[], t: Tally): Promise<NhState[]> {
    const ops: KernelOp[] = nhs.map((nh) => ({ kind: 'nh', id: nh.id, gateway: nh.hop.gateway, ifname: nh.hop.ifname }));
    const failed = await t.apply(this.dp, 'objects', ops);
    const ok: NhState[] = [];
    nhs.forEach((nh, i) => {
      nh.present = !failed.has(i);
      if (nh.present) ok.push(nh);
    });
    return ok;
  }

  private blackholeOp(family: IpFamily, ops: KernelOp[], targets: unknown[]): void {
    const bh = this.model.blackholes.get(family);
    if (bh?.present) return;
    const id = this.model.blackholeId(family);
    const state = { id, present: true };
    this.model.blackholes.set(family, state);
    ops.push({ kind: 'blackhole', id, family });
    targets.push(state);
  }

  /**
   * Writes each group's membership where it differs from what the kernel holds: the failover step.
   * Ops are absolute ("members are now X"), so concurrent calls converge whatever their order.
   */
  async regroup(groups: Iterable<GroupState>, t: Tally, force = false): Promise<void> {
    const batch = this.groupBatch(groups, force);
    const failed = await t.apply(this.dp, 'objects', batch.ops);
    await this.settleGroups(batch, failed, t, force);
  }

  /** The ops that give each group its computed membership (none where the kernel holds it already), model updated. */
  private groupBatch(groups: Iterable<GroupState>, force: boolean): GroupBatch {
    const ops: KernelOp[] = [];
    const targets: unknown[] = [];
    for (const g of groups) {
      const want = this.model.computeMembers(g);
      g.activeTier = want.tier;
      if (!force && g.present && sameMembers(want.members, g.members)) continue;
      if (want.tier < 0) this.blackholeOp(g.family, ops, targets);
      ops.push({ kind: 'group', id: g.id, members: want.members });
      targets.push(g);
      g.members = want.members;
      g.present = true;
    }
    return { ops, targets };
  }

  /** After a group batch: refused ops (indexes into batch.ops) leave their groups unknown, tried once more. */
  private async settleGroups(batch: GroupBatch, failed: Set<number>, t: Tally, force: boolean): Promise<void> {
    const retry: GroupState[] = [];
    for (const i of failed) {
      const target = batch.targets[i] as GroupState | { id: number; present: boolean };
      if ('tiers' in target) {
        target.members = []; // unknown: rewrite next time
        if (force) target.present = false;
        else retry.push(target);
      } else {
        target.present = false;
      }
    }
    // A refused group most often names a member the kernel just flushed; one more try without it.
    if (retry.length > 0 && !force) await this.regroup(retry, t, true);
  }

  /** Kernel objects for new next hops, then for new group objects (members computed once they exist). */
  private async createObjects(nhs: NhState[], groups: GroupState[], t: Tally): Promise<void> {
    if (nhs.length > 0) await this.createNhs(nhs, t);
    if (groups.length > 0) await this.regroup(groups, t, true);
  }

  /**
   * Points each changed route (RouteTable ids; `prefixes[i]` is the prefix of `changes[i]` when the caller has it, as
   * numbers too when they came from the RIB) at its group's kernel id; returns the routes whose write failed. Two route
   * batches are in the writer at a time: the kernel works on one while the next is encoded, instead of waiting for it
   * (both writers answer in order).
   */
  private async writeRoutes(changes: readonly number[], t: Tally, prefixes?: readonly PrefixSource[]): Promise<number[]> {
    const routes = this.model.routes;
    const failedRoutes: number[] = [];
    let ops: KernelOp[] = [];
    let batch: number[] = [];
    const inFlight: Promise<void>[] = [];
    const send = (): void => {
      const sent = ops;
      const ids = batch;
      inFlight.push(
        t.apply(this.dp, 'routes', sent).then((failed) => {
          ids.forEach((rid, i) => {
            if (failed.has(i)) failedRoutes.push(rid);
            else routes.setInstalled(rid, (sent[i] as { nhid: number }).nhid);
          });
        }),
      );
      ops = [];
      batch = [];
    };
    for (let i = 0; i < changes.length; i++) {
      const rid = changes[i];
      const g = routes.group(rid);
      // The caller's prefix (its text made only if read below), or the table's text.
      const source: PrefixSource = prefixes ? prefixes[i] : { prefix: routes.prefixOf(rid) };
      if (!this.groupPresent(g)) {
        t.error('FIB_KERNEL_REJECTED', `not installed: the kernel object for its next hops (id ${g.id}) could not be created`, source.prefix);
        continue;
      }
      const stale = this.model.stale.size > 0 ? this.model.stale.get(source.prefix) : undefined;
      if (stale !== undefined && stale.metric === this.dp.metric) {
        // A route a previous run left behind: take it over, and write nothing if it already fits.
        this.model.stale.delete(source.prefix);
        routes.setInstalled(rid, stale.nhid === g.id ? g.id : -1);
        if (stale.nhid === g.id) continue;
      }
      ops.push(new RouteWrite(routes.installed(rid) !== 0 ? 'route-replace' : 'route-add', g.id, source));
      batch.push(rid);
      if (ops.length >= this.routeBatchSize) {
        if (inFlight.length >= 2) await inFlight.shift();
        send();
      }
    }
    if (ops.length > 0) {
      if (inFlight.length >= 2) await inFlight.shift();
      send();
    }
    for (const p of inFlight) await p;
    return failedRoutes;
  }

  private async deleteRoutes(prefixes: Prefix[], t: Tally, touched: Set<GroupState>): Promise<void> {
    const ops: KernelOp[] = [];
    const routes = this.model.routes;
    for (const prefix of prefixes) {
      const rid = routes.find(prefix);
      if (rid < 0) {
        const stale = this.model.stale.size > 0 ? this.model.stale.get(prefix) : undefined;
        if (stale !== undefined) {
          this.model.stale.delete(prefix);
          ops.push({ kind: 'route-del', prefix, metric: stale.metric });
        }
        continue;
      }
      const g = routes.group(rid);
      const installed = routes.installed(rid);
      routes.remove(rid);
      if (this.model.pinned.size > 0) this.model.pinned.delete(prefix);
      g.routes--;
      touched.add(g);
      if (installed !== 0) ops.push({ kind: 'route-del', prefix });
      if (ops.length >= this.routeBatchSize) await t.apply(this.dp, 'routes', ops.splice(0));
    }
    await t.apply(this.dp, 'routes', ops);
  }

  /** Deletes group objects no route uses, then next hops no group uses, then unneeded blackholes. */
  private async cleanup(touched: Set<GroupState>, t: Tally, failedRoutes: number[]): Promise<void> {
    const ops: KernelOp[] = [];
    const deleted = new Set<number>();
    const nhs = new Set<NhState>();
    for (const g of touched) {
      if (g.routes > 0 || this.model.groups.get(g.key) !== g) continue;
      const id = this.model.dropGroup(g);
      if (id !== undefined && g.present) {
        ops.push({ kind: 'nh-del', id });
        deleted.add(id);
      }
      for (const tier of g.tiers) for (const nh of tier) nhs.add(nh);
    }
    for (const nh of nhs) {
      if (nh.groups.size > 0) continue;
      this.model.dropNh(nh);
      if (nh.present) ops.push({ kind: 'nh-del', id: nh.id });
      deleted.add(nh.id);
    }
    for (const family of [4, 6] as const) {
      const bh = this.model.blackholes.get(family);
      if (bh && !this.model.hasFamily(family)) {
        this.model.blackholes.delete(family);
        if (bh.present) ops.push({ kind: 'nh-del', id: bh.id });
      }
    }
    await t.apply(this.dp, 'objects', ops);
    // A route whose move failed still pointed at an object deleted now; the kernel took it along.
    const routes = this.model.routes;
    for (const rid of failedRoutes) if (deleted.has(routes.installed(rid))) routes.setInstalled(rid, 0);
  }

  /** Deletes everything we own: objects first (the kernel drops their routes with them), then leftovers. */
  private async flushAll(): Promise<void> {
    const t = new Tally();
    await sweepStale(this, t);
    const ops: KernelOp[] = [];
    for (const g of this.model.groups.values()) if (!g.single && g.present) ops.push({ kind: 'nh-del', id: g.id });
    for (const nh of this.model.nhs.values()) if (nh.present) ops.push({ kind: 'nh-del', id: nh.id });
    for (const bh of this.model.blackholes.values()) if (bh.present) ops.push({ kind: 'nh-del', id: bh.id });
    await t.apply(this.dp, 'objects', ops);
    for (const g of [...this.model.groups.values()]) this.model.dropGroup(g);
    for (const nh of [...this.model.nhs.values()]) this.model.dropNh(nh);
    this.model.routes.clear();
    this.model.pinned.clear();
    this.model.blackholes.clear();
  }

  // ---- carrier changes: mirror the kernel's silent flush, then repair ------------------------

  private linkChanged(ifname: string, usable: boolean): void {
    if (this.closed) return;
    const m = this.model;
    if (usable) {
      for (const nh of m.nhs.values()) if (nh.hop.ifname === ifname && !nh.present) return this.scheduleRepair();
      return;
    }
    const lost = new Set<number>();
    for (const nh of m.nhs.values()) {
      if (nh.hop.ifname === ifname && nh.present) {
        nh.present = false;
        lost.add(nh.id);
      }
    }
    if (lost.size === 0) return;
    // Routes pointing straight at a flushed object went with it; so did groups left empty and theirs.
    const gone = new Set(lost);
    const affected: GroupState[] = [];
    for (const g of m.groups.values()) {
      if (g.single || !g.members.some((id) => lost.has(id))) continue;
      g.members = g.members.filter((id) => !lost.has(id));
      if (g.members.length === 0) {
        g.present = false;
        gone.add(g.id);
      }
      affected.push(g);
    }
    for (const rid of m.routes.ids()) if (gone.has(m.routes.installed(rid))) m.routes.setInstalled(rid, 0);
    if (m.stale.size > 0) m.stale.retain((_prefix, nhid) => !gone.has(nhid));
    this.options.logger?.warn({ ifname, objects: lost.size, groupsEmptied: gone.size - lost.size }, 'interface lost carrier: kernel flushed its nexthop objects');
    // Groups first, at once (they may need the next tier), then the routes the kernel dropped.
    this.scheduleRepair(this.regroup(affected, new Tally()));
  }

  /** Queues one repair behind current route work (and `after`); repairs requested meanwhile fold into it. */
  scheduleRepair(after?: Promise<unknown>): void {
    if (this.repairQueued || this.closed) return;
    this.repairQueued = true;
    this.lastRepair = this.enqueue(async () => {
      await after;
      this.repairQueued = false;
      const t = new Tally();
      await this.repair(t);
      if (t.errors.length > 0) this.options.logger?.warn({ errors: t.errors.slice(0, 5) }, 'FIB repair incomplete');
      return t.result();
    });
  }

  /** Makes the kernel match the model as the model believes it stands: missing objects, groups, routes. */
  async repair(t: Tally): Promise<number> {
    const m = this.model;
    let written = 0;
    const missing = [...m.nhs.values()].filter((nh) => !nh.present);
    written += missing.length;
    await this.createNhs(missing, t);
    const stale: GroupState[] = [];
    for (const g of m.groups.values()) {
      if (g.single) continue;
      const want = m.computeMembers(g);
      if (!g.present || !sameMembers(want.members, g.members)) stale.push(g);
    }
    written += stale.length;
    await this.regroup(stale, t, true);
    const changes: number[] = [];
    for (const rid of m.routes.ids()) if (m.routes.installed(rid) !== m.routes.group(rid).id) changes.push(rid);
    written += changes.length;
    await this.writeRoutes(changes, t);
    return written;
  }
}
