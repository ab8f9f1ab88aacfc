// The daemon's kernel FIB against FRR 8.4 over two veth "tunnels": routes land on the right nexthop groups, a
// previous run's routes are cleaned and others' left alone, host settings are applied, a blackholed tunnel leaves
// every group (group op before any route op), and a clean stop takes our routes out.

import { spawn, type ChildProcess } from 'node:child_process';
import { blackhole, BgpfoDaemon, FAR, FAR_ASN, farBgpd, Frr, LINKS, OURS, restore, twoLinkLab, US_ASN, waitFor, type Netns, type TwoLinkLab } from './harness';

jest.setTimeout(120_000);

/** Our nexthop ids start at 0x0F000000 (src/fib README). */
const OUR_ID = 0x0f000000 + 100;

function bgpfoConfig(): Record<string, unknown> {
  const timers = { 'hold-time': 3, 'connect-retry': 1 };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    originate: [OURS.v4, OURS.v6],
    fib: { mode: 'kernel' },
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], ...timers },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], role: 'backup', 'local-pref': 100, ...timers },
      { name: 'tun-a6', address: LINKS.a.far6, 'local-address': LINKS.a.us6, 'remote-asn': FAR_ASN, families: ['ipv6-unicast'], interface: LINKS.a.usIf, ...timers },
    ],
  };
}

interface KRoute {
  dst: string;
  nhid?: number;
  protocol?: string;
  metric?: number;
  gateway?: string;
  dev?: string;
}
interface KNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  group?: { id: number }[];
  protocol?: string;
}

async function ipJson<T>(ns: Netns, ...args: string[]): Promise<T> {
  const out = (await ns.exec(['ip', '-json', ...args])).trim();
  return (out ? JSON.parse(out) : []) as T;
}

async function route(ns: Netns, prefix: string): Promise<KRoute | undefined> {
  const fam = prefix.includes(':') ? '-6' : '-4';
  return (await ipJson<KRoute[]>(ns, fam, 'route', 'show', prefix, 'proto', '201'))[0];
}

/** What a prefix forwards over, as "gateway%dev" of each member of the object its route points at. */
async function forwarding(ns: Netns, prefix: string): Promise<{ nhid: number; group: boolean; via: string[] } | undefined> {
  const r = await route(ns, prefix);
  if (!r?.nhid) return undefined;
  const all = new Map((await ipJson<KNexthop[]>(ns, 'nexthop', 'show')).map((n) => [n.id, n]));
  const o = all.get(r.nhid);
  if (!o) return undefined;
  const members = o.group ? o.group.map((g) => all.get(g.id)!) : [o];
  return { nhid: r.nhid, group: !!o.group, via: members.map((m) => `${m.gateway}%${m.dev}`).sort() };
}

async function sysctl(ns: Netns, key: string): Promise<string> {
  return (await ns.exec(['sysctl', '-n', key])).trim();
}

const A4 = `${LINKS.a.far4}%${LINKS.a.usIf}`;
const B4 = `${LINKS.b.far4}%${LINKS.b.usIf}`;

describe('the daemon programs the kernel FIB (FRR 8.4 as the peer)', () => {
  let t: TwoLinkLab;
  let us: Netns;
  let far: Netns;
  let bgpfo: BgpfoDaemon;
  let monitor: ChildProcess | undefined;

  beforeAll(async () => {
    t = await twoLinkLab('fibd');
    ({ us, far } = t);
    await far.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    // A previous run's state (our protocol, our id range) and other protocols' (never to be touched).
    await us.exec(['ip', 'nexthop', 'add', 'id', String(OUR_ID), 'via', LINKS.a.far4, 'dev', LINKS.a.usIf, 'proto', '201']);
    await us.exec(['ip', 'route', 'add', '10.99.0.0/16', 'nhid', String(OUR_ID), 'proto', '201', 'metric', '20']);
    await us.exec(['ip', 'route', 'add', '10.98.0.0/16', 'via', LINKS.b.far4, 'proto', '201', 'metric', '20']);
    await us.exec(['ip', 'nexthop', 'add', 'id', '100', 'via', LINKS.b.far4, 'dev', LINKS.b.usIf, 'proto', '250']);
    await us.exec(['ip', 'route', 'add', '10.96.0.0/16', 'nhid', '100', 'proto', '250']);
    await us.exec(['ip', 'route', 'add', '10.97.0.0/16', 'via', LINKS.a.far4, 'proto', 'static']);
    await Frr.start(far, { bgpd: farBgpd({ ipv6: true, prependOnB: true, multipathRelax: false, ecmp: false }) });
    bgpfo = await BgpfoDaemon.start(us, 'bgpfo', { config: bgpfoConfig() });
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions Established' });
  });

  afterAll(async () => {
    monitor?.kill();
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('a previous run\'s routes and nexthops are removed at start; other protocols\' are untouched', async () => {
    expect(await route(us, '10.99.0.0/16')).toBeUndefined();
    expect(await route(us, '10.98.0.0/16')).toBeUndefined();
    const ids = (await ipJson<KNexthop[]>(us, 'nexthop', 'show')).map((n) => n.id);
    expect(ids).not.toContain(OUR_ID);
    expect(ids).toContain(100);
    expect((await ipJson<KRoute[]>(us, 'route', 'show', '10.96.0.0/16'))[0]).toMatchObject({ nhid: 100 });
    expect((await ipJson<KRoute[]>(us, 'route', 'show', '10.97.0.0/16'))[0]).toMatchObject({ protocol: 'static', gateway: LINKS.a.far4 });
    // Everything below went through the netlink writer (the build makes its helper); status says which.
    expect((await bgpfo.status()).router.fibWriter).toBe('netlink');
  });

  test('host settings are applied in the daemon\'s namespace', async () => {
    expect(await sysctl(us, 'net.ipv4.ip_forward')).toBe('1');
    expect(await sysctl(us, 'net.ipv4.nexthop_compat_mode')).toBe('0');
    expect(await sysctl(us, 'net.ipv4.fib_multipath_hash_policy')).toBe('1');
    expect(await sysctl(us, `net.ipv4.conf.${LINKS.a.usIf}.rp_filter`)).toBe('2');
    expect(await sysctl(us, `net.ipv4.conf.${LINKS.b.usIf}.rp_filter`)).toBe('2');
  });

  test('two equal paths: one group of both tunnels; a prepended second path: a group forwarding over the first', async () => {
    const ecmp = await waitFor(async () => {
      const f = await forwarding(us, FAR.ecmp4);
      return f?.via.length === 2 ? f : undefined;
    }, 20_000, { what: `${FAR.ecmp4} over both tunnels` });
    expect(ecmp).toMatchObject({ group: true, via: [A4, B4] });
    expect(ecmp.nhid).toBeGreaterThanOrEqual(0x0f000000);
    // route() lists protocol 201 only (ip leaves the field out when filtering by it).
    expect(await route(us, FAR.ecmp4)).toMatchObject({ metric: 20 });

    const pre = await waitFor(() => forwarding(us, FAR.prepended4), 20_000, { what: `${FAR.prepended4} installed` });
    // A group (not a bare nexthop): its backup member is precomputed and swapped in on failover.
    expect(pre).toMatchObject({ group: true, via: [A4] });
    const v6 = await waitFor(() => forwarding(us, FAR.v6), 20_000, { what: `${FAR.v6} installed` });
    expect(v6).toMatchObject({ group: false, via: [`${LINKS.a.far6}%${LINKS.a.usIf}`] });
    // Our own prefixes are never installed towards the tunnels.
    expect(await route(us, OURS.v4)).toBeUndefined();
  });

  test('a blackholed tunnel leaves every group, one group operation each, before any route changes', async () => {
    const ecmpBefore = (await forwarding(us, FAR.ecmp4))!;
    const preBefore = (await forwarding(us, FAR.prepended4))!;
    const lines: string[] = [];
    monitor = spawn('ip', ['netns', 'exec', us.name, 'ip', '-o', 'monitor', 'nexthop', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.stdout!.setEncoding('utf8');
    let buf = '';
    monitor.stdout!.on('data', (c: string) => {
      buf += c;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    await new Promise((r) => setTimeout(r, 300)); // let the monitor subscribe
    // Only what the blackhole causes counts: a late route change of the settling start must not be read as one.
    const before = lines.length;
    await blackhole(us, LINKS.a.usIf);
    await waitFor(async () => (await forwarding(us, FAR.ecmp4))?.via.join() === B4 && (await forwarding(us, FAR.prepended4))?.via.join() === B4, 15_000, {
      what: 'both prefixes to forward over tunnel b only',
      intervalMs: 100,
    });
    await waitFor(async () => (await bgpfo.status()).sessions.filter((s) => s.state === 'Established').length === 1, 10_000, { what: 'sessions over link a down' });
    if (process.env.BGPFO_DEBUG) process.stderr.write(lines.join('\n') + '\n');
    // The first kernel changes are the two groups' new membership, on the ids the routes already pointed at:
    // "id G group M proto 201" lines, before the first line of a route of those prefixes ("10.50.0.0/16 nhid ..." or
    // "Deleted ..."). The IPv6 prefix has its own session over link a (tun-a6) whose hold timer
    // may expire first (each session's runs on its own phase): its route (on a lone nexthop, no group) may go before
    // or after the groups' writes, either is right.
    const after = lines.slice(before);
    const firstRoute = after.findIndex((l) => /^(Deleted )?[0-9a-f:.]+\/\d+ /.test(l) && (l.includes(FAR.ecmp4) || l.includes(FAR.prepended4)));
    const groupChanges = after.slice(0, firstRoute < 0 ? after.length : firstRoute).filter((l) => /^id \d+ group /.test(l));
    expect(groupChanges.map((l) => Number(/^id (\d+)/.exec(l)![1])).sort()).toEqual([ecmpBefore.nhid, preBefore.nhid].sort());
    // Each now holds only tunnel b's nexthop.
    const bId = new Set(groupChanges.map((l) => /group (\S+)/.exec(l)![1]));
    expect(bId.size).toBe(1);
    // The per-prefix withdrawals that follow rewrite no route: the routes stay on their groups, which hold tunnel b
    // only, and tunnel a's nexthop objects wait, in no group, for its return (one write per group then).
    const settled = lines.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines.slice(settled).filter((l) => /^(Deleted )?[0-9a-f:.]+\/\d+ .*nhid/.test(l) && (l.includes(FAR.ecmp4) || l.includes(FAR.prepended4)))).toEqual([]);
    const nhs = await ipJson<KNexthop[]>(us, 'nexthop', 'show');
    const aIds = new Set(nhs.filter((n) => n.dev === LINKS.a.usIf && n.protocol !== 'static').map((n) => n.id));
    for (const g of nhs.filter((n) => n.group)) expect(g.group!.some((m) => aIds.has(m.id))).toBe(false);
    expect(await route(us, FAR.v6)).toBeUndefined(); // the IPv6 session ran over link a too: no other way
    monitor.kill();
  });

  test('the tunnel comes back: ECMP over both again', async () => {
    await restore(us, LINKS.a.usIf);
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions back' });
    await waitFor(async () => (await forwarding(us, FAR.ecmp4))?.via.length === 2, 20_000, { what: 'ECMP regrown' });
    expect((await forwarding(us, FAR.prepended4))?.via).toEqual([A4]);
    await waitFor(() => forwarding(us, FAR.v6), 20_000, { what: 'IPv6 route back' });
  });

  test('a clean stop (SIGTERM) takes our routes and nexthops out, and only ours', async () => {
    expect(await bgpfo.stop()).toEqual({ code: 0, signal: null });
    expect(await ipJson<KRoute[]>(us, 'route', 'show', 'proto', '201')).toEqual([]);
    expect(await ipJson<KRoute[]>(us, '-6', 'route', 'show', 'proto', '201')).toEqual([]);
    const left = await ipJson<KNexthop[]>(us, 'nexthop', 'show');
    expect(left.filter((n) => n.id >= 0x0f000000)).toEqual([]);
    expect(left.map((n) => n.id)).toContain(100);
    expect((await ipJson<KRoute[]>(us, 'route', 'show', '10.97.0.0/16'))[0]).toMatchObject({ protocol: 'static' });
  });
});
