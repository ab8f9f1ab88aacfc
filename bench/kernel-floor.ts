// The kernel floor of a FIB benchmark: seconds for `ip -batch` alone to add N routes via a nexthop object (`route add P
// nhid G table T proto 201 metric 20`, the lines bgpfo's ip-batch writer sends) in a fresh namespace. Used by
// bench/fib-install.ts and bench/bgp-ingest.ts so a run prints its own floor beside its writers.
//
//   sudo npx tsx bench/kernel-floor.ts [N ...]        (default: 100000 1000000)
//   BENCH_FAMILY=ipv6                                 IPv6 /48s via IPv6 next hops instead

import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nthPrefix, nthPrefix6 } from './feeder';

export interface KernelFloorOptions {
  /** IPv6 next hops and routes (default IPv4). */
  ipv6?: boolean;
  /** The i-th prefix (default: as bench/feeder.ts announces them, the i-th /24 of 16.0.0.0/4 or /48 of 2a00::/16). */
  prefix?: (i: number) => string;
  table?: number;
  protocol?: number;
  metric?: number;
  /** Namespace to create and delete (default bgpfo-floor-<pid>); must not exist. */
  netns?: string;
}

export interface KernelFloor {
  n: number;
  /** `ip -batch` of the N lines, from spawn to exit (the lines were written to a file before). */
  seconds: number;
  routesPerSecond: number;
}

export { nthPrefix } from './feeder';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Times `ip -batch` adding n routes through one nexthop group (two next hops over veths) into an empty table. */
export async function measureKernelFloor(n: number, options: KernelFloorOptions = {}): Promise<KernelFloor> {
  const ns = options.netns ?? `bgpfo-floor-${process.pid}`;
  const table = options.table ?? 100;
  const tail = ` table ${table} proto ${options.protocol ?? 201} metric ${options.metric ?? 20}`;
  const v6 = options.ipv6 === true;
  const prefix = options.prefix ?? (v6 ? nthPrefix6 : nthPrefix);
  const dir = mkdtempSync(join(tmpdir(), 'bgpfo-floor-'));
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    // As bgpfo runs (checkHostSettings): group changes do not notify per route.
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.nexthop_compat_mode=0']);
    for (let i = 1; i <= 2; i++) {
      ip('-n', ns, 'link', 'add', `f${i}`, 'type', 'veth', 'peer', 'name', `g${i}`);
      ip('-n', ns, 'addr', 'add', v6 ? `fd00:254:${i}::1/64` : `10.254.${i}.1/30`, 'dev', `f${i}`, ...(v6 ? ['nodad'] : []));
      ip('-n', ns, 'link', 'set', `f${i}`, 'up');
      ip('-n', ns, 'link', 'set', `g${i}`, 'up');
      ip('-n', ns, 'nexthop', 'add', 'id', String(0x0f000001 + i), 'via', v6 ? `fd00:254:${i}::2` : `10.254.${i}.2`, 'dev', `f${i}`, 'proto', '201');
    }
    const group = 0x0f000010;
    ip('-n', ns, 'nexthop', 'add', 'id', String(group), 'group', `${0x0f000002}/${0x0f000003}`, 'proto', '201');
    const file = join(dir, 'routes.batch');
    const lines: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) lines[i] = `route add ${prefix(i)} nhid ${group}${tail}`;
    writeFileSync(file, lines.join('\n') + '\n');
    lines.length = 0;
    const t = performance.now();
    await new Promise<void>((resolve, reject) =>
      execFile('ip', ['-n', ns, '-batch', file], { maxBuffer: 1 << 24 }, (err, _out, stderr) => (err ? reject(new Error(`ip -batch: ${stderr.trim() || err.message}`)) : resolve())),
    );
    const seconds = (performance.now() - t) / 1000;
    const got = await countRoutes(ns, table, v6);
    if (got !== n) throw new Error(`kernel floor: ${got} routes in table ${table}, expected ${n}`);
    return { n, seconds, routesPerSecond: n / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  }
}

/** Lines of `ip route show table T`, counted as they stream (1M routes are never one string). */
function countRoutes(ns: string, table: number, v6: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-n', ns, ...(v6 ? ['-6'] : []), 'route', 'show', 'table', String(table)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let count = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) count++;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(count) : reject(new Error(`ip route show exited ${code}`))));
  });
}

if (require.main === module) {
  void (async () => {
    const sizes = process.argv.slice(2).map(Number);
    for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
      const f = await measureKernelFloor(n, { ipv6: process.env.BENCH_FAMILY === 'ipv6' });
      console.log(`kernel floor (${process.env.BENCH_FAMILY === 'ipv6' ? 'IPv6, ' : ''}ip -batch of ${n.toLocaleString('en')} route add ... nhid lines): ${f.seconds.toFixed(2)} s, ${Math.round(f.routesPerSecond).toLocaleString('en')} routes/s`);
    }
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
