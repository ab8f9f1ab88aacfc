// A tunnel that loses 20 % of its packets (nftables numgen) but never goes down, under BGP + BFD with BIRD: bgpfo
// demotes it while it stays up (its routes leave the ECMP set, BIRD sees 3 more prepends over it), and promotes it
// only after the loss has stopped and the hold-down has passed. Short window and hold-down; the rules are production's.

import { Bird, FAR, FAR_ASN, LINKS, OURS, twoLinkLab, US_ASN, waitFor, BgpfoDaemon, type TwoLinkLab } from './harness';
import { randomLoss, stopLoss } from './harness/loss';

jest.setTimeout(120_000);

// x 10: at 20 % loss three BFD packets in a row go missing every few seconds, ten practically never (1e-7 per packet).
// A tunnel this lossy would flap at x 3, which is what judging quality apart from liveness is for.
const MULT = 10;
const HOLD_DOWN_S = 3;

const BIRD_CONF = `router id 10.255.0.1;
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route ${FAR.ecmp4} blackhole; }
protocol bfd { interface "to-us-*" { interval 100 ms; multiplier ${MULT}; }; }
template bgp lab { local as ${FAR_ASN}; hold time 30; keepalive time 10; error wait time 1,5; connect retry time 1; bfd on; }
protocol bgp a1 from lab { neighbor ${LINKS.a.us4} as ${US_ASN}; source address ${LINKS.a.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
protocol bgp b1 from lab { neighbor ${LINKS.b.us4} as ${US_ASN}; source address ${LINKS.b.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
`;

function bgpfoConf(): Record<string, unknown> {
  const liveness = {
    mode: 'bfd',
    'interval-ms': 100,
    multiplier: MULT,
    // 4 s at one side probe per 50 ms: 80 samples; at 20 % loss a window at or under 5 % is ~1e-4 likely.
    quality: { 'window-s': 4, 'hold-down-s': HOLD_DOWN_S, 'probe-interval-ms': 50, 'max-loss-percent': 5 },
  };
  const common = { 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], 'hold-time': 30, 'connect-retry': 1, liveness };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    originate: [OURS.v4],
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, ...common },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, ...common },
    ],
  };
}

describe('a lossy tunnel under BGP + BFD (BIRD): demoted while up, promoted after it heals and the hold-down ends', () => {
  let t: TwoLinkLab;
  let bird: Bird;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('lvloss');
    bird = await Bird.start(t.far, 'bird', BIRD_CONF);
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: bgpfoConf() });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  const session = async (name: string) => (await bgpfo.statusJson()).sessions.find((s) => s.name === name)!;
  /** `bgpfo routes PREFIX --json` through the CLI: the ECMP set's peers. */
  const ecmp = async () => (await bgpfo.routesJson(FAR.ecmp4)).routes[0]?.ecmp.map((p) => p.peer).sort() ?? [];
  /** The AS path BIRD has for our prefix over a protocol. */
  const birdPath = async (proto: string) => (await bird.routes()).find((r) => r.prefix === OURS.v4 && r.protocol === proto)?.asPath;

  test('healthy: both tunnels in the ECMP set, one copy of our AS on each at BIRD', async () => {
    await waitFor(async () => (await bgpfo.statusJson()).sessions.every((s) => s.state === 'Established' && s.liveness?.verdict === 'up'), 30_000, {
      what: 'both sessions Established',
    });
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 20_000, { what: 'ECMP over both' })).toEqual(['tun-a1', 'tun-b1']);
    await waitFor(async () => (await birdPath('a1'))?.length === 1 && (await birdPath('b1'))?.length === 1, 20_000, { what: 'BIRD to learn our prefix over both' });
    // A clean window first, so what follows is the loss's doing.
    const q = await waitFor(async () => {
      const a = await session('tun-a1');
      return a.quality && a.quality.samples >= 40 ? a.quality : undefined;
    }, 10_000, { what: 'quality samples' });
    expect(q).toMatchObject({ lossPct: 0, verdict: 'up', reason: 'healthy' });
  });

  test('20 % loss: demoted (out of the ECMP set, prepended 3 more) while BFD and BGP stay up', async () => {
    const t0 = Date.now();
    await randomLoss(t.far, LINKS.a.farIf, 20, 'in');
    const a = await waitFor(async () => {
      const s = await session('tun-a1');
      return s.liveness?.verdict === 'demoted' ? s : undefined;
    }, 30_000, { what: 'tun-a1 demoted' });
    process.stdout.write(`20 % loss: demoted ${Date.now() - t0} ms after the loss began (${a.liveness!.verdictDetail})\n`);
    expect(a.liveness).toMatchObject({ state: 'up', verdict: 'demoted', reason: 'loss' });
    expect(a.quality!.lossPct).toBeGreaterThan(5);
    expect(a.state).toBe('Established');

    expect(await waitFor(async () => ((await ecmp()).join() === 'tun-b1' ? ecmp() : undefined), 10_000, { what: 'tun-a1 out of the ECMP set (bgpfo routes --json)' })).toEqual(['tun-b1']);
    const route = (await bgpfo.routesJson(FAR.ecmp4)).routes[0]!;
    expect(route.best).toMatchObject({ peer: 'tun-b1', localPref: 100 });
    const demotedPath = (await bgpfo.client.adjRibIn('tun-a1', 'post', { prefix: FAR.ecmp4 })).routes[0]!;
    expect(demotedPath.path.localPref).toBe(1);
    expect(await waitFor(async () => ((await birdPath('a1'))?.length === 4 ? birdPath('a1') : undefined), 10_000, { what: 'BIRD to see 3 more prepends over a1' })).toEqual([
      US_ASN,
      US_ASN,
      US_ASN,
      US_ASN,
    ]);
    expect(await birdPath('b1')).toEqual([US_ASN]);

    // Longer than the hold-down with the loss on: stays demoted, never down.
    await new Promise((r) => setTimeout(r, (HOLD_DOWN_S + 2) * 1000));
    const still = await session('tun-a1');
    expect(still.liveness).toMatchObject({ state: 'up', verdict: 'demoted', downs: 0 });
    expect(still.state).toBe('Established');
  });

  test('healed: promoted only after the window clears and the hold-down passes; routes and prepends restored', async () => {
    await stopLoss(t.far, LINKS.a.farIf);
    const healedAt = Date.now();
    await waitFor(async () => (await session('tun-a1')).liveness?.verdict === 'up', 30_000, { what: 'tun-a1 promoted', intervalMs: 100 });
    const after = Date.now() - healedAt;
    process.stdout.write(`healed: promoted ${after} ms after the loss stopped (window 4 s to clear below 5 %, then hold-down ${HOLD_DOWN_S} s)\n`);
    // Hysteresis: the healthy period starts after the heal and must last the hold-down.
    expect(after).toBeGreaterThanOrEqual(HOLD_DOWN_S * 1000);
    expect(await waitFor(async () => ((await ecmp()).length === 2 ? ecmp() : undefined), 10_000, { what: 'ECMP over both again' })).toEqual(['tun-a1', 'tun-b1']);
    expect(await waitFor(async () => ((await birdPath('a1'))?.length === 1 ? birdPath('a1') : undefined), 10_000, { what: 'BIRD to see one copy over a1 again' })).toEqual([
      US_ASN,
    ]);
    expect((await session('tun-a1')).liveness!.downs).toBe(0);
  });
});
