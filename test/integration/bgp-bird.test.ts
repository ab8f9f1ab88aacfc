// bgpfo peering with BIRD 2 over two veth "tunnels": IPv4 and IPv6 transport, routes both ways in both families,
// backup prepending, best path and ECMP across the two tunnels, hold-timer detection of a blackholed tunnel,
// SIGTERM (Cease/2 with the shutdown communication, exit 0), and withdrawal when BIRD stops.

import { existsSync } from 'node:fs';
import {
  Bird,
  blackhole,
  FAR,
  FAR_ASN,
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

const BIRD_CONF = `router id 10.255.0.1;
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route ${FAR.ecmp4} blackhole; route ${FAR.prepended4} blackhole; }
protocol static s6 { ipv6; route ${FAR.v6} blackhole; }
template bgp lab { local as ${FAR_ASN}; hold time 3; keepalive time 1; error wait time 1,5; connect retry time 1; }
protocol bgp a1 from lab {
  neighbor ${LINKS.a.us4} as ${US_ASN};
  source address ${LINKS.a.far4};
  ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp b1 from lab {
  neighbor ${LINKS.b.us4} as ${US_ASN};
  source address ${LINKS.b.far4};
  ipv4 {
    import all;
    export filter {
      if source != RTS_STATIC then reject;
      if net = ${FAR.prepended4} then { bgp_path.prepend(${FAR_ASN}); bgp_path.prepend(${FAR_ASN}); }
      accept;
    };
  };
}
protocol bgp a6 from lab {
  neighbor ${LINKS.a.us6} as ${US_ASN};
  source address ${LINKS.a.far6};
  ipv6 { import all; export where source = RTS_STATIC; };
}
`;

describe('bgpfo <-> BIRD 2', () => {
  let t: TwoLinkLab;
  let far: Netns;
  let bird: Bird;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('bbird');
    far = t.far;
    bird = await Bird.start(far, 'bird', BIRD_CONF);
    bgpfo = await startBgpfo(t.us);
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  const ours4 = async () => (await bird.routes('master4')).filter((r) => r.prefix === OURS.v4);

  test('sessions reach Established over IPv4 and IPv6 transport', async () => {
    for (const p of ['a1', 'b1', 'a6']) {
      await waitFor(async () => (await bird.protocolState(p)) === 'Established', 20_000, { what: `BIRD protocol ${p}` });
    }
    const s = await bgpfo.statusJson();
    expect(s.sessions.map((x) => [x.name, x.state, x.peerRouterId])).toEqual([
      ['tun-a1', 'Established', '10.255.0.1'],
      ['tun-b1', 'Established', '10.255.0.1'],
      ['tun-a6', 'Established', '10.255.0.1'],
    ]);
  });

  test('routes flow both ways in both families', async () => {
    const b4 = await waitFor(async () => (await ours4()).find((r) => r.protocol === 'a1'), 20_000, { what: `BIRD to learn ${OURS.v4} over a1` });
    expect(b4).toMatchObject({ asPath: [US_ASN] });
    expect(b4.via).toContain(LINKS.a.us4);
    const b6 = await waitFor(async () => (await bird.routes('master6')).find((r) => r.prefix === OURS.v6), 20_000, { what: `BIRD to learn ${OURS.v6}` });
    expect(b6).toMatchObject({ protocol: 'a6', asPath: [US_ASN], primary: true });
    expect(b6.via).toContain(LINKS.a.us6);

    const v6 = await waitFor(async () => (await bgpfo.routesJson(FAR.v6)).routes[0], 20_000, { what: `bgpfo to learn ${FAR.v6}` });
    expect(v6).toMatchObject({ family: 'ipv6-unicast', best: { peer: 'tun-a6', nextHop: LINKS.a.far6, asPath: [FAR_ASN] } });
    const v4 = await waitFor(async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0], 20_000, { what: `bgpfo to learn ${FAR.ecmp4}` });
    expect(v4.best).toMatchObject({ asPath: [FAR_ASN], origin: 'igp' });
  });

  test('over the backup neighbor BIRD sees our AS path prepended twice more, and prefers the primary', async () => {
    const both = await waitFor(async () => ((await ours4()).length === 2 ? ours4() : undefined), 20_000, { what: `BIRD to have ${OURS.v4} from both` });
    const viaA = both.find((r) => r.protocol === 'a1')!;
    const viaB = both.find((r) => r.protocol === 'b1')!;
    expect(viaB.asPath).toEqual([US_ASN, US_ASN, US_ASN]);
    expect(viaA.asPath).toEqual([US_ASN]);
    expect(viaA.primary).toBe(true);
    expect(viaB.primary).toBe(false);
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
    // BIRD exports only its static routes: no reflected copies of ours, so received equals accepted.
    const s = await waitFor(
      async () => {
        const st = await bgpfo.statusJson();
        return st.sessions.map((x) => x.prefixes.accepted).join() === '2,2,1' ? st : undefined;
      },
      20_000,
      { what: 'all routes accepted' },
    );
    expect(s.sessions.map((x) => [x.name, x.role, x.prefixes])).toEqual([
      ['tun-a1', 'primary', { received: 2, accepted: 2, advertised: 1 }],
      ['tun-b1', 'backup', { received: 2, accepted: 2, advertised: 1 }],
      ['tun-a6', 'primary', { received: 1, accepted: 1, advertised: 1 }],
    ]);
    expect(s.sessions.every((x) => x.lastError === null && x.flaps === 0 && x.uptime !== null)).toBe(true);
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
    await waitFor(async () => (await bird.protocolState('a6')) !== 'Established', 10_000, { what: 'BIRD to see the IPv6 session end' });
    const a6 = await bird.birdc('show protocols all a6');
    expect(a6).toMatch(/Received: Administrative shutdown/i);
    // BIRD logs the RFC 8203 shutdown communication it received.
    await waitFor(() => bird.process.log().includes('bgpfo lab test: planned stop'), 5000, { what: 'the shutdown message in BIRD\'s log' });
    await waitFor(async () => (await ours4()).length === 0, 10_000, { what: 'BIRD to drop our routes' });
    bgpfo = await startBgpfo(t.us);
  });

  test('stopping BIRD withdraws its routes from our Loc-RIB', async () => {
    await waitFor(async () => (await bgpfo.routesJson()).routes.some((r) => r.prefix === FAR.ecmp4), 20_000, { what: 'routes back after the restart' });
    await bird.stop();
    await waitFor(async () => (await bgpfo.routesJson()).routes.length === 2, 15_000, { what: "BIRD's routes to be withdrawn" });
    expect((await bgpfo.routesJson()).routes.map((r) => r.prefix)).toEqual([OURS.v4, OURS.v6]);
    const s = await bgpfo.statusJson();
    expect(s.sessions.every((x) => x.state !== 'Established' && x.prefixes.accepted === 0)).toBe(true);
  });
});
