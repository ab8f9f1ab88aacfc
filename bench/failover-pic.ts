// Benchmark: prefix-independent failover in the kernel FIB, bgpfo vs FRR 8.4 (zebra + bgpd + bfdd) as the learner,
// measured in one run (lab-facts.md's method). Prints a table; asserts nothing. Needs root, FRR, BIRD, nftables.
//
//   sudo npx tsx bench/failover-pic.ts [--prefixes 1,100000] [--timers 100x3,50x3] [--runs 3] [--learners bgpfo,frr]
//                                      [--detect bfd|hold]
//
// BIRD 2 announces N /24s over two veth links, the second AS-path-prepended, with BFD on both. The learner installs
// them via link 1. Link 1 is then blackholed with nftables in the learner's namespace (the link stays up), and
// `ip -ts monitor nexthop route` in that namespace timestamps every kernel change: a prefix has moved once what its
// route resolves to (through nexthop objects and groups) no longer includes link 1. Times are from just before
// `nft` runs to the first and to the last of the N prefixes moved.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoDaemon, Bird, blackhole, Frr, Lab, restore, waitFor, type Netns } from '../test/integration/harness';
import { countKernelRoutes, KernelView, loadKernelState, parseTs } from './failover-kernel-view';

export const SRC_AS = 64512;
export const LRN_AS = 65001;
export const L1 = { src: '10.0.1.1', lrn: '10.0.1.2', srcIf: 'src-a', lrnIf: 'lrn-a' };
export const L2 = { src: '10.0.2.1', lrn: '10.0.2.2', srcIf: 'src-b', lrnIf: 'lrn-b' };

export type Learner = 'bgpfo' | 'frr';

interface Args {
  prefixes: number[];
  timers: { ms: number; mult: number }[];
  runs: number;
  learners: Learner[];
  detect: 'bfd' | 'hold';
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, def: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
  };
  return {
    prefixes: get('prefixes', '1,100000').split(',').map(Number),
    timers: get('timers', '100x3,50x3')
      .split(',')
      .map((t) => {
        const [ms, mult] = t.split('x').map(Number);
        return { ms, mult };
      }),
    runs: Number(get('runs', '3')),
    learners: get('learners', 'bgpfo,frr').split(',') as Learner[],
    detect: get('detect', 'bfd') as 'bfd' | 'hold',
  };
}

export function prefixOf(i: number): string {
  return `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
}

export function birdConfig(n: number, ms: number, mult: number): string {
  const routes: string[] = [];
  for (let i = 0; i < n; i++) routes.push(`  route ${prefixOf(i)} blackhole;`);
  const bgp = (name: string, l: typeof L1, prepend: boolean) => `protocol bgp ${name} {
  local ${l.src} as ${SRC_AS};
  neighbor ${l.lrn} as ${LRN_AS};
  hold time 3;
  error wait time 1,5;
  bfd on;
  ipv4 { import none; export ${prepend ? `filter { bgp_path.prepend(${SRC_AS}); bgp_path.prepend(${SRC_AS}); accept; }` : 'all'}; };
}`;
  return `router id 10.255.0.1;
protocol device {}
protocol bfd { interface "src-*" { interval ${ms} ms; multiplier ${mult}; }; }
protocol static s4 {
  ipv4;
${routes.join('\n')}
}
${bgp('a', L1, false)}
${bgp('b', L2, true)}
`;
}

export function frrConfigs(ms: number, mult: number, detect: 'bfd' | 'hold'): { bgpd: string; bfdd: string } {
  const nb = (a: string) =>
    ` neighbor ${a} remote-as ${SRC_AS}\n neighbor ${a} timers 1 3\n neighbor ${a} timers connect 1\n${detect === 'bfd' ? ` neighbor ${a} bfd profile pic\n` : ''}`;
  return {
    bgpd: `frr defaults traditional
hostname lrn
log stdout informational
log timestamp precision 6
router bgp ${LRN_AS}
 bgp router-id 10.255.0.2
 bgp log-neighbor-changes
 no bgp ebgp-requires-policy
${nb(L1.src)}${nb(L2.src)} address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
!
`,
    bfdd: `log stdout debugging
log timestamp precision 6
debug bfd peer
bfd
 profile pic
  receive-interval ${ms}
  transmit-interval ${ms}
  detect-multiplier ${mult}
 !
!
`,
  };
}

export function bgpfoConfig(ms: number, mult: number, detect: 'bfd' | 'hold'): Record<string, unknown> {
  const liveness = detect === 'bfd' ? { liveness: { mode: 'bfd', 'interval-ms': ms, multiplier: mult, quality: false, dampening: false } } : {};
  const nb = (name: string, l: typeof L1, role: string) => ({
    name,
    address: l.src,
    'local-address': l.lrn,
    'remote-asn': SRC_AS,
    families: ['ipv4-unicast'],
    'hold-time': 3,
    'connect-retry': 1,
    role,
    ...liveness,
  });
  return {
    router: { asn: LRN_AS, 'router-id': '10.255.0.2' },
    log: { level: 'info' },
    fib: { mode: 'kernel' },
    rib: { 'keep-pre-policy': false },
    neighbors: [nb('tun-a', L1, 'primary'), nb('tun-b', L2, 'backup')],
  };
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

/**
 * How long learning N two-path prefixes into the kernel may take: 1M took 20-60 s here (FRR up to 70 s on a loaded
 * machine), so a minute plus 0.4 ms a prefix (7.7 min at 1M) only stops a run that is stuck.
 */
export function installWaitMs(n: number): number {
  return 60_000 + n * 0.4;
}

interface Sample {
  /** Wall-clock ms just before nft ran. */
  t0: number;
  firstMs: number;
  lastMs: number;
  moved: number;
  /** When the learner itself declared link 1 dead (BFD Down, or the BGP session down with --detect hold). */
  detectedMs?: number;
}

/** The learner's own detection time, from its log: bgpfo's liveness verdict (or session loss), FRR bfdd's state change. */
export function detectedAt(learner: Learner, logFile: string, t0: number, detect: 'bfd' | 'hold'): number | undefined {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const times: number[] = [];
  for (const line of text.split('\n')) {
    if (learner === 'bgpfo') {
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line) as { time: number; msg?: string; event?: string; tunnel?: string; neighbor?: string; to?: string; livenessAt?: number };
      if (detect === 'bfd' && j.event === 'tunnel-verdict' && j.tunnel === 'tun-a' && j.to === 'down') times.push(j.livenessAt ?? j.time);
      if (detect === 'hold' && j.msg === 'session down' && j.neighbor === 'tun-a') times.push(j.time);
    } else {
      const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d)\.(\d{6}) .*(?:state-change: \[.*peer:10\.0\.1\.1 .*up -> down|ADJCHANGE: neighbor 10\.0\.1\.1\b.* Down)/.exec(line);
      if (m && (detect === 'hold' || line.includes('state-change'))) times.push(new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}`).getTime() + Number(m[5]) / 1000);
    }
  }
  const after = times.filter((t) => t >= t0 - 5).sort((a, b) => a - b);
  return after.length > 0 ? after[0] - t0 : undefined;
}

/** How many of the learner's routes (any next hop) are to our prefixes: counted from a stream (1M routes are 45 MB of text). */
export function countRoutes(ns: Netns, proto: string): Promise<number> {
  return countKernelRoutes(ns.name, proto);
}

export function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return Math.round(kb / 1024);
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return String(pid);
  }
}

/**
 * Proportional set size (smaps_rollup Pss): each shared page divided among the processes mapping it. The fair sum
 * for a design of several processes running one binary (bgpfo's daemon, BFD child and its warm standby share the
 * node binary; FRR's daemons share libfrr), where summing RSS counts the shared pages once per process.
 */
export function pssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return Math.round(kb / 1024);
}

/** One failover; null when the learner was not settled with every prefix via link 1 (a flap during setup). */
async function measure(lrn: Netns, n: number, proto: string): Promise<Sample | null> {
  const wanted = new Set(Array.from({ length: n }, (_, i) => prefixOf(i)));
  const view = new KernelView(wanted, L1.lrnIf);
  const mon: ChildProcess = spawn('ip', ['-n', lrn.name, '-ts', '-o', 'monitor', 'nexthop', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  const lines: { at: number; rest: string }[] = [];
  mon.stdout!.setEncoding('utf8');
  mon.stdout!.on('data', (c: string) => {
    buf += c;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) {
      const x = parseTs(p);
      if (x) lines.push(x);
    }
  });
  try {
    await new Promise((r) => setTimeout(r, 300));
    // The state before: every object and every route of ours (the monitor only reports changes).
    await loadKernelState(view, lrn.name, proto);
    const ready = [...wanted].filter((p) => view.devsOf(p).join() === L1.lrnIf).length;
    if (ready < n) {
      console.log(`  not settled: ${ready}/${n} prefixes via link 1 only; retrying`);
      return null;
    }
    view.movedAt.clear();
    lines.length = 0;
    const t0 = wallNow();
    await blackhole(lrn, L1.lrnIf);
    let seen = 0;
    await waitFor(
      () => {
        for (; seen < lines.length; seen++) view.apply(lines[seen].rest, lines[seen].at);
        return view.movedAt.size >= n;
      },
      30_000 + n * 0.1,
      { what: `all ${n} prefixes to move`, intervalMs: 50 },
    ).catch((e: Error) => console.error(`  ${e.message}: ${view.movedAt.size} moved`));
    const times = [...view.movedAt.values()];
    // reduce, not Math.min(...times): a million arguments overflow the stack.
    return { t0, firstMs: times.reduce((a, b) => Math.min(a, b), Infinity) - t0, lastMs: times.reduce((a, b) => Math.max(a, b), -Infinity) - t0, moved: times.length };
  } finally {
    mon.kill();
  }
}

export async function pidsOf(ns: Netns, comms: string[]): Promise<number[]> {
  const out = await ns.exec(['ip', 'netns', 'pids', ns.name]).catch(() => '');
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => {
      try {
        return comms.includes(readFileSync(`/proc/${p}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
}

interface Row {
  learner: Learner;
  timers: string;
  n: number;
  samples: Sample[];
  rssMb: number;
  pssMb: number;
}

async function runCase(learner: Learner, n: number, ms: number, mult: number, runs: number, detect: 'bfd' | 'hold'): Promise<Row> {
  const lab = Lab.create(learner === 'bgpfo' ? 'picb' : 'picf');
  try {
    const src = await lab.addNamespace('src');
    const lrn = await lab.addNamespace('lrn');
    for (const l of [L1, L2]) await lab.link({ ns: src, ifname: l.srcIf, v4: `${l.src}/30` }, { ns: lrn, ifname: l.lrnIf, v4: `${l.lrn}/30` });
    await Bird.start(src, 'bird', birdConfig(n, ms, mult));
    let proto: string;
    let comms: string[];
    /** Both sessions up with all N prefixes received: the backup paths to move to are there. */
    let bothPaths: () => Promise<boolean>;
    if (learner === 'frr') {
      const frr = await Frr.start(lrn, frrConfigs(ms, mult, detect));
      proto = 'bgp';
      comms = ['bgpd', 'zebra', 'bfdd'];
      bothPaths = async () => {
        const p = await frr.peers('ipv4');
        return [L1.src, L2.src].every((a) => p[a]?.state === 'Established' && p[a]?.pfxRcd === n);
      };
    } else {
      const d = await BgpfoDaemon.start(lrn, 'bgpfo', { config: bgpfoConfig(ms, mult, detect), logLevel: 'info' });
      proto = '201';
      comms = ['node'];
      bothPaths = async () => (await d.status()).sessions.every((x) => x.state === 'Established' && x.prefixes.accepted === n);
    }
    const samples: Sample[] = [];
    let rss = 0;
    let pss = 0;
    let retries = 0;
    for (let run = 0; run < runs; run++) {
      await waitFor(bothPaths, installWaitMs(n), { what: `both sessions with ${n} prefixes`, intervalMs: 500 });
      // The last prefix first (a cheap poll), then the count (a few CPU seconds at 1M, taken from the learner).
      const last = prefixOf(n - 1);
      await waitFor(async () => (await lrn.exec(['ip', 'route', 'show', last, 'proto', proto]).catch(() => '')).trim().length > 0, installWaitMs(n), { what: `${last} installed`, intervalMs: 200 });
      await waitFor(async () => (await countRoutes(lrn, proto)) >= n, installWaitMs(n), { what: `${n} prefixes installed`, intervalMs: n > 100_000 ? 2000 : 500 });
      // BFD at its fast rate on both links (it starts slow and speeds up after Up), nothing else in flight.
      await new Promise((r) => setTimeout(r, 2000));
      if (run === 0) {
        // Once memory has settled, as bgp-ingest.ts reads it: bgpfo gives a burst's memory back about 2 s after it,
        // the C daemons as they go. Three samples a second apart within 1 MB, 15 s at most.
        const pids = await pidsOf(lrn, comms);
        const samples: number[] = [];
        for (let i = 0; i < 15; i++) {
          samples.push(rssMb(pids));
          const last = samples.slice(-3);
          if (last.length === 3 && Math.max(...last) - Math.min(...last) <= 1) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        rss = samples[samples.length - 1];
        pss = pssMb(pids);
        console.log(`  ${learner} memory by process (RSS / PSS MB): ${pids.map((p) => `${readComm(p)} ${rssMb([p])} / ${pssMb([p])}`).join(', ')}`);
      }
      const s = await measure(lrn, n, proto);
      if (!s) {
        if (++retries > 5) throw new Error(`${learner} never settled with every prefix via link 1`);
        run--;
        await new Promise((r) => setTimeout(r, 3000));
        continue;
      }
      await new Promise((r) => setTimeout(r, 200)); // the log line may still be on its way
      const d = detectedAt(learner, learner === 'bgpfo' ? join(lab.dir, 'bgpfo.log') : join(lab.dir, `${lrn.name}-bfdd.log`), s.t0, detect);
      if (d !== undefined) s.detectedMs = d;
      samples.push(s);
      console.log(
        `  ${learner} ${ms}x${mult} n=${n} run ${run + 1}: detected ${d?.toFixed(1) ?? '?'} ms, first ${s.firstMs.toFixed(1)} ms, last ${s.lastMs.toFixed(1)} ms (${s.moved} moved)`,
      );
      await restore(lrn, L1.lrnIf);
    }
    return { learner, timers: `${ms} ms x ${mult}`, n, samples, rssMb: rss, pssMb: pss };
  } finally {
    await lab.cleanup();
  }
}

function range(xs: number[]): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return Math.round(lo) === Math.round(hi) ? `${Math.round(lo)}` : `${Math.round(lo)}-${Math.round(hi)}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  for (const t of args.timers) {
    for (const n of args.prefixes) {
      for (const learner of args.learners) rows.push(await runCase(learner, n, t.ms, t.mult, args.runs, args.detect));
    }
  }
  console.log(`\ndetection: ${args.detect}; ${args.runs} runs each; ms after the blackhole (min-max over the runs)\n`);
  console.log('| learner | timers | prefixes | detected | first prefix moved | last prefix moved | last moved after detection | RSS / PSS (MB) | FRR / bgpfo (last moved) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const r of rows) {
    const last = r.samples.map((s) => s.lastMs);
    const det = r.samples.filter((s) => s.detectedMs !== undefined);
    const after = det.map((s) => s.lastMs - s.detectedMs!);
    const frr = rows.find((x) => x.learner === 'frr' && x.timers === r.timers && x.n === r.n);
    const ratio = r.learner === 'bgpfo' && frr ? `${(mean(frr.samples.map((s) => s.lastMs)) / mean(last)).toFixed(2)}x` : '';
    console.log(
      `| ${r.learner} | ${r.timers} | ${r.n.toLocaleString('en')} | ${det.length ? range(det.map((s) => s.detectedMs!)) : '?'} | ${range(r.samples.map((s) => s.firstMs))} | ${range(last)} | ${after.length ? range(after) : '?'} | ${r.rssMb} / ${r.pssMb} | ${ratio} |`,
    );
  }
}

// bench/failover-repair.ts imports the lab from here.
if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
