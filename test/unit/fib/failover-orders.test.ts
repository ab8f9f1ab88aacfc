// Every failure and recovery order, against a reference written from the spec: a group forwards over
// the up next hops of its first tier that has any; down/up cost one op per group that changes, no route ops.

import fc from 'fast-check';
import { MemoryFib } from '../../../src/fib/memory-fib';
import type { NextHop } from '../../../src/fib/types';
import { A, B, C, D, hopText } from './helpers';

const HOPS = [A, B, C, D];
// Includes lists that are others minus a tunnel ([[B]] of [[A,B]], [[B],[C]] of [[A,B],[C]]): a RIB withdrawing a
// dead tunnel's paths produces exactly those, and the FIB keeps such prefixes on their group (FibModel.pinned).
const TIER_LISTS: NextHop[][][] = [[[A, B], [C]], [[A], [B]], [[A], [B], [C, D]], [[C, D]], [[D]], [[B, C, D], [A]], [[A, B, C, D]], [[A, B]], [[B]], [[B], [C]]];

type Cmd =
  | { t: 'down' | 'up'; hop: number }
  | { t: 'set'; prefix: number; tiers: number }
  | { t: 'del'; prefix: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constantFrom('down' as const, 'up' as const), hop: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ t: fc.constant('set' as const), prefix: fc.integer({ min: 0, max: 9 }), tiers: fc.integer({ min: 0, max: TIER_LISTS.length - 1 }) }),
  fc.record({ t: fc.constant('del' as const), prefix: fc.integer({ min: 0, max: 9 }) }),
);

function expected(tiers: NextHop[][], down: Set<string>): string[] | 'blackhole' {
  // single: points at the object, dead or not (a pinned prefix may be on a group's blackhole instead: see live()).
  if (tiers.length === 1 && tiers[0].length === 1) return down.has(tiers[0][0].tunnel) ? 'blackhole' : [hopText(tiers[0][0])];
  for (const tier of tiers) {
    const up = tier.filter((h) => !down.has(h.tunnel));
    if (up.length > 0) return up.map(hopText).sort();
  }
  return 'blackhole';
}

const prefixOf = (i: number): string => `10.${i}.0.0/16`;

/** What a prefix forwards over that is alive: dead next hops forward nothing, so they count as a blackhole. */
function live(r: string[] | 'blackhole', down: Set<string>): string[] | 'blackhole' {
  if (r === 'blackhole') return r;
  const up = r.filter((h) => !HOPS.some((x) => down.has(x.tunnel) && hopText(x) === h));
  return up.length > 0 ? up : 'blackhole';
}

describe('memory FIB: every failure and recovery order', () => {
  it('keeps each group on its first live tier with one op per changed group, and leaks nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), async (cmds) => {
        const fib = new MemoryFib();
        const down = new Set<string>();
        const want = new Map<string, NextHop[][]>();
        const groupView = (): Map<string, string> => {
          const out = new Map<string, string>();
          // Single next hops are no group objects: down/up writes nothing for them.
          for (const tiers of new Set(want.values())) if (!(tiers.length === 1 && tiers[0].length === 1)) out.set(JSON.stringify(tiers), JSON.stringify(expected(tiers, down)));
          return out;
        };
        for (const c of cmds) {
          if (c.t === 'down' || c.t === 'up') {
            const before = groupView();
            if (c.t === 'down') down.add(HOPS[c.hop].tunnel);
            else down.delete(HOPS[c.hop].tunnel);
            const after = groupView();
            let changed = 0;
            for (const [k, v] of after) if (before.get(k) !== v) changed++;
            const pinnedBefore = fib.model.pinned.size;
            const r = c.t === 'down' ? await fib.nexthopDown(HOPS[c.hop].tunnel) : await fib.nexthopUp(HOPS[c.hop].tunnel);
            expect(r.errors).toEqual([]);
            // Failover never writes a route; repair writes only the pinned prefixes that did not come back.
            if (c.t === 'down') expect(r.routeOps).toBe(0);
            else expect(r.routeOps).toBeLessThanOrEqual(pinnedBefore);
            if (pinnedBefore === 0) expect(r.groupOps).toBe(changed);
          } else if (c.t === 'set') {
            want.set(prefixOf(c.prefix), TIER_LISTS[c.tiers]);
            expect((await fib.replaceRoutes([{ prefix: prefixOf(c.prefix), tiers: TIER_LISTS[c.tiers] }])).errors).toEqual([]);
          } else if (c.t === 'del') {
            want.delete(prefixOf(c.prefix));
            expect((await fib.removeRoutes([prefixOf(c.prefix)])).errors).toEqual([]);
          }
          // Forwarding matches the reference for every prefix, and nothing else is in the kernel.
          const ours = fib.kernel.ourRoutes();
          expect([...ours.keys()].sort()).toEqual([...want.keys()].sort());
          for (const [prefix, tiers] of want) expect(live(fib.kernel.resolve(prefix) ?? 'blackhole', down)).toEqual(expected(tiers, down));
          // With every tunnel up nothing is pinned any more, and the kernel holds exactly the objects the routes need.
          if (down.size > 0) continue;
          expect(fib.model.pinned.size).toBe(0);
          const distinct = new Set([...want.values()].map((t) => JSON.stringify(t)));
          const groupObjects = [...fib.kernel.objects.values()].filter((o) => o.group).length;
          const multi = [...distinct].filter((k) => { const t = JSON.parse(k) as NextHop[][]; return !(t.length === 1 && t[0].length === 1); });
          expect(groupObjects).toBe(multi.length);
          const usedHops = new Set([...want.values()].flatMap((t) => t.flat().map(hopText)));
          const hopObjects = [...fib.kernel.objects.values()].filter((o) => o.gateway).map((o) => `${o.gateway}%${o.ifname}`);
          expect(hopObjects.sort()).toEqual([...usedHops].sort());
        }
        const r = await fib.removeRoutes([...want.keys()]);
        expect(r.errors).toEqual([]);
        expect(fib.kernel.objects.size).toBe(0);
        expect(fib.kernel.routes.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
