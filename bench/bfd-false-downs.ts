// Benchmark: BFD at 50 ms x 3 in the bgpfo daemon (1) while it ingests N prefixes on another session from a BIRD 2
// source (as bench/bgp-ingest.ts): false Downs must be zero; (2) time from blackhole to the BFD Down event over many
// trials, next to the configured detection time. Prints a summary and a Markdown table. Not a test.
//
//   sudo npx tsx bench/bfd-false-downs.ts [N] [TRIALS]     (default: 1000000 30)
//   BENCH_SOURCE=feeder: the source is bench/feeder.ts (pre-encoded UPDATEs at TCP speed) instead of BIRD;
//   BENCH_FIB=none: no kernel FIB (default: kernel, and the ingest counts until the kernel holds every route).

import { join } from 'node:path';
import { Bird, BgpfoDaemon, Lab, REPO, blackhole, restore, waitFor, type Netns } from '../test/integration/harness';
import { birdBfdSessions } from '../test/integration/bfd-harness/peers';

const MS = 50;
const MULT = 3;
const DETECTION = MS * MULT;
const RX_AS = 65200;
const SRC_AS = 65100;
const PEER_AS = 65300;

/** The i-th /24 of 16.0.0.0/4: distinct, routable-looking, enough for 1M. */
function nthPrefix(i: number): string {
  return `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
}

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

/** The BFD peer: BIRD's BFD at 50 ms x 3 under a BGP session with `bfd on`. */
const PEER_CONF = `router id 10.1.0.1;
protocol device {}
protocol static statics { ipv4; route 10.99.0.0/16 blackhole; }
protocol bfd { interface "to-rx" { interval ${MS} ms; multiplier ${MULT}; }; }
protocol bgp torx {
  local 10.1.0.1 as ${PEER_AS};
  neighbor 10.1.0.2 as ${RX_AS};
  hold time 30; error wait time 1,5; connect retry time 1; bfd on;
  ipv4 { import all; export where source = RTS_STATIC; };
}
`;

interface VerdictLine {
  tunnel: string;
  to: string;
  detail?: string;
  livenessAt?: number;
  time: number;
}

/** tunnel-verdict lines of the daemon's log (JSON lines). */
function verdicts(log: string): VerdictLine[] {
  const out: VerdictLine[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"tunnel-verdict"')) continue;
    try {
      out.push(JSON.parse(line) as VerdictLine);
    } catch {
      /* a partial line */
    }
  }
  return out;
}

function stats(xs: number[]): { min: number; median: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { min: s[0]!, median: q(0.5), p95: q(0.95), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const now = () => performance.timeOrigin + performance.now();

/** Routes bgpfo put in the kernel (protocol 201) in the namespace; `ip route show` streams, so count lines. */
async function kernelRoutes(ns: Netns): Promise<number> {
  const out = await ns.exec(['sh', '-c', 'ip -4 route show proto 201 | wc -l'], { timeoutMs: 60_000 });
  return Number(out.trim());
}
const fmt = (x: number) => x.toFixed(0);

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const trials = Number(process.argv[3] ?? 30);
  const fibMode = process.env.BENCH_FIB ?? 'kernel';
  const source = process.env.BENCH_SOURCE ?? 'bird';
  const lab = Lab.create('bfdfd');
  try {
    const src = await lab.addNamespace('src');
    const rx = await lab.addNamespace('rx');
    const peer = await lab.addNamespace('peer');
    await lab.link({ ns: src, ifname: 'to-rx', v4: '10.0.0.1/30' }, { ns: rx, ifname: 'to-src', v4: '10.0.0.2/30' });
    await lab.link({ ns: peer, ifname: 'to-rx', v4: '10.1.0.1/30' }, { ns: rx, ifname: 'to-peer', v4: '10.1.0.2/30' });
    // The control: BIRD <-> BIRD at the same timers on the same machine, with no part in the ingest. What it sees
    // is the machine (a shared 2-core VM), not bgpfo.
    const ctlA = await lab.addNamespace('ctla');
    const ctlB = await lab.addNamespace('ctlb');
    await lab.link({ ns: ctlA, ifname: 'to-b', v4: '10.2.0.1/30' }, { ns: ctlB, ifname: 'to-a', v4: '10.2.0.2/30' });
    const ctlConf = (id: string, other: string) =>
      `router id ${id};\nlog stderr all;\nprotocol device {}\nprotocol bfd { debug { events }; interface "*" { interval ${MS} ms; multiplier ${MULT}; }; neighbor ${other}; }\n`;
    const ctlBirdA = await Bird.start(ctlA, 'ctla', ctlConf('10.2.0.1', '10.2.0.2'));
    await Bird.start(ctlB, 'ctlb', ctlConf('10.2.0.2', '10.2.0.1'));
    await waitFor(async () => (await birdBfdSessions(ctlBirdA))['10.2.0.2']?.state === 'Up', 30_000, { what: 'the control BFD session Up' });
    /** The control session's state changes as the log of BIRD A shows them. */
    const ctlChanges = () => (ctlBirdA.process.log().match(/10\.2\.0\.2 changed state from Up to Down/g) ?? []).length;

    const feed = source === 'bird' ? await Bird.start(src, 'feed', feedConfig(n)) : undefined;
    if (feed) await waitFor(async () => (await feed.birdc('show route count')).includes(`${n} of ${n} routes`), 600_000, { what: 'BIRD to load its static routes' });
    const bfdPeer = await Bird.start(peer, 'peer', PEER_CONF);
    const d = await BgpfoDaemon.start(rx, 'rx', {
      logLevel: 'info',
      config: {
        router: { asn: RX_AS, 'router-id': '10.0.0.2' },
        fib: fibMode === 'none' ? { mode: 'none' } : { mode: 'kernel', 'apply-sysctls': true },
        neighbors: [
          { name: 'src', address: '10.0.0.1', 'local-address': '10.0.0.2', 'remote-asn': SRC_AS, families: ['ipv4-unicast'], import: { 'max-prefixes': 2_000_000 } },
          {
            name: 'bfdpeer',
            address: '10.1.0.1',
            'local-address': '10.1.0.2',
            'remote-asn': PEER_AS,
            families: ['ipv4-unicast'],
            'hold-time': 30,
            'connect-retry': 1,
            // No dampening: each trial's Down would otherwise hold the next Up longer and longer.
            liveness: { mode: 'bfd', 'interval-ms': MS, multiplier: MULT, quality: false, dampening: false },
          },
        ],
      },
    });
    const peerStatus = async () => (await d.status()).sessions.find((s) => s.name === 'bfdpeer')!;
    await waitFor(async () => {
      const s = await peerStatus();
      return s.state === 'Established' && s.liveness?.detectionTimeMs === DETECTION;
    }, 60_000, { what: 'BFD and BGP up with the peer' });
    /** BIRD's view of the session: state and since when (the Timeout column moves with Poll/Final, not with flaps). */
    const birdSince = async () => {
      const c = ((await bfdPeer.birdc('show bfd sessions')).split('\n').find((l) => l.includes('10.1.0.2')) ?? '').trim().split(/\s+/);
      return `${c[2] ?? '?'} since ${c[3] ?? '?'}`;
    };

    // ---- (1) ingest N prefixes on the other session while BFD runs ------------------------------------------
    const downsBefore = (await peerStatus()).liveness!.downs!;
    const linesBefore = verdicts(d.process.log()).length;
    const birdBefore = await birdSince();
    const ctlBefore = ctlChanges();
    const ctlSinceBefore = (await birdBfdSessions(ctlBirdA))['10.2.0.2'];
    if (feed) await feed.birdc('enable feedpeer');
    else {
      src.spawn('feeder', [
        process.execPath, '--import', 'tsx', join(REPO, 'bench', 'feeder.ts'),
        '--peer', '10.0.0.2', '--local', '10.0.0.1', '--asn', String(SRC_AS), '--count', String(n),
      ]);
    }
    const t0 = performance.now();
    let first = 0;
    await waitFor(async () => {
      const c = (await d.status()).router.locRibPrefixes;
      if (c > 1 && first === 0) first = performance.now();
      return c >= n + 1;
    }, 900_000, { what: `${n} prefixes in the Loc-RIB`, intervalMs: 250 });
    const ingestS = (performance.now() - (first || t0)) / 1000;
    let fibS: number | undefined;
    if (fibMode === 'kernel') {
      await waitFor(async () => (await kernelRoutes(rx)) >= n, 900_000, { what: `${n} routes in the kernel`, intervalMs: 2000 });
      fibS = (performance.now() - (first || t0)) / 1000;
    }
    await new Promise((r) => setTimeout(r, 3000)); // and whatever work follows
    const after = await peerStatus();
    const falseDowns = after.liveness!.downs! - downsBefore;
    const birdAfter = await birdSince();
    const birdRows = await birdBfdSessions(bfdPeer);
    const birdStable = birdBefore === birdAfter && birdRows['10.1.0.2']?.state === 'Up';
    const ctlAfter = (await birdBfdSessions(ctlBirdA))['10.2.0.2'];
    const ctlDowns = ctlChanges() - ctlBefore;
    console.log(
      `(1) ${n} prefixes from ${source === 'bird' ? 'a BIRD 2 source' : 'bench/feeder.ts'} in the Loc-RIB after ${ingestS.toFixed(1)} s` +
        `${fibS !== undefined ? `, in the kernel FIB after ${fibS.toFixed(1)} s` : ' (no kernel FIB)'}, with BFD at ${MS} ms x ${MULT} to another peer:`,
    );
    console.log(`    bgpfo liveness Downs: ${falseDowns}; BGP session to the BFD peer ${after.state}, flaps ${after.flaps}; BIRD's BFD session ${birdStable ? `Up throughout (${birdAfter})` : `CHANGED (${birdBefore} -> ${birdAfter})`}`);

    console.log(
      `    control BIRD <-> BIRD BFD at the same timers, same machine: ${ctlDowns} state changes logged` +
        ` (${ctlSinceBefore?.state}/${ctlAfter?.state}; ${ctlDowns === 0 ? 'steady' : 'the machine stalled both'})`,
    );
    for (const v of verdicts(d.process.log()).slice(linesBefore)) {
      if (v.to === 'down') console.log(`    Down at ${new Date(v.time).toISOString()}: ${v.detail}`);
    }

    // ---- (2) blackhole -> BFD Down, many trials -------------------------------------------------------------
    const detect: number[] = [];
    const react: number[] = [];
    for (let i = 0; i < trials; i++) {
      const seen = verdicts(d.process.log()).length;
      const before = now();
      await blackhole(rx, 'to-peer');
      const down = await waitFor(() => verdicts(d.process.log()).slice(seen).find((v) => v.tunnel === 'bfdpeer' && v.to === 'down'), 10_000, {
        what: `trial ${i + 1}: the Down`,
        intervalMs: 20,
      });
      detect.push(down.livenessAt! - before);
      react.push(down.time - before);
      await restore(rx, 'to-peer');
      await waitFor(async () => (await peerStatus()).liveness?.verdict === 'up', 30_000, { what: `trial ${i + 1}: BFD Up again` });
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 200)); // de-correlate from the transmit timers
    }
    const a = stats(detect);
    const b = stats(react);
    console.log(`(2) blackhole -> BFD Down over ${trials} trials (configured detection time ${DETECTION} ms):`);
    console.log(`    Down seen by the BFD worker: min ${fmt(a.min)} / median ${fmt(a.median)} / p95 ${fmt(a.p95)} / max ${fmt(a.max)} ms`);
    console.log(`    acted on by the daemon loop: min ${fmt(b.min)} / median ${fmt(b.median)} / p95 ${fmt(b.p95)} / max ${fmt(b.max)} ms`);
    console.log('\n| measure | min | median | p95 | max |');
    console.log('|---|---|---|---|---|');
    console.log(`| blackhole -> Down in the BFD worker (ms) | ${fmt(a.min)} | ${fmt(a.median)} | ${fmt(a.p95)} | ${fmt(a.max)} |`);
    console.log(`| blackhole -> verdict acted on (ms) | ${fmt(b.min)} | ${fmt(b.median)} | ${fmt(b.p95)} | ${fmt(b.max)} |`);
    console.log(`\nfalse Downs during the ${n}-prefix ingest: ${falseDowns}${birdStable ? '' : ' (BIRD saw a change)'}; control BIRD <-> BIRD session: ${ctlDowns} changes`);
  } finally {
    await lab.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
