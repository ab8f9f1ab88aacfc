// A scenario run's report: JSON for machines, a short text summary for the change review, both from one
// ScenarioReport. Times in the report are milliseconds since the traffic started ("+2000 ms").

import { STEAL_DISTURBS } from './machine-load';
import type { Plan } from '../orchestrator';
import { decodeBitmap, missingIn, seqAt } from './flow-record';
import type { StreamRun, TunnelSeries } from './analyze';
import type { CheckResult } from './expect';
import type { FaultMeasurement } from './measure';
import type { MissingFeature } from './requires';
import type { TimelineEntry } from './timeline';
import type { FaultSpec } from './types';

export const REPORT_FORMAT = 'bgpfo-scenario-report/1';

export interface StepRecord {
  step: number;
  line: number;
  kind: string;
  /** Short, for the picture ("blackhole t1"). */
  label: string;
  text: string;
  /** Epoch ms the step began and ended. */
  began: number;
  ended: number;
}

export interface StreamSummary {
  from: string;
  to: string;
  /** Present for IPv6 streams only (reports of IPv4-only runs stay as they were). */
  family?: 6;
  direction: 'out' | 'in';
  flows: number;
  ppsPerFlow: number;
  sent: number;
  received: number;
  lost: number;
  sendErrors: number;
  /** The sender's own longest stall (its loop ran late), ms. */
  maxSenderStallMs: number;
  maxReceiverStallMs: number;
  /** Packets the receiving host's kernel dropped for a full socket buffer: counted as lost, but not the network's. */
  receiverDrops: number;
}

export interface ScenarioReport {
  format: typeof REPORT_FORMAT;
  scenario: string;
  file: string;
  description?: string;
  engine: string;
  lab: string;
  topology: string;
  tunnelType: string;
  /** "BFD 100 ms x 3", "probe 200 ms x 5" or "off". */
  liveness: string;
  detectionMs: number;
  startedAt: string;
  seconds: number;
  passed: boolean;
  /** Features the scenario needs that the lab's bgpfo does not have. */
  missing: MissingFeature[];
  /** Why the run stopped before its end, if it did. */
  error?: string;
  /** A failed check was measured while the traffic agents stalled (a busy machine): worth running again. */
  disturbed: boolean;
  /** The most CPU time the hypervisor took from this machine in any second of the traffic (steal), percent. */
  maxStealPct?: number;
  /** Epoch ms the traffic started: every "+N ms" counts from here. */
  t0: number;
  streams: StreamSummary[];
  steps: StepRecord[];
  faults: FaultMeasurement[];
  checks: CheckResult[];
  /** Packets per second per tunnel, [epoch ms, pps]. */
  series: TunnelSeries[];
  /** Packets lost per interval over all flows, [epoch ms at the interval's end, lost packets per second]. */
  loss: [number, number][];
  timeline: TimelineEntry[];
}

export function streamSummary(r: StreamRun): StreamSummary {
  const sent = r.sender.sent.reduce((a, b) => a + b, 0);
  const received = r.receiver.flows.reduce((a, f) => a + Math.min(f.received, r.sender.sent[f.flow] ?? 0), 0);
  return {
    from: r.stream.from,
    to: r.stream.to,
    ...(r.stream.family === 6 ? { family: 6 as const } : {}),
    direction: r.direction,
    flows: r.stream.flows,
    ppsPerFlow: r.stream.ppsPerFlow,
    sent,
    received,
    lost: sent - received,
    sendErrors: r.sender.sendErrors,
    maxSenderStallMs: r.sender.stalls.reduce((a, s) => Math.max(a, s.ms), 0),
    maxReceiverStallMs: (r.receiver.stalls ?? []).reduce((a, s) => Math.max(a, s.ms), 0),
    receiverDrops: r.receiver.rcvbufErrors ?? 0,
  };
}

/** Lost packets per second over all flows, per `binMs` interval of the schedule (from the receivers' bitmaps). */
export function lossSeries(runs: StreamRun[], binMs: number): [number, number][] {
  if (!runs.length) return [];
  const start = Math.min(...runs.map((r) => r.sender.startedAt));
  const end = Math.max(...runs.map((r) => r.sender.stoppedAt));
  const out: [number, number][] = [];
  const bits = runs.map((r) => new Map(r.receiver.flows.map((f) => [f.flow, decodeBitmap(f.bitmap)])));
  for (let t = start; t < end; t += binMs) {
    let lost = 0;
    runs.forEach((r, i) => {
      for (let flow = 0; flow < r.stream.flows; flow++) {
        const sent = r.sender.sent[flow] ?? 0;
        const a = Math.min(seqAt(r.sender, t), sent);
        const b = Math.min(seqAt(r.sender, t + binMs), sent);
        const bm = bits[i]!.get(flow);
        lost += bm ? missingIn(bm, a, b) : b - a;
      }
    });
    out.push([Math.min(t + binMs, end), Math.round((lost * 1000) / binMs)]);
  }
  return out;
}

export function describeFault(plan: Plan | undefined, f: FaultSpec, series: TunnelSeries[] = []): string {
  const t = (ref: string) => {
    const x = plan?.tunnels.find((y) => y.id === ref || y.name === ref) ?? series.map((y) => ({ id: y.id, name: y.tunnel })).find((y) => y.id === ref || y.name === ref);
    return x ? `${x.id} (${x.name})` : ref;
  };
  switch (f.kind) {
    case 'loss':
      return `loss ${f.percent}% on ${t(f.tunnel)}`;
    case 'isp-down':
    case 'isp-up':
      return `${f.kind} ${f.isp}`;
    case 'stop':
    case 'start':
    case 'kill':
    case 'node-down':
    case 'node-up':
      return `${f.kind === 'kill' ? 'kill -9 the daemon of' : f.kind} ${f.node}`;
    default:
      return `${f.kind} ${t(f.tunnel)}`;
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const rel = (r: ScenarioReport, at: number) => `+${((at - r.t0) / 1000).toFixed(2)} s`;

/** The human summary: result, what ran, each fault's cost and timeline, every check. */
export function formatSummary(r: ScenarioReport, plan?: Plan): string {
  const L: string[] = [];
  const idOf = (t: string) => plan?.tunnels.find((x) => x.name === t)?.id ?? r.series.find((x) => x.tunnel === t)?.id ?? t;
  L.push(`scenario ${r.scenario} (${r.file}): ${r.passed ? 'PASSED' : 'FAILED'}`);
  if (r.description) L.push(`  ${r.description}`);
  L.push(`  lab ${r.lab} (${r.engine}, ${r.tunnelType} tunnels), liveness ${r.liveness}${r.liveness !== 'off' ? ` (detection ${r.detectionMs} ms)` : ''}`);
  if (r.streams.length) {
    const total = r.streams.reduce((a, s) => ({ sent: a.sent + s.sent, lost: a.lost + s.lost }), { sent: 0, lost: 0 });
    L.push(`  traffic: ${r.streams.map((s) => `${s.from} -> ${s.to}${s.family === 6 ? ' (IPv6)' : ''} ${s.flows} flows x ${n(s.ppsPerFlow)}/s`).join(', ')}; ${n(total.sent)} packets, ${n(total.lost)} lost`);
    const stall = Math.max(...r.streams.map((s) => Math.max(s.maxSenderStallMs, s.maxReceiverStallMs)));
    if (stall >= 20) L.push(`  note: a traffic agent stalled for up to ${stall} ms (a busy machine); gaps exclude such stalls`);
    if ((r.maxStealPct ?? 0) >= 100 * STEAL_DISTURBS) L.push(`  note: the hypervisor took up to ${r.maxStealPct}% of this machine's CPU time in a second (steal: a shared host)`);
    const drops = r.streams.reduce((a, s) => a + s.receiverDrops, 0);
    if (drops) L.push(`  note: the receivers' sockets overflowed and dropped ${n(drops)} packets (counted as lost; not the network's)`);
    const refused = r.streams.reduce((a, s) => a + s.sendErrors, 0);
    if (refused) L.push(`  note: the senders' hosts refused ${n(refused)} sends (no route, or no buffer; counted as lost)`);
  }
  if (r.missing.length) {
    L.push('', '  missing (the scenario cannot pass until these exist):');
    for (const m of r.missing) L.push(`    - ${m.detail}`);
  }
  if (r.error) L.push('', `  stopped early: ${r.error}`);
  for (const f of r.faults) {
    L.push('', `  ${rel(r, f.at)}  ${describeFault(plan, f.fault, r.series)}`);
    if (f.failed.length) {
      const ids = f.failed.map(idOf).join(', ');
      L.push(`    flows on ${ids}: ${f.affected.length} of ${f.flows.length}; outage ${n(f.affectedLongestGapMs)} ms (median ${n(Math.round(f.affectedMedianGapMs))}), ${n(f.affectedLost)} packets lost`);
      L.push(`    other flows: ${n(f.unaffectedLost)} lost, outage ${n(f.unaffectedLongestGapMs)} ms`);
      L.push(`    traffic off ${ids}: ${f.movedAfterMs !== undefined ? `after ${n(f.movedAfterMs)} ms` : 'never, in this window'}`);
    } else {
      const lost = f.flows.reduce((a, x) => a + x.lost, 0);
      L.push(`    all flows: ${n(lost)} lost, outage ${n(f.flows.reduce((a, x) => Math.max(a, x.outageMs), 0))} ms`);
    }
    const tl: string[] = [];
    if (f.detectionAfterMs !== undefined) tl.push(`detection +${n(f.detectionAfterMs)} ms (${f.detectionBy})`);
    for (const e of f.failoverEvents.slice(0, 4)) tl.push(`routes withdrawn on ${e.node} +${n(e.afterMs)} ms (${e.durationMs} ms after its detection)`);
    if (f.fibChangeAfterMs !== undefined) tl.push(`first kernel FIB change +${n(f.fibChangeAfterMs)} ms on ${f.fibChangeOn}`);
    if (tl.length) L.push(`    daemons: ${tl.join('; ')}`);
  }
  if (r.checks.length) {
    L.push('', '  checks:');
    for (const c of r.checks) {
      L.push(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (line ${c.line}) ${c.check}: expected ${c.expected}; measured ${c.measured}`);
      if (!c.ok) for (const d of c.details) L.push(`           ${d}`);
      if (!c.ok && c.disturbed) L.push(`           note: ${c.disturbed}`);
    }
  }
  return L.join('\n');
}
