// What the FIB believes the kernel holds: nexthop objects, path groups (one per distinct tier list),
// routes, tunnel states, and the id allocator. Pure bookkeeping; the engine turns changes into KernelOps.

import type { Prefix } from '../bgp/types';
import type { PrefixRef } from '../bgp/prefix-table';
import { PrefixTable } from '../bgp/prefix-table';
import type { KernelObject } from './dataplane';
import type { NextHop } from './types';
import { addressFamily, nexthopKey, type IpFamily, type NormalTiers } from './tiers';

/** A single nexthop object: one tunnel's gateway over one interface. */
export interface NhState {
  key: string;
  id: number;
  hop: NextHop;
  family: IpFamily;
  /** Path groups that list this next hop in any tier. */
  groups: Set<GroupState>;
  /** Believed to exist in the kernel (false after a failed create or a carrier-loss flush). */
  present: boolean;
}

/**
 * Prefixes with equal tier lists share one path group. A lone next hop with no backup tier points
 * its routes straight at that nexthop object ('single'); anything else gets its own kernel group
 * object, whose members are swapped on failover while the routes keep pointing at its id.
 */
export interface GroupState {
  key: string;
  id: number;
  family: IpFamily;
  tiers: NhState[][];
  single: boolean;
  routes: number;
  /** Kernel membership last written (group objects only). */
  members: number[];
  activeTier: number;
  /** The object the routes point at exists in the kernel. */
  present: boolean;
  /** This group's number in RouteTable (routes refer to their group by it); 0 until registered. */
  slot: number;
}

/**
 * Our routes, a million of them at full table: per prefix its group and the nhid the kernel route points at now
 * (0 when the kernel has no route of ours for it, -1 when it has one we have not matched to an object), in a
 * PrefixTable: no object per route. Route ids are stable while the route lives; the engine holds them only inside
 * one queued operation.
 */
export class RouteTable {
  private readonly table = new PrefixTable(2);
  private readonly bySlot: (GroupState | undefined)[] = [undefined];
  private readonly freeSlots: number[] = [];

  get size(): number {
    return this.table.size;
  }

  find(prefix: PrefixRef): number {
    return this.table.find(prefix);
  }

  /** A new route on group `g`, not installed. */
  add(prefix: PrefixRef, g: GroupState): number {
    const id = this.table.insert(prefix);
    this.table.set(id, 0, g.slot);
    this.table.set(id, 1, 0);
    return id;
  }

  group(id: number): GroupState {
    return this.bySlot[this.table.get(id, 0)]!;
  }

  /** The group of a prefix's route, if it has one. */
  groupOf(prefix: Prefix): GroupState | undefined {
    const id = this.table.find(prefix);
    return id < 0 ? undefined : this.group(id);
  }

  setGroup(id: number, g: GroupState): void {
    this.table.set(id, 0, g.slot);
  }

  installed(id: number): number {
    return this.table.get(id, 1);
  }

  setInstalled(id: number, nhid: number): void {
    this.table.set(id, 1, nhid);
  }

  remove(id: number): void {
    this.table.removeId(id);
  }

  prefixOf(id: number): Prefix {
    return this.table.prefixOf(id);
  }

  ids(): IterableIterator<number> {
    return this.table.ids();
  }

  clear(): void {
    this.table.clear();
  }

  /** Gives a group its slot (when the model creates it). */
  register(g: GroupState): void {
    const slot = this.freeSlots.pop() ?? this.bySlot.length;
    this.bySlot[slot] = g;
    g.slot = slot;
  }

  /** Frees a dropped group's slot (no route refers to it any more). */
  release(g: GroupState): void {
    if (g.slot === 0 || this.bySlot[g.slot] !== g) return;
    this.bySlot[g.slot] = undefined;
    this.freeSlots.push(g.slot);
    g.slot = 0;
  }
}

/**
 * Kernel routes of ours adopted after a restart that no route claimed yet: per prefix its nhid and metric, and a
 * mark for "adopted by the reconcile in progress" (so it needs no set of the million prefixes it saw).
 */
export class StaleRoutes {
  private readonly table = new PrefixTable(3);

  get size(): number {
    return this.table.size;
  }

  has(prefix: Prefix): boolean {
    return this.table.has(prefix);
  }

  get(prefix: Prefix): { nhid: number; metric: number } | undefined {
    const id = this.table.find(prefix);
    return id < 0 ? undefined : { nhid: this.table.get(id, 0), metric: this.table.get(id, 1) };
  }

  set(prefix: Prefix, v: { nhid: number; metric: number; adopted?: boolean }): void {
    const id = this.table.insert(prefix);
    this.table.set(id, 0, v.nhid);
    this.table.set(id, 1, v.metric);
    this.table.set(id, 2, v.adopted ? 1 : 0);
  }

  clearMarks(): void {
    for (const id of this.table.ids()) this.table.set(id, 2, 0);
  }

  delete(prefix: Prefix): boolean {
    return this.table.delete(prefix);
  }

  clear(): void {
    this.table.clear();
  }

  *entries(): IterableIterator<[Prefix, { nhid: number; metric: number }]> {
    for (const id of this.table.ids()) yield [this.table.prefixOf(id), { nhid: this.table.get(id, 0), metric: this.table.get(id, 1) }];
  }

  /** Keeps only the entries `keep` says yes to (one pass, no copy of the keys). */
  retain(keep: (prefix: Prefix, nhid: number, metric: number, adopted: boolean) => boolean): void {
    for (const id of this.table.ids()) {
      if (!keep(this.table.prefixOf(id), this.table.get(id, 0), this.table.get(id, 1), this.table.get(id, 2) === 1)) this.table.removeId(id);
    }
  }
}

export interface IdRange {
  base: number;
  count: number;
}

/**
 * Ids come from our range, handed out in increasing order and reused only after a wrap, so an id we
 * delete is not given to a new object while the delete may still be queued behind it.
 */
export class IdAllocator {
  private next: number;
  private readonly used = new Set<number>();
  constructor(
    private readonly range: IdRange,
    /** Ids at the bottom of the range kept for fixed objects (the blackholes). */
    private readonly reserved: number,
  ) {
    this.next = range.base + reserved;
  }

  contains(id: number): boolean {
    return id >= this.range.base && id < this.range.base + this.range.count;
  }

  alloc(): number {
    const first = this.range.base + this.reserved;
    const end = this.range.base + this.range.count;
    for (let tries = 0; tries < this.range.count; tries++) {
      if (this.next >= end) this.next = first;
      const id = this.next++;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    throw new Error('nexthop id range exhausted');
  }

  markUsed(id: number): void {
    this.used.add(id);
  }

  free(id: number): void {
    this.used.delete(id);
  }
}

export class FibModel {
  readonly nhs = new Map<string, NhState>();
  readonly nhsByTunnel = new Map<string, Set<NhState>>();
  readonly groups = new Map<string, GroupState>();
  readonly routes = new RouteTable();
  readonly down = new Set<string>();
  /**
   * Prefixes left on a group that holds a down tunnel although their tiers no longer list it (its session's routes
   * were withdrawn): the group already forwards as their tiers say, so no route is rewritten. When the tunnel comes
   * back with the same routes they match the group again and repair is one membership write per group; those whose
   * routes did not come back move to their own group before the tunnel rejoins (FibEngine.nexthopUp).
   */
  readonly pinned = new Map<Prefix, NormalTiers>();
  /** Per family, the blackhole object groups fall back to when no next hop is usable. */
  readonly blackholes = new Map<IpFamily, { id: number; present: boolean }>();
  /** Kernel routes of ours adopted by reconcile({ stale: 'keep' }) that no route claimed yet. */
  readonly stale = new StaleRoutes();
  /** Kernel objects of ours adopted the same way, by id. */
  readonly adoptable = new Map<number, KernelObject>();
  readonly ids: IdAllocator;

  constructor(readonly range: IdRange) {
    this.ids = new IdAllocator(range, 16);
  }

  blackholeId(family: IpFamily): number {
    return this.range.base + (family === 4 ? 0 : 1);
  }

  usable(nh: NhState): boolean {
    return nh.present && !this.down.has(nh.hop.tunnel);
  }

  /** The members a group object should hold: the first tier with a usable next hop, else the blackhole. */
  computeMembers(g: GroupState): { tier: number; members: number[] } {
    for (let t = 0; t < g.tiers.length; t++) {
      const members: number[] = [];
      for (const nh of g.tiers[t]) if (this.usable(nh)) members.push(nh.id);
      if (members.length > 0) return { tier: t, members: members.sort((a, b) => a - b) };
    }
    return { tier: -1, members: [this.blackholeId(g.family)] };
  }

  /** Finds or creates the nexthop state; `created` collects new ones that need a kernel object. */
  ensureNh(hop: NextHop, created: NhState[]): NhState {
    const key = nexthopKey(hop);
    let nh = this.nhs.get(key);
    if (nh) return nh;
    const adopted = this.claimAdoptable((o) => !o.group && o.gateway === hop.gateway && o.ifname === hop.ifname);
    nh = {
      key,
      id: adopted ?? this.ids.alloc(),
      hop,
      family: addressFamily(hop.gateway),
      groups: new Set(),
      present: adopted !== undefined,
    };
    this.nhs.set(key, nh);
    let set = this.nhsByTunnel.get(hop.tunnel);
    if (!set) this.nhsByTunnel.set(hop.tunnel, (set = new Set()));
    set.add(nh);
    if (adopted === undefined) created.push(nh);
    return nh;
  }

  /** Finds or creates the path group for normalized tiers; new group objects are pushed to `created`. */
  ensureGroup(norm: NormalTiers, createdNhs: NhState[], createdGroups: GroupState[]): GroupState {
    let g = this.groups.get(norm.key);
    if (g) return g;
    const tiers = norm.tiers.map((t) => t.map((hop) => this.ensureNh(hop, createdNhs)));
    const single = tiers.length === 1 && tiers[0].length === 1;
    g = {
      key: norm.key,
      id: single ? tiers[0][0].id : 0,
      family: norm.family,
      tiers,
      single,
      routes: 0,
      members: [],
      activeTier: 0,
      present: single ? tiers[0][0].present : false,
      slot: 0,
    };
    this.routes.register(g);
    for (const tier of tiers) for (const nh of tier) nh.groups.add(g);
    if (!single) {
      const want = this.computeMembers(g);
      const memberKey = want.members.join('/');
      const adopted = this.claimAdoptable((o) => o.group !== undefined && [...o.group].sort((a, b) => a - b).join('/') === memberKey);
      g.id = adopted ?? this.ids.alloc();
      g.activeTier = want.tier;
      if (adopted !== undefined) {
        g.members = want.members;
        g.present = true;
      } else {
        createdGroups.push(g);
      }
    }
    this.groups.set(norm.key, g);
    return g;
  }

  private claimAdoptable(match: (o: KernelObject) => boolean): number | undefined {
    if (this.adoptable.size === 0) return undefined;
    for (const [id, o] of this.adoptable) {
      if (match(o)) {
        this.adoptable.delete(id);
        return id;
      }
    }
    return undefined;
  }

  /** Forgets a group with no routes; returns the kernel id to delete, if it owns a group object. */
  dropGroup(g: GroupState): number | undefined {
    this.groups.delete(g.key);
    this.routes.release(g);
    for (const tier of g.tiers) for (const nh of tier) nh.groups.delete(g);
    if (g.single) return undefined;
    this.ids.free(g.id);
    return g.id;
  }

  dropNh(nh: NhState): void {
    this.nhs.delete(nh.key);
    const set = this.nhsByTunnel.get(nh.hop.tunnel);
    set?.delete(nh);
    if (set && set.size === 0) this.nhsByTunnel.delete(nh.hop.tunnel);
    this.ids.free(nh.id);
  }

  /** Whether any path group of this family exists (the blackhole object is kept while one does). */
  hasFamily(family: IpFamily): boolean {
    for (const g of this.groups.values()) if (g.family === family) return true;
    return false;
  }
}

export function sameMembers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
