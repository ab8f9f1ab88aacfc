// IPv6 failover by deleting the down tunnel's next-hop objects: the kernel takes a deleted member out of every group
// without walking the groups' IPv6 routes, where replacing a group walks them twice (docs/architecture.md, "IPv6 pays
// per route in the kernel"). These tests hold what must stay true around it: no group and no route lost, the groups
// that change tier still replaced first, IPv4 untouched, and the objects made again on return.

import type { KernelOp } from '../../../src/fib/dataplane';
import { MemoryFib } from '../../../src/fib/memory-fib';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import type { FibRoute, NextHop } from '../../../src/fib/types';
import { A, A6, B, B6, C, hopText } from './helpers';

const C6: NextHop = { tunnel: 'tun-c', ifname: 'wg-c', gateway: 'fd00:3::2' };

function block6(first: number, count: number, tiers: NextHop[][]): FibRoute[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `2001:db8:${first}:${i.toString(16)}::/64`, tiers }));
}

const since = (fib: MemoryFib, mark: number): KernelOp[] => fib.kernel.log.slice(mark);
const kinds = (ops: KernelOp[]) => ops.map((op) => op.kind);

describe('memory FIB: an IPv6 next hop leaves by deleting its object', () => {
  it('ECMP: the group shrinks by the delete alone, every route stays, and the object is made again on return', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes(block6(1, 200, [[A6, B6, C6]]));
    const before = new Map(fib.kernel.ourRoutes());
    const mark = fib.kernel.log.length;
    const r = await fib.nexthopDown('tun-a');
    expect(kinds(since(fib, mark))).toEqual(['nh-del']);
    expect(r).toMatchObject({ groupOps: 0, routeOps: 0, errors: [] });
    expect(fib.kernel.ourRoutes()).toEqual(before);
    expect(fib.kernel.resolve('2001:db8:1:7::/64')).toEqual([hopText(B6), hopText(C6)]);
    // The model agrees with the kernel: the next change of the group writes what the kernel holds, not more.
    await fib.nexthopDown('tun-b');
    expect(fib.kernel.resolve('2001:db8:1:7::/64')).toEqual([hopText(C6)]);
    const back = fib.kernel.log.length;
    await fib.nexthopUp('tun-a');
    expect(kinds(since(fib, back))).toEqual(['nh', 'group']);
    expect(fib.kernel.resolve('2001:db8:1:7::/64')).toEqual([hopText(A6), hopText(C6)]);
    await fib.nexthopUp('tun-b');
    expect(fib.kernel.resolve('2001:db8:1:7::/64')).toEqual([hopText(A6), hopText(B6), hopText(C6)]);
    expect(fib.kernel.ourRoutes()).toEqual(before);
  });

  it('a group whose tier empties is replaced first (the delete would take it and its routes), then the object goes', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([...block6(1, 50, [[A6], [B6]]), ...block6(2, 50, [[A6, C6]])]);
    const before = new Map(fib.kernel.ourRoutes());
    const mark = fib.kernel.log.length;
    const batches = fib.kernel.batches.length;
    const r = await fib.nexthopDown('tun-a');
    expect(kinds(since(fib, mark))).toEqual(['group', 'nh-del']);
    // Two round trips: the delete waits for the replacement's answer (refused, the delete would empty the group).
    expect(fib.kernel.batches.slice(batches)).toEqual([1, 1]);
    expect(r).toMatchObject({ groupOps: 1, routeOps: 0, errors: [] });
    expect(fib.kernel.ourRoutes()).toEqual(before);
    expect(fib.kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(B6)]);
    expect(fib.kernel.resolve('2001:db8:2:3::/64')).toEqual([hopText(C6)]);
    await fib.nexthopUp('tun-a');
    expect(fib.kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(A6)]);
    expect(fib.kernel.resolve('2001:db8:2:3::/64')).toEqual([hopText(A6), hopText(C6)]);
  });

  it('keeps an object that routes point at directly (a lone next hop): its routes would go with it', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([...block6(1, 10, [[A6]]), ...block6(2, 10, [[A6, B6]])]);
    const before = new Map(fib.kernel.ourRoutes());
    const mark = fib.kernel.log.length;
    await fib.nexthopDown('tun-a');
    expect(kinds(since(fib, mark))).toEqual(['group']);
    expect(fib.kernel.ourRoutes()).toEqual(before);
  });

  it('IPv4 beside IPv6: one replacement per IPv4 group, in the same batch as the IPv6 delete (IPv4 never deletes)', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([
      ...Array.from({ length: 20 }, (_, i) => ({ prefix: `10.1.${i}.0/24`, tiers: [[A, B, C]] })),
      ...block6(1, 20, [[A6, B6]]),
    ]);
    const mark = fib.kernel.log.length;
    const batches = fib.kernel.batches.length;
    const r = await fib.nexthopDown('tun-a');
    // One round trip, the replacement first: a second would wait behind whatever the caller does next.
    expect(kinds(since(fib, mark))).toEqual(['group', 'nh-del']);
    expect(fib.kernel.batches.slice(batches)).toEqual([2]);
    expect(r).toMatchObject({ groupOps: 1, errors: [] });
    expect(fib.kernel.resolve('10.1.3.0/24')).toEqual([hopText(B), hopText(C)]);
    expect(fib.kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(B6)]);
  });

  it('a refused replacement in that one batch: the delete still shrinks IPv6, the group is written again, nothing lost', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([
      ...Array.from({ length: 20 }, (_, i) => ({ prefix: `10.1.${i}.0/24`, tiers: [[A, B, C]] })),
      ...block6(1, 20, [[A6, B6]]),
    ]);
    const before = new Map(fib.kernel.ourRoutes());
    let refused = 0;
    fib.kernel.rejectIf = (op) => (op.kind === 'group' && refused++ === 0 ? 'Error: test refusal' : undefined);
    const mark = fib.kernel.log.length;
    const r = await fib.nexthopDown('tun-a');
    fib.kernel.rejectIf = undefined;
    expect(kinds(since(fib, mark))).toEqual(['group', 'nh-del', 'group']);
    expect(r.errors).toHaveLength(1);
    expect(fib.kernel.ourRoutes()).toEqual(before);
    expect(fib.kernel.resolve('10.1.3.0/24')).toEqual([hopText(B), hopText(C)]);
    expect(fib.kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(B6)]);
    await fib.nexthopUp('tun-a');
    expect(fib.kernel.resolve('10.1.3.0/24')).toEqual([hopText(A), hopText(B), hopText(C)]);
    expect(fib.kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(A6), hopText(B6)]);
  });

  it("sends no delete while a previous run's objects are being adopted: an old group may hold the object as its last member", async () => {
    const kernel = new MemoryKernel();
    const old = new MemoryFib({ kernel });
    await old.replaceRoutes([...block6(1, 20, [[A6, B6]]), ...block6(2, 20, [[A6], [C6]])]);
    // (Not closed: a memory kernel closes with its FIB; the old run just stops, as a crashed daemon does.)
    // The new run adopts them; the RIB has re-learned only the ECMP block when tun-a goes down.
    const fib = new MemoryFib({ kernel });
    await fib.reconcile({ stale: 'keep' });
    await fib.replaceRoutes(block6(1, 20, [[A6, B6]]));
    const before = new Map(kernel.ourRoutes());
    const mark = kernel.log.length;
    await fib.nexthopDown('tun-a');
    expect(kinds(kernel.log.slice(mark))).not.toContain('nh-del');
    expect(kernel.ourRoutes()).toEqual(before);
    expect(kernel.resolve('2001:db8:1:3::/64')).toEqual([hopText(B6)]);
    // Swept, the old objects are gone: the next tunnel down deletes again.
    await fib.nexthopUp('tun-a');
    await fib.sweepStale();
    const next = kernel.log.length;
    await fib.nexthopDown('tun-a');
    expect(kinds(kernel.log.slice(next))).toEqual(['nh-del']);
  });

  it('sends no delete when a replacement fails, and replaces the other groups instead: nothing is left to chance', async () => {
    const fib = new MemoryFib();
    await fib.replaceRoutes([...block6(1, 20, [[A6], [B6]]), ...block6(2, 20, [[A6, C6]])]);
    const before = new Map(fib.kernel.ourRoutes());
    let refused = 0;
    fib.kernel.rejectIf = (op) => (op.kind === 'group' && op.members.length === 1 && refused++ < 2 ? 'Error: test refusal' : undefined);
    const mark = fib.kernel.log.length;
    await fib.nexthopDown('tun-a');
    fib.kernel.rejectIf = undefined;
    expect(kinds(since(fib, mark))).not.toContain('nh-del');
    expect(fib.kernel.ourRoutes()).toEqual(before);
    expect(fib.kernel.resolve('2001:db8:2:3::/64')).toEqual([hopText(C6)]);
  });
});
