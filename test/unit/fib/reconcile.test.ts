// Reconciliation with the (memory) kernel: a previous run's routes removed or adopted, drift repaired,
// other protocols' state untouched; and the kernel's silent flush when an interface loses carrier.

import { DEFAULT_ID_RANGE } from '../../../src/fib/engine';
import { MemoryFib } from '../../../src/fib/memory-fib';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import { A, B, C, hopText, routes } from './helpers';

const FOREIGN_IN_RANGE = DEFAULT_ID_RANGE.base + 500;

/** A kernel holding a previous run's state, plus another protocol's route and objects. */
async function previousRun(): Promise<MemoryKernel> {
  const kernel = new MemoryKernel();
  const old = new MemoryFib({ kernel });
  await old.replaceRoutes([...routes(1, 100, [[A, B], [C]]), ...routes(2, 100, [[A]]), { prefix: '2001:db8::/32', tiers: [[{ ...A, gateway: 'fd00::2' }], [{ ...B, gateway: 'fd00:1::2' }]] }]);
  await old.nexthopDown('tun-a');
  kernel.addForeign({ prefix: '10.1.0.0/24', metric: 0 });
  kernel.addForeign({ prefix: '192.0.2.0/24', metric: 20 });
  kernel.addForeign({ id: 7, ours: false, gateway: '10.255.1.2', ifname: 'wg-a', family: 4 });
  kernel.addForeign({ id: FOREIGN_IN_RANGE, ours: false, gateway: '10.255.2.2', ifname: 'wg-b', family: 4 });
  return kernel;
}

function foreign(kernel: MemoryKernel): unknown {
  return {
    routes: [...kernel.routes.values()].filter((r) => !r.ours),
    objects: [...kernel.objects.values()].filter((o) => !o.ours),
  };
}

describe('memory FIB: reconcile', () => {
  it('removes a previous run’s routes and objects and nothing of anyone else', async () => {
    const kernel = await previousRun();
    const before = foreign(kernel);
    const fib = new MemoryFib({ kernel });
    const r = await fib.reconcile();
    expect(r).toMatchObject({ kernelRoutes: 201, staleRoutes: 201, errors: [] });
    // 3 v4 + 1 v6 nexthops (tun-a's IPv6 one was deleted when tun-a went down), 2 groups (blackholes only when needed).
    expect(r.staleObjects).toBe(6);
    expect(kernel.ourRoutes().size).toBe(0);
    expect([...kernel.objects.values()].filter((o) => o.ours)).toEqual([]);
    expect(foreign(kernel)).toEqual(before);
    // Deleting the objects took their routes along: far fewer route deletes than routes.
    expect(r.routeOps).toBe(0);
  });

  it('adopts a previous run’s state with stale: keep, rewrites nothing the RIB re-announces, sweeps the rest', async () => {
    const kernel = await previousRun();
    const fib = new MemoryFib({ kernel });
    const r = await fib.reconcile({ stale: 'keep' });
    expect(r).toMatchObject({ staleRoutes: 201, ops: 0 });
    expect(kernel.ourRoutes().size).toBe(201);
    // The RIB re-learns the first group's routes (the tunnel is still down in the new run too).
    await fib.nexthopDown('tun-a');
    const again = await fib.replaceRoutes(routes(1, 100, [[A, B], [C]]));
    expect(again).toMatchObject({ ops: 0, errors: [] });
    expect(kernel.resolve('10.1.5.0/24')).toEqual([hopText(B)]);
    expect(fib.snapshot().staleRoutes).toBe(101);
    const swept = await fib.sweepStale();
    expect(swept.errors).toEqual([]);
    expect(kernel.ourRoutes().size).toBe(100);
    expect(kernel.resolve('10.1.5.0/24')).toEqual([hopText(B)]);
    expect(kernel.routes.has('192.0.2.0/24 20')).toBe(true);
    // Only the adopted group and its members remain of ours (A, B, C): the [[A]] routes and IPv6 are gone.
    expect([...kernel.objects.values()].filter((o) => o.ours)).toHaveLength(4);
  });

  it('repairs routes and objects that vanished behind its back', async () => {
    const kernel = new MemoryKernel();
    const fib = new MemoryFib({ kernel });
    await fib.replaceRoutes([...routes(1, 20, [[A, B]]), ...routes(2, 5, [[C]])]);
    const groupId = kernel.ourRoutes().get('10.1.0.0/24')!;
    await kernel.applyObjects([{ kind: 'nh-del', id: groupId }]); // takes its 20 routes along
    await kernel.applyRoutes([{ kind: 'route-del', prefix: '10.2.3.0/24' }]);
    expect(kernel.ourRoutes().size).toBe(4);
    const r = await fib.reconcile();
    expect(r.errors).toEqual([]);
    expect(r.repaired).toBe(22); // the group object and 21 routes
    expect(kernel.ourRoutes().size).toBe(25);
    expect(kernel.resolve('10.1.0.0/24')).toEqual([hopText(A), hopText(B)]);
    expect((await fib.reconcile()).ops).toBe(0);
  });

  it('reports an id in its range taken by another protocol and leaves it alone', async () => {
    const kernel = new MemoryKernel();
    const fib = new MemoryFib({ kernel });
    await fib.replaceRoutes(routes(1, 1, [[A, B]]));
    const id = kernel.ourRoutes().get('10.1.0.0/24')!;
    kernel.objects.set(id, { id, ours: false, blackhole: true, family: 4 });
    const r = await fib.reconcile();
    expect(r.errors.map((e) => e.code)).toContain('FIB_ID_CONFLICT');
    expect(kernel.objects.get(id)).toMatchObject({ ours: false, blackhole: true });
  });
});

describe('memory FIB: carrier loss (the kernel flushes nexthop objects silently)', () => {
  it('moves emptied groups to the next tier, re-adds the routes the kernel dropped, and restores on carrier', async () => {
    const kernel = new MemoryKernel();
    const fib = new MemoryFib({ kernel });
    await fib.replaceRoutes([...routes(1, 50, [[A], [B]]), ...routes(2, 50, [[A, C]]), ...routes(3, 5, [[A]])]);
    const ids = new Map(kernel.ourRoutes());
    kernel.setLink('wg-a', false);
    const r = await fib.lastRepair;
    // [[A],[B]] lost its only member: the kernel deleted it and its routes; now back, over B.
    expect(kernel.resolve('10.1.7.0/24')).toEqual([hopText(B)]);
    expect(kernel.ourRoutes().get('10.1.7.0/24')).toBe(ids.get('10.1.7.0/24'));
    // [[A,C]] kept C; its routes never left.
    expect(kernel.resolve('10.2.7.0/24')).toEqual([hopText(C)]);
    // [[A]] has nowhere to go while wg-a has no carrier.
    expect(kernel.resolve('10.3.1.0/24')).toBeUndefined();
    expect(r.errors.length).toBeGreaterThan(0);
    kernel.setLink('wg-a', true);
    const back = await fib.lastRepair;
    expect(back.errors).toEqual([]);
    expect(kernel.resolve('10.1.7.0/24')).toEqual([hopText(A)]);
    expect(kernel.resolve('10.2.7.0/24')).toEqual([hopText(A), hopText(C)]);
    expect(kernel.resolve('10.3.1.0/24')).toEqual([hopText(A)]);
    expect(kernel.ourRoutes()).toEqual(ids);
  });

  it('recovers through nexthopUp when the flush happened while the tunnel was marked down', async () => {
    const kernel = new MemoryKernel();
    const fib = new MemoryFib({ kernel });
    await fib.replaceRoutes(routes(1, 10, [[A, B], [C]]));
    await fib.nexthopDown('tun-a');
    kernel.setLink('wg-a', false);
    await fib.lastRepair;
    kernel.setLink('wg-a', true);
    await fib.lastRepair;
    await fib.nexthopUp('tun-a');
    expect(kernel.resolve('10.1.0.0/24')).toEqual([hopText(A), hopText(B)]);
    expect(fib.snapshot().nexthops.every((nh) => nh.present && nh.up)).toBe(true);
  });
});
