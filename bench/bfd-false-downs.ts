// Benchmark: false BFD Downs at 50 ms x 3 under a load the benchmark makes itself — stress-ng on every core plus
// 1M-prefix ingests on another session of the bgpfo daemon — for bgpfo and three references in the same run.
// Not a test: prints figures, ratios and a Markdown table (docs/benchmarks.md "BFD under load").
//
//   sudo npx tsx bench/bfd-false-downs.ts [WINDOW_S] [SESSIONS] [PREFIXES]     (default: 360 4 1000000)
//
// Every reference has BIRD 2 as its far side, with SESSIONS sessions at the same timers over one link:
//   control    BIRD <-> BIRD (what the machine does to a C daemon with nothing else to do)
//   frr        FRR 8.4 bfdd <-> BIRD
//   bgpfo      the bgpfo daemon (BFD liveness under SESSIONS BGP sessions) <-> BIRD, while the same daemon ingests
//              PREFIXES routes from a BIRD source, withdraws them and ingests them again for the whole window
//   designs    BfdService hosts (test/integration/bfd-harness/agent.ts) whose main loop churns a large heap as an ingest
//              does, one per design: worker thread, process at normal priority, process at nice -10 (the daemon
//              runs the default: a process at SCHED_RR)
// A false Down is an Up -> Down in the far BIRD's log (whichever side timed out, BIRD logs it). Captures of the bgpfo
// links say which side went silent before each Down.

import { cpus } from 'node:os';
import { join } from 'node:path';
import { Bird, BgpfoDaemon, Frr, Lab, waitFor } from '../test/integration/harness';
import { BfdAgent } from '../test/integration/bfd-harness/agent-client';
import type { BfdServiceStatus } from '../src/bfd/service';
import {
  addAddresses,
  birdBfdStatic,
  birdDowns,
  captureBfd,
  frrBfdStatic,
  loadAverage,
  silencesBeforeDowns,
  stressAllCores,
} from './bfd-support';

const MS = 50;
const MULT = 3;
const DETECTION = MS * MULT;
const RX_AS = 65200;
const SRC_AS = 65100;
const PEER_AS = 65300;

const nthPrefix = (i: number) => `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;

function feedConfig(n: number): string {
  const routes: string[] = [];
  for (let i = 0; i < n; i++) routes.push(`  route ${nthPrefix(i)} blackhole;`);
  return `router id 10.0.0.1;
protocol device {}
protocol static feed { ipv4; ${routes.join('\n')}
}
protocol bgp feedpeer {
  local 10.0.0.1 as ${SRC_AS};
  neighbor 10.0.0.2 as ${RX_AS};
  error wait time 1,5;
  disabled;
  ipv4 { import none; export all; next hop self; };
}
`;
}

/** bgpfo's far side: one BGP session with `bfd on` per bgpfo neighbor, each from its own address. */
function peerConfig(k: number): string {
  const bgp = Array.from({ length: k }, (_, j) => `protocol bgp p${j} {
  local 10.1.0.${11 + j} as ${PEER_AS};
  neighbor 10.1.0.${2 + j} as ${RX_AS};
  hold time 30; error wait time 1,5; connect retry time 1; bfd on;
  ipv4 { import all; export where source = RTS_STATIC; };
}`).join('\n');
  return `router id 10.1.0.11;
log stderr all;
protocol device {}
protocol static statics { ipv4; route 10.99.0.0/16 blackhole; }
protocol bfd { debug { events }; interface "*" { interval ${MS} ms; multiplier ${MULT}; }; }
${bgp}
`;
}

const DESIGNS = [
  { id: 'worker', env: { BGPFO_BFD_ISOLATION: 'worker' } },
  { id: 'process-normal', env: { BGPFO_BFD_ISOLATION: 'process', BGPFO_BFD_PRIORITY: 'normal' } },
  { id: 'process-nice', env: { BGPFO_BFD_ISOLATION: 'process', BGPFO_BFD_PRIORITY: 'nice' } },
] as const;

const lat = (s: BfdServiceStatus | undefined) => {
  const t = s?.txLateness.total;
  return t ? `${t.p50Ms} / ${t.p99Ms} / ${t.maxMs}` : '-';
};

async function main(): Promise<void> {
  const windowS = Number(process.argv[2] ?? 360);
  const k = Number(process.argv[3] ?? 4);
  const n = Number(process.argv[4] ?? 1_000_000);
  const lab = Lab.create('bfdfd');
  const stop: (() => void)[] = [];
  try {
    console.log(`before: ${await loadAverage()}`);
    // ---- namespaces and links --------------------------------------------------------------------------------
    const src = await lab.addNamespace('src');
    const rx = await lab.addNamespace('rx');
    const peer = await lab.addNamespace('peer');
    await lab.link({ ns: src, ifname: 'to-rx', v4: '10.0.0.1/30' }, { ns: rx, ifname: 'to-src', v4: '10.0.0.2/30' });
    await lab.link({ ns: peer, ifname: 'to-rx', v4: '10.1.0.11/24' }, { ns: rx, ifname: 'to-peer', v4: '10.1.0.2/24' });
    await addAddresses(peer, 'to-rx', Array.from({ length: k - 1 }, (_, j) => `10.1.0.${12 + j}/24`));
    await addAddresses(rx, 'to-peer', Array.from({ length: k - 1 }, (_, j) => `10.1.0.${3 + j}/24`));

    const pair = async (name: string, leftLocal: (j: number) => string, rightLocal: (j: number) => string) => {
      const a = await lab.addNamespace(`${name}a`);
      const b = await lab.addNamespace(`${name}b`);
      await lab.link({ ns: a, ifname: 'to-b', v4: `${leftLocal(0)}/24` }, { ns: b, ifname: 'to-a', v4: `${rightLocal(0)}/24` });
      const more = (f: (j: number) => string) => [...new Set(Array.from({ length: k }, (_, j) => f(j)))].slice(1).map((x) => `${x}/24`);
      await addAddresses(a, 'to-b', more(leftLocal));
      await addAddresses(b, 'to-a', more(rightLocal));
      return { a, b, sessions: Array.from({ length: k }, (_, j) => ({ left: leftLocal(j), right: rightLocal(j) })) };
    };
    // control: distinct addresses on both sides (BIRD keys BFD sessions by remote address)
    const ctl = await pair('ctl', (j) => `10.2.0.${10 + j}`, (j) => `10.2.0.${20 + j}`);
    // FRR bfdd keys a configured peer by its address alone: one session per peer address, so both sides need many.
    const frrPair = await pair('frr', (j) => `10.3.0.${10 + j}`, (j) => `10.3.0.${20 + j}`);
    const ag = await pair('ag', (j) => `10.4.0.${10 + j}`, () => '10.4.0.1');
    for (const d of DESIGNS.slice(1)) {
      const i = DESIGNS.indexOf(d);
      await addAddresses(ag.a, 'to-b', Array.from({ length: k }, (_, j) => `10.4.0.${10 + 10 * i + j}/24`));
    }
    const agentLocal = (i: number, j: number) => `10.4.0.${10 + 10 * i + j}`;

    // ---- the references -------------------------------------------------------------------------------------
    const ctlA = await Bird.start(ctl.a, 'ctla', birdBfdStatic('10.2.0.10', ctl.sessions.map((s) => ({ local: s.left, peer: s.right })), MS, MULT));
    const ctlB = await Bird.start(ctl.b, 'ctlb', birdBfdStatic('10.2.0.20', ctl.sessions.map((s) => ({ local: s.right, peer: s.left })), MS, MULT));
    const frr = await Frr.start(frrPair.a, { bfdd: frrBfdStatic(frrPair.sessions.map((s) => ({ local: s.left, peer: s.right })), MS, MULT) });
    const frrFar = await Bird.start(frrPair.b, 'frrfar', birdBfdStatic('10.3.0.1', frrPair.sessions.map((s) => ({ local: s.right, peer: s.left })), MS, MULT));
    const agentSessions = DESIGNS.flatMap((_, i) => Array.from({ length: k }, (__, j) => ({ local: '10.4.0.1', peer: agentLocal(i, j) })));
    const agFar = await Bird.start(ag.b, 'agfar', birdBfdStatic('10.4.0.1', agentSessions, MS, MULT));
    const agents: BfdAgent[] = [];
    for (const [i, d] of DESIGNS.entries()) {
      const a = await BfdAgent.start(ag.a, d.env);
      for (let j = 0; j < k; j++) a.request(`s${j}`, { local: agentLocal(i, j), peer: '10.4.0.1', desiredMinTxMs: MS, requiredMinRxMs: MS, multiplier: MULT });
      agents.push(a);
    }

    const feed = await Bird.start(src, 'feed', feedConfig(n));
    await waitFor(async () => (await feed.birdc('show route count')).includes(`${n} of ${n} routes`), 600_000, { what: 'BIRD to load its static routes' });
    const bfdPeer = await Bird.start(peer, 'peer', peerConfig(k));
    const names = Array.from({ length: k }, (_, j) => `bfd${j}`);
    const d = await BgpfoDaemon.start(rx, 'rx', {
      logLevel: 'info',
      config: {
        router: { asn: RX_AS, 'router-id': '10.0.0.2' },
        fib: { mode: 'kernel', 'apply-sysctls': true },
        neighbors: [
          { name: 'src', address: '10.0.0.1', 'local-address': '10.0.0.2', 'remote-asn': SRC_AS, families: ['ipv4-unicast'], import: { 'max-prefixes': 2_000_000 } },
          ...names.map((name, j) => ({
            name,
            address: `10.1.0.${11 + j}`,
            'local-address': `10.1.0.${2 + j}`,
            'remote-asn': PEER_AS,
            families: ['ipv4-unicast'],
            'hold-time': 30,
            'connect-retry': 1,
            liveness: { mode: 'bfd', 'interval-ms': MS, multiplier: MULT, quality: false },
          })),
        ],
      },
    });
    await waitFor(async () => {
      const s = await d.status();
      return names.every((nm) => {
        const x = s.sessions.find((y) => y.name === nm);
        return x?.state === 'Established' && x.liveness?.detectionTimeMs === DETECTION;
      });
    }, 120_000, { what: 'BFD and BGP up with every bgpfo peer', intervalMs: 500 });
    const up = async (b: Bird) => ((await b.birdc('show bfd sessions')).match(/\sUp\s/g) ?? []).length;
    const allUp = async () => (await up(ctlA)) === k && (await up(frrFar)) === k && (await up(agFar)) === k * DESIGNS.length;
    if (!(await waitFor(allUp, 60_000, { what: 'every reference session Up', intervalMs: 500 }).catch(() => false))) {
      // Say what is missing and go on with what runs: the window is too dear to throw away.
      console.log(`NOT every reference session came Up: control ${await up(ctlA)}/${k}, FRR's far BIRD ${await up(frrFar)}/${k}, designs' far BIRD ${await up(agFar)}/${k * DESIGNS.length}`);
      for (const [name, b] of [['ctla', ctlA], ['frrfar', frrFar], ['agfar', agFar]] as const) console.log(`${name}:\n${await b.birdc('show bfd sessions')}\n${b.process.log().slice(-1500)}`);
      console.log(`FRR:\n${await frr.vtysh('show bfd peers brief').catch((e: Error) => e.message)}\n${frr.processes.map((p) => p.log().slice(-1500)).join('\n')}`);
    }
    for (const a of agents) for (let j = 0; j < k; j++) await a.waitState(`s${j}`, 'Up', 10_000).catch((e: Error) => console.log(e.message));

    // ---- the window: stress-ng on every core, ingest cycles, captures ------------------------------------------
    const pcapBgpfo = join(lab.dir, 'bgpfo.pcap');
    const pcapAgents = join(lab.dir, 'agents.pcap');
    const caps = [captureBfd(rx, 'to-peer', pcapBgpfo), captureBfd(ag.a, 'to-b', pcapAgents)];
    stop.push(() => caps.forEach((c) => c.kill('SIGINT')));
    const base = {
      ctl: birdDowns(ctlB),
      frr: birdDowns(frrFar),
      bgpfo: birdDowns(bfdPeer),
      ag: agFar.process.log().length,
      bgpfoLocal: (await d.status()).sessions.filter((s) => names.includes(s.name)).reduce((a, s) => a + (s.liveness?.downs ?? 0), 0),
    };
    await new Promise((r) => setTimeout(r, 1000)); // tcpdump up
    const t0 = Date.now();
    const stress = stressAllCores(windowS);
    stop.push(() => stress.kill('SIGKILL'));
    for (const a of agents) a.churn(true);
    console.log(`window: ${windowS} s, ${k} sessions per reference at ${MS} ms x ${MULT}; stress-ng --cpu ${cpus().length} started; load: ${await loadAverage()}`);

    const cycles: { ribS: number; withdrawS: number }[] = [];
    const locRib = async () => (await d.status()).router.locRibPrefixes;
    while (Date.now() - t0 < windowS * 1000 - 20_000) {
      const c0 = Date.now();
      await feed.birdc('enable feedpeer');
      const ok = await waitFor(async () => (await locRib()) >= n || Date.now() - t0 > windowS * 1000, 900_000, { what: 'the ingest', intervalMs: 500 });
      const ribS = (Date.now() - c0) / 1000;
      if (!ok || Date.now() - t0 > windowS * 1000) break;
      const w0 = Date.now();
      await feed.birdc('disable feedpeer');
      await waitFor(async () => (await locRib()) < 1000 || Date.now() - t0 > windowS * 1000, 900_000, { what: 'the withdrawal', intervalMs: 500 });
      cycles.push({ ribS, withdrawS: (Date.now() - w0) / 1000 });
      console.log(`  ingest cycle ${cycles.length}: ${n} in the Loc-RIB after ${ribS.toFixed(1)} s, withdrawn in ${cycles.at(-1)!.withdrawS.toFixed(1)} s; ${await loadAverage()}`);
    }
    while (Date.now() - t0 < windowS * 1000) await new Promise((r) => setTimeout(r, 500));
    const loadEnd = await loadAverage();
    for (const a of agents) a.churn(false);
    stress.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    caps.forEach((c) => c.kill('SIGINT'));
    await new Promise((r) => setTimeout(r, 1500));
    const wallS = (Date.now() - t0) / 1000;

    // ---- results ----------------------------------------------------------------------------------------------
    const st = await d.status();
    const bgpfoLocal = st.sessions.filter((s) => names.includes(s.name)).reduce((a, s) => a + (s.liveness?.downs ?? 0), 0) - base.bgpfoLocal;
    const agLog = agFar.process.log().slice(base.ag);
    const agDowns = (i: number) => {
      let c = 0;
      for (let j = 0; j < k; j++) c += (agLog.match(new RegExp(`Session to ${agentLocal(i, j).replace(/\./g, '\\.')} changed state from Up to Down`, 'g')) ?? []).length;
      return c;
    };
    const agentStatus = await Promise.all(agents.map((a) => a.status()));
    const frrCounters = await frr.vtysh('show bfd peers counters json').catch(() => '[]');
    const frrLocalDowns = (JSON.parse(frrCounters) as { 'session-down'?: number }[]).reduce((a, p) => a + (p['session-down'] ?? 0), 0);
    const bfdMin = (wallS * k) / 60;
    const rows = [
      ['control BIRD <-> BIRD', birdDowns(ctlB) - base.ctl, '-', '-'],
      ['FRR 8.4 bfdd <-> BIRD', birdDowns(frrFar) - base.frr, `FRR counted ${frrLocalDowns}`, '-'],
      [`bgpfo daemon (process, ${st.bfd?.priority}) <-> BIRD`, birdDowns(bfdPeer) - base.bgpfo, `bgpfo liveness downs ${bgpfoLocal}`, lat(st.bfd)],
      ...DESIGNS.map((dz, i) => [`BfdService ${dz.id} (churning main loop) <-> BIRD`, agDowns(i), agentStatus[i]?.priority ?? '', lat(agentStatus[i])]),
    ] as const;
    console.log(`\nafter ${wallS.toFixed(0)} s (${bfdMin.toFixed(1)} min of BFD time per reference, ${k} sessions x ${wallS.toFixed(0)} s); ${cycles.length} ingest cycles of ${n} prefixes; end load: ${loadEnd}`);
    console.log('\n| reference | false Downs (far BIRD) | own view | tx lateness p50 / p99 / max (ms, since start) |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(`\nbgpfo BFD process: restarts ${st.bfd?.restarts}, CPU ${st.bfd?.cost.cpuSeconds.toFixed(1)} s, RSS ${((st.bfd?.cost.rssBytes ?? 0) / 1048576).toFixed(0)} MB (+ standby ${((st.bfd?.cost.standbyRssBytes ?? 0) / 1048576).toFixed(0)} MB)`);
    for (const [label, file] of [['bgpfo daemon link', pcapBgpfo], ['designs link', pcapAgents]] as const) {
      const s = silencesBeforeDowns(file, DETECTION);
      const worst = Object.entries(s.longestGap).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([dir, g]) => `${dir} ${g.toFixed(0)} ms`);
      console.log(`capture of the ${label}: ${s.packets} packets; longest silences ${worst.join(', ')}`);
      for (const x of s.downs) {
        console.log(`  ${new Date(x.at).toISOString()} ${x.session}: ${x.saidDown} said Down; silent in the second before: ${Object.entries(x.silentMs).map(([dir, g]) => `${dir} ${g} ms`).join(', ')} -> ${x.wentSilent ? `${x.wentSilent.split(' -> ')[0]} went silent` : 'neither side silent for a detection time'}`);
      }
    }
  } finally {
    for (const f of stop) f();
    await lab.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
