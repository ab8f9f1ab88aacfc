// Graceful restart (RFC 4724) in the daemon over the memory FIB and a fake clock: the helper keeps a restarting
// peer's routes (Loc-RIB and FIB) and sweeps what it did not re-announce; the restarting speaker keeps the kernel's
// routes, sets R and F, and sweeps after End-of-RIB from every peer or its restart time.

import { fsmConfig } from '../../../src/bgp/fsm';
import { buildOpen } from '../../../src/bgp/capabilities';
import type { DownInfo } from '../../../src/bgp/session';
import { helperDecision, LocalRestart, SELECTION_DEFERRAL_MS } from '../../../src/daemon/graceful-restart';
import { MemoryKernel } from '../../../src/fib';
import { FakeClock } from '../../../src/util/clock';
import { announce4, config, silent, withdraw4 } from './helpers';
import { establishGr, GR_CAP, lose, rig, yaml } from './fib-helpers';

const FAR = [64512];
const A4 = '169.254.21.1%wg-a1';
const B4 = '169.254.22.1%wg-b1';

describe('helperDecision (RFC 4724 §4.2, RFC 8538 §1)', () => {
  const base: DownInfo = { reason: 'tcp-connection-failed', message: 'TCP connection closed by peer', gracefulRestart: GR_CAP };
  const notif = { type: 'notification' as const, code: 4, subcode: 0, data: new Uint8Array() };
  test.each<[string, DownInfo, boolean, string | null]>([
    ['a lost TCP connection with graceful restart', base, true, null],
    ['graceful restart not negotiated', { ...base, gracefulRestart: undefined }, true, 'not negotiated'],
    ['hold timer expired (we sent a NOTIFICATION)', { ...base, reason: 'hold-timer-expired', notificationSent: notif }, true, 'NOTIFICATION was sent'],
    ['the peer sent a Cease', { ...base, reason: 'notification-received', notificationReceived: { ...notif, code: 6, subcode: 2 } }, true, 'NOTIFICATION was received'],
    ['our own stop', { ...base, reason: 'manual-stop' }, true, 'we stopped'],
    ['restart time 0', { ...base, gracefulRestart: { ...GR_CAP, restartTime: 0 } }, true, 'restart time 0'],
    ['a helper-only peer (no families)', { ...base, gracefulRestart: { ...GR_CAP, families: [] } }, true, 'no address family'],
    ['liveness says the tunnel is dead', base, false, 'tunnel is down'],
  ])('%s', (_what, info, alive, why) => {
    const d = helperDecision(info, alive);
    if (why === null) expect(d).toEqual({ keep: ['ipv4-unicast'], restartTime: 120 });
    else expect(d.keep === null && d.why).toContain(why);
  });
});

describe('helper: a restarting peer keeps forwarding on its stale routes', () => {
  async function twoTunnels() {
    const r = await rig({ gr: true });
    establishGr(r.s('tun-a1'));
    establishGr(r.s('tun-b1'));
    const ps = ['10.50.0.0/16', '10.52.0.0/16', '10.53.0.0/16'];
    r.s('tun-a1').emit('update', announce4(ps, FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(ps, FAR, '169.254.22.1'));
    await r.settle();
    r.calls.length = 0;
    return { r, ps };
  }

  test('lost without NOTIFICATION: paths stay in the Loc-RIB and the tunnel in its groups; re-learned ones refresh, the rest go at End-of-RIB', async () => {
    const { r, ps } = await twoTunnels();
    r.s('tun-a1').emit('update', announce4(['10.54.0.0/16'], FAR, '169.254.21.1')); // tun-a1's alone
    await r.settle();
    r.calls.length = 0;
    lose(r.s('tun-a1'));
    await r.settle();
    expect(r.calls).toEqual([]); // no nexthopDown, no withdrawal
    expect(r.speaker.neighbor('tun-a1')!.keepingStale).toBe(true);
    for (const p of ps) {
      expect(r.speaker.locRib.get(p)!.ecmp.map((x) => x.peer.key)).toEqual(['tun-a1', 'tun-b1']);
      expect(r.kernel.resolve(p)).toEqual([A4, B4]);
    }
    r.clock.advance(100_000); // within the 120 s restart time
    await r.settle();
    expect(r.kernel.resolve(ps[0])).toEqual([A4, B4]);

    establishGr(r.s('tun-a1'), { ...GR_CAP, restarting: true });
    r.s('tun-a1').emit('update', announce4(ps.slice(0, 2), FAR, '169.254.21.1'));
    r.s('tun-a1').emit('update', announce4(['10.54.0.0/16'], FAR, '169.254.21.1'));
    // Withdrawing a prefix it has not re-announced (only its stale path is there) counts nothing.
    r.s('tun-a1').emit('update', withdraw4([ps[2]]));
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    expect(r.kernel.resolve(ps[0])).toEqual([A4, B4]);
    expect(r.kernel.resolve(ps[1])).toEqual([A4, B4]);
    expect(r.kernel.resolve(ps[2])).toEqual([B4]); // not re-announced: swept after End-of-RIB
    expect(r.speaker.locRib.get(ps[2])!.paths.map((x) => x.peer.key)).toEqual(['tun-b1']);
    // The new session counts what it announced, not the stale paths it replaced.
    expect(r.speaker.neighbor('tun-a1')!.counts().accepted).toBe(3);
    expect(r.calls.some((c) => c.startsWith('down'))).toBe(false);
    // A later withdrawal from the new session is counted once.
    r.s('tun-a1').emit('update', withdraw4([ps[1], '10.54.0.0/16']));
    await r.settle();
    expect(r.speaker.neighbor('tun-a1')!.counts().accepted).toBe(1);
  });

  test('End-of-RIB waits behind the UPDATEs received before it: a refreshed prefix never leaves the kernel', async () => {
    // Enough prefixes that withdrawals and re-announcements take several import slices (and FIB batches).
    const r = await rig({ gr: true, importBudget: 1000 });
    establishGr(r.s('tun-a1'));
    const ps = Array.from({ length: 3000 }, (_, i) => `10.${70 + (i >> 8)}.${i & 255}.0/24`);
    r.s('tun-a1').emit('update', announce4(ps, FAR, '169.254.21.1'));
    await r.settle();
    lose(r.s('tun-a1'));
    await r.settle();
    const logStart = r.kernel.log.length;
    establishGr(r.s('tun-a1'));
    // Same event-loop turn: the UPDATE is still queued for import when End-of-RIB arrives.
    r.s('tun-a1').emit('update', announce4(ps.slice(0, 2000), FAR, '169.254.21.1'));
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    const deleted = r.kernel.log.slice(logStart).filter((o) => o.kind === 'route-del').map((o) => (o as { prefix: string }).prefix);
    expect(deleted).toEqual(ps.slice(2000));
    for (const p of ps.slice(0, 2000)) expect(r.kernel.resolve(p)).toEqual([A4]);
    expect(r.speaker.neighbor('tun-a1')!.counts().accepted).toBe(2000);
  });

  test('the peer does not come back within its restart time: the tunnel leaves its groups, then its routes go', async () => {
    const { r, ps } = await twoTunnels();
    lose(r.s('tun-a1'));
    await r.settle();
    r.clock.advance(120_000);
    await r.settle();
    expect(r.calls[0]).toBe('down tun-a1');
    expect(r.speaker.neighbor('tun-a1')!.keepingStale).toBe(false);
    for (const p of ps) {
      expect(r.kernel.resolve(p)).toEqual([B4]);
      expect(r.speaker.locRib.get(p)!.paths.map((x) => x.peer.key)).toEqual(['tun-b1']);
    }
  });

  test('back without the F bit: stale routes are removed at once (RFC 4724 §4.2)', async () => {
    const { r, ps } = await twoTunnels();
    lose(r.s('tun-a1'));
    await r.settle();
    establishGr(r.s('tun-a1'), { ...GR_CAP, restarting: true, families: [{ family: 'ipv4-unicast', forwardingPreserved: false }] });
    await r.settle();
    for (const p of ps) expect(r.speaker.locRib.get(p)!.paths.map((x) => x.peer.key)).toEqual(['tun-b1']);
  });

  test('a NOTIFICATION (hold timer expired) is no restart: the tunnel leaves its groups and routes go', async () => {
    const { r, ps } = await twoTunnels();
    lose(r.s('tun-a1'), { reason: 'hold-timer-expired', message: 'Hold timer expired', notificationSent: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array() } });
    await r.settle();
    expect(r.calls[0]).toBe('down tun-a1');
    for (const p of ps) expect(r.kernel.resolve(p)).toEqual([B4]);
  });

  test('liveness: a dead tunnel is not waited for, and a tunnel dying while its routes are kept drops them', async () => {
    const { r, ps } = await twoTunnels();
    r.failover.dispatch('tun-b1', { type: 'verdict', state: 'down', detail: 'BFD down' });
    lose(r.s('tun-b1'));
    await r.settle();
    expect(r.speaker.neighbor('tun-b1')!.keepingStale).toBe(false);

    lose(r.s('tun-a1'));
    await r.settle();
    expect(r.speaker.neighbor('tun-a1')!.keepingStale).toBe(true);
    expect(r.kernel.resolve(ps[0])).toEqual([A4]);
    r.calls.length = 0;
    r.failover.dispatch('tun-a1', { type: 'verdict', state: 'down', detail: 'BFD down' });
    await r.settle();
    expect(r.calls[0]).toBe('down tun-a1');
    expect(r.speaker.neighbor('tun-a1')!.keepingStale).toBe(false);
    for (const p of ps) expect(r.speaker.locRib.get(p)).toBeUndefined();
    expect(r.fib.snapshot().routeCount).toBe(0);
  });
});

describe('restarting speaker: forwarding goes on across our own restart', () => {
  /** A previous run's state in the kernel: ECMP over both tunnels for three prefixes. */
  async function previousRun(): Promise<MemoryKernel> {
    const kernel = new MemoryKernel();
    const r = await rig({ gr: true, kernel });
    establishGr(r.s('tun-a1'));
    establishGr(r.s('tun-b1'));
    const ps = ['10.50.0.0/16', '10.52.0.0/16', '10.53.0.0/16'];
    r.s('tun-a1').emit('update', announce4(ps, FAR, '169.254.21.1'));
    r.s('tun-b1').emit('update', announce4(ps, FAR, '169.254.22.1'));
    await r.settle();
    r.setup.restart.close();
    return kernel; // the process dies here (kill -9): nothing is cleaned up
  }

  test('our routes in the kernel at start: kept, R and F set, swept after End-of-RIB from every graceful-restart peer', async () => {
    const kernel = await previousRun();
    const r = await rig({ gr: true, kernel });
    expect(r.setup.restart.restarting).toBe(true);
    expect(r.fib.snapshot().staleRoutes).toBe(3);
    for (const p of ['10.50.0.0/16', '10.52.0.0/16', '10.53.0.0/16']) expect(kernel.resolve(p)).toEqual([A4, B4]);
    const gr = r.s('tun-a1').opts.gracefulRestart!;
    expect(gr.restarting).toBe(true);
    // Memory FIB: forwarding does not survive a real restart, so F stays clear (the kernel FIB sets it).
    expect(gr.preserved).toEqual([]);
    // Graceful restart off: "aware" only (restart time 0, no family), so the peer sends End-of-RIB and keeps nothing.
    expect(r.s('tun-v6').opts.gracefulRestart).toEqual({ restartTime: 0, restarting: false, preserved: [] });

    const logStart = kernel.log.length;
    establishGr(r.s('tun-a1'));
    expect(gr.restarting).toBe(false); // R only until the session is back
    expect(r.s('tun-b1').opts.gracefulRestart!.restarting).toBe(true);
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16', '10.52.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    expect(kernel.resolve('10.53.0.0/16')).toEqual([A4, B4]); // still waiting for tun-b1
    establishGr(r.s('tun-b1'));
    r.s('tun-b1').emit('update', announce4(['10.50.0.0/16', '10.52.0.0/16'], FAR, '169.254.22.1'));
    r.s('tun-b1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    await r.setup.swept;
    expect(kernel.resolve('10.53.0.0/16')).toBeUndefined();
    for (const p of ['10.50.0.0/16', '10.52.0.0/16']) expect(kernel.resolve(p)).toEqual([A4, B4]);
    // The re-learned prefixes never left the kernel.
    const deleted = kernel.log.slice(logStart).filter((o) => o.kind === 'route-del').map((o) => (o as { prefix: string }).prefix);
    expect(deleted).toEqual(['10.53.0.0/16']);
    expect(r.fib.snapshot().staleRoutes).toBe(0);
    expect(r.setup.restart.restarting).toBe(false);
  });

  test('route selection is deferred (RFC 4724 §4.1): no table and no End-of-RIB before every graceful-restart peer sent its own', async () => {
    const kernel = await previousRun();
    const r = await rig({ gr: true, kernel });
    establishGr(r.s('tun-a1'));
    await r.settle();
    expect(r.s('tun-a1').sent).toHaveLength(0); // an empty or partial table now would make the peer sweep our routes
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    establishGr(r.s('tun-b1'));
    r.s('tun-b1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    await r.setup.swept;
    for (const name of ['tun-a1', 'tun-b1']) {
      const msgs = r.s(name).updates();
      expect(msgs.some((u) => u.nlri.includes('10.1.0.0/16'))).toBe(true); // our originated prefix
      expect(msgs[msgs.length - 1]!.nlri).toEqual([]); // End-of-RIB last
    }
  });

  test('route selection waits at most the selection deferral time for a peer that never comes back', async () => {
    const kernel = await previousRun();
    const r = await rig({ gr: true, kernel });
    establishGr(r.s('tun-a1'));
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    expect(r.s('tun-a1').sent).toHaveLength(0);
    r.clock.advance(SELECTION_DEFERRAL_MS);
    await r.settle();
    expect(r.s('tun-a1').updates().some((u) => u.nlri.includes('10.1.0.0/16'))).toBe(true);
    expect(r.setup.restart.restarting).toBe(true); // the stale sweep still waits for the restart time
  });

  test('a peer that never comes back: the stale routes go after the restart time', async () => {
    const kernel = await previousRun();
    const r = await rig({ gr: true, kernel });
    establishGr(r.s('tun-a1'));
    r.s('tun-a1').emit('update', announce4(['10.50.0.0/16'], FAR, '169.254.21.1'));
    r.s('tun-a1').emit('end-of-rib', 'ipv4-unicast');
    await r.settle();
    expect(kernel.resolve('10.52.0.0/16')).toEqual([A4, B4]);
    r.clock.advance(120_000);
    await r.setup.swept;
    expect(kernel.resolve('10.52.0.0/16')).toBeUndefined();
    expect(kernel.resolve('10.50.0.0/16')).toEqual([A4]);
  });

  test('without graceful restart a previous run\'s routes are removed at start', async () => {
    const kernel = await previousRun();
    const r = await rig({ gr: false, kernel });
    expect(r.setup.restart.restarting).toBe(false);
    expect(kernel.ourRoutes().size).toBe(0);
  });

  test('the OPEN is built from the live capability: R and F follow the restart (nothing copies it)', () => {
    const clock = new FakeClock();
    const cfg = config(yaml(true));
    const lr = new LocalRestart({ restarting: true, forwardingPreserved: true, neighbors: cfg.neighbors, clock, logger: silent, onComplete: () => {} });
    const n = cfg.neighbors[0];
    const fsm = fsmConfig({ localAsn: 65001, remoteAsn: 64512, routerId: '10.0.0.1', families: n.families, gracefulRestart: lr.capability(n)! });
    const grCap = () => buildOpen(fsm).capabilities.find((c) => c.kind === 'graceful-restart') as { restarting: boolean; families: { forwardingPreserved: boolean }[] };
    expect(grCap().restarting).toBe(true);
    expect(grCap().families.map((f) => f.forwardingPreserved)).toEqual([true]);
    lr.established(n.name, { families: n.families } as never);
    expect(grCap().restarting).toBe(false);
    expect(grCap().families.map((f) => f.forwardingPreserved)).toEqual([true]);
    // A fresh start (no routes kept): F only once this run has forwarding state for the peer.
    const fresh = new LocalRestart({ restarting: false, forwardingPreserved: true, neighbors: cfg.neighbors, clock, logger: silent, onComplete: () => {} });
    const cap = fresh.capability(n)!;
    expect([cap.restarting, cap.preserved]).toEqual([false, []]);
    fresh.established(n.name, { families: n.families } as never);
    expect(cap.preserved).toEqual(['ipv4-unicast']);
    lr.close();
  });
});
