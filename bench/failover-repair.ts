// Benchmark: failover AND repair in the kernel FIB, bgpfo vs FRR 8.4 (zebra + bgpd + bfdd) as the learner, in one
// run, at 1 to 1,000,000 two-path prefixes, with the install times. Prints a table; asserts nothing. Needs root, FRR,
// BIRD, nftables. The lab is failover-pic.ts's (BIRD 2 announces N /24s over two veth links, the second prepended).
//
//   sudo npx tsx bench/failover-repair.ts [--prefixes 1,100000,1000000] [--timers 100x3] [--runs 2] [--learners bgpfo,frr]
//
// Per learner and N: install (learner start -> both sessions with N prefixes -> all N in the kernel), then per run
//  - failover: link 1 blackholed with nftables -> the last prefix whose route no longer resolves over link 1;
//  - repair: the nftables rule removed -> the learner's session over link 1 Established again (its own log) -> the
//    last prefix whose route resolves over link 1 again (its ECMP set, as the kernel sees it through nexthop
//    objects and groups).
// `ip -ts -o monitor nexthop route` in the learner's namespace timestamps every kernel change; the state before each
// phase is read as a stream (1M routes), and every wait scales with N, so a run at 1M finishes or says how far it got.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BgpfoDaemon, Bird, blackhole, Frr, Lab, restore, waitFor, type Netns } from '../test/integration/harness';
import { countKernelRoutes, KernelView, loadKernelState, parseTs } from './failover-kernel-view';
import { bgpfoConfig, birdConfig, detectedAt, frrConfigs, installWaitMs, L1, L2, pidsOf, prefixOf, rssMb, wallNow, type Learner } from './failover-pic';

interface Args {
  prefixes: number[];
  ms: number;
  mult: number;
  runs: number;
  learners: Learner[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, def: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
  };
  const [ms, mult] = get('timers', '100x3').split('x').map(Number);
  return {
    prefixes: get('prefixes', '1,100000,1000000').split(',').map(Number),
    ms,
    mult,
    runs: Number(get('runs', '2')),
    learners: get('learners', 'bgpfo,frr').split(',') as Learner[],
  };
}

/** Longest waits, scaled with N: a failover moves N routes at worst one by one (FRR: ~50 us each); a repair relearns them. */
const failoverWaitMs = (n: number) => 30_000 + n * 0.1;
const repairWaitMs = (n: number) => 60_000 + n * 0.4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  /** Wall-clock ms just before the nft command. */
  t0: number;
  /** The learner's own event, ms after t0: link 1 detected dead (failover), its session over link 1 back (repair). */
  eventMs?: number;
  firstMs: number;
  lastMs: number;
  /** Prefixes that reached the new state (n when complete). */
  done: number;
  /**
   * Prefixes the kernel dumps show in the new state whose change the monitor never reported (it lost events): then
   * lastMs is an upper bound (the end of the first dump that found every prefix in the new state).
   */
  unseen?: number;
}

interface Row {
  learner: Learner;
  n: number;
  /** Learner start -> both sessions Established with all N prefixes received; -> all N in the kernel. */
  sessionsMs?: number;
  kernelMs?: number;
  rssMb?: number;
  failovers: Phase[];
  repairs: Phase[];
  error?: string;
}

/**
 * `ip -ts -o monitor nexthop route` in the namespace, writing to a file: ip never waits for this process to read a
 * pipe (a busy reader makes ip stop draining netlink, whose buffer then overflows and loses events). read() takes
 * the lines written since the last call.
 */
class Monitor {
  private readonly child: ChildProcess;
  private readonly fd: number;
  private offset = 0;
  private rest = '';
  /** What ip said on stderr (a netlink overflow: "No buffer space available"). */
  errors = '';
  /** Wall-clock ms of the last read that found new lines. */
  lastLineAt = 0;

  constructor(ns: string, file: string) {
    const out = openSync(file, 'w');
    this.child = spawn('ip', ['-rcvbuf', String(64 << 20), '-n', ns, '-ts', '-o', 'monitor', 'nexthop', 'route'], { stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    this.fd = openSync(file, 'r');
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.errors += c));
  }

  get overflowed(): boolean {
    return /No buffer space/.test(this.errors);
  }

  /** The timestamped lines written since the last call. */
  read(): { at: number; rest: string }[] {
    const out: { at: number; rest: string }[] = [];
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const got = readSync(this.fd, chunk, 0, chunk.length, this.offset);
      if (got <= 0) break;
      this.offset += got;
      const parts = (this.rest + chunk.toString('utf8', 0, got)).split('\n');
      this.rest = parts.pop()!;
      for (const p of parts) {
        const x = parseTs(p);
        if (x) out.push(x);
      }
    }
    if (out.length > 0) this.lastLineAt = wallNow();
    return out;
  }

  /** Drops everything written so far. */
  skip(): void {
    this.read();
  }

  stop(): void {
    this.child.kill();
    closeSync(this.fd);
  }
}

/** The learner's session over link 1 Established again after t0 (ms after t0), from its log. */
function sessionBackAt(learner: Learner, logFile: string, t0: number): number | undefined {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const times: number[] = [];
  for (const line of text.split('\n')) {
    if (learner === 'bgpfo') {
      if (!line.startsWith('{') || !line.includes('"session-up"')) continue;
      const j = JSON.parse(line) as { time: number; msg?: string; event?: { neighbor?: string } };
      if (j.msg === 'session-up' && j.event?.neighbor === 'tun-a') times.push(j.time);
    } else {
      const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d)\.(\d{6}) .*ADJCHANGE: neighbor 10\.0\.1\.1\b.* Up/.exec(line);
      if (m) times.push(new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}`).getTime() + Number(m[5]) / 1000);
    }
  }
  const after = times.filter((t) => t >= t0).sort((a, b) => a - b);
  return after.length > 0 ? after[0] - t0 : undefined;
}

/**
 * One phase: reads the kernel state, checks the precondition (failover: every prefix over link 1 only; repair: none
 * over link 1), runs `act` and follows the monitor until every prefix reached the new state or `timeoutMs` passed.
 * Null when the precondition does not hold (the caller waits and retries).
 */
async function phase(lrn: Netns, wanted: Set<string>, proto: string, mode: 'leave' | 'join', act: () => Promise<void>, timeoutMs: number): Promise<Phase | null> {
  const n = wanted.size;
  const view = new KernelView(wanted, L1.lrnIf, mode);
  const mon = new Monitor(lrn.name, join(lrn.lab.dir, `monitor-${mode}.log`));
  try {
    await sleep(300); // the monitor subscribes
    await loadKernelState(view, lrn.name, proto);
    let ready = 0;
    for (const p of wanted) {
      const devs = view.devsOf(p);
      if (mode === 'leave' ? devs.length === 1 && devs[0] === L1.lrnIf : devs.length > 0 && !devs.includes(L1.lrnIf)) ready++;
    }
    if (ready < n) {
      console.log(`  not settled for the ${mode === 'leave' ? 'failover' : 'repair'}: ${ready}/${n} prefixes ${mode === 'leave' ? 'over link 1 only' : 'off link 1'}`);
      return null;
    }
    view.movedAt.clear();
    mon.skip();
    const t0 = wallNow();
    const deadline = t0 + timeoutMs;
    await act();
    let stalled = false;
    await waitFor(
      () => {
        for (const l of mon.read()) view.apply(l.rest, l.at);
        // Events lost (netlink overflow), or changes began and then nothing for 10 s: ask the kernel itself.
        stalled = mon.overflowed || (view.movedAt.size > 0 && wallNow() - mon.lastLineAt > 10_000);
        return view.movedAt.size >= n || stalled;
      },
      timeoutMs,
      { what: `all ${n} prefixes to ${mode === 'leave' ? 'leave' : 'return to'} link 1`, intervalMs: 50 },
    ).catch((e: Error) => console.error(`  ${e.message}: ${view.movedAt.size} done`));
    // A loop, not Math.min(...times): a million arguments overflow the stack.
    let first = Infinity;
    let last = -Infinity;
    for (const t of view.movedAt.values()) {
      if (t < first) first = t;
      if (t > last) last = t;
    }
    const done = view.movedAt.size;
    const result: Phase = { t0, firstMs: done ? first - t0 : NaN, lastMs: done ? last - t0 : NaN, done };
    if (mon.errors.trim()) console.error(`  ip monitor: ${mon.errors.trim().split('\n')[0]}`);
    if (result.done < n && stalled) {
      // Some changes were never reported: dump the kernel until every prefix is in the new state. The last change
      // happened before the end of the first complete dump (an upper bound, reported) and after the start of the
      // dump before it.
      for (;;) {
        const start = wallNow();
        const now = new KernelView(wanted, L1.lrnIf, mode);
        await loadKernelState(now, lrn.name, proto);
        const end = wallNow();
        let reached = 0;
        for (const p of wanted) if (now.reached(p)) reached++;
        if (reached >= n || end > deadline) {
          const unseen = [...wanted].filter((p) => !view.movedAt.has(p) && now.reached(p)).length;
          console.error(`  ip monitor lost the changes of ${unseen} prefixes: the last change is bounded by kernel dumps (${(start - t0).toFixed(0)}-${(end - t0).toFixed(0)} ms)`);
          result.unseen = unseen;
          result.done = reached;
          if (reached >= n) result.lastMs = Number.isFinite(result.lastMs) ? Math.max(result.lastMs, end - t0) : end - t0;
          break;
        }
        for (const l of mon.read()) view.apply(l.rest, l.at);
      }
    }
    return result;
  } finally {
    mon.stop();
  }
}

/** Retries a phase until its precondition holds (the learner is still settling), up to `waitMs`. */
async function settledPhase(what: string, waitMs: number, run: () => Promise<Phase | null>): Promise<Phase> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const p = await run();
    if (p) return p;
    if (Date.now() > deadline) throw new Error(`${what}: the learner never settled`);
    await sleep(3000);
  }
}

async function runCase(learner: Learner, n: number, a: Args): Promise<Row> {
  const row: Row = { learner, n, failovers: [], repairs: [] };
  const lab = Lab.create(learner === 'bgpfo' ? 'rpb' : 'rpf');
  try {
    const src = await lab.addNamespace('src');
    const lrn = await lab.addNamespace('lrn');
    for (const l of [L1, L2]) await lab.link({ ns: src, ifname: l.srcIf, v4: `${l.src}/30` }, { ns: lrn, ifname: l.lrnIf, v4: `${l.lrn}/30` });
    await Bird.start(src, 'bird', birdConfig(n, a.ms, a.mult));
    const wanted = new Set(Array.from({ length: n }, (_, i) => prefixOf(i)));
    let proto: string;
    let comms: string[];
    let bothPaths: () => Promise<boolean>;
    let logFile: string;
    let bfdLog: string;
    const started = wallNow();
    if (learner === 'frr') {
      const frr = await Frr.start(lrn, frrConfigs(a.ms, a.mult, 'bfd'));
      proto = 'bgp';
      comms = ['bgpd', 'zebra', 'bfdd'];
      logFile = join(lab.dir, `${lrn.name}-bgpd.log`);
      bfdLog = join(lab.dir, `${lrn.name}-bfdd.log`);
      bothPaths = async () => {
        const p = await frr.peers('ipv4');
        return [L1.src, L2.src].every((x) => p[x]?.state === 'Established' && p[x]?.pfxRcd === n);
      };
    } else {
      const d = await BgpfoDaemon.start(lrn, 'bgpfo', { config: bgpfoConfig(a.ms, a.mult, 'bfd'), logLevel: 'info' });
      proto = '201';
      comms = ['node'];
      logFile = bfdLog = join(lab.dir, 'bgpfo.log');
      bothPaths = async () => (await d.status()).sessions.every((x) => x.state === 'Established' && x.prefixes.accepted === n);
    }
    await waitFor(bothPaths, installWaitMs(n), { what: `both sessions with ${n} prefixes`, intervalMs: 200 });
    row.sessionsMs = wallNow() - started;
    // The last prefix in the kernel first (a cheap poll), then the whole table counted: counting 1M routes costs a
    // few CPU seconds that the learner needs on this 2-core machine, so it is done every 2 s at most.
    const last = prefixOf(n - 1);
    await waitFor(async () => (await lrn.exec(['ip', 'route', 'show', last, 'proto', proto]).catch(() => '')).trim().length > 0, installWaitMs(n), {
      what: `${last} installed`,
      intervalMs: 100,
    });
    await waitFor(async () => (await countKernelRoutes(lrn.name, proto)) >= n, installWaitMs(n), { what: `${n} prefixes installed`, intervalMs: n > 100_000 ? 2000 : 100 });
    row.kernelMs = wallNow() - started;
    row.rssMb = rssMb(await pidsOf(lrn, comms));
    console.log(`  ${learner} n=${n}: both sessions with all prefixes after ${(row.sessionsMs / 1000).toFixed(1)} s, all in the kernel after ${(row.kernelMs / 1000).toFixed(1)} s, RSS ${row.rssMb} MB`);

    for (let run = 0; run < a.runs; run++) {
      // BFD at its fast rate on both links, nothing else in flight; then every prefix over link 1 only.
      await sleep(2000);
      const f = await settledPhase('failover', installWaitMs(n), () => phase(lrn, wanted, proto, 'leave', () => blackhole(lrn, L1.lrnIf), failoverWaitMs(n)));
      await sleep(200); // the log line may still be on its way
      const det = detectedAt(learner, bfdLog, f.t0, 'bfd');
      if (det !== undefined) f.eventMs = det;
      row.failovers.push(f);
      console.log(`  ${learner} n=${n} run ${run + 1}: failover: detected ${det?.toFixed(1) ?? '?'} ms, first ${f.firstMs.toFixed(1)} ms, last ${f.lastMs.toFixed(1)} ms (${f.done}/${n}${f.unseen ? `, ${f.unseen} unseen` : ''})`);

      // The learner withdraws link 1's paths prefix by prefix after the failover; the repair starts once none is left.
      const r = await settledPhase('repair', installWaitMs(n), () => phase(lrn, wanted, proto, 'join', () => restore(lrn, L1.lrnIf), repairWaitMs(n)));
      await sleep(200);
      const back = sessionBackAt(learner, logFile, r.t0);
      if (back !== undefined) r.eventMs = back;
      row.repairs.push(r);
      console.log(`  ${learner} n=${n} run ${run + 1}: repair: session back ${back?.toFixed(1) ?? '?'} ms, first ${r.firstMs.toFixed(1)} ms, last ${r.lastMs.toFixed(1)} ms (${r.done}/${n}${r.unseen ? `, ${r.unseen} unseen` : ''})`);
      // Both paths again before the next run.
      await waitFor(bothPaths, installWaitMs(n), { what: `both sessions with ${n} prefixes again`, intervalMs: 500 });
    }
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0];
    console.error(`  ${learner} n=${n}: ${row.error}`);
  } finally {
    await lab.cleanup();
  }
  return row;
}

function range(xs: number[]): string {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return '?';
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  return Math.round(lo) === Math.round(hi) ? `${Math.round(lo).toLocaleString('en')}` : `${Math.round(lo).toLocaleString('en')}-${Math.round(hi).toLocaleString('en')}`;
}

function lastCol(ps: Phase[], n: number): string {
  const partial = ps.filter((p) => p.done < n);
  const unseen = ps.filter((p) => p.unseen);
  return (
    range(ps.map((p) => p.lastMs)) +
    (partial.length ? ` (${partial.length} incomplete: ${partial.map((p) => `${p.done}/${n}`).join(', ')})` : '') +
    (unseen.length ? ` (${unseen.length} with events lost by ip monitor: upper bound from a kernel dump)` : '')
  );
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  for (const n of a.prefixes) for (const learner of a.learners) rows.push(await runCase(learner, n, a));
  console.log(`\nBFD ${a.ms} ms x ${a.mult}; ${a.runs} run(s) each; failover and repair in ms after the nft command (min-max over the runs)\n`);
  console.log('| learner | prefixes | sessions with all N (s) | all N in kernel (s) | RSS (MB) | failover: detected | failover: last moved | repair: session back | repair: first back | repair: last back | last back after session |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.error && r.failovers.length === 0) {
      console.log(`| ${r.learner} | ${r.n.toLocaleString('en')} | ${r.sessionsMs ? (r.sessionsMs / 1000).toFixed(1) : '?'} | ${r.kernelMs ? (r.kernelMs / 1000).toFixed(1) : '?'} | ${r.rssMb ?? '?'} | failed: ${r.error} |||||`);
      continue;
    }
    const after = r.repairs.filter((p) => p.eventMs !== undefined).map((p) => p.lastMs - p.eventMs!);
    console.log(
      `| ${r.learner} | ${r.n.toLocaleString('en')} | ${(r.sessionsMs! / 1000).toFixed(1)} | ${(r.kernelMs! / 1000).toFixed(1)} | ${r.rssMb} | ${range(r.failovers.map((p) => p.eventMs ?? NaN))} | ${lastCol(r.failovers, r.n)} | ${range(r.repairs.map((p) => p.eventMs ?? NaN))} | ${range(r.repairs.map((p) => p.firstMs))} | ${lastCol(r.repairs, r.n)} | ${range(after)} |${r.error ? ` (then: ${r.error})` : ''}`,
    );
  }
  console.log('\nRatios FRR / bgpfo (means over the runs):');
  for (const n of a.prefixes) {
    const b = rows.find((r) => r.learner === 'bgpfo' && r.n === n);
    const f = rows.find((r) => r.learner === 'frr' && r.n === n);
    if (!b || !f || !b.failovers.length || !f.failovers.length) continue;
    const ratio = (x: number[], y: number[]) => (x.length && y.length ? `${(mean(x) / mean(y)).toFixed(2)}x` : '?');
    const sinceUp = (ps: Phase[]) => ps.filter((p) => p.eventMs !== undefined).map((p) => p.lastMs - p.eventMs!);
    console.log(
      `  ${n.toLocaleString('en')} prefixes: install to kernel ${ratio([f.kernelMs!], [b.kernelMs!])}, failover (last moved) ${ratio(f.failovers.map((p) => p.lastMs), b.failovers.map((p) => p.lastMs))}, repair (last back) ${ratio(f.repairs.map((p) => p.lastMs), b.repairs.map((p) => p.lastMs))}, repair after the session is back ${ratio(sinceUp(f.repairs), sinceUp(b.repairs))}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
