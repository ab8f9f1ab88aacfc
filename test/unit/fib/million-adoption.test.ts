// A full table survives a restart: a million routes a previous run left in the kernel are adopted by a new FIB
// (graceful restart, reconcile({ stale: 'keep' })), claimed without one write when the RIB announces them again,
// and a tunnel failure afterwards is still one write per group, whatever the number of prefixes.

import { MemoryFib } from '../../../src/fib/memory-fib';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import type { FibRoute } from '../../../src/fib/types';
import { A, B, C, hopText } from './helpers';

const N = 1_000_000;
const prefixAt = (i: number) => `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;

/** The full table in 20k-route batches (as the daemon hands them over), half ECMP over A+B with C behind, half over C. */
function* batches(): Generator<FibRoute[]> {
  const ecmp = [[A, B], [C]];
  const single = [[C]];
  for (let start = 0; start < N; start += 20_000) {
    const batch: FibRoute[] = [];
    for (let i = start; i < Math.min(N, start + 20_000); i++) batch.push({ prefix: prefixAt(i), tiers: i % 2 === 0 ? ecmp : single });
    yield batch;
  }
}

describe('a million-route table across a restart', () => {
  it('is adopted, claimed with no write, and fails over with one write per group', async () => {
    const kernel = new MemoryKernel();
    const before = new MemoryFib({ kernel });
    for (const b of batches()) expect((await before.replaceRoutes(b)).errors).toEqual([]);
    expect(kernel.ourRoutes().size).toBe(N);

    // The daemon restarts: a new FIB over the same kernel keeps what it finds while the RIB relearns.
    const after = new MemoryFib({ kernel });
    const adopted = await after.reconcile({ stale: 'keep' });
    expect(adopted).toMatchObject({ kernelRoutes: N, staleRoutes: N, ops: 0, errors: [] });
    let writes = 0;
    for (const b of batches()) {
      const r = await after.replaceRoutes(b);
      expect(r.errors).toEqual([]);
      writes += r.routeOps;
    }
    expect(writes).toBe(0);
    const snap = after.snapshot({ routes: false });
    expect(snap).toMatchObject({ routeCount: N, installedCount: N, staleRoutes: 0 });
    expect((await after.sweepStale()).ops).toBe(0);

    // Prefix-independent failover still holds on the adopted objects: A's death is one group write.
    const down = await after.nexthopDown('tun-a');
    expect(down).toMatchObject({ routeOps: 0, errors: [] });
    expect(down.ops).toBe(1);
    expect(kernel.resolve(prefixAt(0))).toEqual([hopText(B)]);
    expect(kernel.resolve(prefixAt(N - 1))).toEqual([hopText(C)]);
  }, 180_000);
});
