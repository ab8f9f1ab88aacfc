// An in-memory stand-in for the Linux nexthop/route tables with the kernel's rules (as measured on
// Linux 6.x): group membership checks, cascade on delete, silent flush on carrier loss. For tests.

import type { Prefix } from '../bgp/types';
import type { Dataplane, KernelObject, KernelOp, KernelRoute, OpFailure } from './dataplane';
import { addressFamily, type IpFamily } from './tiers';

export interface MemObject extends KernelObject {
  family: IpFamily;
}

export interface MemRoute extends KernelRoute {
  ours: boolean;
}

export class MemoryKernel implements Dataplane {
  readonly objects = new Map<number, MemObject>();
  /** One table; keyed like the kernel: prefix and metric. */
  readonly routes = new Map<string, MemRoute>();
  /** Every op applied (also refused ones), in order: tests count failover operations with it. */
  readonly log: KernelOp[] = [];
  /** Ops per batch, in order: a batch is one round trip to the kernel (tests count them around failover). */
  readonly batches: number[] = [];
  /** Makes the kernel refuse ops: return a message to refuse. */
  rejectIf: ((op: KernelOp) => string | undefined) | undefined;
  private readonly down = new Set<string>();
  private readonly listeners: ((ifname: string, usable: boolean) => void)[] = [];
  closed = false;

  constructor(readonly metric = 20) {}

  async applyObjects(ops: KernelOp[]): Promise<OpFailure[]> {
    this.batches.push(ops.length);
    return this.applyAll(ops);
  }

  async applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
    this.batches.push(ops.length);
    return this.applyAll(ops);
  }

  async readObjects(): Promise<KernelObject[]> {
    return [...this.objects.values()].map((o) => ({ ...o, group: o.group ? [...o.group] : undefined }));
  }

  async readRoutes(): Promise<KernelRoute[]> {
    return [...this.routes.values()].filter((r) => r.ours).map((r) => ({ prefix: r.prefix, nhid: r.nhid, metric: r.metric }));
  }

  onLink(listener: (ifname: string, usable: boolean) => void): void {
    this.listeners.push(listener);
  }

  describe(op: KernelOp): string {
    return JSON.stringify(op);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- test controls -----------------------------------------------------------------------

  /** Carrier loss/return on an interface: like Linux, loss deletes the nexthop objects on it, silently. */
  setLink(ifname: string, usable: boolean): void {
    if (usable) this.down.delete(ifname);
    else {
      this.down.add(ifname);
      for (const o of [...this.objects.values()]) if (o.ifname === ifname) this.deleteObject(o.id);
    }
    for (const l of this.listeners) l(ifname, usable);
  }

  /** Another protocol's route or object, which the FIB must never touch. */
  addForeign(route: { prefix: Prefix; nhid?: number; metric: number } | MemObject): void {
    if ('prefix' in route) this.routes.set(route.prefix + ' ' + route.metric, { nhid: 0, ...route, ours: false });
    else this.objects.set(route.id, { ...route });
  }

  ourRoutes(): Map<Prefix, number> {
    const out = new Map<Prefix, number>();
    for (const r of this.routes.values()) if (r.ours) out.set(r.prefix, r.nhid);
    return out;
  }

  /** Next hops (gateway%ifname) a route forwards over right now, resolving groups. */
  resolve(prefix: Prefix): string[] | 'blackhole' | undefined {
    const r = this.routes.get(prefix + ' ' + this.metric);
    if (!r) return undefined;
    const o = this.objects.get(r.nhid);
    if (!o) return undefined;
    const members = o.group ? o.group.map((id) => this.objects.get(id)!) : [o];
    if (members.some((x) => x.blackhole)) return 'blackhole';
    return members.map((x) => `${x.gateway}%${x.ifname}`).sort();
  }

  // ---- the rules -----------------------------------------------------------------------------

  private applyAll(ops: KernelOp[]): OpFailure[] {
    if (this.closed) throw new Error('memory kernel closed');
    const failures: OpFailure[] = [];
    ops.forEach((op, index) => {
      this.log.push(op);
      const message = this.rejectIf?.(op) ?? this.applyOne(op);
      if (message !== undefined) failures.push({ index, message });
    });
    return failures;
  }

  private applyOne(op: KernelOp): string | undefined {
    switch (op.kind) {
      case 'nh': {
        if (this.down.has(op.ifname)) return 'Carrier for nexthop device is down.';
        const old = this.objects.get(op.id);
        if (old?.group) return 'Can not replace a nexthop group with a nexthop.';
        this.objects.set(op.id, { id: op.id, ours: true, gateway: op.gateway, ifname: op.ifname, family: addressFamily(op.gateway) });
        return undefined;
      }
      case 'blackhole': {
        if (this.objects.get(op.id)?.group) return 'Can not replace a nexthop group with a nexthop.';
        this.objects.set(op.id, { id: op.id, ours: true, blackhole: true, family: op.family });
        return undefined;
      }
      case 'group': {
        const old = this.objects.get(op.id);
        if (old && !old.group) return 'Can not replace a nexthop with a nexthop group.';
        if (op.members.length === 0) return 'Invalid nexthop group: no members.';
        const members = op.members.map((id) => this.objects.get(id));
        if (members.some((x) => x === undefined)) return 'Invalid nexthop id.';
        if (members.some((x) => x!.group)) return 'Nested groups are not supported.';
        if (members.length > 1 && members.some((x) => x!.blackhole)) return 'Blackhole nexthop can not be used in a group with more than 1 path.';
        if (new Set(members.map((x) => x!.family)).size > 1) return 'Nexthop group can not have mixed family members.';
        this.objects.set(op.id, { id: op.id, ours: true, group: [...op.members], family: members[0]!.family });
        return undefined;
      }
      case 'nh-del':
        if (!this.objects.has(op.id)) return 'Nexthop id does not exist.';
        this.deleteObject(op.id);
        return undefined;
      case 'route-add':
      case 'route-replace': {
        const key = op.prefix + ' ' + this.metric;
        if (op.kind === 'route-add' && this.routes.has(key)) return 'RTNETLINK answers: File exists';
        const o = this.objects.get(op.nhid);
        if (!o) return 'Error: Nexthop id does not exist.';
        if (op.prefix.includes(':') && o.family === 4) return 'Error: IPv6 routes can not use an IPv4 nexthop.';
        this.routes.set(key, { prefix: op.prefix, nhid: op.nhid, metric: this.metric, ours: true });
        return undefined;
      }
      case 'route-del': {
        const key = op.prefix + ' ' + (op.metric ?? this.metric);
        if (!this.routes.get(key)?.ours) return 'RTNETLINK answers: No such process';
        this.routes.delete(key);
        return undefined;
      }
    }
  }

  /** Deleting an object drops it from groups, deletes groups left empty, and every route using any of them. */
  private deleteObject(id: number): void {
    const gone = new Set<number>([id]);
    this.objects.delete(id);
    let changed = true;
    while (changed) {
      changed = false;
      for (const o of [...this.objects.values()]) {
        if (!o.group || !o.group.some((m) => gone.has(m))) continue;
        o.group = o.group.filter((m) => !gone.has(m));
        if (o.group.length === 0) {
          this.objects.delete(o.id);
          gone.add(o.id);
          changed = true;
        }
      }
    }
    for (const [key, r] of this.routes) if (gone.has(r.nhid)) this.routes.delete(key);
  }
}
