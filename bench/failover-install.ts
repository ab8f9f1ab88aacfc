// Benchmark: learning N IPv4 prefixes over one eBGP session all the way into the kernel FIB, bgpfo (kernel FIB:
// nexthop objects, ip -batch) vs FRR 8.4 (bgpd + zebra), in one run. Prints a table; asserts nothing. Needs root.
//
//   sudo npx tsx bench/failover-install.ts [N ...]        (default: 1000000)
//
// The neutral source is bench/feeder.ts (pre-encoded UPDATEs written at TCP speed). Time is from the first UPDATE
// written to the moment all N routes are in the receiver's kernel table: the last prefix is polled every 100 ms
// (cheap), then the full table is counted (again every 200 ms until complete; a count of 1M routes takes ~1 s, which
// bounds the resolution).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoDaemon, Frr, Lab, REPO, type Netns } from '../test/integration/harness';
import { nthPrefix } from './feeder';

const SRC_AS = 65100;
const RX_AS = 65200;

/** Routes of a protocol in the main IPv4 table, counted from a stream (a million lines never become one string). */
function countRoutes(ns: Netns, proto: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-n', ns.name, '-4', 'route', 'show', 'proto', proto], { stdio: ['ignore', 'pipe', 'ignore'] });
    let n = 0;
    child.stdout.on('data', (c: Buffer) => {
      for (let i = 0; i < c.length; i++) if (c[i] === 10) n++;
    });
    child.once('error', reject);
    child.once('exit', () => resolve(n));
  });
}

async function present(ns: Netns, prefix: string, proto: string): Promise<boolean> {
  return (await ns.exec(['ip', 'route', 'show', prefix, 'proto', proto]).catch(() => '')).trim().length > 0;
}

function rssMb(pids: number[]): number {
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

async function pidsOf(ns: Netns, comms: string[]): Promise<number[]> {
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

interface Result {
  receiver: 'bgpfo' | 'frr';
  n: number;
  seconds: number;
  rssMb: number;
}

async function runOne(n: number, receiver: 'bgpfo' | 'frr'): Promise<Result> {
  const lab = Lab.create(receiver === 'frr' ? 'fiif' : 'fiib');
  try {
    const src = await lab.addNamespace('src');
    const rx = await lab.addNamespace('rx');
    await lab.link({ ns: src, ifname: 'to-rx', v4: '10.0.0.1/30' }, { ns: rx, ifname: 'to-src', v4: '10.0.0.2/30' });
    let proto: string;
    let comms: string[];
    if (receiver === 'frr') {
      await Frr.start(rx, {
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
      proto = 'bgp';
      comms = ['bgpd', 'zebra'];
    } else {
      await BgpfoDaemon.start(rx, 'rx', {
        logLevel: 'warn',
        config: {
          router: { asn: RX_AS, 'router-id': '10.0.0.2' },
          fib: { mode: 'kernel' },
          rib: { 'keep-pre-policy': false },
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
      proto = '201';
      comms = ['node'];
    }
    const feeder = src.spawn('feeder', [
      process.execPath, '--import', 'tsx', join(REPO, 'bench', 'feeder.ts'),
      '--peer', '10.0.0.2', '--local', '10.0.0.1', '--asn', String(SRC_AS), '--count', String(n),
    ]);
    const firstWritten = (): number => Number(/first-update (\d+)/.exec(feeder.log())?.[1] ?? 0);
    const last = nthPrefix(n - 1);
    const deadline = Date.now() + 900_000;
    let done = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${receiver}: timed out`);
      if (firstWritten() && (await present(rx, last, proto))) {
        const at = Date.now();
        const c = await countRoutes(rx, proto);
        if (process.env.BENCH_TRACE) console.log(`  ${receiver}: last prefix in at ${((at - firstWritten()) / 1000).toFixed(2)} s, ${c} routes`);
        if (c >= n) {
          done = at;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { receiver, n, seconds: (done - firstWritten()) / 1000, rssMb: rssMb(await pidsOf(rx, comms)) };
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const results: Result[] = [];
  for (const n of sizes.length ? sizes : [1_000_000]) {
    for (const receiver of ['frr', 'bgpfo'] as const) {
      const r = await runOne(n, receiver);
      console.log(`${r.receiver.padEnd(6)} ${String(r.n).padStart(8)} prefixes: ${r.seconds.toFixed(2)} s to the kernel, RSS ${r.rssMb} MB`);
      results.push(r);
    }
  }
  console.log('\n| prefixes | FRR 8.4 bgpd+zebra | bgpfo | time ratio (FRR/bgpfo) |');
  console.log('|---|---|---|---|');
  for (const n of [...new Set(results.map((r) => r.n))]) {
    const f = results.find((r) => r.n === n && r.receiver === 'frr')!;
    const b = results.find((r) => r.n === n && r.receiver === 'bgpfo')!;
    console.log(`| ${n.toLocaleString('en')} | ${f.seconds.toFixed(1)} s, ${f.rssMb} MB | ${b.seconds.toFixed(1)} s, ${b.rssMb} MB | ${(f.seconds / b.seconds).toFixed(1)}x |`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
