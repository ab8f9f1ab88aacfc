// Routes from the RIB reach the kernel by their numbers: the FIB's route table and the netlink requests take the IPv4
// key or the IPv6 words, and the prefix text (made on demand by the RIB) is not read on the way (docs/architecture.md,
// "Route tables without per-route objects"). The kernel must still end up with exactly the routes the text names.

import { ipv4KeyString, ipv6WordsPrefix } from '../../../src/bgp/codec/nlri';
import type { Dataplane, KernelOp } from '../../../src/fib/dataplane';
import { FibEngine } from '../../../src/fib/engine';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import { encodeOps } from '../../../src/fib/netlink-encode';
import type { FibRoute, NextHop } from '../../../src/fib/types';
import { A, A6, B, B6, hopText } from './helpers';

/** Text reads outside the memory kernel (which keys its table on text, as the real kernel does not). */
let textReads = 0;
let inKernel = false;

/** A route as the daemon's bridge makes one: numbers, and text made only when read. */
function numeric(text: string, tiers: NextHop[][], numbers: { key?: number; words6?: Uint32Array; index6?: number }): FibRoute {
  return {
    tiers,
    ...numbers,
    get prefix(): string {
      if (!inKernel) textReads++;
      return text;
    },
  };
}

/** The memory kernel behind a netlink encoding of every route batch: what the Linux writer would send first. */
class EncodingKernel implements Dataplane {
  readonly metric: number;
  readonly encoded: KernelOp[] = [];
  constructor(private readonly kernel: MemoryKernel) {
    this.metric = kernel.metric;
  }
  applyObjects(ops: KernelOp[]) {
    return this.kernel.applyObjects(ops);
  }
  async applyRoutes(ops: KernelOp[]) {
    expect(encodeOps(ops, { table: 201, protocol: 201, metric: this.metric }, 1).failures).toEqual([]);
    this.encoded.push(...ops);
    inKernel = true;
    try {
      return await this.kernel.applyRoutes(ops);
    } finally {
      inKernel = false;
    }
  }
  readObjects() {
    return this.kernel.readObjects();
  }
  readRoutes() {
    return this.kernel.readRoutes();
  }
  onLink(listener: (ifname: string, usable: boolean) => void) {
    this.kernel.onLink(listener);
  }
  describe(op: KernelOp) {
    return this.kernel.describe(op);
  }
  close() {
    return this.kernel.close();
  }
}

it('a batch of IPv4 and IPv6 routes from the RIB is placed and written without its text, and the kernel holds the right prefixes', async () => {
  textReads = 0;
  const kernel = new MemoryKernel();
  const dp = new EncodingKernel(kernel);
  const fib = new FibEngine(dp, { routeBatchSize: 100 });
  const v4: FibRoute[] = [];
  const texts4: string[] = [];
  for (let i = 0; i < 300; i++) {
    const key = (0x10000000 + i * 256) * 64 + 24;
    texts4.push(ipv4KeyString(key));
    v4.push(numeric(texts4[i], [[A, B]], { key }));
  }
  // IPv6: one words array for the batch, as the bridge makes it.
  const words6 = new Uint32Array(5 * 300);
  const texts6: string[] = [];
  const v6: FibRoute[] = [];
  for (let i = 0; i < 300; i++) {
    words6.set([0x2a000000, i << 16, 0, 0, 48], 5 * i);
    texts6.push(ipv6WordsPrefix(0x2a000000, i << 16, 0, 0, 48));
    v6.push(numeric(texts6[i], [[A6, B6]], { key: -1, words6, index6: i }));
  }
  const r = await fib.replaceRoutes([...v4, ...v6]);
  expect(r.errors).toEqual([]);
  expect(r.routeOps).toBe(600);
  expect(textReads).toBe(0);
  // Every write carried the numbers, and the kernel has each prefix under its text, on the right next hops.
  expect(dp.encoded.every((op) => 'key' in op && ((op.key !== undefined && op.key >= 0) || op.words6 !== undefined))).toBe(true);
  const held = kernel.ourRoutes();
  expect([...held.keys()].sort()).toEqual([...texts4, ...texts6].sort());
  expect(kernel.resolve(texts4[7])).toEqual([hopText(A), hopText(B)]);
  expect(kernel.resolve(texts6[123])).toEqual([hopText(A6), hopText(B6)]);
  // The FIB's table finds them by text as well (status, withdrawals by text).
  expect(fib.model.routes.find(texts6[299])).toBeGreaterThanOrEqual(0);
  expect(fib.model.routes.prefixOf(fib.model.routes.find(texts4[0]))).toBe(texts4[0]);
  // Unchanged routes given again write nothing; the same routes by text only are the same entries.
  const again = await fib.replaceRoutes([...v4.slice(0, 10), ...texts6.slice(0, 10).map((prefix) => ({ prefix, tiers: [[A6, B6]] }))]);
  expect(again.routeOps).toBe(0);
  expect(fib.model.routes.size).toBe(600);
});
