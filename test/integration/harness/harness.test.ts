// Proves the harness before bgpfo exists: FRR and BIRD in two namespaces peer over IPv4 and IPv6 transport,
// routes flow both ways, an nftables blackhole is caught by the hold timer, and cleanup leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Bird, blackhole, Frr, Lab, restore, waitFor, type Netns } from './index';

const nsList = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

const FRR_CONF = `frr defaults traditional
hostname frr
log stdout informational
!
router bgp 64512
 bgp router-id 10.255.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.77.0.2 remote-as 65001
 neighbor 10.77.0.2 timers 1 3
 neighbor fd00:77::2 remote-as 65001
 neighbor fd00:77::2 timers 1 3
 address-family ipv4 unicast
  network 10.50.0.0/16
 exit-address-family
 address-family ipv6 unicast
  neighbor fd00:77::2 activate
  network 2001:db8:50::/48
 exit-address-family
!
`;

const BIRD_CONF = `router id 10.255.0.2;
protocol device { scan time 10; }
protocol static s4 { ipv4; route 10.60.0.0/16 blackhole; }
protocol static s6 { ipv6; route 2001:db8:60::/48 blackhole; }
template bgp lab { local as 65001; hold time 3; keepalive time 1; error wait time 1,5; connect retry time 1; }
protocol bgp frr4 from lab {
  neighbor 10.77.0.1 as 64512;
  source address 10.77.0.2;
  ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp frr6 from lab {
  neighbor fd00:77::1 as 64512;
  source address fd00:77::2;
  ipv6 { import all; export where source = RTS_STATIC; };
}
`;

describe('harness: FRR <-> BIRD in two namespaces', () => {
  let lab: Lab;
  let a: Netns;
  let b: Netns;
  let frr: Frr;
  let bird: Bird;

  beforeAll(async () => {
    lab = Lab.create('hns');
    a = await lab.addNamespace('frr');
    b = await lab.addNamespace('bird');
    await lab.link({ ns: a, ifname: 'to-bird', v4: '10.77.0.1/30', v6: 'fd00:77::1/64' }, { ns: b, ifname: 'to-frr', v4: '10.77.0.2/30', v6: 'fd00:77::2/64' });
    frr = await Frr.start(a, { bgpd: FRR_CONF });
    bird = await Bird.start(b, 'bird', BIRD_CONF);
  });

  afterAll(async () => {
    await lab?.cleanup();
  });

  test('namespaces carry the lab prefix and the link works both ways', async () => {
    expect(a.name).toBe('bgpfo-t-hns-frr');
    expect(await a.exec(['ping', '-c', '1', '-W', '2', '10.77.0.2'])).toContain('1 received');
    expect(await b.exec(['ping', '-c', '1', '-W', '2', 'fd00:77::1'])).toContain('1 received');
  });

  test('sessions reach Established over IPv4 and IPv6 transport', async () => {
    await waitFor(async () => (await frr.peerState('10.77.0.2')) === 'Established', 30_000, { what: 'FRR ipv4 session' });
    await waitFor(async () => (await frr.peerState('fd00:77::2', 'ipv6')) === 'Established', 30_000, { what: 'FRR ipv6 session' });
    expect(await bird.protocolState('frr4')).toBe('Established');
    expect(await bird.protocolState('frr6')).toBe('Established');
  });

  test('routes flow both ways in both families, with the AS path', async () => {
    const r4 = await waitFor(async () => (await frr.routes('ipv4'))['10.60.0.0/16'], 20_000, { what: 'BIRD route in FRR' });
    expect(r4[0]).toMatchObject({ path: '65001', nexthops: [expect.objectContaining({ ip: '10.77.0.2' })] });
    await waitFor(async () => (await frr.routes('ipv6'))['2001:db8:60::/48'], 20_000, { what: 'BIRD IPv6 route in FRR' });
    const b4 = await waitFor(async () => (await bird.routes('master4')).find((r) => r.prefix === '10.50.0.0/16'), 20_000, { what: 'FRR route in BIRD' });
    expect(b4).toMatchObject({ protocol: 'frr4', primary: true, asPath: [64512] });
    expect(b4.via).toContain('10.77.0.1');
    const b6 = await waitFor(async () => (await bird.routes('master6')).find((r) => r.prefix === '2001:db8:50::/48'), 20_000, { what: 'FRR IPv6 route in BIRD' });
    expect(b6).toMatchObject({ protocol: 'frr6', asPath: [64512] });
  });

  test('an nftables blackhole is detected by the 3 s hold timer; restoring brings the session back', async () => {
    await blackhole(b, 'to-frr');
    await waitFor(async () => (await frr.peerState('10.77.0.2')) !== 'Established', 15_000, { what: 'FRR to notice the blackhole' });
    await waitFor(async () => (await bird.protocolState('frr4')) !== 'Established', 15_000, { what: 'BIRD to notice the blackhole' });
    expect((await frr.routes('ipv4'))['10.60.0.0/16']).toBeUndefined();
    await restore(b, 'to-frr');
    await waitFor(async () => (await frr.peerState('10.77.0.2')) === 'Established', 30_000, { what: 'the session to come back' });
    await waitFor(async () => (await frr.routes('ipv4'))['10.60.0.0/16'], 20_000, { what: 'the route to come back' });
  });

  test('stopping BIRD withdraws its routes from FRR', async () => {
    await bird.stop();
    await waitFor(async () => !(await frr.routes('ipv4'))['10.60.0.0/16'], 15_000, { what: 'the withdrawal' });
  });
});

describe('harness: cleanup', () => {
  test('cleanup kills processes and deletes namespaces and FRR dirs; a new lab purges a crashed run', async () => {
    const lab = Lab.create('hcl');
    try {
      const ns = await lab.addNamespace('x');
      const sleeper = ns.spawn('sleeper', ['sleep', '300']);
      // Something the lab does not track, as a daemon that forked would be: the namespace sweep must get it.
      await ns.exec(['sh', '-c', 'sleep 300 >/dev/null 2>&1 &']);
      expect(nsList()).toContain('bgpfo-t-hcl-x');
      await lab.cleanup();
      expect(sleeper.running).toBe(false);
      expect(nsList()).not.toContain('bgpfo-t-hcl-');
    } finally {
      await lab.cleanup();
    }

    // A "crashed" run: a namespace and an FRR dir left behind with the prefix.
    execFileSync('ip', ['netns', 'add', 'bgpfo-t-hcl-stale']);
    execFileSync('mkdir', ['-p', '/etc/frr/bgpfo-t-hcl-stale']);
    const again = Lab.create('hcl');
    try {
      expect(nsList()).not.toContain('bgpfo-t-hcl-stale');
      expect(existsSync('/etc/frr/bgpfo-t-hcl-stale')).toBe(false);
    } finally {
      await again.cleanup();
    }
  });

  test('waitFor returns the value, and its timeout names what was awaited and the last error', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? 'done' : null), 2000, { intervalMs: 10 })).toBe('done');
    await expect(
      waitFor(
        () => {
          throw new Error('still down');
        },
        50,
        { intervalMs: 10, what: 'the thing' },
      ),
    ).rejects.toThrow(/timed out after 50 ms waiting for the thing \(last error: still down\)/);
  });
});
