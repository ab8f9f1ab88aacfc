// Benchmark: seconds for the Linux FIB to install N routes into a namespace's table, with each kernel writer (netlink
// through our helper, and ip -batch) beside the kernel floor (ip -batch of the same N `route add ... nhid` lines alone,
// bench/kernel-floor.ts), plus the failover (one tunnel down) and start-up reconcile at that size. Prints results and
// ratios to the floor; asserts nothing. Run it under `flock /tmp/bgpfo-timing.lock` and note the load.
//
//   sudo npx tsx bench/fib-install.ts [N ...]        (default: 100000 1000000; WRITERS=netlink,ip-batch)
//   BENCH_FAMILY=ipv6                                IPv6 /48s via IPv6 next hops (and an IPv6 floor)

import { execFileSync } from 'node:child_process';
import { checkHostSettings } from '../src/fib/host-settings';
import type { FibWriterChoice } from '../src/fib/linux-dataplane';
import { LinuxFib } from '../src/fib/linux-fib';
import type { FibRoute, NextHop } from '../src/fib/types';
import { nthPrefix6 } from './feeder';
import { measureKernelFloor, nthPrefix } from './kernel-floor';

const R = 'bgpfo-fib-bench-r';
const P = 'bgpfo-fib-bench-p';
const TABLE = 100;
const IPV6 = process.env.BENCH_FAMILY === 'ipv6';

function sh(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}

function destroy(): void {
  for (const ns of [R, P]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* absent */
    }
  }
}

function setup(): NextHop[] {
  destroy();
  sh('netns', 'add', R);
  sh('netns', 'add', P);
  const hops: NextHop[] = [];
  for (let i = 1; i <= 3; i++) {
    sh('link', 'add', `t${i}`, 'netns', R, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', P);
    sh('-n', R, 'addr', 'add', IPV6 ? `fd00:255:${i}::1/64` : `10.255.${i}.1/30`, 'dev', `t${i}`, ...(IPV6 ? ['nodad'] : []));
    sh('-n', R, 'link', 'set', `t${i}`, 'up');
    sh('-n', P, 'link', 'set', `p${i}`, 'up');
    hops.push({ tunnel: `tun${i}`, ifname: `t${i}`, gateway: IPV6 ? `fd00:255:${i}::2` : `10.255.${i}.2` });
  }
  return hops;
}

const secs = (ms: number): string => (ms / 1000).toFixed(2);

async function run(n: number, hops: NextHop[], writer: FibWriterChoice): Promise<number> {
  const [a, b, c] = hops;
  const ecmp = [[a, b], [c]];
  const primary = [[a], [b]];
  const routes: FibRoute[] = [];
  for (let i = 0; i < n; i++) routes.push({ prefix: IPV6 ? nthPrefix6(i) : nthPrefix(i), tiers: i % 2 ? ecmp : primary });

  const fib = new LinuxFib({ netns: R, table: TABLE, writer });
  await fib.reconcile();
  let t = performance.now();
  const installed = await fib.replaceRoutes(routes);
  const installMs = performance.now() - t;
  if (installed.errors.length > 0) throw new Error(`install errors: ${JSON.stringify(installed.errors.slice(0, 3))}`);

  t = performance.now();
  const down = await fib.nexthopDown('tun1');
  const downMs = performance.now() - t;
  await fib.nexthopUp('tun1');

  t = performance.now();
  const again = await fib.replaceRoutes(routes);
  const idempotentMs = performance.now() - t;
  await fib.close(); // leave the routes, as a crashed daemon would

  const next = new LinuxFib({ netns: R, table: TABLE, writer });
  t = performance.now();
  const adopted = await next.reconcile({ stale: 'keep' });
  await next.replaceRoutes(routes);
  const adoptMs = performance.now() - t;
  t = performance.now();
  await next.close({ flush: true });
  const flushMs = performance.now() - t;

  console.log(
    [
      `routes ${n.toLocaleString('en')}, writer ${fib.writer}:`,
      `  install ${secs(installMs)} s (${installed.ops} kernel ops, ${Math.round(n / (installMs / 1000)).toLocaleString('en')} routes/s)`,
      `  tunnel down: ${down.groupOps} group ops, ${down.routeOps} route ops, ${downMs.toFixed(1)} ms`,
      `  same routes again: ${again.ops} ops, ${secs(idempotentMs)} s`,
      `  restart: read ${adopted.kernelRoutes.toLocaleString('en')} routes, adopt and re-announce all: ${secs(adoptMs)} s, ${adopted.ops} ops`,
      `  flush (delete objects; the kernel drops their routes): ${secs(flushMs)} s`,
      `  RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
    ].join('\n'),
  );
  return installMs / 1000;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  const hops = setup();
  const compat = process.env.COMPAT === '1';
  const host = await checkHostSettings(['t1', 't2', 't3'], { apply: true, netns: R });
  if (!host.ok) throw new Error(host.problems.map((p) => p.message).join('\n'));
  if (compat) sh('netns', 'exec', R, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/nexthop_compat_mode');
  console.log(`nexthop_compat_mode=${compat ? 1 : 0} (COMPAT=1 to measure with the kernel default)`);
  const writers = (process.env.WRITERS ?? 'netlink,ip-batch').split(',') as FibWriterChoice[];
  const rows: string[] = [];
  try {
    for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
      const floor = await measureKernelFloor(n, { table: TABLE, ipv6: IPV6 });
      console.log(`routes ${n.toLocaleString('en')}: kernel floor (ip -batch of the route add ... nhid lines alone) ${secs(floor.seconds * 1000)} s`);
      const times: number[] = [];
      for (const w of writers) times.push(await run(n, hops, w));
      rows.push(`| ${n.toLocaleString('en')} | ${floor.seconds.toFixed(2)} s | ${times.map((t) => `${t.toFixed(2)} s (${(t / floor.seconds).toFixed(2)}x)`).join(' | ')} |`);
    }
    console.log(`\n| routes | kernel floor | ${writers.map((w) => `${w} writer (x floor)`).join(' | ')} |`);
    console.log(`|---|---|${writers.map(() => '---').join('|')}|`);
    for (const r of rows) console.log(r);
  } finally {
    destroy();
  }
}

main().catch((e) => {
  console.error(e);
  destroy();
  process.exit(1);
});
