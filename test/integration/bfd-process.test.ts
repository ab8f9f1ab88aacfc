// bgpfo's BFD process against BIRD 2 and FRR bfdd: killed with SIGKILL while Up at 50 ms x 3, it is resumed in the
// standby and neither side sees a Down; a CPU hog on every core for 20 s: the session survives, the lateness metric moves.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { Bird, Frr, Lab, waitFor, type Netns } from './harness';
import { BfdAgent } from './bfd-harness/agent-client';
import { birdBfdSessions, frrBfdConfig, frrBfdPeers } from './bfd-harness/peers';

const ME = '10.79.0.1';
const PEER = '10.79.0.2';

function birdConf(ms: number): string {
  return `router id ${PEER};
log stderr all;
protocol device {}
protocol bfd {
  debug { events };
  interface "*" { interval ${ms} ms; multiplier 3; };
  neighbor ${ME};
}
`;
}

/** BIRD's logged Up -> Down changes for our session. */
const birdDowns = (bird: Bird) => (bird.process.log().match(new RegExp(`${ME.replace(/\./g, '\\.')} changed state from Up to Down`, 'g')) ?? []).length;

async function setup(short: string, ms: number): Promise<{ lab: Lab; me: Netns; bird: Bird; agent: BfdAgent }> {
  const lab = Lab.create(short);
  const me = await lab.addNamespace('me');
  const peerNs = await lab.addNamespace('peer');
  await lab.link({ ns: me, ifname: 'bfdme', v4: `${ME}/30` }, { ns: peerNs, ifname: 'bfdpeer', v4: `${PEER}/30` });
  const bird = await Bird.start(peerNs, 'bird', birdConf(ms));
  const agent = await BfdAgent.start(me);
  agent.request('s', { local: ME, peer: PEER, desiredMinTxMs: ms, requiredMinRxMs: ms, multiplier: 3 });
  await agent.waitState('s', 'Up', 15_000);
  await waitFor(async () => (await agent.current('s'))?.detectionTimeMs === 3 * ms, 5000, { what: `detection time ${3 * ms} ms` });
  await waitFor(async () => (await birdBfdSessions(bird))[ME]?.state === 'Up', 10_000, { what: 'BIRD Up' });
  return { lab, me, bird, agent };
}

/** Every core busy: stress-ng when installed (scripts/setup.sh), else one spinning node per core. */
function cpuHog(seconds: number): ChildProcess[] {
  const n = cpus().length;
  if (spawnSync('stress-ng', ['--version']).status === 0) {
    return [spawn('stress-ng', ['--cpu', String(n), '--timeout', `${seconds}s`, '--quiet'], { stdio: 'ignore' })];
  }
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`], { stdio: 'ignore' }));
}

const metricValue = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('bgpfo BFD process with BIRD', () => {
  let env: Awaited<ReturnType<typeof setup>> | undefined;
  const hogs: ChildProcess[] = [];
  afterEach(async () => {
    for (const h of hogs.splice(0)) h.kill('SIGKILL');
    await env?.agent.stop();
    await env?.lab.cleanup();
    env = undefined;
  });

  test('SIGKILL of the BFD process at 50 ms x 3: resumed in the standby, no Down on either side', async () => {
    env = await setup('bfdpk', 50);
    const { agent, bird } = env;
    // The standby starts after the first process is ready (from TypeScript sources it compiles first).
    const before = await waitFor(async () => {
      const s = await agent.status();
      return s.standbyPid !== undefined ? s : undefined;
    }, 20_000, { what: 'the standby BFD process' });
    expect(before).toMatchObject({ isolation: 'process', restarts: 0, pid: expect.any(Number), standbyPid: expect.any(Number) });
    const discr = before.sessions[0]!.localDiscr;
    const birdDownsBefore = birdDowns(bird);
    for (let i = 1; i <= 2; i++) {
      const killed = await agent.killBfd();
      const st = await waitFor(async () => {
        const s = await agent.status();
        return s.restarts === i && s.pid !== undefined && s.pid !== killed ? s : undefined;
      }, 10_000, { what: `restart ${i} noticed and resumed` });
      process.stdout.write(`BFD process ${killed} killed: resumed in ${st.pid} after ${st.lastRestart?.gapMs} ms\n`);
      expect(st.sessions[0]).toMatchObject({ localDiscr: discr, state: 'Up' });
      // Let a few detection times pass: a Down on either side would show by now.
      await new Promise((r) => setTimeout(r, 1500));
      // A new standby is ready for the next crash.
      await waitFor(async () => (await agent.status()).standbyPid !== undefined, 20_000, { what: 'a new standby' });
    }
    expect(agent.events.filter((e) => e.id === 's').map((e) => e.state)).toEqual(expect.not.arrayContaining(['Down']));
    expect(agent.last('s')?.state).toBe('Up');
    expect(birdDowns(bird)).toBe(birdDownsBefore);
    expect((await birdBfdSessions(bird))[ME]?.state).toBe('Up');
    // Packets kept counting across the restarts.
    const after = await agent.status();
    expect(after.sessions[0]!.tx).toBeGreaterThan(before.sessions[0]!.tx);
  });

  test('a CPU hog on every core for 20 s at 100 ms x 3: the session survives, the lateness metric moves', async () => {
    env = await setup('bfdph', 100);
    const { agent, bird } = env;
    // Let one stats report in so the metric starts from a value.
    await waitFor(async () => metricValue(await agent.metrics(), 'bgpfo_bfd_tx_lateness_seconds_count') > 0, 5000, { what: 'a lateness report' });
    const m0 = await agent.metrics();
    const birdDownsBefore = birdDowns(bird);
    const eventsBefore = agent.events.length;
    hogs.push(...cpuHog(20));
    agent.busy(3000); // and the daemon side's loop busy too, as an ingest would make it
    await new Promise((r) => setTimeout(r, 21_000));
    await new Promise((r) => setTimeout(r, 1500)); // the last report
    const m1 = await agent.metrics();
    const count0 = metricValue(m0, 'bgpfo_bfd_tx_lateness_seconds_count');
    const count1 = metricValue(m1, 'bgpfo_bfd_tx_lateness_seconds_count');
    const sum0 = metricValue(m0, 'bgpfo_bfd_tx_lateness_seconds_sum');
    const sum1 = metricValue(m1, 'bgpfo_bfd_tx_lateness_seconds_sum');
    const st = await agent.status();
    process.stdout.write(
      `CPU hog 20 s: ${count1 - count0} packets measured, lateness sum +${((sum1 - sum0) * 1000).toFixed(1)} ms; ` +
        `recent p50/p99/max ${st.txLateness.recent?.p50Ms}/${st.txLateness.recent?.p99Ms}/${st.txLateness.recent?.maxMs} ms; priority ${st.priority}\n`,
    );
    // About 10 packets a second for 20 s were measured, and their lateness was added.
    expect(count1 - count0).toBeGreaterThan(100);
    expect(sum1).toBeGreaterThan(sum0);
    expect(m1).toMatch(/^bgpfo_bfd_tx_lateness_recent_seconds\{quantile="0\.99"\} /m);
    expect(agent.events.slice(eventsBefore)).toEqual([]); // no state change at all during the hog
    expect(agent.last('s')?.state).toBe('Up');
    expect(birdDowns(bird)).toBe(birdDownsBefore);
  }, 60_000);
});

describe('bgpfo BFD process with FRR bfdd', () => {
  test('SIGKILL of the BFD process at 50 ms x 3: FRR keeps the session Up (same discriminators, new source port)', async () => {
    const lab = Lab.create('bfdpf');
    let agent: BfdAgent | undefined;
    try {
      const me = await lab.addNamespace('me');
      const peerNs = await lab.addNamespace('peer');
      await lab.link({ ns: me, ifname: 'bfdme', v4: `${ME}/30` }, { ns: peerNs, ifname: 'bfdpeer', v4: `${PEER}/30` });
      const frr = await Frr.start(peerNs, { bfdd: frrBfdConfig([{ peer: ME, local: PEER }], 50, 3) });
      agent = await BfdAgent.start(me);
      agent.request('s', { local: ME, peer: PEER, desiredMinTxMs: 50, requiredMinRxMs: 50, multiplier: 3 });
      await agent.waitState('s', 'Up', 15_000);
      await waitFor(async () => (await frrBfdPeers(frr))[ME]?.status === 'up', 10_000, { what: 'FRR up' });
      await waitFor(async () => (await agent!.status()).standbyPid !== undefined, 20_000, { what: 'the standby BFD process' });
      const downs = async () => (JSON.parse(await frr.vtysh('show bfd peers counters json')) as { peer: string; 'session-down': number }[]).find((p) => p.peer === ME)?.['session-down'];
      const downsBefore = await downs();
      const killed = await agent.killBfd();
      await waitFor(async () => {
        const s = await agent!.status();
        return s.restarts === 1 && s.pid !== killed;
      }, 10_000, { what: 'the restart' });
      await new Promise((r) => setTimeout(r, 1500));
      expect(await downs()).toBe(downsBefore);
      expect((await frrBfdPeers(frr))[ME]?.status).toBe('up');
      expect(agent.events.map((e) => e.state)).toEqual(expect.not.arrayContaining(['Down']));
    } finally {
      await agent?.stop();
      await lab.cleanup();
    }
  });
});
