// Benchmark: learn N IPv4 prefixes over one eBGP session, bgpfo vs FRR 8.4 bgpd in one run, from the same neutral
// source (bench/feeder.ts writes pre-encoded UPDATEs at TCP speed). Prints seconds from the first UPDATE written
// to all N in the receiver's RIB, and the receiver's RSS after. Not a test.
//
//   sudo npx tsx bench/bgp-ingest.ts [N ...]        (default: 100000 1000000)

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoDaemon, Frr, Lab, REPO } from '../test/integration/harness';
import type { Netns } from '../test/integration/harness';

const SRC_AS = 65100;
const RX_AS = 65200;

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
  /** Seconds from the first UPDATE written to all N routes in the kernel's table. */
  kernelSeconds: number;
  rssMb: number;
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

async function runOne(n: number, receiver: 'frr' | 'bgpfo'): Promise<Result> {
  const lab = Lab.create(receiver === 'frr' ? 'bif' : 'bib');
  try {
    const src = await lab.addNamespace('src');
    const rx = await lab.addNamespace('rx');
    await lab.link({ ns: src, ifname: 'to-rx', v4: '10.0.0.1/30' }, { ns: rx, ifname: 'to-src', v4: '10.0.0.2/30' });
    let count: () => Promise<number>;
    let rss: () => Promise<number>;
    let d: BgpfoDaemon | undefined;
    if (receiver === 'frr') {
      // bgpd with zebra, as users run it: FRR's figure includes handing the routes to zebra.
      const frr = await Frr.start(rx, {
        bgpd: `hostname rx
router bgp ${RX_AS}
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 neighbor 10.0.0.1 remote-as ${SRC_AS}
 address-family ipv4 unicast
  neighbor 10.0.0.1 activate
 exit-address-family
`,
      });
      count = async () => (await frr.peers('ipv4'))['10.0.0.1']?.pfxRcd ?? 0;
      rss = async () => (await Promise.all((await pidsIn(rx, ['bgpd', 'zebra'])).map(rssMb))).reduce((a, b) => a + b, 0);
    } else {
      d = await BgpfoDaemon.start(rx, 'rx', {
        logLevel: 'warn',
        config: {
          router: { asn: RX_AS, 'router-id': '10.0.0.2' },
          neighbors: [
            {
              name: 'src',
              address: '10.0.0.1',
              'local-address': '10.0.0.2',
              'remote-asn': SRC_AS,
              families: ['ipv4-unicast'],
              import: { allow: ['0.0.0.0/0 le 32'], 'max-prefixes': 2_000_000 },
            },
          ],
        },
      });
      const daemon = d;
      count = async () => {
        return (await daemon.status()).router.locRibPrefixes;
      };
      rss = async () => rssMb(daemon.process.pid ?? 0) || (await Promise.all((await pidsIn(rx, ['node'])).map(rssMb))).reduce((a, b) => a + b, 0);
    }
    const feeder = src.spawn('feeder', [
      process.execPath, '--import', 'tsx', join(REPO, 'bench', 'feeder.ts'),
      '--peer', '10.0.0.2', '--local', '10.0.0.1', '--asn', String(SRC_AS), '--count', String(n),
    ]);
    const firstWritten = () => Number(/first-update (\d+)/.exec(feeder.log())?.[1] ?? 0);
    const seconds = await timeIngest(n, count, firstWritten, 600_000);
    // Both receivers install what they learned into the kernel (FRR through zebra, proto bgp; bgpfo, proto 201):
    // RSS is read once that is done, when neither has work in flight.
    const proto = receiver === 'frr' ? 'bgp' : '201';
    const inKernel = async () => Number(await rx.exec(['sh', '-c', `ip route show proto ${proto} | wc -l`]).catch(() => '0'));
    const kernelSeconds = await timeIngest(n, inKernel, firstWritten, 600_000);
    const rssAfter = Math.round(await rss());
    if (receiver === 'bgpfo' && d) {
      console.log(`  bgpfo RSS ${rssAfter} MB: ${memoryOf(d.process.pid ?? 0)}`);
      const mem = (await d.status()).router.memory;
      if (mem) console.log(`  bgpfo memory: ${Object.entries(mem).map(([k, v]) => `${k} ${k.endsWith('Bytes') ? (v / 2 ** 20).toFixed(1) + ' MB' : v}`).join(', ')}`);
    }
    for (const s of (process.env.BENCH_RSS_LATER ?? '').split(',').filter(Boolean).map(Number)) {
      await new Promise((r) => setTimeout(r, s * 1000));
      console.log(`  ${receiver} RSS ${Math.round(await rss())} MB ${s} s later${d ? ': ' + memoryOf(d.process.pid ?? 0) : ''}`);
    }
    if (process.env.BENCH_HEAPSNAPSHOT && receiver === 'bgpfo') await heapSnapshot(rx);
    return { receiver, n, seconds, kernelSeconds, rssMb: rssAfter };
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const results: Result[] = [];
  for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
    const receivers = (process.env.BENCH_RECEIVERS ?? 'frr,bgpfo').split(',') as ('frr' | 'bgpfo')[];
    for (const receiver of receivers) {
      const r = await runOne(n, receiver);
      console.log(
        `${r.receiver.padEnd(6)} ${String(r.n).padStart(8)} prefixes: ${r.seconds.toFixed(2)} s to RIB, ` +
          `${r.kernelSeconds.toFixed(2)} s to kernel FIB, RSS ${r.rssMb} MB`,
      );
      results.push(r);
    }
  }
  console.log('\n| prefixes | FRR 8.4 bgpd+zebra: RIB, kernel, RSS | bgpfo: RIB, kernel, RSS | RIB time ratio (FRR/bgpfo) | kernel time ratio | memory ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const n of [...new Set(results.map((r) => r.n))]) {
    const f = results.find((r) => r.n === n && r.receiver === 'frr');
    const b = results.find((r) => r.n === n && r.receiver === 'bgpfo');
    if (!f || !b) continue;
    console.log(
      `| ${n.toLocaleString('en')} | ${f.seconds.toFixed(2)} s, ${f.kernelSeconds.toFixed(2)} s, ${f.rssMb} MB | ` +
        `${b.seconds.toFixed(2)} s, ${b.kernelSeconds.toFixed(2)} s, ${b.rssMb} MB | ` +
        `${(f.seconds / b.seconds).toFixed(1)}x | ${(f.kernelSeconds / b.kernelSeconds).toFixed(1)}x | ${(f.rssMb / b.rssMb).toFixed(1)}x |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
