// Benchmark: 200 BFD sessions at once at 100 ms x 3 and 300 ms x 3 under stress-ng on every core: false Downs, and the
// CPU and memory of the BFD part, bgpfo's BFD process beside FRR 8.4 bfdd and BIRD 2, all against BIRD in the same run.
//
//   sudo npx tsx bench/bfd-many.ts [INTERVALS_MS] [WINDOW_S] [SESSIONS]     (default: 100,300 180 200)
//
// bgpfo's side is a BfdService host (test/integration/bfd-harness/agent.ts) whose main loop churns a large heap as an
// ingest does; its BFD process runs the default design (a process of its own at SCHED_RR, with a warm standby).

import { cpus } from 'node:os';
import { Bird, Frr, Lab, waitFor } from '../test/integration/harness';
import { BfdAgent } from '../test/integration/bfd-harness/agent-client';
import { join } from 'node:path';
import { addAddresses, birdBfdStatic, birdDowns, birdUpCount, captureBfd, frrBfdStatic, loadAverage, pidIn, procCost, silencesBeforeDowns, stressAllCores } from './bfd-support';

const MULT = 3;
/** The j-th address of a side: 10.NET.1.1 and up on the left, 10.NET.101.1 and up on the right, all in 10.NET/8. */
const addr = (net: number, j: number, right = false) => `10.${net}.${(right ? 101 : 1) + (j >> 8)}.${(j & 255) + 1}`;

async function run(ms: number, windowS: number, n: number): Promise<string[]> {
  const lab = Lab.create(`bfdm${ms}`);
  let stress: ReturnType<typeof stressAllCores> | undefined;
  try {
    const mk = async (name: string, net: number, leftMany: boolean, rightMany: boolean) => {
      const a = await lab.addNamespace(`${name}a`);
      const b = await lab.addNamespace(`${name}b`);
      const left = (j: number) => (leftMany ? addr(net, j) : `10.${net}.0.1`);
      const right = (j: number) => (rightMany ? addr(net, j, true) : `10.${net}.0.2`);
      await lab.link({ ns: a, ifname: 'to-b', v4: `${left(0)}/8` }, { ns: b, ifname: 'to-a', v4: `${right(0)}/8` });
      if (leftMany) await addAddresses(a, 'to-b', Array.from({ length: n - 1 }, (_, j) => `${left(j + 1)}/8`));
      if (rightMany) await addAddresses(b, 'to-a', Array.from({ length: n - 1 }, (_, j) => `${right(j + 1)}/8`));
      return { a, b, sessions: Array.from({ length: n }, (_, j) => ({ left: left(j), right: right(j) })) };
    };
    const ctl = await mk('ctl', 20, true, true);
    // FRR bfdd keys a configured peer by its address alone: one session per peer address, so both sides need many.
    const frrP = await mk('frr', 30, true, true);
    const bg = await mk('bg', 40, true, false);
    const ctlA = await Bird.start(ctl.a, 'ctla', birdBfdStatic('1.0.0.1', ctl.sessions.map((s) => ({ local: s.left, peer: s.right })), ms, MULT));
    const ctlB = await Bird.start(ctl.b, 'ctlb', birdBfdStatic('1.0.0.2', ctl.sessions.map((s) => ({ local: s.right, peer: s.left })), ms, MULT));
    const frr = await Frr.start(frrP.a, { bfdd: frrBfdStatic(frrP.sessions.map((s) => ({ local: s.left, peer: s.right })), ms, MULT) });
    const frrFar = await Bird.start(frrP.b, 'frrfar', birdBfdStatic('1.0.0.3', frrP.sessions.map((s) => ({ local: s.right, peer: s.left })), ms, MULT));
    const bgFar = await Bird.start(bg.b, 'bgfar', birdBfdStatic('1.0.0.4', bg.sessions.map((s) => ({ local: s.right, peer: s.left })), ms, MULT));
    const agent = await BfdAgent.start(bg.a);
    bg.sessions.forEach((s, j) => agent.request(`s${j}`, { local: s.left, peer: s.right, desiredMinTxMs: ms, requiredMinRxMs: ms, multiplier: MULT }));
    const allUp = async () => (await birdUpCount(ctlA)) === n && (await birdUpCount(frrFar)) === n && (await birdUpCount(bgFar)) === n;
    if (!(await waitFor(allUp, 120_000, { what: `${n} sessions Up for every reference`, intervalMs: 1000 }).catch(() => false))) {
      // Say what is missing and measure what runs: the window is too dear to throw away.
      console.log(`NOT every session came Up: control ${await birdUpCount(ctlA)}/${n}, FRR's far BIRD ${await birdUpCount(frrFar)}/${n}, bgpfo's far BIRD ${await birdUpCount(bgFar)}/${n}`);
      for (const [name, b] of [['ctla', ctlA], ['frrfar', frrFar], ['bgfar', bgFar]] as const) console.log(`${name}:\n${(await b.birdc('show bfd sessions')).slice(0, 600)}\n${b.process.log().slice(-800)}`);
      console.log(`FRR:\n${(await frr.vtysh('show bfd peers brief').catch((e: Error) => e.message)).slice(0, 800)}`);
    }
    const bfdd = await pidIn(frrP.a, 'bfdd');
    const birdCtl = ctlA.process.pid;
    let st = await agent.status();
    const pids = { bgpfo: st.pid!, standby: st.standbyPid, bfdd: bfdd!, bird: birdCtl! };
    const c0 = { bgpfo: procCost(pids.bgpfo), bfdd: procCost(pids.bfdd), bird: procCost(pids.bird) };
    const base = { ctl: birdDowns(ctlB), frr: birdDowns(frrFar), bg: birdDowns(bgFar) };
    const frrDowns0 = (JSON.parse(await frr.vtysh('show bfd peers counters json').catch(() => '[]')) as { 'session-down'?: number }[]).reduce((a, p) => a + (p['session-down'] ?? 0), 0);
    const t0 = Date.now();
    stress = stressAllCores(windowS);
    agent.churn(true);
    console.log(`${ms} ms x ${MULT}, ${n} sessions each: window ${windowS} s with stress-ng --cpu ${cpus().length}; ${await loadAverage()}`);
    while (Date.now() - t0 < windowS * 1000) await new Promise((r) => setTimeout(r, 1000));
    const loadEnd = await loadAverage();
    const wallS = (Date.now() - t0) / 1000;
    const c1 = { bgpfo: procCost(pids.bgpfo), bfdd: procCost(pids.bfdd), bird: procCost(pids.bird) };
    agent.churn(false);
    stress.kill('SIGKILL');
    st = await agent.status();
    const frrJson = await frr.vtysh('show bfd peers counters json').catch(() => '[]');
    const frrDowns = (JSON.parse(frrJson) as { 'session-down'?: number }[]).reduce((a, p) => a + (p['session-down'] ?? 0), 0) - frrDowns0;
    const standby = pids.standby !== undefined ? procCost(pids.standby) : undefined;
    const cpuPct = (a?: { cpuS: number }, b?: { cpuS: number }) => (a && b ? ((100 * (b.cpuS - a.cpuS)) / wallS).toFixed(1) : '?');
    const mb = (x?: { rssBytes: number; privateBytes: number }) => (x ? `${(x.rssBytes / 1048576).toFixed(0)} / ${(x.privateBytes / 1048576).toFixed(0)}` : '?');
    const t = st.txLateness.total;
    const lines = [
      `| ${ms} ms x 3 | control BIRD <-> BIRD | ${birdDowns(ctlB) - base.ctl} | ${cpuPct(c0.bird, c1.bird)} | ${mb(c1.bird)} | - |`,
      `| ${ms} ms x 3 | FRR 8.4 bfdd <-> BIRD (FRR counted ${frrDowns}) | ${birdDowns(frrFar) - base.frr} | ${cpuPct(c0.bfdd, c1.bfdd)} | ${mb(c1.bfdd)} | - |`,
      `| ${ms} ms x 3 | bgpfo BFD process (${st.priority}) <-> BIRD | ${birdDowns(bgFar) - base.bg} | ${cpuPct(c0.bgpfo, c1.bgpfo)} | ${mb(c1.bgpfo)} (+ standby ${mb(standby)}) | ${t ? `${t.p50Ms} / ${t.p99Ms} / ${t.maxMs}` : '-'} |`,
    ];
    // A crash with every session Up: SIGKILL the BFD process, see on the wire how long our side paused.
    const pcap = join(lab.dir, 'restart.pcap');
    const cap = captureBfd(bg.a, 'to-b', pcap);
    await new Promise((r) => setTimeout(r, 1500));
    const downsBeforeKill = birdDowns(bgFar);
    await agent.killBfd();
    await new Promise((r) => setTimeout(r, 3000));
    cap.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 1000));
    const gaps = silencesBeforeDowns(pcap, 3 * ms).longestGap;
    const ours = Object.entries(gaps).filter(([dir]) => dir.startsWith(`10.40.1`));
    const pause = Math.max(...ours.map(([, g]) => g));
    const stAfter = await agent.status();
    console.log(
      `  SIGKILL of the BFD process with ${n} sessions Up (no load): our longest silence on the wire ${pause.toFixed(0)} ms over ${ours.length} sessions` +
        ` (interval ${ms} ms); BIRD Downs ${birdDowns(bgFar) - downsBeforeKill}; daemon-side takeover ${stAfter.lastRestart?.gapMs} ms`,
    );
    console.log(`  after ${wallS.toFixed(0)} s (${((wallS * n) / 60).toFixed(0)} min of BFD time per reference); end load: ${loadEnd}; bgpfo restarts ${st.restarts}, agent Downs seen ${agent.events.filter((e) => e.state === 'Down').length}`);
    for (const l of lines) console.log(l);
    return lines;
  } finally {
    stress?.kill('SIGKILL');
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const intervals = (process.argv[2] ?? '100,300').split(',').map(Number);
  const windowS = Number(process.argv[3] ?? 180);
  const n = Number(process.argv[4] ?? 200);
  console.log(`before: ${await loadAverage()}`);
  const all: string[] = [];
  for (const ms of intervals) all.push(...(await run(ms, windowS, n)));
  console.log('\n| timers | reference | false Downs (far BIRD) | CPU % of one core | RSS / private (MB) | bgpfo tx lateness p50 / p99 / max (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const l of all) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
