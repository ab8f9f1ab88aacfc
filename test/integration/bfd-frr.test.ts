// bgpfo's BFD (in its own process, in a namespace) against FRR 8.4 bfdd, IPv4 and IPv6, at 100 ms x 3 and 50 ms x 3:
// comes Up with the negotiated timers, a blackhole brings both sides Down, removing it brings them back Up.

import { Frr, Lab, blackhole, restore, waitFor, type Netns } from './harness';
import { BfdAgent } from './bfd-harness/agent-client';
import { frrBfdConfig, frrBfdPeers } from './bfd-harness/peers';

const ME4 = '10.77.0.1';
const PEER4 = '10.77.0.2';
const ME6 = 'fd00:77::1';
const PEER6 = 'fd00:77::2';

describe.each([100, 50])('bgpfo BFD with FRR bfdd at %i ms x 3', (ms) => {
  let lab: Lab;
  let me: Netns;
  let peerNs: Netns;
  let frr: Frr;
  let agent: BfdAgent;
  const detection = 3 * ms;

  beforeAll(async () => {
    lab = Lab.create(`bfdf${ms}`);
    me = await lab.addNamespace('me');
    peerNs = await lab.addNamespace('peer');
    await lab.link({ ns: me, ifname: 'bfdme', v4: `${ME4}/30`, v6: `${ME6}/64` }, { ns: peerNs, ifname: 'bfdpeer', v4: `${PEER4}/30`, v6: `${PEER6}/64` });
    frr = await Frr.start(peerNs, {
      bfdd: frrBfdConfig(
        [
          { peer: ME4, local: PEER4 },
          { peer: ME6, local: PEER6 },
        ],
        ms,
        3,
      ),
    });
    agent = await BfdAgent.start(me);
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.cleanup();
  });

  test('both sessions come Up and settle on the configured timers', async () => {
    const timers = { desiredMinTxMs: ms, requiredMinRxMs: ms, multiplier: 3 };
    agent.request('v4', { local: ME4, peer: PEER4, ...timers });
    agent.request('v6', { local: ME6, peer: PEER6, ...timers });
    await agent.waitState('v4', 'Up', 15_000);
    await agent.waitState('v6', 'Up', 15_000);
    // After the Poll/Final that follows Up, the detection time is 3 x the interval on our side...
    for (const id of ['v4', 'v6']) {
      await waitFor(async () => (await agent.current(id))?.detectionTimeMs === detection, 5000, { what: `${id} detection time ${detection} ms` });
    }
    // ...and FRR sees our timers.
    const peers = await waitFor(async () => {
      const p = await frrBfdPeers(frr);
      return [ME4, ME6].every((a) => p[a]?.status === 'up' && p[a]?.['remote-transmit-interval'] === ms) ? p : undefined;
    }, 10_000, { what: 'FRR to see both sessions up with our timers' });
    for (const a of [ME4, ME6]) {
      expect(peers[a]).toMatchObject({ 'remote-receive-interval': ms, 'remote-transmit-interval': ms, 'remote-detect-multiplier': 3 });
    }
  });

  if (ms === 100) {
    test('our packets leave with TTL/Hop Limit 255 from a source port in 49152-65535 (RFC 5881 §4, §5)', async () => {
      for (const [src, ttlWord] of [
        [ME4, 'ttl 255'],
        [ME6, 'hlim 255'],
      ] as const) {
        const out = await me.exec(['timeout', '5', 'tcpdump', '-i', 'bfdme', '-c', '3', '-nv', 'udp', 'and', 'src', 'host', src, 'and', 'dst', 'port', '3784'], {
          timeoutMs: 10_000,
        });
        expect(out.match(new RegExp(ttlWord, 'g'))!.length).toBe(3);
        const ports = [...out.matchAll(new RegExp(`${src.replace(/[.:]/g, '\\$&')}\\.(\\d+) > `, 'g'))].map((m) => Number(m[1]));
        expect(ports.length).toBe(3);
        for (const p of ports) expect(p).toBeGreaterThanOrEqual(49152);
      }
    });
  }

  if (ms === 50) {
    test('a blocked main loop (1.5 s busy) in the bgpfo process causes no false Down', async () => {
      const before = agent.events.length;
      agent.busy(1500);
      await waitFor(() => agent.lines.some((l) => l.includes('busy-done')), 10_000, { intervalMs: 20 });
      await new Promise((r) => setTimeout(r, 300));
      expect(agent.events.slice(before)).toEqual([]);
      const p = await frrBfdPeers(frr);
      expect([p[ME4]?.status, p[ME6]?.status]).toEqual(['up', 'up']);
    });
  }

  test('blackholing the link brings both sides Down (diag 1), removing it brings them back Up', async () => {
    const t0 = performance.timeOrigin + performance.now();
    await blackhole(me, 'bfdme');
    const downs = await Promise.all(['v4', 'v6'].map((id) => agent.waitState(id, 'Down', 10_000)));
    for (const d of downs) {
      expect(d.diag).toBe(1); // Control Detection Time Expired: detected, not told
      expect(d.detectionTimeMs).toBe(detection);
    }
    process.stdout.write(`FRR ${ms} ms x 3: blackhole to Down ${downs.map((d) => (d.at - t0).toFixed(0)).join(', ')} ms (detection time ${detection} ms)\n`);
    await waitFor(async () => {
      const p = await frrBfdPeers(frr);
      return p[ME4]?.status === 'down' && p[ME6]?.status === 'down';
    }, 10_000, { what: 'FRR to see both sessions down' });

    await restore(me, 'bfdme');
    await agent.waitState('v4', 'Up', 15_000);
    await agent.waitState('v6', 'Up', 15_000);
    await waitFor(async () => {
      const p = await frrBfdPeers(frr);
      return p[ME4]?.status === 'up' && p[ME6]?.status === 'up';
    }, 10_000, { what: 'FRR to see both sessions up again' });
  });

  test('closing the session tells FRR (AdminDown): FRR reports the peer down by neighbor signal', async () => {
    agent.close('v4');
    await waitFor(async () => {
      const p = await frrBfdPeers(frr);
      return p[ME4]?.status === 'down' && /neighbor/i.test(p[ME4]?.diagnostic ?? '') ? p : undefined;
    }, 10_000, { what: 'FRR to see v4 down with a neighbor-down diagnostic' }).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((await frrBfdPeers(frr))[ME4])}`);
    });
  });
});
