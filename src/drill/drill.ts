// `bgpfo drill`: a failover drill on a running router. Checks that the site keeps a healthy path, drains the
// tunnel (or, asked explicitly, blackholes it with nftables), measures with high-rate probes, the interfaces'
// counters, the daemon's events and the kernel FIB, compares with the SLA, and always restores (also on Ctrl-C).

import { spawn } from 'node:child_process';
import { ControlClient } from '../api/client';
import type { OpsEvent } from '../api/events';
import type { AdjRibInResponse } from '../api/types';
import { mustRun, systemRunner, type Runner } from '../lab/exec';
import { epochMs } from '../scenario/flow-agent';
import { FibMonitor, describeEvent } from '../scenario/timeline';
import { drillPreflight, unhealthy, type PreflightResult } from './preflight';
import { InterfaceSampler, Prober, quietAfter, summarizeProbe, txRate, type ProbeSummary } from './probes';

export class DrillRefused extends Error {
  readonly code = 'ERR_DRILL_REFUSED';
  constructor(readonly preflight: PreflightResult) {
    super(`drill refused: ${preflight.refusals.join('; ')}`);
  }
}

export interface DrillOptions {
  socket: string;
  /** The neighbor to drill: name or peer address. */
  target: string;
  mode: 'drain' | 'blackhole';
  /** Failover must be done within this many ms (from the injection to the kernel FIB no longer using the tunnel). */
  slaMs: number;
  /** Probe replies the LAN probes may lose (default 0 for a drain, unlimited for a blackhole). */
  maxLoss?: number;
  /** Extra probe targets beyond the tunnels (far LAN addresses). */
  probes?: string[];
  /** Source address for the LAN probes (one the far side routes back). */
  source?: string;
  probeIntervalMs?: number;
  /** How long to hold the fault once traffic has moved (seconds). */
  holdS?: number;
  /** Longest wait for the failover and for the restore (seconds). */
  timeoutS?: number;
  peers?: string[];
  allowDegraded?: boolean;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  runner?: Runner;
}

export interface DrillReport {
  format: 'bgpfo-drill-report/1';
  target: string;
  ifname: string;
  mode: 'drain' | 'blackhole';
  startedAt: string;
  passed: boolean;
  preflight: PreflightResult;
  slaMs: number;
  /** Epoch ms the drain/blackhole took effect. */
  injectedAt: number;
  /** The daemon's first event about the target after the injection (ms after it). */
  detectionMs?: number;
  detectedBy?: string;
  /** The daemon's own account of moving the prefixes (failover event). */
  daemonFailoverMs?: number;
  /** First change in the kernel FIB after the injection (ms). */
  fibChangeMs?: number;
  /** When the tunnel's transmit rate fell to the probes' own (ms), with the rate before. */
  trafficQuietMs?: number;
  trafficBeforePps: number;
  /** The failover time judged against the SLA: the kernel FIB change, else the traffic going quiet. */
  failoverMs?: number;
  probes: ProbeSummary[];
  restore: { at: number; sessionBackMs?: number; trafficBackMs?: number; ok: boolean; detail: string };
  /** Why it ended early (Ctrl-C, another tunnel failing). */
  aborted?: string;
  verdicts: string[];
  events: { afterMs: number; text: string }[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export const DRILL_TABLE = 'bgpfo_drill';

/** nftables dropping everything in, out and through one interface (the link stays up). */
export function drillBlackholeRules(ifname: string): string {
  const t = `${DRILL_TABLE}_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return [
    `table inet ${t} {`,
    `  chain drop_in { type filter hook input priority -300; policy accept; iifname "${ifname}" drop; }`,
    `  chain drop_out { type filter hook output priority -300; policy accept; oifname "${ifname}" drop; }`,
    `  chain drop_fwd { type filter hook forward priority -300; policy accept; iifname "${ifname}" drop; oifname "${ifname}" drop; }`,
    '}',
    '',
  ].join('\n');
}

async function interfaceOf(runner: Runner, peer: string): Promise<string> {
  const out = await mustRun(runner, ['ip', '-j', 'route', 'get', peer]);
  const dev = (JSON.parse(out) as { dev?: string }[])[0]?.dev;
  if (!dev) throw new Error(`no interface reaches ${peer}`);
  return dev;
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const progress = o.progress ?? (() => undefined);
  const runner = o.runner ?? systemRunner;
  const client = new ControlClient({ socketPath: o.socket, timeoutMs: 10_000 });
  const interval = o.probeIntervalMs ?? 10;
  const timeoutS = o.timeoutS ?? 30;
  const startedAt = new Date().toISOString();

  // 1. May it start?
  const status = await client.status();
  const routes = await client.routes({ limit: 100_000 });
  const adj = new Map<string, AdjRibInResponse>();
  for (const s of status.sessions.filter((x) => x.state === 'Established' && x.name !== o.target && x.peer !== o.target)) adj.set(s.name, await client.adjRibIn(s.name, 'post', { limit: 100_000 }));
  const pre = drillPreflight({ status, routes, adjRibIn: adj, target: o.target, ...(o.peers ? { peers: o.peers } : {}), ...(o.allowDegraded ? { allowDegraded: true } : {}) });
  if (!pre.ok) throw new DrillRefused(pre);
  const target = pre.target!;
  for (const w of pre.warnings) progress(`warning: ${w}`);
  const ifname = await interfaceOf(runner, target.peer);
  const peerIfs = await Promise.all(pre.peers.map((p) => interfaceOf(runner, p.peer).catch(() => '')));
  progress(`drill ${o.mode} of ${target.name} (${target.peer} on ${ifname}); ${pre.prefixes.length} prefixes use it, each with another healthy path; other tunnels: ${pre.peers.map((p) => p.name).join(', ')}`);

  // 2. Instruments.
  const probers = [
    new Prober(target.peer, 'drilled', interval),
    ...pre.peers.map((p) => new Prober(p.peer, 'other', interval)),
    ...(o.probes ?? []).map((t) => new Prober(t, 'lan', interval, o.source)),
  ];
  const sampler = new InterfaceSampler([ifname, ...peerIfs.filter(Boolean)], 10);
  const fib = new FibMonitor(status.router.routerId, spawn('ip', ['-ts', 'monitor', 'route', 'nexthop'], { stdio: ['ignore', 'pipe', 'ignore'] }), () => undefined);
  const events: { at: number; e: OpsEvent }[] = [];
  const sub = client.events((e) => events.push({ at: Date.parse(e.time), e }));
  await Promise.race([sub.ready, sleep(3000)]);
  const quietPps = 1000 / interval + 50;

  let injectedAt = 0;
  let aborted: string | undefined;
  const restore = { at: 0, ok: false, detail: '' } as DrillReport['restore'];
  const nftTable = `${DRILL_TABLE}_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}`;
  let injected = false;
  const undo = async () => {
    if (!injected) return;
    injected = false;
    if (o.mode === 'drain') await client.undrain(target.name);
    else await mustRun(runner, ['nft', 'delete', 'table', 'inet', nftTable]);
  };
  try {
    // A second to learn the steady state (and to let the probes start answering).
    await sleep(1000, o.signal);
    const before = txRate(sampler.samples, ifname, epochMs() - 800, epochMs());
    if (o.signal?.aborted) throw new Error('interrupted');

    // 3. Inject.
    injected = true;
    if (o.mode === 'drain') {
      const t0 = epochMs();
      await client.drain({ target: target.name, timeoutS: 0 });
      injectedAt = t0;
    } else {
      const t0 = epochMs();
      await mustRun(runner, ['nft', '-f', '-'], { input: drillBlackholeRules(ifname) });
      injectedAt = t0;
    }
    progress(`${o.mode === 'drain' ? 'drained' : 'blackholed'} ${target.name}; measuring`);

    // 4. Wait for the traffic to move (or the time to run out), then hold; stop early if another tunnel fails.
    const deadline = injectedAt + timeoutS * 1000;
    let movedAt: number | undefined;
    for (;;) {
      await sleep(50, o.signal);
      if (o.signal?.aborted) {
        aborted = 'interrupted (Ctrl-C): restored at once';
        break;
      }
      const failing = probers.filter((p) => p.record.role === 'other' && p.missedInARow() >= Math.max(5, Math.ceil(100 / interval)));
      if (failing.length) {
        aborted = `another tunnel stopped answering during the drill (${failing.map((p) => p.record.target).join(', ')}): restored at once`;
        break;
      }
      const fibAt = fib.entries().find((x) => x.at >= injectedAt)?.at;
      const quietAt = before > quietPps ? quietAfter(sampler.samples, ifname, injectedAt, quietPps) : undefined;
      if (movedAt === undefined && (fibAt !== undefined || quietAt !== undefined)) {
        movedAt = epochMs();
        progress('traffic moved; holding');
      }
      if (movedAt !== undefined && epochMs() - movedAt >= (o.holdS ?? 2) * 1000) break;
      if (epochMs() >= deadline) break;
    }
  } finally {
    // 5. Always restore.
    try {
      await undo();
      restore.at = epochMs();
    } catch (e) {
      restore.detail = `RESTORE FAILED: ${(e as Error).message}; restore by hand: ${o.mode === 'drain' ? `bgpfo undrain ${target.name}` : `nft delete table inet ${nftTable}`}`;
    }
  }
  if (restore.at) {
    progress('restored; waiting for the tunnel to come back');
    const deadline = restore.at + timeoutS * 1000;
    const hadTraffic = txRate(sampler.samples, ifname, injectedAt - 800, injectedAt) > quietPps;
    while (epochMs() < deadline) {
      const st = await client.status().catch(() => undefined);
      const s = st?.sessions.find((x) => x.name === target.name);
      if (restore.sessionBackMs === undefined && s && !unhealthy(s)) restore.sessionBackMs = Math.round(epochMs() - restore.at);
      if (restore.trafficBackMs === undefined && (!hadTraffic || txRate(sampler.samples, ifname, epochMs() - 100, epochMs()) > quietPps)) {
        restore.trafficBackMs = hadTraffic ? Math.round(epochMs() - restore.at) : 0;
      }
      if (restore.sessionBackMs !== undefined && restore.trafficBackMs !== undefined) break;
      await sleep(100);
    }
    restore.ok = restore.sessionBackMs !== undefined && restore.trafficBackMs !== undefined;
    restore.detail = restore.ok
      ? `${target.name} healthy again after ${restore.sessionBackMs} ms${hadTraffic ? `, carrying traffic after ${restore.trafficBackMs} ms` : ''}`
      : `${target.name} not back within ${timeoutS} s (session ${restore.sessionBackMs !== undefined ? 'up' : 'not healthy'}, traffic ${restore.trafficBackMs !== undefined ? 'back' : 'not back'})`;
  }
  await sleep(300);
  for (const p of probers) p.stop();
  sampler.stop();
  fib.stop();
  sub.close();

  // 6. Judge.
  const end = restore.at || epochMs();
  const probes = probers.map((p) => summarizeProbe(p.record, injectedAt, end));
  const mine = events.filter((x) => x.at >= injectedAt - 5);
  const names = new Set([target.name, target.peer]);
  const about = (e: OpsEvent) => ('neighbor' in e && names.has(e.neighbor)) || ('tunnel' in e && names.has(e.tunnel)) || (e.type === 'drain' && e.neighbors.includes(target.name));
  const det = mine.find((x) => about(x.e) && ((x.e.type === 'liveness' && x.e.state === 'down') || x.e.type === 'session-down' || (x.e.type === 'drain' && x.e.phase === 'marked')));
  const fo = mine.find((x) => x.e.type === 'failover' && about(x.e));
  const fibAt = fib.entries().find((x) => x.at >= injectedAt && x.at <= end)?.at;
  const before = txRate(sampler.samples, ifname, injectedAt - 800, injectedAt);
  const quietAt = before > quietPps ? quietAfter(sampler.samples, ifname, injectedAt, quietPps) : undefined;
  const rel = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, Math.round(t - injectedAt)));
  const failoverMs = rel(fibAt) ?? rel(quietAt);
  const maxLoss = o.maxLoss ?? (o.mode === 'drain' ? 0 : Infinity);
  const verdicts: string[] = [];
  let passed = !aborted && restore.ok;
  if (aborted) verdicts.push(`FAIL: ${aborted}`);
  if (failoverMs === undefined) {
    passed = false;
    verdicts.push(`FAIL: no failover seen within ${timeoutS} s (no kernel FIB change, the tunnel's traffic did not stop)`);
  } else if (failoverMs > o.slaMs) {
    passed = false;
    verdicts.push(`FAIL: failover took ${failoverMs} ms; the SLA is ${o.slaMs} ms`);
  } else verdicts.push(`ok: failover in ${failoverMs} ms (SLA ${o.slaMs} ms)`);
  for (const p of probes.filter((x) => x.role === 'other' && x.lost > 0)) {
    passed = false;
    verdicts.push(`FAIL: the other tunnel ${p.target} lost ${p.lost} probes during the drill`);
  }
  const lanLost = probes.filter((x) => x.role === 'lan').reduce((a, x) => a + x.lost, 0);
  if (probes.some((x) => x.role === 'lan')) {
    if (lanLost > maxLoss) {
      passed = false;
      verdicts.push(`FAIL: the LAN probes lost ${lanLost} replies (at most ${maxLoss} allowed)`);
    } else verdicts.push(`ok: the LAN probes lost ${lanLost} replies`);
  }
  if (!restore.ok) {
    passed = false;
    verdicts.push(`FAIL: ${restore.detail}`);
  } else verdicts.push(`ok: restored; ${restore.detail}`);
  return {
    format: 'bgpfo-drill-report/1',
    target: target.name,
    ifname,
    mode: o.mode,
    startedAt,
    passed,
    preflight: pre,
    slaMs: o.slaMs,
    injectedAt,
    ...(det ? { detectionMs: rel(det.at)!, detectedBy: describeEvent(det.e) } : {}),
    ...(fo && fo.e.type === 'failover' ? { daemonFailoverMs: fo.e.durationMs } : {}),
    ...(fibAt !== undefined ? { fibChangeMs: rel(fibAt)! } : {}),
    ...(quietAt !== undefined ? { trafficQuietMs: rel(quietAt)! } : {}),
    trafficBeforePps: Math.round(before),
    ...(failoverMs !== undefined ? { failoverMs } : {}),
    probes,
    restore,
    ...(aborted ? { aborted } : {}),
    verdicts,
    events: mine.map((x) => ({ afterMs: Math.round(x.at - injectedAt), text: describeEvent(x.e) })),
  };
}

/** The drill as a few lines for a change review. */
export function formatDrill(r: DrillReport): string {
  const L = [`drill ${r.mode} of ${r.target} (${r.ifname}): ${r.passed ? 'PASSED' : 'FAILED'}`];
  L.push(`  traffic on the tunnel before: ${r.trafficBeforePps} packets/s`);
  L.push(`  detection: ${r.detectionMs !== undefined ? `${r.detectionMs} ms (${r.detectedBy})` : 'no event from the daemon'}`);
  L.push(`  failover: ${r.failoverMs !== undefined ? `${r.failoverMs} ms` : 'not seen'} (kernel FIB ${r.fibChangeMs ?? '-'} ms, tunnel quiet ${r.trafficQuietMs ?? '-'} ms${r.daemonFailoverMs !== undefined ? `, ${r.daemonFailoverMs} ms in the daemon` : ''}); SLA ${r.slaMs} ms`);
  for (const p of r.probes) L.push(`  probe ${p.target} (${p.role}): ${p.replies} replies, ${p.lost} lost, longest gap ${p.longestGapMs} ms`);
  L.push(`  restore: ${r.restore.detail}`);
  for (const v of r.verdicts) L.push(`  ${v}`);
  return L.join('\n');
}
