// IPv6 in the Linux FIB, in network namespaces (root): routes over link-local next hops (what BGP gives over a
// tunnel with no global addresses) and over global ones land on shared nexthop groups, forward, fail over with one
// kernel operation per group for both families of a dual-stack tunnel, fall back a tier, end on the IPv6 blackhole
// and come back; an IPv4-mapped gateway is refused by the kernel and reported, the other routes installed.

import { LinuxFib } from '../../src/fib/linux-fib';
import type { FibRoute, NextHop } from '../../src/fib/types';
import { createLab, ip, ipJson, isRoot, watchNexthops, type FibLab } from './fib-netns';

const TABLE = 100;
const PROTO = 201;
const d = isRoot() ? describe : describe.skip;
jest.setTimeout(120_000);

interface KNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  group?: { id: number }[];
  blackhole?: null;
}

/** IPv6 routes of our protocol in the test table: prefix -> nhid. */
function routes6(lab: FibLab): Map<string, number> {
  const rows = ipJson<{ dst: string; nhid?: number }[]>(lab.router, '-6', 'route', 'show', 'table', String(TABLE), 'proto', String(PROTO));
  return new Map(rows.map((r) => [r.dst, r.nhid ?? 0]));
}

function forwarding(lab: FibLab, nhid: number): string[] | 'blackhole' {
  const all = new Map(ipJson<KNexthop[]>(lab.router, 'nexthop', 'show').map((n) => [n.id, n]));
  const o = all.get(nhid)!;
  const members = o.group ? o.group.map((g) => all.get(g.id)!) : [o];
  if (members.some((m) => 'blackhole' in m)) return 'blackhole';
  return members.map((m) => `${m.gateway}%${m.dev}`).sort();
}

/** The peer end's link-local address on the link behind one of the router's tunnels. */
function peerLinkLocal(lab: FibLab, peerIf: string): string {
  const addrs = ipJson<{ addr_info: { family: string; scope: string; local: string }[] }[]>(lab.peer, 'addr', 'show', 'dev', peerIf);
  const ll = addrs[0]!.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link');
  if (!ll) throw new Error(`no link-local address on ${peerIf}`);
  return ll.local;
}

function block6(third: number, count: number, tiers: NextHop[][]): FibRoute[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `2001:db8:${third.toString(16)}:${i.toString(16)}::/64`, tiers }));
}

/** Where the kernel sends a packet for `address` from the router, read with a rule into the test table. */
function routeGet(lab: FibLab, address: string): string {
  ip(lab.router, '-6', 'rule', 'add', 'pref', '100', 'lookup', String(TABLE));
  try {
    return ip(lab.router, '-6', 'route', 'get', address);
  } finally {
    ip(lab.router, '-6', 'rule', 'del', 'pref', '100');
  }
}

d('IPv6 in the Linux FIB', () => {
  let lab: FibLab;
  let fib: LinuxFib | undefined;
  /** Link-local next hops behind tunnels a, b, c (the same tunnel names as the IPv4 hops: one failure domain). */
  let ll: Record<'A' | 'B' | 'C', NextHop>;
  const open = (): LinuxFib => (fib = new LinuxFib({ netns: lab.router, table: TABLE, protocol: PROTO }));

  beforeAll(() => {
    lab = createLab(`s6${process.pid % 10000}`);
    ll = {
      A: { tunnel: 'tun-a', ifname: 'ta', gateway: peerLinkLocal(lab, 'pa') },
      B: { tunnel: 'tun-b', ifname: 'tb', gateway: peerLinkLocal(lab, 'pb') },
      C: { tunnel: 'tun-c', ifname: 'tc', gateway: peerLinkLocal(lab, 'pc') },
    };
  });
  afterEach(async () => {
    await fib?.close({ flush: true }).catch(() => undefined);
    fib = undefined;
  });
  afterAll(() => lab?.destroy());

  it('installs IPv6 routes over link-local next hops on shared groups, and the kernel forwards by them', async () => {
    const f = open();
    expect((await f.reconcile()).errors).toEqual([]);
    const r = await f.replaceRoutes([...block6(1, 50, [[ll.A, ll.B], [ll.C]]), ...block6(2, 10, [[ll.C]])]);
    expect(r.errors).toEqual([]);
    const k = routes6(lab);
    expect(k.size).toBe(60);
    const g = k.get('2001:db8:1::/64')!;
    expect(k.get('2001:db8:1:31::/64')).toBe(g);
    expect(forwarding(lab, g)).toEqual([`${ll.A.gateway}%ta`, `${ll.B.gateway}%tb`].sort());
    expect(forwarding(lab, k.get('2001:db8:2::/64')!)).toEqual([`${ll.C.gateway}%tc`]);
    expect(routeGet(lab, '2001:db8:1:7::1')).toMatch(/via fe80::[0-9a-f:]+ dev t[ab] table 100/);
  });

  it('a dual-stack tunnel goes down: the IPv4 group and the IPv6 group that changes tier are replaced, the ECMP IPv6 group shrinks by deleting the dead member, routes untouched', async () => {
    const { A, B, C } = lab.hops;
    const f = open();
    await f.reconcile();
    const v4: FibRoute[] = Array.from({ length: 50 }, (_, i) => ({ prefix: `10.1.${i}.0/24`, tiers: [[A, B], [C]] }));
    await f.replaceRoutes([...v4, ...block6(1, 50, [[ll.A, ll.B], [ll.C]]), ...block6(3, 50, [[lab.hops6.A], [lab.hops6.B]]), ...block6(2, 10, [[ll.C]])]);
    const before = routes6(lab);
    const g6 = before.get('2001:db8:1::/64')!;
    const g6global = before.get('2001:db8:3::/64')!;
    const monitor = await watchNexthops(lab.router);
    const r = await f.nexthopDown('tun-a');
    const events = await monitor.stop();
    // Replaced: the IPv4 group and the global IPv6 group (its tier changes). The link-local IPv6 group keeps B: deleting
    // A's IPv6 objects takes A out of it with no walk over its IPv6 routes. No route written, none lost.
    expect(r).toMatchObject({ groupOps: 2, routeOps: 0, errors: [] });
    expect(events.filter((e) => e.startsWith('Deleted'))).toHaveLength(2);
    expect(events.filter((e) => !e.startsWith('Deleted') && e.includes('group'))).toHaveLength(3);
    expect(routes6(lab)).toEqual(before);
    expect(forwarding(lab, g6)).toEqual([`${ll.B.gateway}%tb`]);
    expect(forwarding(lab, g6global)).toEqual([`${lab.hops6.B.gateway}%tb`]);
    expect(routeGet(lab, '2001:db8:1:7::1')).toMatch(/dev tb table 100/);
    await f.nexthopUp('tun-a');
    expect(forwarding(lab, g6)).toEqual([`${ll.A.gateway}%ta`, `${ll.B.gateway}%tb`].sort());
    expect(forwarding(lab, g6global)).toEqual([`${lab.hops6.A.gateway}%ta`]);
  });

  it('falls back to the next tier, then to the IPv6 blackhole (not past the VPN), and back', async () => {
    const f = open();
    await f.reconcile();
    await f.replaceRoutes([...block6(1, 20, [[ll.A, ll.B], [ll.C]])]);
    const g = routes6(lab).get('2001:db8:1::/64')!;
    await f.nexthopDown('tun-a');
    await f.nexthopDown('tun-b');
    expect(forwarding(lab, g)).toEqual([`${ll.C.gateway}%tc`]);
    await f.nexthopDown('tun-c');
    expect(forwarding(lab, g)).toBe('blackhole');
    // The kernel answers a lookup that ends on an IPv6 blackhole with EINVAL: the packet is dropped here.
    expect(() => routeGet(lab, '2001:db8:1:3::1')).toThrow(/Invalid argument/);
    await f.nexthopUp('tun-b');
    expect(forwarding(lab, g)).toEqual([`${ll.B.gateway}%tb`]);
    await f.nexthopUp('tun-a');
    await f.nexthopUp('tun-c');
    expect(forwarding(lab, g)).toEqual([`${ll.A.gateway}%ta`, `${ll.B.gateway}%tb`].sort());
    expect(routes6(lab).size).toBe(20);
  });

  it('an IPv4-mapped gateway is refused by the kernel and reported; the other routes are installed', async () => {
    const f = open();
    await f.reconcile();
    const mapped: NextHop = { tunnel: 'tun-d', ifname: 'td', gateway: '::ffff:10.255.4.2' };
    const r = await f.replaceRoutes([{ prefix: '2001:db8:9::/48', tiers: [[mapped]] }, ...block6(1, 5, [[ll.A]])]);
    // The object is refused ("No route to host": the kernel takes a mapped gateway for 6PE-style addressing and finds
    // no route to it), then the route that needed it is reported, not written.
    expect(r.errors).toEqual([
      expect.objectContaining({ code: 'FIB_KERNEL_REJECTED', op: expect.stringMatching(/^nexthop replace id \d+ via ::ffff:aff:402 dev td /) }),
      expect.objectContaining({ code: 'FIB_KERNEL_REJECTED', prefix: '2001:db8:9::/48' }),
    ]);
    const k = routes6(lab);
    expect(k.has('2001:db8:9::/48')).toBe(false);
    expect(k.size).toBe(5);
  });
});
