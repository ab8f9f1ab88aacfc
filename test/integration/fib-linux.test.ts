// The Linux FIB in network namespaces (root): routes land on the right nexthop groups, a tunnel down
// costs one kernel op per group, fallback swaps members, stale state of a previous run is cleaned,
// other protocols' routes are untouched, carrier loss is repaired, 100k routes install.

import { LinuxFib } from '../../src/fib/linux-fib';
import type { FibRoute, NextHop } from '../../src/fib/types';
import { createLab, ip, ipJson, isRoot, until, watchNexthops, type FibLab } from './fib-netns';

const TABLE = 100;
const PROTO = 201;
const d = isRoot() ? describe : describe.skip;
jest.setTimeout(120_000);

interface KRoute {
  dst: string;
  nhid?: number;
}
interface KNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  group?: { id: number }[];
  blackhole?: null;
  protocol?: string;
}

function routesOf(lab: FibLab): Map<string, number> {
  const out = new Map<string, number>();
  for (const fam of ['-4', '-6']) {
    let rows: KRoute[] = [];
    try {
      rows = ipJson<KRoute[]>(lab.router, fam, 'route', 'show', 'table', String(TABLE), 'proto', String(PROTO));
    } catch (e) {
      if (!/table does not exist/.test(String((e as { stderr?: string }).stderr))) throw e;
    }
    for (const r of rows) out.set(r.dst, r.nhid ?? 0);
  }
  return out;
}

/** What an nhid forwards over: "gw%dev" of each member, or "blackhole". */
function forwarding(lab: FibLab, nhid: number): string[] | 'blackhole' {
  const all = new Map(ipJson<KNexthop[]>(lab.router, 'nexthop', 'show').map((n) => [n.id, n]));
  const o = all.get(nhid);
  if (!o) throw new Error(`nexthop ${nhid} missing`);
  const members = o.group ? o.group.map((g) => all.get(g.id)!) : [o];
  if (members.some((m) => 'blackhole' in m)) return 'blackhole';
  return members.map((m) => `${m.gateway}%${m.dev}`).sort();
}

const hop = (h: NextHop): string => `${h.gateway}%${h.ifname}`;

function block(second: number, count: number, tiers: NextHop[][]): FibRoute[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `10.${second}.${i}.0/24`, tiers }));
}

d('Linux FIB in a namespace', () => {
  let lab: FibLab;
  let fib: LinuxFib | undefined;
  const open = (): LinuxFib => (fib = new LinuxFib({ netns: lab.router, table: TABLE, protocol: PROTO }));

  beforeAll(() => {
    lab = createLab(`t${process.pid % 10000}`);
  });
  afterEach(async () => {
    await fib?.close({ flush: true }).catch(() => undefined);
    fib = undefined;
  });
  afterAll(() => lab?.destroy());

  it('installs IPv4 and IPv6 routes on shared nexthop groups and single nexthops', async () => {
    const { A, B, C, D } = lab.hops;
    const f = open();
    expect((await f.reconcile()).errors).toEqual([]);
    const r = await f.replaceRoutes([
      ...block(1, 50, [[A, B], [C]]),
      ...block(2, 50, [[B, A], [C]]),
      ...block(3, 20, [[D]]),
      { prefix: '2001:db8::/32', tiers: [[lab.hops6.A, lab.hops6.B]] },
    ]);
    expect(r.errors).toEqual([]);
    const k = routesOf(lab);
    expect(k.size).toBe(121);
    const g = k.get('10.1.0.0/24')!;
    expect(k.get('10.2.49.0/24')).toBe(g);
    expect(forwarding(lab, g)).toEqual([hop(A), hop(B)].sort());
    expect(ipJson<KNexthop[]>(lab.router, 'nexthop', 'show', 'id', String(g))[0]).toMatchObject({ protocol: String(PROTO) });
    expect(forwarding(lab, k.get('10.3.7.0/24')!)).toEqual([hop(D)]);
    expect(forwarding(lab, k.get('2001:db8::/32')!)).toEqual(['fd00:1::2%ta', 'fd00:2::2%tb']);
    // The kernel forwards by the group: a lookup resolves to one of its members.
    ip(lab.router, 'rule', 'add', 'pref', '100', 'lookup', String(TABLE));
    expect(ip(lab.router, 'route', 'get', '10.1.3.9')).toMatch(/via 10\.255\.[12]\.2 dev t[ab] table 100/);
    ip(lab.router, 'rule', 'del', 'pref', '100');
  });

  it('takes a down tunnel out of every group with one kernel operation per group, routes untouched', async () => {
    const { A, B, C, D } = lab.hops;
    const f = open();
    await f.reconcile();
    await f.replaceRoutes([...block(1, 200, [[A, B], [C]]), ...block(2, 200, [[A], [B]]), ...block(3, 200, [[C, D]]), ...block(4, 5, [[A]])]);
    const before = routesOf(lab);
    const gAB = before.get('10.1.0.0/24')!;
    const gAthenB = before.get('10.2.0.0/24')!;
    const monitor = await watchNexthops(lab.router);
    const r = await f.nexthopDown('tun-a');
    const events = await monitor.stop();
    expect(r).toMatchObject({ groupOps: 2, routeOps: 0, errors: [] });
    expect(events).toHaveLength(2);
    expect(events.map((e) => Number(/id (\d+)/.exec(e)![1])).sort()).toEqual([gAB, gAthenB].sort());
    expect(routesOf(lab)).toEqual(before);
    expect(forwarding(lab, gAB)).toEqual([hop(B)]);
    expect(forwarding(lab, gAthenB)).toEqual([hop(B)]);
    expect(forwarding(lab, before.get('10.3.0.0/24')!)).toEqual([hop(C), hop(D)].sort());
  });

  it('falls back to the next tier by swapping the group’s members, and back on recovery', async () => {
    const { A, B, C, D } = lab.hops;
    const f = open();
    await f.reconcile();
    await f.replaceRoutes([...block(1, 100, [[A, B], [C, D]]), ...block(2, 100, [[A], [B]])]);
    const g = routesOf(lab).get('10.1.0.0/24')!;
    const g2 = routesOf(lab).get('10.2.0.0/24')!;
    await f.nexthopDown('tun-a');
    const monitor = await watchNexthops(lab.router);
    const r = await f.nexthopDown('tun-b');
    const events = await monitor.stop();
    expect(r.routeOps).toBe(0);
    expect(forwarding(lab, g)).toEqual([hop(C), hop(D)].sort());
    expect(forwarding(lab, g2)).toBe('blackhole');
    // one op per group, plus the blackhole object made the first time it is needed
    expect(events.filter((e) => e.includes(`id ${g} `) || e.includes(`id ${g2} `))).toHaveLength(2);
    expect(routesOf(lab).get('10.1.99.0/24')).toBe(g);
    await f.nexthopUp('tun-b');
    expect(forwarding(lab, g)).toEqual([hop(B)]);
    expect(forwarding(lab, g2)).toEqual([hop(B)]);
    await f.nexthopUp('tun-a');
    expect(forwarding(lab, g)).toEqual([hop(A), hop(B)].sort());
    expect(forwarding(lab, g2)).toEqual([hop(A)]);
  });

  it('cleans a previous run’s routes and objects at start and leaves other protocols’ alone', async () => {
    const { A, B, C } = lab.hops;
    const old = new LinuxFib({ netns: lab.router, table: TABLE, protocol: PROTO });
    await old.reconcile();
    await old.replaceRoutes([...block(1, 100, [[A, B], [C]]), { prefix: '2001:db8:1::/48', tiers: [[lab.hops6.A]] }]);
    await old.close(); // no flush: as if the daemon died
    ip(lab.router, 'route', 'add', '10.1.0.0/24', 'via', '10.255.3.2', 'table', String(TABLE), 'proto', 'static');
    ip(lab.router, 'route', 'add', '10.9.0.0/24', 'via', '10.255.3.2', 'table', String(TABLE), 'proto', 'static', 'metric', '20');
    ip(lab.router, 'nexthop', 'add', 'id', '77', 'via', '10.255.1.2', 'dev', 'ta', 'proto', 'static');
    ip(lab.router, 'route', 'add', '10.8.0.0/24', 'nhid', '77', 'table', String(TABLE));
    const others = (): string[] =>
      ipJson<{ protocol?: string }[]>(lab.router, '-N', 'route', 'show', 'table', String(TABLE))
        .filter((r) => r.protocol !== String(PROTO))
        .map((r) => JSON.stringify(r))
        .sort();
    const theirs = others();
    expect(routesOf(lab).size).toBe(101);
    const f = open();
    const r = await f.reconcile();
    expect(r).toMatchObject({ kernelRoutes: 101, staleRoutes: 101, errors: [] });
    expect(routesOf(lab).size).toBe(0);
    expect(ipJson<KNexthop[]>(lab.router, 'nexthop', 'show').map((n) => n.id)).toEqual([77]);
    expect(others()).toEqual(theirs);
    expect(theirs).toHaveLength(3);
    ip(lab.router, 'route', 'flush', 'table', String(TABLE), 'proto', 'static');
    ip(lab.router, 'route', 'del', '10.8.0.0/24', 'table', String(TABLE));
    ip(lab.router, 'nexthop', 'del', 'id', '77');
  });

  it('adopts a previous run’s routes without rewriting them when asked to keep them', async () => {
    const { A, B } = lab.hops;
    const routes = block(1, 100, [[A], [B]]);
    const old = new LinuxFib({ netns: lab.router, table: TABLE, protocol: PROTO });
    await old.reconcile();
    await old.replaceRoutes([...routes, ...block(2, 10, [[B]])]);
    await old.close();
    const f = open();
    expect(await f.reconcile({ stale: 'keep' })).toMatchObject({ staleRoutes: 110, ops: 0 });
    expect(await f.replaceRoutes(routes)).toMatchObject({ ops: 0, errors: [] });
    await f.sweepStale();
    expect(routesOf(lab).size).toBe(100);
    expect(forwarding(lab, routesOf(lab).get('10.1.0.0/24')!)).toEqual([hop(A)]);
  });

  it('repairs what the kernel flushes when a tunnel interface loses carrier', async () => {
    const { A, B, C } = lab.hops;
    const f = open();
    await f.reconcile();
    await f.replaceRoutes([...block(1, 100, [[B], [C]]), ...block(2, 100, [[A, B]])]);
    const g1 = routesOf(lab).get('10.1.0.0/24')!;
    ip(lab.peer, 'link', 'set', 'pb', 'down'); // tb loses carrier: the kernel deletes B's objects
    await until('the FIB to see the carrier loss', () => f.snapshot().nexthops.some((n) => n.ifname === 'tb' && !n.present));
    await until('repair', () => routesOf(lab).size === 200);
    await f.lastRepair;
    expect(forwarding(lab, g1)).toEqual([hop(C)]);
    expect(forwarding(lab, routesOf(lab).get('10.2.0.0/24')!)).toEqual([hop(A)]);
    ip(lab.peer, 'link', 'set', 'pb', 'up');
    await until('B back', () => f.snapshot().nexthops.every((n) => n.present));
    await f.lastRepair;
    expect(forwarding(lab, g1)).toEqual([hop(B)]);
    expect(forwarding(lab, routesOf(lab).get('10.2.0.0/24')!)).toEqual([hop(A), hop(B)].sort());
  });

  it('installs 100k routes, fails them over with one op per group, and flushes them', async () => {
    const { A, B, C } = lab.hops;
    const f = open();
    await f.reconcile();
    const routes: FibRoute[] = [];
    const t1 = [[A, B], [C]];
    const t2 = [[B], [C]];
    for (let i = 0; i < 100_000; i++) routes.push({ prefix: `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`, tiers: i % 2 ? t1 : t2 });
    const r = await f.replaceRoutes(routes);
    expect(r.errors).toEqual([]);
    expect(r.routeOps).toBe(100_000);
    expect(routesOf(lab).size).toBe(100_000);
    const down = await f.nexthopDown('tun-b');
    expect(down).toMatchObject({ groupOps: 2, routeOps: 0 });
    expect(forwarding(lab, routesOf(lab).get('20.0.0.0/24')!)).toEqual([hop(C)]);
    expect((await f.replaceRoutes(routes)).ops).toBe(0);
    await f.close({ flush: true });
    fib = undefined;
    expect(routesOf(lab).size).toBe(0);
    expect(ipJson<KNexthop[]>(lab.router, 'nexthop', 'show')).toEqual([]);
  });
});
