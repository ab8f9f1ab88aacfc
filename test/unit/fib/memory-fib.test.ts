// The FIB engine over the memory kernel: path groups, failover and recovery, fallback to the next
// tier, idempotent updates, nothing left behind. Convention 9 (prefix-independent failover).

import type { KernelOp, OpFailure } from '../../../src/fib/dataplane';
import { MemoryFib } from '../../../src/fib/memory-fib';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import { A, A6, B, B6, C, D, hopText, routes } from './helpers';

function groupOps(fib: MemoryFib, from: number): { id: number; members: number[] }[] {
  return fib.kernel.log.slice(from).filter((op) => op.kind === 'group') as { id: number; members: number[] }[];
}

describe('memory FIB: installing', () => {
  it('gives prefixes with equal tiers one shared kernel group, whatever the order within a tier', async () => {
    const fib = new MemoryFib();
    const r = await fib.replaceRoutes([
      { prefix: '10.1.0.0/24', tiers: [[A, B], [C]] },
      { prefix: '10.1.1.0/24', tiers: [[B, A], [C]] },
      { prefix: '10.1.2.0/24', tiers: [[A], [B]] },
    ]);
    expect(r.errors).toEqual([]);
    const k = fib.kernel.ourRoutes();
    expect(k.get('10.1.0.0/24')).toBe(k.get('10.1.1.0/24'));
    expect(k.get('10.1.2.0/24')).not.toBe(k.get('10.1.0.0/24'));
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(A), hopText(B)]);
    expect(fib.kernel.resolve('10.1.2.0/24')).toEqual([hopText(A)]);
    // 3 nexthop objects + 2 groups + 3 routes
    expect(r.ops).toBe(8);
    expect(fib.snapshot().groups).toHaveLength(2);
  });

  it('points a lone path with no backup straight at the single nexthop object', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([{ prefix: '10.2.0.0/16', tiers: [[A]] }]);
    const nhid = fib.kernel.ourRoutes().get('10.2.0.0/16')!;
    expect(fib.kernel.objects.get(nhid)).toMatchObject({ gateway: A.gateway, ifname: A.ifname });
    expect(fib.snapshot().groups[0]).toMatchObject({ kind: 'single', id: nhid, activeTier: 0 });
  });

  it('does not rewrite unchanged routes and rewrites only the changed ones', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes(routes(1, 300, [[A, B]]));
    const again = await fib.replaceRoutes(routes(1, 300, [[A, B]]).map((r) => ({ ...r, tiers: [[B, A]] })));
    expect(again.ops).toBe(0);
    const moved = await fib.replaceRoutes(routes(1, 10, [[A], [B]]));
    // one new group object, ten route replacements, nothing deleted (the old group is still used)
    expect(moved).toMatchObject({ ops: 11, routeOps: 10, groupOps: 1, errors: [] });
    expect(fib.kernel.log.slice(-10).every((op) => op.kind === 'route-replace')).toBe(true);
  });

  it('installs IPv6 routes over IPv6 groups and refuses mixed families', async () => {
    const fib = new MemoryFib();
    const r = await fib.replaceRoutes([
      { prefix: '2001:db8::/32', tiers: [[A6, B6]] },
      { prefix: '2001:db8:1::/48', tiers: [[A6, B]] },
      { prefix: '10.9.0.0/16', tiers: [[A6]] },
    ]);
    expect(r.errors.map((e) => [e.code, e.prefix])).toEqual([
      ['FIB_BAD_ROUTE', '2001:db8:1::/48'],
      ['FIB_BAD_ROUTE', '10.9.0.0/16'],
    ]);
    expect(fib.kernel.resolve('2001:db8::/32')).toEqual(['fd00:1::2%wg-a', 'fd00:2::2%wg-b']);
    // An IPv6 group whose tunnels are all down falls back to the IPv6 blackhole, not the IPv4 one.
    await fib.nexthopDown('tun-a');
    await fib.nexthopDown('tun-b');
    expect(fib.kernel.resolve('2001:db8::/32')).toBe('blackhole');
  });

  it('reports a refused route with its prefix and installs the rest', async () => {
    const fib = new MemoryFib();
    fib.kernel.rejectIf = (op) => (op.kind === 'route-add' && op.prefix === '10.1.5.0/24' ? 'RTNETLINK answers: Invalid argument' : undefined);
    const r = await fib.replaceRoutes(routes(1, 10, [[A]]));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'FIB_KERNEL_REJECTED', prefix: '10.1.5.0/24' })]);
    expect(fib.kernel.ourRoutes().size).toBe(9);
    expect(fib.snapshot().installedCount).toBe(9);
    fib.kernel.rejectIf = undefined;
    // The next update of the same prefix writes it, although its tiers did not change.
    const retry = await fib.replaceRoutes(routes(1, 10, [[A]]));
    expect(retry).toMatchObject({ routeOps: 1, errors: [] });
  });
});

describe('memory FIB: failover', () => {
  it('removes a down tunnel from every group with one operation per group and no route writes', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([...routes(1, 500, [[A, B], [C]]), ...routes(10, 500, [[A, C]]), ...routes(20, 500, [[B], [C]])]);
    const before = new Map(fib.kernel.ourRoutes());
    const mark = fib.kernel.log.length;
    const r = await fib.nexthopDown('tun-a');
    expect(r).toMatchObject({ ops: 2, groupOps: 2, routeOps: 0, errors: [] });
    expect(groupOps(fib, mark).map((op) => op.members.length)).toEqual([1, 1]);
    expect(fib.kernel.ourRoutes()).toEqual(before);
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(B)]);
    expect(fib.kernel.resolve('10.10.0.0/24')).toEqual([hopText(C)]);
    expect(fib.kernel.resolve('10.20.0.0/24')).toEqual([hopText(B)]);
  });

  it('falls back to the next tier by swapping the group members, and comes back', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes(routes(1, 1000, [[A, B], [C, D]]));
    const id = fib.kernel.ourRoutes().get('10.1.0.0/24')!;
    await fib.nexthopDown('tun-a');
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(B)]);
    const mark = fib.kernel.log.length;
    const r = await fib.nexthopDown('tun-b');
    expect(r).toMatchObject({ ops: 1, groupOps: 1, routeOps: 0 });
    expect(fib.kernel.resolve('10.3.231.0/24')).toEqual([hopText(C), hopText(D)]);
    expect(groupOps(fib, mark)).toEqual([expect.objectContaining({ id })]);
    expect(fib.snapshot().groups[0]).toMatchObject({ id, activeTier: 1, active: [C, D] });
    await fib.nexthopUp('tun-b');
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(B)]);
    await fib.nexthopUp('tun-a');
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(A), hopText(B)]);
    expect(fib.kernel.ourRoutes().get('10.1.0.0/24')).toBe(id);
  });

  it('blackholes a group whose every tier is down, and restores it with one operation', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes(routes(1, 10, [[A], [B]]));
    await fib.nexthopDown('tun-a');
    await fib.nexthopDown('tun-b');
    expect(fib.kernel.resolve('10.1.0.0/24')).toBe('blackhole');
    expect(fib.snapshot().groups[0]).toMatchObject({ activeTier: -1, active: [] });
    const r = await fib.nexthopUp('tun-b');
    expect(r).toMatchObject({ groupOps: 1, routeOps: 0 });
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(B)]);
  });

  it('leaves groups alone when the down tunnel is only in a tier that is not active', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes(routes(1, 10, [[A], [B]]));
    const r = await fib.nexthopDown('tun-b');
    expect(r.ops).toBe(0);
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(A)]);
  });

  it('installs new routes of a tunnel already down with that tunnel left out', async () => {
    const fib = new MemoryFib();
    await fib.nexthopDown('tun-a');
    await fib.replaceRoutes(routes(1, 2, [[A, B]]));
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(B)]);
    await fib.nexthopUp('tun-a');
    expect(fib.kernel.resolve('10.1.0.0/24')).toEqual([hopText(A), hopText(B)]);
  });

  it('issues failover ahead of route work already queued', async () => {
    const fib = new MemoryFib({ routeBatchSize: 100 });
    await fib.replaceRoutes(routes(1, 10, [[A, B]]));
    const bulk = fib.replaceRoutes(routes(50, 5000, [[A, B]]));
    await Promise.resolve();
    const down = fib.nexthopDown('tun-a');
    await Promise.all([bulk, down]);
    const log = fib.kernel.log;
    const groupAt = log.findIndex((op) => op.kind === 'group' && op.members.length === 1);
    const lastRoute = log.map((op) => op.kind).lastIndexOf('route-add');
    expect(groupAt).toBeGreaterThan(0);
    expect(groupAt).toBeLessThan(lastRoute);
    expect(fib.kernel.resolve('10.69.135.0/24')).toEqual([hopText(B)]);
  });
});

describe('memory FIB: removal', () => {
  it('leaves nothing behind once every route is removed, in any failure state', async () => {
    const fib = new MemoryFib();
    const all = [...routes(1, 300, [[A, B], [C]]), ...routes(5, 300, [[D]]), { prefix: '2001:db8::/32', tiers: [[A6], [B6]] }];
    await fib.replaceRoutes(all);
    await fib.nexthopDown('tun-a');
    await fib.nexthopDown('tun-b');
    await fib.nexthopDown('tun-c');
    await fib.removeRoutes(all.slice(0, 200).map((r) => r.prefix));
    expect(fib.kernel.objects.size).toBeGreaterThan(0);
    const r = await fib.removeRoutes(all.map((r) => r.prefix));
    expect(r.errors).toEqual([]);
    expect(fib.kernel.routes.size).toBe(0);
    expect(fib.kernel.objects.size).toBe(0);
    expect(fib.snapshot()).toMatchObject({ nexthops: [], groups: [], routeCount: 0 });
  });

  it('treats a route with no tiers as a removal and keeps objects other groups still use', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([
      { prefix: '10.1.0.0/24', tiers: [[A, B]] },
      { prefix: '10.2.0.0/24', tiers: [[A]] },
    ]);
    await fib.replaceRoutes([{ prefix: '10.1.0.0/24', tiers: [[]] }]);
    expect([...fib.kernel.ourRoutes().keys()]).toEqual(['10.2.0.0/24']);
    // group gone, B gone, A kept
    expect([...fib.kernel.objects.values()].map((o) => o.gateway)).toEqual([A.gateway]);
  });

  it('close({ flush: true }) removes all it installed', async () => {
    const fib = new MemoryFib();
    fib.kernel.addForeign({ prefix: '10.1.0.0/24', metric: 0 });
    await fib.replaceRoutes(routes(1, 50, [[A, B], [C]]));
    await fib.close({ flush: true });
    expect([...fib.kernel.routes.values()]).toEqual([expect.objectContaining({ prefix: '10.1.0.0/24', ours: false })]);
    expect(fib.kernel.objects.size).toBe(0);
    await expect(fib.replaceRoutes([])).rejects.toThrow(/closed/);
  });
});

describe('memory FIB: repair as fast as failover', () => {
  it('a tunnel whose routes come back unchanged rejoins with one write per group and no route write', async () => {
    const fib = new MemoryFib();
    const ecmp = routes(1, 300, [[A, B]]);
    const backup = routes(20, 300, [[A], [C]]);
    await fib.replaceRoutes([...ecmp, ...backup]);
    const down = await fib.nexthopDown(A.tunnel);
    expect({ groups: down.groupOps, routes: down.routeOps }).toEqual({ groups: 2, routes: 0 });
    // The RIB withdraws the dead tunnel's paths: every prefix keeps its group, nothing is rewritten.
    const withdrawn = await fib.replaceRoutes([...routes(1, 300, [[B]]), ...routes(20, 300, [[C]])]);
    expect(withdrawn.routeOps).toBe(0);
    expect(fib.model.pinned.size).toBe(600);
    expect(fib.kernel.resolve(ecmp[0].prefix)).toEqual([hopText(B)]);
    expect(fib.kernel.resolve(backup[0].prefix)).toEqual([hopText(C)]);
    // The session returns with the same routes: still nothing to write; then the tunnel rejoins its two groups.
    const back = await fib.replaceRoutes([...ecmp, ...backup]);
    expect(back.routeOps).toBe(0);
    const up = await fib.nexthopUp(A.tunnel);
    expect({ groups: up.groupOps, routes: up.routeOps }).toEqual({ groups: 2, routes: 0 });
    expect(fib.model.pinned.size).toBe(0);
    expect(fib.kernel.resolve(ecmp[0].prefix)).toEqual([hopText(A), hopText(B)]);
    expect(fib.kernel.resolve(backup[0].prefix)).toEqual([hopText(A)]);
  });

  it('routes handed over again unchanged (a collision handover: the peer re-sends its table) write nothing', async () => {
    const fib = new MemoryFib();
    const r = [...routes(1, 300, [[A, B]]), ...routes(20, 300, [[A], [C]])];
    await fib.replaceRoutes(r);
    const from = fib.kernel.log.length;
    const again = await fib.replaceRoutes(r);
    expect({ routes: again.routeOps, groups: again.groupOps, kernel: fib.kernel.log.length - from }).toEqual({ routes: 0, groups: 0, kernel: 0 });
  });

  it('prefixes the returning tunnel no longer carries move to their own group before it rejoins', async () => {
    const fib = new MemoryFib();
    const ecmp = routes(1, 100, [[A, B]]);
    await fib.replaceRoutes(ecmp);
    await fib.nexthopDown(A.tunnel);
    await fib.replaceRoutes(routes(1, 100, [[B]]));
    // Only the first 90 come back over A; the peer no longer announces the last 10.
    await fib.replaceRoutes(ecmp.slice(0, 90));
    const from = fib.kernel.log.length;
    const up = await fib.nexthopUp(A.tunnel);
    expect(up.routeOps).toBe(10);
    // The ten moved before the group got A back: A never carried them.
    const log = fib.kernel.log.slice(from);
    const firstGroup = log.findIndex((o) => o.kind === 'group' && (o as { members: number[] }).members.length === 2);
    const lastRoute = log.map((o) => o.kind.startsWith('route')).lastIndexOf(true);
    expect(lastRoute).toBeLessThan(firstGroup);
    for (const r of ecmp.slice(90)) expect(fib.kernel.resolve(r.prefix)).toEqual([hopText(B)]);
    for (const r of ecmp.slice(0, 90)) expect(fib.kernel.resolve(r.prefix)).toEqual([hopText(A), hopText(B)]);
    expect(fib.model.pinned.size).toBe(0);
  });
});

describe('memory FIB: route batches in the writer', () => {
  /** A kernel that holds each route batch's answer until the test releases it, recording what was outstanding. */
  class HeldKernel extends MemoryKernel {
    held: { ops: KernelOp[]; release: () => void }[] = [];
    mostOutstanding = 0;
    override applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
      return new Promise((resolve) => {
        const entry = { ops, release: () => void super.applyRoutes(ops).then(resolve) };
        this.held.push(entry);
        this.mostOutstanding = Math.max(this.mostOutstanding, this.held.length);
      });
    }
  }
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  it('keeps two batches in the writer while it encodes the next, no more, and maps refusals to their prefixes', async () => {
    const kernel = new HeldKernel();
    kernel.rejectIf = (op) => (op.kind === 'route-add' && op.prefix === '10.1.5.0/24' ? 'Error: refused by the test.' : undefined);
    const fib = new MemoryFib({ routeBatchSize: 3, kernel });
    const done = fib.replaceRoutes(routes(1, 10, [[A]]));
    await settle();
    // Ten routes in batches of three: the second batch is sent before the first is answered, the third waits.
    expect(kernel.held.map((h) => h.ops.length)).toEqual([3, 3]);
    kernel.held.shift()!.release();
    await settle();
    expect(kernel.held.map((h) => h.ops.length)).toEqual([3, 3]);
    while (kernel.held.length > 0) {
      kernel.held.shift()!.release();
      await settle();
    }
    const r = await done;
    expect(kernel.mostOutstanding).toBe(2);
    expect(kernel.log.filter((op) => op.kind === 'route-add')).toHaveLength(10);
    expect(r.errors.map((e) => e.prefix)).toEqual(['10.1.5.0/24']);
    expect(kernel.routes.size).toBe(9);
    // The refused route was not recorded as installed: the next replace writes it again, and only it.
    kernel.rejectIf = undefined;
    const again = fib.replaceRoutes(routes(1, 10, [[A]]));
    await settle();
    while (kernel.held.length > 0) {
      kernel.held.shift()!.release();
      await settle();
    }
    await again;
    expect(kernel.routes.size).toBe(10);
    expect(kernel.log.filter((op) => op.kind === 'route-add')).toHaveLength(11);
  });
});

describe('memory FIB: routes with the RIB key', () => {
  const keyOf = (p: string) => {
    const [addr, len] = p.split('/');
    return addr.split('.').reduce((a, o) => a * 256 + Number(o), 0) * 64 + Number(len);
  };

  it('a route given with its key is the route of its text: found, moved and removed by the text alone', async () => {
    const fib = new MemoryFib();
    const keyed = routes(1, 300, [[A, B]]).map((r) => ({ ...r, key: keyOf(r.prefix) }));
    await fib.replaceRoutes([...keyed, { prefix: '2001:db8::/32', tiers: [[A6]], key: -1 }]);
    expect(fib.kernel.routes.size).toBe(301);
    expect(fib.kernel.resolve('10.2.43.0/24')).toEqual([hopText(A), hopText(B)]);
    // By text: the same entries (a wrong key would leave a second entry, or none to move).
    await fib.replaceRoutes(routes(1, 300, [[C]]));
    expect(fib.kernel.resolve('10.2.43.0/24')).toEqual([hopText(C)]);
    expect(fib.snapshot().routeCount).toBe(301);
    await fib.removeRoutes([...keyed.map((r) => r.prefix), '2001:db8::/32']);
    expect(fib.kernel.routes.size).toBe(0);
    expect(fib.snapshot().routeCount).toBe(0);
  });
});
