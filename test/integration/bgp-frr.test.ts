// bgpfo peering with FRR 8.4 bgpd over two veth "tunnels": IPv4 and IPv6 transport, routes both ways in both
// families, backup prepending, best path and ECMP across the two tunnels, hold-timer detection of a blackholed
// tunnel, SIGTERM (Cease/2 with the shutdown communication, exit 0), and withdrawal when the peer stops.

import { existsSync } from 'node:fs';
import type { AdjRibInResponse } from '../../src/api/types';
import {
  blackhole,
  FAR,
  FAR_ASN,
  farBgpd,
  Frr,
  LINKS,
  OURS,
  restore,
  startBgpfo,
  twoLinkLab,
  US_ASN,
  waitFor,
  type BgpfoDaemon,
  type Netns,
  type TwoLinkLab,
} from './harness';

// testTimeout in a jest project entry is not honoured (it is a global option): set it here.
jest.setTimeout(60_000);

describe('bgpfo <-> FRR 8.4', () => {
  let t: TwoLinkLab;
  let far: Netns;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('bfrr');
    far = t.far;
    frr = await Frr.start(far, { bgpd: farBgpd({ ipv6: true, prependOnB: true, multipathRelax: true, ecmp: true }) });
    bgpfo = await startBgpfo(t.us);
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('sessions reach Established over IPv4 and IPv6 transport', async () => {
    await waitFor(async () => (await frr.peerState(LINKS.a.us4)) === 'Established', 20_000, { what: 'FRR: IPv4 session on link a' });
    await waitFor(async () => (await frr.peerState(LINKS.b.us4)) === 'Established', 20_000, { what: 'FRR: IPv4 session on link b' });
    await waitFor(async () => (await frr.peerState(LINKS.a.us6, 'ipv6')) === 'Established', 20_000, { what: 'FRR: IPv6 session' });
    const s = await bgpfo.statusJson();
    expect(s.sessions.map((x) => [x.name, x.state, x.peerRouterId])).toEqual([
      ['tun-a1', 'Established', '10.255.0.1'],
      ['tun-b1', 'Established', '10.255.0.1'],
      ['tun-a6', 'Established', '10.255.0.1'],
    ]);
    expect(s.sessions.find((x) => x.name === 'tun-a6')).toMatchObject({ families: ['ipv6-unicast'], holdTime: 3 });
  });

  test('routes flow both ways in both families', async () => {
    // FRR learned ours: IPv4 over link a with our address as next hop, IPv6 over the IPv6 session.
    const r4 = await waitFor(async () => (await frr.routes('ipv4'))[OURS.v4], 20_000, { what: `FRR to learn ${OURS.v4}` });
    const best4 = r4.find((p) => p.bestpath);
    expect(best4).toMatchObject({ path: `${US_ASN}`, nexthops: [expect.objectContaining({ ip: LINKS.a.us4 })] });
    const r6 = await waitFor(async () => (await frr.routes('ipv6'))[OURS.v6], 20_000, { what: `FRR to learn ${OURS.v6}` });
    expect(r6[0]).toMatchObject({ path: `${US_ASN}`, nexthops: expect.arrayContaining([expect.objectContaining({ ip: LINKS.a.us6 })]) });

    // bgpfo learned FRR's.
    const v6 = await waitFor(async () => (await bgpfo.routesJson(FAR.v6)).routes[0], 20_000, { what: `bgpfo to learn ${FAR.v6}` });
    expect(v6).toMatchObject({ family: 'ipv6-unicast', best: { peer: 'tun-a6', nextHop: LINKS.a.far6, asPath: [FAR_ASN] } });
    const v4 = await waitFor(async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0], 20_000, { what: `bgpfo to learn ${FAR.ecmp4}` });
    expect(v4.best).toMatchObject({ asPath: [FAR_ASN], origin: 'igp' });
  });

  test('over the backup neighbor FRR sees our AS path prepended twice more, and prefers the primary', async () => {
    const paths = await waitFor(
      async () => {
        const r = (await frr.routes('ipv4'))[OURS.v4];
        return r && r.length === 2 ? r : undefined;
      },
      20_000,
      { what: `FRR to have ${OURS.v4} over both links` },
    );
    const viaB = paths.find((p) => p.nexthops.some((n) => n.ip === LINKS.b.us4));
    const viaA = paths.find((p) => p.nexthops.some((n) => n.ip === LINKS.a.us4));
    expect(viaB?.path).toBe(`${US_ASN} ${US_ASN} ${US_ASN}`);
    expect(viaA?.path).toBe(`${US_ASN}`);
    expect(viaA?.bestpath).toBe(true);
  });

  test('our Loc-RIB prefers the un-prepended path and puts two equal paths in the ECMP set', async () => {
    const ecmp = await waitFor(
      async () => {
        const r = (await bgpfo.routesJson(FAR.ecmp4)).routes[0];
        return r && r.ecmp.length === 2 ? r : undefined;
      },
      20_000,
      { what: `both paths of ${FAR.ecmp4} in bgpfo's ECMP set` },
    );
    expect(ecmp.ecmp.map((p) => p.peer).sort()).toEqual(['tun-a1', 'tun-b1']);
    expect(ecmp.ecmp.map((p) => p.nextHop).sort()).toEqual([LINKS.a.far4, LINKS.b.far4]);

    const pre = await waitFor(
      async () => {
        const r = (await bgpfo.routesJson(FAR.prepended4)).routes[0];
        return r && r.reason === 'as-path-length' ? r : undefined;
      },
      20_000,
      { what: `${FAR.prepended4} to be chosen by AS path length` },
    );
    expect(pre.best).toMatchObject({ peer: 'tun-a1', asPath: [FAR_ASN] });
    expect(pre.ecmp).toHaveLength(1);
  });

  test('bgpfo status --json shows the sessions with the right counts', async () => {
    const s = await waitFor(
      async () => {
        const st = await bgpfo.statusJson();
        const accepted = st.sessions.map((x) => x.prefixes.accepted);
        return accepted.join() === '2,2,1' ? st : undefined;
      },
      20_000,
      { what: 'all routes accepted' },
    );
    const by = Object.fromEntries(s.sessions.map((x) => [x.name, x]));
    expect(s.router).toMatchObject({ asn: US_ASN, routerId: '10.255.0.2', listen: [LINKS.a.us4, LINKS.b.us4, LINKS.a.us6] });
    expect(by['tun-b1'].role).toBe('backup');
    // FRR sends 10.50/16 and 10.51/16 over each IPv4 session and 2001:db8:50::/48 over the IPv6 one; we advertise
    // one prefix per session (the other family is not negotiated there). FRR also sends our own prefixes back
    // (it has no sender-side loop check by default): received, refused by our AS-loop check. So "received" is
    // checked against the pre-policy table itself.
    const want: Record<string, string[]> = { 'tun-a1': [FAR.ecmp4, FAR.prepended4], 'tun-b1': [FAR.ecmp4, FAR.prepended4], 'tun-a6': [FAR.v6] };
    for (const [name, accepted] of Object.entries(want)) {
      expect(by[name].prefixes).toMatchObject({ accepted: accepted.length, advertised: 1 });
      const pre = JSON.parse(await bgpfo.cli(['adj-rib-in', name, '--pre', '--json'])) as AdjRibInResponse;
      expect(pre.total).toBe(by[name].prefixes.received);
      expect(pre.routes.filter((r) => r.accepted).map((r) => r.prefix)).toEqual(accepted);
      for (const r of pre.routes.filter((x) => !x.accepted)) {
        expect([OURS.v4, OURS.v6]).toContain(r.prefix);
        expect(r.refusedBecause).toBe(`AS_PATH contains our AS ${US_ASN} (loop)`);
      }
    }
    // FRR's side of the session agrees on what we sent it.
    const peers = await frr.peers('ipv4');
    expect(peers[LINKS.a.us4]).toMatchObject({ pfxRcd: 1 });
  });

  test('a blackholed tunnel is detected by hold-timer expiry; the ECMP set shrinks; restoring brings it back', async () => {
    await blackhole(far, LINKS.b.farIf);
    const t0 = Date.now();
    const down = await waitFor(
      async () => {
        const x = (await bgpfo.statusJson()).sessions.find((y) => y.name === 'tun-b1')!;
        return x.state !== 'Established' ? x : undefined;
      },
      15_000,
      { what: 'bgpfo to notice the blackholed tunnel', intervalMs: 100 },
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500); // it took the hold timer, not a TCP reset
    expect(down.lastError).toBe('hold timer expired');
    expect(down.flaps).toBe(1);
    await waitFor(async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0]?.ecmp.length === 1, 10_000, { what: 'the ECMP set to shrink' });
    expect((await bgpfo.routesJson(FAR.ecmp4)).routes[0].best.peer).toBe('tun-a1');

    await restore(far, LINKS.b.farIf);
    await waitFor(async () => (await bgpfo.status()).sessions.every((x) => x.state === 'Established'), 30_000, { what: 'tun-b1 to come back' });
    await waitFor(async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0]?.ecmp.length === 2, 10_000, { what: 'the ECMP set to regrow' });
  });

  test('SIGTERM: every session gets Cease/Administrative Shutdown with its message; the daemon exits 0', async () => {
    const exit = await bgpfo.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(bgpfo.socketPath)).toBe(false);
    await waitFor(async () => (await frr.peerState(LINKS.a.us6, 'ipv6')) !== 'Established', 10_000, { what: 'FRR to see the IPv6 session end' });
    const nb = await frr.vtyshJson<Record<string, { lastNotificationReason?: string; lastResetDueTo?: string; lastShutdownDescription?: string }>>(
      `show bgp neighbors ${LINKS.a.us6} json`,
    );
    const text = JSON.stringify(nb[LINKS.a.us6]);
    expect(text).toMatch(/Administrative Shutdown/i);
    expect(text).toContain('bgpfo lab test: planned stop');
    await waitFor(async () => !(await frr.routes('ipv4'))[OURS.v4], 10_000, { what: 'FRR to drop our routes' });
    bgpfo = await startBgpfo(t.us);
  });

  test('stopping FRR withdraws its routes from our Loc-RIB', async () => {
    await waitFor(async () => (await bgpfo.routesJson()).routes.some((r) => r.prefix === FAR.ecmp4), 20_000, { what: 'routes back after the restart' });
    await frr.stop();
    await waitFor(
      async () => {
        const prefixes = (await bgpfo.routesJson()).routes.map((r) => r.prefix);
        return prefixes.length === 2 ? prefixes : undefined;
      },
      15_000,
      { what: 'FRR routes to be withdrawn' },
    );
    expect((await bgpfo.routesJson()).routes.map((r) => r.prefix)).toEqual([OURS.v4, OURS.v6]);
    const s = await bgpfo.statusJson();
    expect(s.sessions.every((x) => x.state !== 'Established' && x.prefixes.accepted === 0)).toBe(true);
  });
});
