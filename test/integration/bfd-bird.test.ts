// bgpfo's BFD against BIRD 2.0.12's BFD, IPv4 and IPv6, at 100 ms x 3 and 50 ms x 3 (Up, blackhole Down, back Up),
// and with meticulous keyed SHA1 authentication: the right key comes Up, a wrong one never does.

import { Bird, Lab, blackhole, restore, waitFor, type Netns } from './harness';
import { BfdAgent } from './bfd-harness/agent-client';
import { birdBfdConfig, birdBfdSessions } from './bfd-harness/peers';

const ME4 = '10.78.0.1';
const PEER4 = '10.78.0.2';
const ME6 = 'fd00:78::1';
const PEER6 = 'fd00:78::2';

async function setup(short: string, birdConf: string): Promise<{ lab: Lab; me: Netns; bird: Bird; agent: BfdAgent }> {
  const lab = Lab.create(short);
  const me = await lab.addNamespace('me');
  const peerNs = await lab.addNamespace('peer');
  await lab.link({ ns: me, ifname: 'bfdme', v4: `${ME4}/30`, v6: `${ME6}/64` }, { ns: peerNs, ifname: 'bfdpeer', v4: `${PEER4}/30`, v6: `${PEER6}/64` });
  const bird = await Bird.start(peerNs, 'bird', birdConf);
  const agent = await BfdAgent.start(me);
  return { lab, me, bird, agent };
}

describe.each([100, 50])('bgpfo BFD with BIRD at %i ms x 3', (ms) => {
  let env: Awaited<ReturnType<typeof setup>>;
  const detection = 3 * ms;

  beforeAll(async () => {
    env = await setup(`bfdb${ms}`, birdBfdConfig(PEER4, [ME4, ME6], ms, 3));
  });
  afterAll(async () => {
    await env?.agent.stop();
    await env?.lab.cleanup();
  });

  test('both sessions come Up and settle on the configured timers', async () => {
    const { agent, bird } = env;
    const timers = { desiredMinTxMs: ms, requiredMinRxMs: ms, multiplier: 3 };
    agent.request('v4', { local: ME4, peer: PEER4, ...timers });
    agent.request('v6', { local: ME6, peer: PEER6, ...timers });
    await agent.waitState('v4', 'Up', 15_000);
    await agent.waitState('v6', 'Up', 15_000);
    for (const id of ['v4', 'v6']) {
      await waitFor(async () => (await agent.current(id))?.detectionTimeMs === detection, 5000, { what: `${id} detection time ${detection} ms` });
    }
    // BIRD's Interval is the agreed transmit interval, Timeout its detection time for us.
    const rows = await waitFor(async () => {
      const r = await birdBfdSessions(bird);
      return [ME4, ME6].every((a) => r[a]?.state === 'Up' && r[a]?.timeoutS === detection / 1000) ? r : undefined;
    }, 10_000, { what: 'BIRD to see both sessions Up with our timers' });
    for (const a of [ME4, ME6]) expect(rows[a]).toMatchObject({ state: 'Up', intervalS: ms / 1000, timeoutS: detection / 1000 });
  });

  test('blackholing the link brings both sides Down (diag 1), removing it brings them back Up', async () => {
    const { agent, bird, me } = env;
    const t0 = performance.timeOrigin + performance.now();
    await blackhole(me, 'bfdme');
    const downs = await Promise.all(['v4', 'v6'].map((id) => agent.waitState(id, 'Down', 10_000)));
    for (const d of downs) {
      expect(d.diag).toBe(1);
      expect(d.detectionTimeMs).toBe(detection);
    }
    process.stdout.write(`BIRD ${ms} ms x 3: blackhole to Down ${downs.map((d) => (d.at - t0).toFixed(0)).join(', ')} ms (detection time ${detection} ms)\n`);
    await waitFor(async () => {
      const r = await birdBfdSessions(bird);
      return r[ME4]?.state === 'Down' && r[ME6]?.state === 'Down';
    }, 10_000, { what: 'BIRD to see both sessions Down' });

    await restore(me, 'bfdme');
    await agent.waitState('v4', 'Up', 15_000);
    await agent.waitState('v6', 'Up', 15_000);
    await waitFor(async () => {
      const r = await birdBfdSessions(bird);
      return r[ME4]?.state === 'Up' && r[ME6]?.state === 'Up';
    }, 10_000, { what: 'BIRD to see both sessions Up again' });
  });
});

describe('bgpfo BFD with BIRD, meticulous keyed SHA1', () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    const auth = 'authentication meticulous keyed sha1; password "bgpfo-secret" { id 7; };';
    env = await setup('bfdbauth', birdBfdConfig(PEER4, [ME4], 100, 3, auth));
  });
  afterAll(async () => {
    await env?.agent.stop();
    await env?.lab.cleanup();
  });

  test('a wrong key never comes Up; the right key does, and the session survives a timer change', async () => {
    const { agent, bird } = env;
    const base = { local: ME4, peer: PEER4, desiredMinTxMs: 100, requiredMinRxMs: 100, multiplier: 3 };
    agent.request('bad', { ...base, auth: { type: 'meticulous-keyed-sha1', keyId: 7, secret: 'not-the-secret' } });
    await new Promise((r) => setTimeout(r, 3000));
    expect(agent.events.filter((e) => e.id === 'bad')).toEqual([]); // BIRD's packets are discarded: never even Init
    expect((await birdBfdSessions(bird))[ME4]?.state).not.toBe('Up');
    agent.close('bad');

    agent.request('good', { ...base, auth: { type: 'meticulous-keyed-sha1', keyId: 7, secret: 'bgpfo-secret' } });
    await agent.waitState('good', 'Up', 15_000);
    await waitFor(async () => (await birdBfdSessions(bird))[ME4]?.state === 'Up', 10_000, { what: 'BIRD Up' });

    agent.update('good', { desiredMinTxMs: 200, requiredMinRxMs: 200 });
    await waitFor(async () => (await agent.current('good'))?.detectionTimeMs === 600, 5000, { what: 'detection time 600 ms' });
    await waitFor(async () => (await birdBfdSessions(bird))[ME4]?.timeoutS === 0.6, 5000, { what: 'BIRD to use 600 ms' });
    expect(agent.last('good')?.state).toBe('Up');
  });
});
