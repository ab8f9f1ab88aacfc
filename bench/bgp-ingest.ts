// Benchmark: learn N IPv4 (or IPv6) prefixes over one eBGP session, bgpfo vs FRR 8.4 (bgpd + zebra, into the kernel) and
// BIRD 2 (RIB only) in one run, from the same neutral source (bench/feeder.ts writes pre-encoded UPDATEs at TCP
// speed). Prints seconds from the first UPDATE written to all N in the receiver's RIB and kernel, the CPU seconds the
// receiver used until its RIB held them, and the receiver's RSS once settled, and its peak. Not a test.
//
//   sudo npx tsx bench/bgp-ingest.ts [N ...]        (default: 100000 1000000)
//   BENCH_RECEIVERS=frr,bird,bgpfo (default)         which receivers, in that order; bgpfo-rib: bgpfo with
//                                                    fib.mode none, the same job as BIRD's RIB-only reference
//   BENCH_FLOOR=0                                    skip the kernel floor (ip -batch alone, bench/kernel-floor.ts)
//   BENCH_FAMILY=ipv6                                IPv6 /48s over an IPv6 session (MP_REACH_NLRI), into the
//                                                    IPv6 RIBs and kernel table; the floor adds IPv6 routes too
//   BENCH_ORDER=shuffled                             the feeder sends the prefixes in no order (default: prefix
//                                                    order, as FRR sends a table; bench/feeder.ts feedPrefixes)
//   BENCH_ROUNDS=5                                   every receiver K times, in turn (a round is each once); prints
//                                                    each round's ratios to BIRD's time in that round and their
//                                                    median: one run's ratio moves by 20 % on a shared machine
// Each receiver starts once the machine is quiet after the last one (quietMachine: a deleted namespace's million
// routes are freed by the kernel after the fact).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoDaemon, Bird, Frr, Lab, REPO } from '../test/integration/harness';
import { feedOrder, nthPrefix6 } from './feeder';
import { measureKernelFloor } from './kernel-floor';
import type { Netns } from '../test/integration/harness';

const SRC_AS = 65100;
const RX_AS = 65200;
const IPV6 = process.env.BENCH_FAMILY === 'ipv6';
const ORDER = feedOrder(process.env.BENCH_ORDER);
/** The session's addresses: the source (its next hop too) and the receiver. */
const SRC = IPV6 ? 'fd00::1' : '10.0.0.1';
const RX = IPV6 ? 'fd00::2' : '10.0.0.2';

/** VmRSS split as the kernel reports it: anonymous (heap, buffers), file-backed (the binary), and the peak. */
function memoryOf(pid: number): string {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0) / 1024;
    return `anon ${kb('RssAnon').toFixed(0)} MB, file ${kb('RssFile').toFixed(0)} MB, peak ${kb('VmHWM').toFixed(0)} MB`;
  } catch {
    return '?';
  }
}

/** User + system CPU seconds a process has used (/proc/PID/stat fields 14 and 15, in clock ticks of 100 Hz). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function pidsIn(ns: Netns, names: string[]): Promise<number[]> {
  const out = await ns.exec(['ip', 'netns', 'pids', ns.name]).catch(() => '');
  const pids: number[] = [];
  for (const p of out.split(/\s+/).filter(Boolean)) {
    try {
      const comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      if (names.includes(comm)) pids.push(Number(p));
    } catch {
      /* exited */
    }
  }
  return pids;
}

/**
 * BENCH_HEAPSNAPSHOT=DIR (with BGPFO_NODE_ARGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR"): writes the
 * receiving daemon's heap snapshot once its routes are in the kernel, for the memory breakdown in docs/benchmarks.md.
 */
async function heapSnapshot(ns: Netns): Promise<void> {
  const dir = process.env.BENCH_HEAPSNAPSHOT!;
  const before = new Set(readdirSync(dir));
  for (const pid of await pidsIn(ns, ['node'])) process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (fresh.length > 0) {
      // The file is created empty and written in one go after a full collection: wait until it stops growing.
      const size = statSync(join(dir, fresh[0])).size;
      await new Promise((r) => setTimeout(r, 5000));
      if (size > 0 && statSync(join(dir, fresh[0])).size === size) return console.log(`heap snapshot: ${join(dir, fresh[0])}`);
    }
  }
}

interface Result {
  receiver: string;
  n: number;
  seconds: number;
  /** Seconds from the first UPDATE written to all N routes in the kernel's table (NaN: RIB only). */
  kernelSeconds: number;
  /** RSS once the receiver is done and its memory settled (steady for 3 s, at most 15 s after the work ended). */
  rssMb: number;
  /** Largest RSS during the run (VmHWM). */
  peakMb: number;
  /** CPU seconds the receiver's processes used from before the session to the RIB holding all N (less noisy than the wall clock). */
  ribCpu: number;
}

function peakMbOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      /* exited */
    }
  }
  return sum;
}

/**
 * RSS once memory stops moving: bgpfo gives the memory of a burst back about 2 s after it (MemoryReclaimer), the
 * C daemons free as they go. Sampled each second until three samples agree within 1 MB (15 s at most).
 */
async function settledRss(rss: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    samples.push(await rss());
    const last = samples.slice(-3);
    if (last.length === 3 && Math.max(...last) - Math.min(...last) <= 1) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return samples[samples.length - 1];
}

/** Polls count() every 50 ms until it reaches n; the clock starts when the feeder wrote its first UPDATE. */
async function timeIngest(n: number, count: () => Promise<number>, firstWritten: () => number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await count().catch(() => 0);
    const now = Date.now();
    const first = firstWritten();
    if (process.env.BENCH_TRACE && first) console.log(`  ${((now - first) / 1000).toFixed(2)} s: ${c}`);
    if (c >= n && first) return (now - first) / 1000;
    if (now > deadline) throw new Error(`timed out with ${c}/${n} prefixes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Receiver = 'frr' | 'bgpfo' | 'bird' | 'bgpfo-rib';

async function runOne(n: number, receiver: Receiver): Promise<Result> {
  const lab = Lab.create(receiver === 'frr' ? 'bif' : receiver === 'bird' ? 'bid' : receiver === 'bgpfo-rib' ? 'bir' : 'bib');
  try {
    const src = await lab.addNamespace('src');
    const rx = await lab.addNamespace('rx');
    await lab.link({ ns: src, ifname: 'to-rx', v4: '10.0.0.1/30', v6: 'fd00::1/64' }, { ns: rx, ifname: 'to-src', v4: '10.0.0.2/30', v6: 'fd00::2/64' });
    let count: () => Promise<number>;
    let rss: () => Promise<number>;
    let pids: () => Promise<number[]>;
    let d: BgpfoDaemon | undefined;
    if (receiver === 'bird') {
      // BIRD 2 as a RIB: it learns the table and exports nothing (no kernel protocol), the figure issue 15 compares
      // our Loc-RIB with.
      const bird = await Bird.start(
        rx,
        'bird-rx',
        `router id 10.0.0.2;
protocol device {}
protocol bgp feeder {
  local ${RX} as ${RX_AS};
  neighbor ${SRC} as ${SRC_AS};
  ${IPV6 ? 'ipv6' : 'ipv4'} { import all; export none; };
}
`,
      );
      count = async () => {
        const out = await bird.birdc(`show route count table ${IPV6 ? 'master6' : 'master4'}`);
        return Number(/(\d+) of \d+ routes/.exec(out)?.[1] ?? 0);
      };
      pids = () => pidsIn(rx, ['bird']);
      rss = async () => (await pids()).map(rssMb).reduce((a, b) => a + b, 0);
    } else if (receiver === 'frr') {
      // bgpd with zebra, as users run it: FRR's figure includes handing the routes to zebra.
      const frr = await Frr.start(rx, {
        bgpd: `hostname rx
router bgp ${RX_AS}
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 neighbor ${SRC} remote-as ${SRC_AS}
${IPV6 ? ' no bgp default ipv4-unicast\n' : ''} address-family ${IPV6 ? 'ipv6' : 'ipv4'} unicast
  neighbor ${SRC} activate
 exit-address-family
`,
      });
      count = async () => (await frr.peers(IPV6 ? 'ipv6' : 'ipv4'))[SRC]?.pfxRcd ?? 0;
      pids = () => pidsIn(rx, ['bgpd', 'zebra']);
      rss = async () => (await pids()).map(rssMb).reduce((a, b) => a + b, 0);
    } else {
      d = await BgpfoDaemon.start(rx, 'rx', {
        logLevel: 'warn',
        config: {
          router: { asn: RX_AS, 'router-id': '10.0.0.2' },
          // bgpfo-rib: no forwarding plane at all, as BIRD is run here (no kernel protocol).
          ...(receiver === 'bgpfo-rib' ? { fib: { mode: 'none' } } : {}),
          neighbors: [
            {
              name: 'src',
              address: SRC,
              'local-address': RX,
              'remote-asn': SRC_AS,
              families: [IPV6 ? 'ipv6-unicast' : 'ipv4-unicast'],
              import: { allow: [IPV6 ? '::/0 le 128' : '0.0.0.0/0 le 32'], 'max-prefixes': 2_000_000 },
            },
          ],
        },
      });
      const daemon = d;
      count = async () => {
        return (await daemon.status()).router.locRibPrefixes;
      };
      pids = async () => [daemon.process.pid ?? 0];
      rss = async () => rssMb(daemon.process.pid ?? 0);
    }
    // CPU used from here (the daemon started, the session not yet up) to the RIB holding all N.
    const cpuNow = async () => (await pids()).map(cpuSeconds).reduce((a, b) => a + b, 0);
    const cpuBefore = await cpuNow();
    const feeder = src.spawn('feeder', [
      process.execPath, '--import', 'tsx', join(REPO, 'bench', 'feeder.ts'),
      '--peer', RX, '--local', SRC, '--router-id', '10.0.0.1', '--asn', String(SRC_AS), '--count', String(n),
      '--family', IPV6 ? 'ipv6' : 'ipv4', '--order', ORDER,
    ]);
    const firstWritten = () => Number(/first-update (\d+)/.exec(feeder.log())?.[1] ?? 0);
    const seconds = await timeIngest(n, count, firstWritten, 600_000);
    const ribCpu = (await cpuNow()) - cpuBefore;
    // FRR and bgpfo install what they learned into the kernel (FRR through zebra, proto bgp; bgpfo, proto 201);
    // BIRD here is the RIB-only reference. RSS is read once that is done and memory has settled.
    let kernelSeconds = NaN;
    if (receiver === 'frr' || receiver === 'bgpfo') {
      const proto = receiver === 'frr' ? 'bgp' : '201';
      const inKernel = async () => Number(await rx.exec(['sh', '-c', `ip ${IPV6 ? '-6 ' : ''}route show proto ${proto} | wc -l`]).catch(() => '0'));
      if (IPV6) {
        // An IPv6 dump walks the kernel's tree again each time a write changes it: one poll of a million routes while
        // they are being added took 16 s (and showed them all), so a dump cannot time the install. Routes are looked
        // up instead (RTM_GETROUTE, no walk): the last prefix sent and 15 spread over the table. Once all 16 are
        // there, one dump (quick now the writes are over) must count all N, else the clock runs on by dumps.
        const samples = Array.from({ length: 16 }, (_, k) => nthPrefix6(Math.floor(((k + 1) * n) / 16) - 1).replace('/48', '1'));
        const script = samples.map((a) => `ip -6 -o route get ${a} 2>/dev/null | grep -c "proto ${proto}"`).join('; ');
        const sampled = async () => (await rx.exec(['sh', '-c', script]).catch(() => '')).split('\n').filter((l) => l.trim() === '1').length;
        kernelSeconds = await timeIngest(samples.length, sampled, firstWritten, 600_000);
        const all = await inKernel();
        console.log(`  ${receiver}: ${samples.length} sampled prefixes in the kernel after ${kernelSeconds.toFixed(2)} s; then a dump counted ${all}`);
        if (all < n) kernelSeconds = await timeIngest(n, inKernel, firstWritten, 600_000);
      } else {
        kernelSeconds = await timeIngest(n, inKernel, firstWritten, 600_000);
      }
    }
    const rssAfter = Math.round(await settledRss(rss));
    const peak = Math.round(peakMbOf(await pids()));
    if (receiver !== 'frr' && receiver !== 'bird' && d) {
      console.log(`  bgpfo RSS ${rssAfter} MB: ${memoryOf(d.process.pid ?? 0)}`);
      const mem = (await d.status()).router.memory;
      if (mem) console.log(`  bgpfo memory: ${Object.entries(mem).map(([k, v]) => `${k} ${k.endsWith('Bytes') ? (v / 2 ** 20).toFixed(1) + ' MB' : v}`).join(', ')}`);
    }
    if (process.env.BENCH_HEAPSNAPSHOT && receiver === 'bgpfo') await heapSnapshot(rx);
    return { receiver, n, seconds, kernelSeconds, rssMb: rssAfter, peakMb: peak, ribCpu };
  } finally {
    await lab.cleanup();
    const waited = await quietMachine();
    if (process.env.BENCH_TRACE) console.log(`  machine quiet ${waited.toFixed(1)} s after the cleanup`);
  }
}

/** Busy and total jiffies of all CPUs (/proc/stat's first line; idle and iowait count as not busy). */
function cpuJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Waits until the CPUs are 90 % idle over two half-second windows in a row (60 s at most); returns the seconds waited.
 * A namespace deleted with a million routes in it is freed by a kernel worker after `ip netns del` returns: for
 * seconds after a FIB receiver's run, the next receiver (BIRD, in the next round) would share the CPUs with it.
 */
async function quietMachine(): Promise<number> {
  const start = Date.now();
  let quiet = 0;
  while (quiet < 2 && Date.now() - start < 60_000) {
    const a = cpuJiffies();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuJiffies();
    quiet = (b.busy - a.busy) / Math.max(1, b.total - a.total) <= 0.1 ? quiet + 1 : 0;
  }
  return (Date.now() - start) / 1000;
}

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1) || 1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Each bgpfo receiver's RIB time over BIRD's in the same round, and the medians over the rounds. */
function printRounds(results: (Result & { round: number })[]): void {
  console.log(`\nover ${ROUNDS} rounds (median; min-max):`);
  for (const n of [...new Set(results.map((r) => r.n))]) {
    for (const receiver of [...new Set(results.filter((r) => r.n === n).map((r) => r.receiver))]) {
      const mine = results.filter((r) => r.n === n && r.receiver === receiver);
      const span = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
      const kernel = mine.map((r) => r.kernelSeconds).filter((x) => !Number.isNaN(x));
      const ratios = mine.flatMap((r) => {
        const bird = results.find((b) => b.n === n && b.receiver === 'bird' && b.round === r.round);
        return bird && receiver !== 'bird' ? [r.seconds / bird.seconds] : [];
      });
      console.log(
        `  ${receiver.padEnd(9)} ${n.toLocaleString('en')}: RIB ${span(mine.map((r) => r.seconds), 2)} s (CPU ${span(mine.map((r) => r.ribCpu), 2)} s)` +
          (kernel.length ? `, kernel ${span(kernel, 2)} s` : '') +
          `, RSS ${span(mine.map((r) => r.rssMb), 0)} MB` +
          (ratios.length ? `; RIB time / BIRD's in the same round ${span(ratios, 2)}x [${ratios.map((x) => x.toFixed(2)).join(', ')}]` : ''),
      );
    }
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const results: (Result & { round: number })[] = [];
  const receivers = (process.env.BENCH_RECEIVERS ?? 'frr,bird,bgpfo').split(',') as Receiver[];
  const floors = new Map<number, number>();
  console.log(`feed: ${IPV6 ? 'IPv6 /48s' : 'IPv4 /24s'} in ${ORDER === 'sorted' ? 'prefix order' : 'a shuffled order'}`);
  for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
    // The kernel floor in the same run: `ip -batch` alone adding the same N routes via a nexthop object.
    if (process.env.BENCH_FLOOR !== '0') {
      const f = await measureKernelFloor(n, { ipv6: IPV6 });
      floors.set(n, f.seconds);
      console.log(`floor  ${String(n).padStart(8)} ${IPV6 ? 'IPv6 ' : ''}prefixes: ${f.seconds.toFixed(2)} s for ip -batch alone to add them to the kernel`);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const receiver of receivers) {
        const r = { ...(await runOne(n, receiver)), round };
        console.log(
          `${r.receiver.padEnd(6)} ${String(r.n).padStart(8)} prefixes: ${r.seconds.toFixed(2)} s to RIB, ` +
            `${Number.isNaN(r.kernelSeconds) ? 'no kernel FIB' : r.kernelSeconds.toFixed(2) + ' s to kernel FIB'}, RSS ${r.rssMb} MB (peak ${r.peakMb} MB), ` +
            `CPU ${r.ribCpu.toFixed(2)} s by the RIB's end` +
            (ROUNDS > 1 ? ` (round ${round})` : ''),
        );
        results.push(r);
      }
    }
  }
  if (ROUNDS > 1) printRounds(results);
  const cell = (r: Result | undefined) =>
    r ? `${r.seconds.toFixed(2)} s, ${Number.isNaN(r.kernelSeconds) ? '-' : r.kernelSeconds.toFixed(2) + ' s'}, ${r.rssMb} MB (peak ${r.peakMb})` : '-';
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) + 'x' : '-');
  console.log(
    '\n| prefixes | kernel floor (ip -batch alone) | FRR 8.4 bgpd+zebra: RIB, kernel, RSS | BIRD 2 (RIB only): RIB, RSS | bgpfo: RIB, kernel, RSS | ' +
      'bgpfo RIB time / BIRD | bgpfo RSS / BIRD | bgpfo kernel time / floor | FRR kernel time / bgpfo | FRR RSS / bgpfo |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const after: string[] = [];
  for (const n of [...new Set(results.map((r) => r.n))]) {
    const f = results.find((r) => r.n === n && r.receiver === 'frr');
    const i = results.find((r) => r.n === n && r.receiver === 'bird');
    const b = results.find((r) => r.n === n && r.receiver === 'bgpfo');
    const ribOnly = results.find((r) => r.n === n && r.receiver === 'bgpfo-rib');
    if (ribOnly) after.push(`bgpfo as a RIB only (fib.mode none, BIRD's job here) at ${n.toLocaleString('en')}: ${cell(ribOnly)}; RIB time / BIRD ${ratio(ribOnly.seconds, i?.seconds)}, RSS / BIRD ${ratio(ribOnly.rssMb, i?.rssMb)}`);
    console.log(
      `| ${n.toLocaleString('en')} | ${floors.has(n) ? floors.get(n)!.toFixed(2) + ' s' : '-'} | ${cell(f)} | ${cell(i)} | ${cell(b)} | ` +
        `${ratio(b?.seconds, i?.seconds)} | ${ratio(b?.rssMb, i?.rssMb)} | ${ratio(b?.kernelSeconds, floors.get(n))} | ` +
        `${ratio(f?.kernelSeconds, b?.kernelSeconds)} | ${ratio(f?.rssMb, b?.rssMb)} |`,
    );
  }
  if (after.length) console.log('\n' + after.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
