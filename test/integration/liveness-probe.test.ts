// Probe mode against a far side that runs no BFD and holds BGP for 180 s (BIRD standing in for a cloud VPN gateway):
// our side detects a blackholed tunnel at probe speed and fails over, while the far side still believes the session;
// steering advertises more-specific halves of our prefix over the surviving tunnel, so the far side moves at once;
// they are withdrawn when the tunnel is back.

import { Bird, blackhole, FAR, FAR_ASN, LINKS, OURS, restore, twoLinkLab, US_ASN, waitFor, BgpfoDaemon, type TwoLinkLab } from './harness';

jest.setTimeout(120_000);

const HOLD = 180;
const HALVES = ['10.60.0.0/17', '10.60.128.0/17'];

// No BFD, the long hold timer of a cloud gateway; a1 preferred (b1 is our backup, prepended twice).
const BIRD_CONF = `router id 10.255.0.1;
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route ${FAR.ecmp4} blackhole; }
template bgp lab { local as ${FAR_ASN}; hold time ${HOLD}; keepalive time ${HOLD / 3}; error wait time 1,5; connect retry time 1; }
protocol bgp a1 from lab { neighbor ${LINKS.a.us4} as ${US_ASN}; source address ${LINKS.a.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
protocol bgp b1 from lab { neighbor ${LINKS.b.us4} as ${US_ASN}; source address ${LINKS.b.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
`;

function bgpfoConf(): Record<string, unknown> {
  const liveness = { mode: 'probe', 'interval-ms': 100, multiplier: 3, quality: false, dampening: { 'initial-hold-ms': 500 }, steering: { 'more-specifics': true } };
  const common = { 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], 'hold-time': HOLD, 'connect-retry': 1, liveness };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    originate: [OURS.v4],
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, ...common },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, role: 'backup', 'local-pref': 100, ...common },
    ],
  };
}

describe('probe mode with steering, far side without BFD and a 180 s hold timer (BIRD)', () => {
  let t: TwoLinkLab;
  let bird: Bird;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('lvprobe');
    bird = await Bird.start(t.far, 'bird', BIRD_CONF);
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: bgpfoConf() });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  const ecmp = async () => (await bgpfo.client.routes({ prefix: FAR.ecmp4 })).routes[0]?.ecmp.map((p) => p.peer).sort() ?? [];
  const session = async (name: string) => (await bgpfo.statusJson()).sessions.find((s) => s.name === name)!;
  /** BIRD's routes for our prefix and its halves: prefix -> protocols, primary first. */
  const birdOurs = async () => {
    const out: Record<string, string[]> = {};
    for (const r of await bird.routes()) {
      if (r.prefix !== OURS.v4 && !HALVES.includes(r.prefix)) continue;
      (out[r.prefix] ??= [])[r.primary ? 'unshift' : 'push'](r.protocol);
    }
    return out;
  };

  test('the probes come up, then BGP on both tunnels; BIRD prefers our prefix over a1', async () => {
    await waitFor(async () => (await bgpfo.statusJson()).sessions.every((s) => s.state === 'Established' && s.liveness?.verdict === 'up'), 30_000, {
      what: 'both sessions Established over probe liveness',
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(await bgpfo.statusJson(), null, 1)}\n${bgpfo.process.log().slice(-3000)}`);
    });
    const a = await session('tun-a1');
    expect(a.liveness).toMatchObject({ mode: 'probe', state: 'up', txIntervalMs: 100, multiplier: 3, detectionTimeMs: 300 });
    expect(await waitFor(async () => ((await birdOurs())[OURS.v4]?.length === 2 ? birdOurs() : undefined), 20_000, { what: 'BIRD to learn our prefix over both' })).toEqual({
      [OURS.v4]: ['a1', 'b1'],
    });
  });

  test('a blackhole: we fail over at probe speed while BIRD keeps the session; the halves move BIRD over b1 at once', async () => {
    const t0 = Date.now();
    await blackhole(t.us, LINKS.a.usIf);
    const ours = await waitFor(async () => {
      const e = await ecmp();
      return e.length === 1 && e[0] === 'tun-b1' ? Date.now() - t0 : undefined;
    }, 10_000, { what: 'tun-a1 out of our ECMP set', intervalMs: 20 });
    const farMoved = await waitFor(
      async () => {
        const r = await birdOurs();
        return HALVES.every((h) => r[h]?.[0] === 'b1') ? Date.now() - t0 : undefined;
      },
      10_000,
      { what: 'BIRD to learn the halves over b1', intervalMs: 50 },
    );
    process.stdout.write(`probe 100 ms x 3: blackhole to our failover ${ours} ms; to BIRD holding both halves over b1 ${farMoved} ms (its hold timer: ${HOLD} s)\n`);
    expect(farMoved).toBeLessThan(10_000);

    const r = await birdOurs();
    // Longest match: BIRD's traffic to 10.60.x.x now leaves over b1, although its /16 still prefers the dead a1.
    expect(r[OURS.v4]?.[0]).toBe('a1');
    expect(await bird.protocolState('a1')).toBe('Established');
    const a = await session('tun-a1');
    expect(a.state).toBe('Idle');
    expect(a.lastError).toContain('Cease/BFD Down (6/10)');
    expect(a.liveness).toMatchObject({ mode: 'probe', state: 'down', verdict: 'down', steering: HALVES });
    expect(a.liveness!.detail).toMatch(/no reply/);
    // The halves are ours, and only tun-b1 carries them.
    const halves = await bgpfo.routesJson(HALVES[0]);
    expect(halves.routes[0]).toMatchObject({ prefix: HALVES[0], best: { peer: 'local' } });
    expect((await session('tun-b1')).prefixes.advertised).toBe(3);
  });

  test('removing the blackhole: the probe comes back, the halves are withdrawn, the session returns', async () => {
    await restore(t.us, LINKS.a.usIf);
    await waitFor(async () => (await session('tun-a1')).liveness?.verdict === 'up', 15_000, { what: 'the probe verdict up again' });
    await waitFor(async () => Object.keys(await birdOurs()).join() === OURS.v4, 10_000, { what: 'BIRD to lose the halves' });
    expect((await session('tun-a1')).liveness!.steering).toBeUndefined();
    expect((await session('tun-b1')).prefixes.advertised).toBe(1);
    // Our new connection meets BIRD's old session on a1 (its hold timer never expired): BIRD resolves the collision
    // and a1 comes back.
    await waitFor(async () => (await session('tun-a1')).state === 'Established', 60_000, { what: 'tun-a1 Established again' });
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both tunnels again' })).toEqual(['tun-a1', 'tun-b1']);
  });
});
