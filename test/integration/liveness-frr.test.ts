// bgpfo's BGP with BFD liveness against FRR 8.4 (bgpd + bfdd, `neighbor X bfd`) over two veth "tunnels", at 100 ms x 3
// and 50 ms x 3: sessions wait for BFD, a blackhole brings both BFD sides Down and BGP with them (our Cease/10, RFC 9384)
// with the routes withdrawn long before the hold timer; removing it brings everything back.

import { blackhole, FAR, FAR_ASN, Frr, LINKS, OURS, restore, twoLinkLab, US_ASN, waitFor, BgpfoDaemon, type TwoLinkLab } from './harness';
import { frrBfdPeers } from './bfd-harness/peers';

jest.setTimeout(90_000);

const HOLD = 30;

function frrConf(ms: number): { bgpd: string; bfdd: string } {
  const peer = (l: { us4: string; far4: string }) => [
    ` neighbor ${l.us4} remote-as ${US_ASN}`,
    ` neighbor ${l.us4} update-source ${l.far4}`,
    ` neighbor ${l.us4} timers connect 1`,
    ` neighbor ${l.us4} bfd`,
    ` neighbor ${l.us4} bfd profile lab`,
  ];
  return {
    bfdd: `log stdout informational\nbfd\n profile lab\n  receive-interval ${ms}\n  transmit-interval ${ms}\n  detect-multiplier 3\n !\n!\n`,
    bgpd: [
      'frr defaults traditional',
      'hostname far',
      'log stdout informational',
      `router bgp ${FAR_ASN}`,
      ' bgp router-id 10.255.0.1',
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ` timers bgp ${HOLD / 3} ${HOLD}`,
      ...peer(LINKS.a),
      ...peer(LINKS.b),
      ' address-family ipv4 unicast',
      `  network ${FAR.ecmp4}`,
      '  maximum-paths 8',
      ' exit-address-family',
      '',
    ].join('\n'),
  };
}

function bgpfoConf(ms: number): Record<string, unknown> {
  const liveness = { mode: 'bfd', 'interval-ms': ms, multiplier: 3, quality: false, dampening: { 'initial-hold-ms': 500 } };
  const common = { 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], 'hold-time': HOLD, 'connect-retry': 1, liveness };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    originate: [OURS.v4],
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, ...common },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, ...common },
    ],
  };
}

describe.each([100, 50])('bgpfo BGP + BFD with FRR at %i ms x 3', (ms) => {
  let t: TwoLinkLab;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;
  const detection = 3 * ms;

  beforeAll(async () => {
    t = await twoLinkLab(`lvf${ms}`);
    frr = await Frr.start(t.far, frrConf(ms));
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: bgpfoConf(ms) });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  const ecmp = async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0]?.ecmp.map((p) => p.peer).sort() ?? [];
  const session = async (name: string) => (await bgpfo.statusJson()).sessions.find((s) => s.name === name)!;

  test('BFD comes Up on both tunnels, then BGP; status shows the liveness and the negotiated detection time', async () => {
    await waitFor(async () => (await bgpfo.statusJson()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'both sessions Established' }).catch(
      async (e: Error) => {
        throw new Error(`${e.message}\n${JSON.stringify(await bgpfo.statusJson(), null, 1)}\n${bgpfo.process.log().slice(-3000)}`);
      },
    );
    // FRR 8.4 re-creates its BFD session once its BGP session is up (bgpd then knows the interface), which bounces
    // BFD and BGP once at start (docs/liveness.md); wait until both have been steady for a while.
    await waitFor(
      async () => {
        const s = await bgpfo.statusJson();
        return s.sessions.every((x) => x.state === 'Established' && x.uptime !== null && x.uptime >= 3 && x.liveness?.verdict === 'up');
      },
      30_000,
      { what: 'both sessions Established and steady for 3 s' },
    );
    const st = await waitFor(
      async () => {
        const s = await bgpfo.statusJson();
        return s.sessions.every((x) => x.liveness?.detectionTimeMs === detection) ? s : undefined;
      },
      10_000,
      { what: `detection time ${detection} ms in status` },
    );
    for (const s of st.sessions) {
      expect(s.liveness).toMatchObject({ mode: 'bfd', state: 'up', verdict: 'up', reason: 'healthy', txIntervalMs: ms, multiplier: 3 });
    }
    const peers = await frrBfdPeers(frr);
    expect([peers[LINKS.a.us4]?.status, peers[LINKS.b.us4]?.status]).toEqual(['up', 'up']);
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both tunnels' })).toEqual(['tun-a1', 'tun-b1']);
  });

  let downsBefore = 0;

  test('a blackhole: both BFD sides Down, Cease/BFD Down from us, FRR drops the session, routes withdrawn long before the hold timer', async () => {
    downsBefore = (await session('tun-a1')).liveness!.downs!;
    const t0 = Date.now();
    await blackhole(t.us, LINKS.a.usIf);
    // The API directly (not the CLI, which costs a process start per poll) for a finer clock.
    const ecmpNow = async () => (await bgpfo.client.routes({ prefix: FAR.ecmp4 })).routes[0]?.ecmp.map((p) => p.peer) ?? [];
    const withdrawn = await waitFor(async () => {
      const e = await ecmpNow();
      return e.length === 1 && e[0] === 'tun-b1' ? Date.now() - t0 : undefined;
    }, 10_000, { what: 'tun-a1 out of the ECMP set', intervalMs: 20 });
    process.stdout.write(`FRR ${ms} ms x 3: blackhole to tun-a1's routes out of bgpfo's Loc-RIB ${withdrawn} ms (detection ${detection} ms, hold ${HOLD} s)\n`);
    expect(withdrawn).toBeLessThan((HOLD * 1000) / 3);

    const a = await session('tun-a1');
    expect(a.state).not.toBe('Established');
    expect(a.lastError).toContain('NOTIFICATION sent: Cease/BFD Down (6/10)');
    expect(a.liveness).toMatchObject({ state: 'down', verdict: 'down', downs: downsBefore + 1 });
    expect((await session('tun-b1')).state).toBe('Established');
    await waitFor(async () => (await frrBfdPeers(frr))[LINKS.a.us4]?.status === 'down', 10_000, { what: 'FRR bfdd to see the session down' });
    await waitFor(async () => (await frr.peerState(LINKS.a.us4)) !== 'Established', 10_000, { what: "FRR's BGP session to go down with BFD" });
    // Held in Idle while the tunnel is dead: no reconnect attempts.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await session('tun-a1')).state).toBe('Idle');
  });

  test('removing the blackhole brings BFD Up on both sides, then the session and the ECMP set', async () => {
    await restore(t.us, LINKS.a.usIf);
    await waitFor(async () => (await frrBfdPeers(frr))[LINKS.a.us4]?.status === 'up', 15_000, { what: 'FRR bfdd to see the session up again' });
    await waitFor(async () => (await session('tun-a1')).state === 'Established', 30_000, { what: 'tun-a1 Established again' });
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both tunnels again' })).toEqual(['tun-a1', 'tun-b1']);
    expect((await session('tun-a1')).liveness).toMatchObject({ state: 'up', verdict: 'up', downs: downsBefore + 1 });
    expect(await frr.peerState(LINKS.a.us4)).toBe('Established');
  });
});
