// bgpfo's BGP with BFD liveness against BIRD 2 (`bfd on;` in its BGP protocols) over two veth "tunnels" at 100 ms x 3:
// a blackhole brings both BFD sides Down and both BGP sides with them (our Cease/10, RFC 9384), routes withdrawn long
// before the hold timer; removing it brings everything back.

import { Bird, blackhole, FAR, FAR_ASN, LINKS, OURS, restore, twoLinkLab, US_ASN, waitFor, BgpfoDaemon, type TwoLinkLab } from './harness';
import { birdBfdSessions } from './bfd-harness/peers';

jest.setTimeout(90_000);

const MS = 100;
const HOLD = 30;

const BIRD_CONF = `router id 10.255.0.1;
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route ${FAR.ecmp4} blackhole; }
protocol bfd { interface "to-us-*" { interval ${MS} ms; multiplier 3; }; }
template bgp lab { local as ${FAR_ASN}; hold time ${HOLD}; keepalive time ${HOLD / 3}; error wait time 1,5; connect retry time 1; bfd on; }
protocol bgp a1 from lab { neighbor ${LINKS.a.us4} as ${US_ASN}; source address ${LINKS.a.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
protocol bgp b1 from lab { neighbor ${LINKS.b.us4} as ${US_ASN}; source address ${LINKS.b.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
`;

function bgpfoConf(): Record<string, unknown> {
  const liveness = { mode: 'bfd', 'interval-ms': MS, multiplier: 3, quality: false, dampening: { 'initial-hold-ms': 500 } };
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

describe(`bgpfo BGP + BFD with BIRD at ${MS} ms x 3`, () => {
  let t: TwoLinkLab;
  let bird: Bird;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('lvbird');
    bird = await Bird.start(t.far, 'bird', BIRD_CONF);
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: bgpfoConf() });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  const ecmp = async () => (await bgpfo.client.routes({ prefix: FAR.ecmp4 })).routes[0]?.ecmp.map((p) => p.peer).sort() ?? [];
  const session = async (name: string) => (await bgpfo.statusJson()).sessions.find((s) => s.name === name)!;

  test('BFD comes Up on both tunnels, then BGP; status shows the liveness', async () => {
    await waitFor(
      async () => {
        const s = await bgpfo.statusJson();
        return s.sessions.every((x) => x.state === 'Established' && x.liveness?.verdict === 'up' && x.liveness.detectionTimeMs === 3 * MS);
      },
      30_000,
      { what: 'both sessions Established over BFD with the negotiated detection time' },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(await bgpfo.statusJson(), null, 1)}\n${bgpfo.process.log().slice(-3000)}`);
    });
    const rows = await birdBfdSessions(bird);
    expect([rows[LINKS.a.us4]?.state, rows[LINKS.b.us4]?.state]).toEqual(['Up', 'Up']);
    for (const p of ['a1', 'b1']) expect(await bird.protocolState(p)).toBe('Established');
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both tunnels' })).toEqual(['tun-a1', 'tun-b1']);
    const ours = await waitFor(async () => ((await bird.routes()).filter((r) => r.prefix === OURS.v4).length === 2 ? true : undefined), 20_000, { what: 'BIRD to learn our prefix twice' });
    expect(ours).toBe(true);
  });

  test('a blackhole: both BFD sides Down, Cease/BFD Down from us, BIRD drops the session, routes withdrawn long before the hold timer', async () => {
    const downsBefore = (await session('tun-a1')).liveness!.downs!;
    const t0 = Date.now();
    await blackhole(t.us, LINKS.a.usIf);
    const withdrawn = await waitFor(async () => {
      const e = await ecmp();
      return e.length === 1 && e[0] === 'tun-b1' ? Date.now() - t0 : undefined;
    }, 10_000, { what: 'tun-a1 out of the ECMP set', intervalMs: 20 });
    process.stdout.write(`BIRD ${MS} ms x 3: blackhole to tun-a1's routes out of bgpfo's Loc-RIB ${withdrawn} ms (detection ${3 * MS} ms, hold ${HOLD} s)\n`);
    expect(withdrawn).toBeLessThan((HOLD * 1000) / 3);
    const a = await session('tun-a1');
    expect(a.lastError).toContain('NOTIFICATION sent: Cease/BFD Down (6/10)');
    expect(a.liveness).toMatchObject({ state: 'down', verdict: 'down', downs: downsBefore + 1 });
    await waitFor(async () => (await birdBfdSessions(bird))[LINKS.a.us4]?.state === 'Down', 10_000, { what: "BIRD's BFD session Down" });
    await waitFor(async () => (await bird.protocolState('a1')) !== 'Established', 10_000, { what: "BIRD's BGP a1 to go down with BFD" });
    // BIRD no longer has our prefix over a1, long before its 30 s hold timer.
    await waitFor(async () => (await bird.routes()).filter((r) => r.prefix === OURS.v4).map((r) => r.protocol).join() === 'b1', 10_000, { what: 'BIRD to drop our prefix over a1' });
    expect((await session('tun-b1')).state).toBe('Established');
  });

  test('removing the blackhole brings BFD Up on both sides, then both BGP sides and the ECMP set', async () => {
    await restore(t.us, LINKS.a.usIf);
    await waitFor(async () => (await birdBfdSessions(bird))[LINKS.a.us4]?.state === 'Up', 15_000, { what: "BIRD's BFD session Up again" });
    await waitFor(async () => (await session('tun-a1')).state === 'Established', 30_000, { what: 'tun-a1 Established again' });
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both tunnels again' })).toEqual(['tun-a1', 'tun-b1']);
    expect(await bird.protocolState('a1')).toBe('Established');
  });
});
