// The daemon's FIB wiring over the memory FIB: Loc-RIB tiers become nexthop groups (gateway, interface, tunnel),
// a lost session or a dead tunnel leaves its groups before any per-prefix withdrawal, nothing is left behind.

import type { NextHop } from '../../../src/fib';
import { announce4, announce6, config, withdraw4 } from './helpers';
import { establishGr, IBGP, IFACES, rig, yaml, type Rig } from './fib-helpers';

const FAR = [64512];
const PREPENDED = [64512, 64512, 64512];
const hop = (h: NextHop): string => `${h.tunnel}:${h.gateway}%${h.ifname}`;

function groupOf(r: Rig, prefix: string) {
  const routes = r.fib.snapshot().routes!;
  const e = routes.get(prefix);
  if (!e) return undefined;
  return r.fib.snapshot({ routes: false }).groups.find((g) => g.id === e.groupId);
}

function tiersOf(r: Rig, prefix: string): string[][] | undefined {
  return groupOf(r, prefix)?.tiers.map((t) => t.map(hop));
}

function activeOf(r: Rig, prefix: string): string[] | undefined {
  return groupOf(r, prefix)?.active.map(hop);
}

const A = 'tun-a1:169.254.21.1%wg-a1';
const B = 'tun-b1:169.254.22.1%wg-b1';

describe('Loc-RIB to kernel FIB', () => {
  test('two tunnels to the same far AS: one group of two, shared by every prefix; our own prefix stays out', async () => {
    const r = await rig();
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    const prefixes = ['10.50.0.0/16', '10.52.0.0/16', '10.53.0.0/24'];
    r.s('tun-a1').emit('update', announce4(prefixes, FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(prefixes, FAR, '169.254.22.1'));
    // The far side announcing our own prefix back: it ranks below our originated route and is not installed.
    r.s('tun-a1').emit('update', announce4(['10.1.0.0/16'], FAR, '169.254.21.1'));
    await r.settle();

    const snap = r.fib.snapshot();
    expect([...snap.routes!.keys()].sort()).toEqual(prefixes);
    const groups = snap.groups.filter((g) => g.routes > 0);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ kind: 'group', routes: 3, activeTier: 0 });
    expect(groups[0].tiers.map((t) => t.map(hop))).toEqual([[A, B]]);
    for (const p of prefixes) expect(r.kernel.resolve(p)).toEqual(['169.254.21.1%wg-a1', '169.254.22.1%wg-b1']);
    expect(r.kernel.resolve('10.1.0.0/16')).toBeUndefined();
    // One interface lookup per neighbor session, not per prefix.
    expect(r.lookups.filter((a) => a === '169.254.21.1')).toHaveLength(1);
  });

  test('a prepended second path: one next hop forwarding, the backup tier precomputed in the same group', async () => {
    const r = await rig();
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    r.s('tun-a1').emit('update', announce4(['10.51.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(['10.51.0.0/16'], PREPENDED, '169.254.22.1'));
    await r.settle();
    expect(tiersOf(r, '10.51.0.0/16')).toEqual([[A], [B]]);
    expect(activeOf(r, '10.51.0.0/16')).toEqual([A]);
    expect(r.kernel.resolve('10.51.0.0/16')).toEqual(['169.254.21.1%wg-a1']);
  });

  test('a lost session leaves every group at once (one op per group), before its per-prefix withdrawals', async () => {
    const r = await rig();
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    const ecmp = Array.from({ length: 50 }, (_, i) => `10.50.${i}.0/24`);
    const backup = Array.from({ length: 50 }, (_, i) => `10.51.${i}.0/24`);
    r.s('tun-a1').emit('update', announce4([...ecmp, ...backup], FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(ecmp, FAR, '169.254.22.1'));
    r.s('tun-b1').emit('update', announce4(backup, PREPENDED, '169.254.22.1'));
    await r.settle();
    const logStart = r.kernel.log.length;
    r.calls.length = 0;

    r.s('tun-a1').goDown();
    // Synchronously, on the 'peer-down' event: the FIB was told before any withdrawal was processed.
    expect(r.calls).toEqual(['down tun-a1']);
    await r.settle();
    expect(r.calls[0]).toBe('down tun-a1');
    expect(r.calls.slice(1).every((c) => c.startsWith('routes'))).toBe(true);

    const ops = r.kernel.log.slice(logStart);
    const firstRouteOp = ops.findIndex((o) => o.kind.startsWith('route'));
    const groupOps = ops.filter((o, i) => o.kind === 'group' && (firstRouteOp < 0 || i < firstRouteOp));
    // Two groups held tun-a1 ([[A,B]] and [[A],[B]]): exactly two membership writes, ahead of any route write.
    expect(groupOps).toHaveLength(2);
    for (const p of [...ecmp, ...backup]) expect(r.kernel.resolve(p)).toEqual(['169.254.22.1%wg-b1']);
    // The withdrawals that follow rewrite no route: every prefix stays on its group, which already forwards over
    // tun-b1 only (FibModel.pinned), so that the tunnel's return is one write per group too.
    expect(ops.filter((o) => o.kind.startsWith('route'))).toHaveLength(0);
    expect(r.fib.model.pinned.size).toBe(100);
    expect(r.fib.snapshot().nexthops.map((n) => n.tunnel).sort()).toEqual(['tun-a1', 'tun-b1']);
  });

  test('the session comes back: the tunnel rejoins its groups when its routes arrive, before they are written', async () => {
    const r = await rig();
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.22.1'));
    await r.settle();
    r.s('tun-a1').goDown();
    await r.settle();
    r.calls.length = 0;
    r.s('tun-a1').establish();
    await r.settle();
    expect(r.calls).toEqual([]); // no routes yet: the tunnel stays out
    expect(r.fib.snapshot().downTunnels).toEqual(['tun-a1']);
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    await r.settle();
    expect(r.calls).toEqual(['up tun-a1', 'routes +1 -0']);
    expect(r.kernel.resolve('10.50.0.0/16')).toEqual(['169.254.21.1%wg-a1', '169.254.22.1%wg-b1']);
  });

  test('liveness: a down verdict takes the tunnel out at once; idempotent; it returns with its session and routes', async () => {
    const r = await rig();
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.22.1'));
    await r.settle();
    r.calls.length = 0;
    r.failover.dispatch('tun-a1', { type: 'verdict', state: 'down', detail: 'BFD down' });
    r.failover.dispatch('tun-a1', { type: 'verdict', state: 'down', detail: 'BFD down' });
    expect(r.calls).toEqual(['down tun-a1']);
    expect(r.failover.tunnelAlive('tun-a1')).toBe(false);
    expect(r.kernel.resolve('10.50.0.0/16')).toEqual(['169.254.22.1%wg-b1']);
    // The session then drops too: nothing more to do.
    r.s('tun-a1').goDown();
    await r.settle();
    expect(r.calls.filter((c) => c.startsWith('down'))).toHaveLength(1);
    // Liveness says up, but the session is down: stays out until the session and its routes are back.
    r.failover.dispatch('tun-a1', { type: 'verdict', state: 'up', detail: 'BFD up' });
    expect(r.calls.filter((c) => c.startsWith('up'))).toHaveLength(0);
    r.s('tun-a1').establish();
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    await r.settle();
    expect(r.calls.filter((c) => c.startsWith('up'))).toEqual(['up tun-a1']);
    expect(r.kernel.resolve('10.50.0.0/16')).toEqual(['169.254.21.1%wg-a1', '169.254.22.1%wg-b1']);
    // A liveness blip on an Established session: out at once, the session reset and held (Cease/BFD Down); when
    // liveness is back the session restarts, and the tunnel rejoins its groups when its routes are back, not before.
    r.calls.length = 0;
    r.failover.dispatch('tun-b1', { type: 'verdict', state: 'down', detail: 'BFD down' });
    expect(r.s('tun-b1').resets.at(-1)).toMatchObject({ code: 6, subcode: 10 });
    r.failover.dispatch('tun-b1', { type: 'verdict', state: 'up', detail: 'BFD up' });
    await r.settle();
    expect(r.calls.filter((c) => !c.startsWith('routes'))).toEqual(['down tun-b1']);
    expect(r.kernel.resolve('10.50.0.0/16')).toEqual(['169.254.21.1%wg-a1']);
    r.s('tun-b1').establish();
    r.s('tun-b1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.22.1'));
    await r.settle();
    expect(r.calls.filter((c) => !c.startsWith('routes'))).toEqual(['down tun-b1', 'up tun-b1']);
    expect(r.kernel.resolve('10.50.0.0/16')).toEqual(['169.254.21.1%wg-a1', '169.254.22.1%wg-b1']);
  });

  test('routes from the iBGP twin use the twin as gateway, over the interface that reaches it', async () => {
    const r = await rig();
    r.s('twin').establish(IBGP);
    // The twin passes the far side's next hop on unchanged (iBGP): not reachable from here.
    r.s('twin').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.99.1', { localPref: 100 }));
    await r.settle();
    expect(tiersOf(r, '10.50.0.0/16')).toEqual([['twin:10.0.0.2%lan0']]);
    expect(r.lookups).not.toContain('169.254.99.1');
  });

  test('IPv6: a v6 next hop is installed; a v4-mapped one cannot be (the kernel has no v6-via-v4 nexthop objects)', async () => {
    const r = await rig();
    r.s('tun-v6').establish();
    r.s('tun-a1').establish({ families: ['ipv4-unicast', 'ipv6-unicast'] });
    r.s('tun-v6').emit('update', announce6(['2001:db8:50::/48'], FAR, 'fd00:23::1'));
    r.s('tun-a1').emit('update', announce6(['2001:db8:51::/48'], FAR, '::ffff:169.254.21.1'));
    await r.settle();
    expect(tiersOf(r, '2001:db8:50::/48')).toEqual([['tun-v6:fd00:23::1%wg-v6']]);
    expect(r.fib.snapshot().routes!.has('2001:db8:51::/48')).toBe(false);
    expect(r.setup.bridge.stats.skippedPaths).toBeGreaterThan(0);
  });

  test('a learned route the FIB cannot install (no interface reaches its next hop) is not advertised; an installed one is', async () => {
    // The twin is told learned routes (export learned): what it hears is what the FIB could install.
    const twin = '{ name: twin, address: 10.0.0.2, remote-asn: 65001, families: [ipv4-unicast] }';
    const r = await rig({ yaml: yaml(false).replace(twin, twin.replace(' }', ', local-address: 10.0.0.1, export: { learned: ["10.0.0.0/8 le 24"] } }')) });
    r.s('twin').establish(IBGP);
    r.s('tun-a1').establish();
    r.s('tun-b1').establish();
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    // tun-b1's NEXT_HOP leads nowhere the kernel knows: the path has no next hop the FIB could write.
    r.s('tun-b1').emit('update', announce4(['10.51.0.0/16'], FAR, '169.254.77.7'));
    await r.settle();
    expect(r.fib.snapshot().routes!.has('10.50.0.0/16')).toBe(true);
    expect(r.fib.snapshot().routes!.has('10.51.0.0/16')).toBe(false);
    const toTwin = r.s('twin').announced().map((a) => a.prefix);
    expect(toTwin).toContain('10.50.0.0/16');
    expect(toTwin).not.toContain('10.51.0.0/16');
  });

  test('IPv6 over an IPv4 session: a link-local next hop takes the interface of the session, not a guess for fe80::', async () => {
    const r = await rig();
    r.s('tun-a1').establish({ families: ['ipv4-unicast', 'ipv6-unicast'] });
    r.s('tun-b1').establish({ families: ['ipv4-unicast', 'ipv6-unicast'] });
    // Both peers sit behind the same fe80:: address on their own links (common: addresses made from one MAC scheme).
    r.s('tun-a1').emit('update', announce6(['2001:db8:52::/48'], FAR, 'fe80::1'));
    r.s('tun-b1').emit('update', announce6(['2001:db8:52::/48'], FAR, 'fe80::1'));
    await r.settle();
    expect(tiersOf(r, '2001:db8:52::/48')).toEqual([['tun-a1:fe80::1%wg-a1', 'tun-b1:fe80::1%wg-b1']]);
    expect(r.lookups).not.toContain('fe80::1');
    expect(r.kernel.resolve('2001:db8:52::/48')).toEqual(['fe80::1%wg-a1', 'fe80::1%wg-b1']);
    // The tunnel's failure takes its link-local member out like any other.
    r.s('tun-a1').goDown();
    await r.settle();
    expect(r.kernel.resolve('2001:db8:52::/48')).toEqual(['fe80::1%wg-b1']);
  });

  test('interface: from the config is used as is; an unreachable gateway leaves its paths out until it resolves', async () => {
    const yamlText = `
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512, families: [ipv4-unicast], interface: wg0 }
  - { name: tun-c1, address: 169.254.23.1, remote-asn: 64512, families: [ipv4-unicast] }
`;
    const r = await rig({ yaml: yamlText });
    r.s('tun-a1').establish();
    r.s('tun-c1').establish();
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-c1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.23.1'));
    await r.settle();
    expect(r.lookups).not.toContain('169.254.21.1');
    expect(tiersOf(r, '10.50.0.0/16')).toEqual([['tun-a1:169.254.21.1%wg0']]);
    // Once the tunnel interface exists, the next batch after the retry delay installs the path.
    IFACES['169.254.23.1'] = 'wg-c1';
    try {
      const realNow = Date.now;
      Date.now = () => realNow() + 60_000;
      try {
        r.s('tun-c1').emit('update', announce4(['10.54.0.0/16'], FAR, '169.254.23.1'));
        await r.settle();
      } finally {
        Date.now = realNow;
      }
      expect(tiersOf(r, '10.54.0.0/16')).toEqual([['tun-c1:169.254.23.1%wg-c1']]);
    } finally {
      delete IFACES['169.254.23.1'];
    }
  });

  test('a neighbor added by reload has its routes installed like the others', async () => {
    const r = await rig();
    const extra = config(`
router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: tun-c1, address: 169.254.23.1, remote-asn: 64512, families: [ipv4-unicast], interface: wg-c1 }
`).neighbors[0];
    await new Promise<void>((done) => r.speaker.loop.post('reload', () => (r.speaker.addNeighbor(extra), done())));
    r.s('tun-c1').establish();
    r.s('tun-c1').emit('update', announce4(['10.55.0.0/16'], FAR, '169.254.23.1'));
    await r.settle();
    expect(tiersOf(r, '10.55.0.0/16')).toEqual([['tun-c1:169.254.23.1%wg-c1']]);
    r.s('tun-c1').goDown();
    await r.settle();
    expect(r.calls).toContain('down tun-c1');
    expect(r.fib.snapshot().routeCount).toBe(0);
  });

  test('nothing is left behind when every session ends, in any order', async () => {
    for (const order of [
      ['tun-a1', 'tun-b1', 'twin'],
      ['twin', 'tun-b1', 'tun-a1'],
    ]) {
      const r = await rig();
      r.s('tun-a1').establish();
      r.s('tun-b1').establish();
      r.s('twin').establish(IBGP);
      const ps = Array.from({ length: 20 }, (_, i) => `10.60.${i}.0/24`);
      r.s('tun-a1').emit('update', announce4(ps, FAR, '169.254.21.1'));
      r.s('tun-b1').emit('update', announce4(ps.slice(0, 10), PREPENDED, '169.254.22.1'));
      r.s('twin').emit('update', announce4(ps.slice(5), FAR, '10.0.0.2', { localPref: 50 }));
      r.s('tun-a1').emit('update', withdraw4(ps.slice(18)));
      await r.settle();
      expect(r.fib.snapshot().routeCount).toBe(20);
      for (const n of order) {
        r.s(n).goDown();
        await r.settle();
      }
      const snap = r.fib.snapshot();
      expect(snap).toMatchObject({ routeCount: 0, groups: [], nexthops: [] });
      expect(r.kernel.ourRoutes().size).toBe(0);
      expect([...r.kernel.objects.values()].filter((o) => !o.blackhole)).toEqual([]);
    }
  });
});

describe('repair as fast as failover', () => {
  test('a session that returns with the same routes and End-of-RIB: its tunnel rejoins with one write per group, no route write', async () => {
    const r = await rig();
    const ecmp = Array.from({ length: 50 }, (_, i) => `10.50.${i}.0/24`);
    const backup = Array.from({ length: 50 }, (_, i) => `10.51.${i}.0/24`);
    const feed = () => {
      r.s('tun-a1').emit('update', announce4([...ecmp, ...backup], FAR, '169.254.21.1'));
      r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    };
    // The peer announces graceful restart (even "aware" only): it sends End-of-RIB, so the return waits for it.
    establishGr(r.s('tun-a1'));
    r.s('tun-b1').establish();
    feed();
    r.s('tun-b1').emit('update', announce4(ecmp, FAR, '169.254.22.1'));
    r.s('tun-b1').emit('update', announce4(backup, PREPENDED, '169.254.22.1'));
    await r.settle();
    r.s('tun-a1').goDown();
    await r.settle();
    for (const p of ecmp) expect(r.kernel.resolve(p)).toEqual(['169.254.22.1%wg-b1']);
    const logStart = r.kernel.log.length;
    r.calls.length = 0;
    establishGr(r.s('tun-a1'));
    r.s('tun-a1').emit('update', announce4([...ecmp, ...backup], FAR, '169.254.21.1'));
    await r.settle();
    // Routes back, End-of-RIB not yet: still out, and nothing was written for the returning routes.
    expect(r.failover.summary('tun-a1')!.state).toBe('waiting-for-routes');
    expect(r.kernel.resolve(ecmp[0])).toEqual(['169.254.22.1%wg-b1']);
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    expect(r.calls.filter((c) => !c.startsWith('routes'))).toEqual(['up tun-a1']);
    const ops = r.kernel.log.slice(logStart);
    expect(ops.filter((o) => o.kind.startsWith('route'))).toHaveLength(0);
    expect(ops.filter((o) => o.kind === 'group')).toHaveLength(2);
    for (const p of ecmp) expect(r.kernel.resolve(p)).toEqual(['169.254.21.1%wg-a1', '169.254.22.1%wg-b1']);
    for (const p of backup) expect(r.kernel.resolve(p)).toEqual(['169.254.21.1%wg-a1']);
    expect(r.failover.summary('tun-a1')).toEqual({ state: 'forwarding', reason: 'in service' });
  });
});
