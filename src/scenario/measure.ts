// What each fault cost, measured: the flows that were on the failed tunnels (from the per-flow counters just
// before the fault), their longest gaps and losses, when the failed tunnels stopped carrying traffic, and beside
// that the daemons' own timeline (detection, session down, failover, kernel FIB change) from the same clock.

import type { Plan } from '../orchestrator';
import { carrying, flowLabel, flowTunnels, flowWindowStats, median, type FlowWindowStats, type StreamRun, type Window } from './analyze';
import type { CounterSample } from './flow-counters';
import type { TimelineEntry } from './timeline';
import type { FaultSpec } from './types';

export interface FaultRecord {
  step: number;
  line: number;
  fault: FaultSpec;
  /** Epoch ms the fault was applied (the command returned), and when the step began. */
  at: number;
  began: number;
  text: string;
  /** Names of the tunnels it takes away. */
  failed: string[];
}

export interface FaultMeasurement {
  step: number;
  fault: FaultSpec;
  at: number;
  /** The window it is measured over: until the next fault or the end of the traffic. */
  until: number;
  failed: string[];
  /** Flows that used a failed tunnel just before the fault. */
  affected: string[];
  /** The affected flows' outage (longest gap or loss-derived time, whichever is longer): worst and median. */
  affectedLongestGapMs: number;
  affectedMedianGapMs: number;
  affectedLost: number;
  /** Flows of the other tunnels: what they lost, and their longest gap. */
  unaffectedLost: number;
  unaffectedLongestGapMs: number;
  /** Time from the fault until the failed tunnels carried no traffic (sample resolution). */
  movedAfterMs?: number;
  /** The daemons' timeline from the fault on: first detection, failover events, first kernel FIB change. */
  detectionAfterMs?: number;
  detectionBy?: string;
  failoverEvents: { node: string; tunnel?: string; durationMs: number; afterMs: number }[];
  fibChangeAfterMs?: number;
  fibChangeOn?: string;
  flows: FlowWindowStats[];
}

/** Flow labels that sent packets on any of `tunnels` in the window. */
export function flowsOn(plan: Plan, runs: StreamRun[], samples: CounterSample[], w: Window, tunnels: string[]): Set<string> {
  const out = new Set<string>();
  for (const r of runs) {
    for (const [flow, ts] of flowTunnels(plan, r, samples, w)) if ([...ts.keys()].some((t) => tunnels.includes(t))) out.add(flowLabel(r, flow));
  }
  return out;
}

/** Faults that repair something (their loss before the command took effect belongs to the fault they undo). */
export const REPAIRS = new Set(['restore', 'tunnel-up', 'isp-up', 'start', 'node-up', 'undrain']);

/** Where a fault's window starts: when the step began for a fault that breaks something (conservative for an
 *  outage), when the command had taken effect for one that repairs. */
export const faultStart = (f: FaultRecord): number => (REPAIRS.has(f.fault.kind) ? f.at : f.began);

/** The window just before a fault in which flows are assigned to tunnels. */
export const preFaultWindow = (at: number, sampleMs: number): Window => ({ from: at - Math.max(300, 3 * sampleMs), to: at });

export function measureFault(
  plan: Plan,
  runs: StreamRun[],
  samples: CounterSample[],
  timeline: TimelineEntry[],
  f: FaultRecord,
  until: number,
  sampleMs: number,
): FaultMeasurement {
  const w = { from: faultStart(f), to: until };
  const affected = f.failed.length ? flowsOn(plan, runs, samples, preFaultWindow(f.began, sampleMs), f.failed) : new Set<string>();
  const flows = runs.flatMap((r) => flowWindowStats(r, w));
  const aff = flows.filter((x) => affected.has(x.label));
  const un = flows.filter((x) => !affected.has(x.label));
  let movedAfterMs: number | undefined;
  if (f.failed.length) {
    for (const s of samples) {
      if (s.at <= f.began) continue;
      if (s.at > until) break;
      const now = carrying(plan, samples, { from: s.at - sampleMs, to: s.at });
      if (!now.some((t) => f.failed.includes(t))) {
        // The interval that ends at this sample carried nothing there: traffic had moved at its start at the latest.
        movedAfterMs = Math.max(0, Math.round(s.at - sampleMs - f.began));
        break;
      }
    }
  }
  const after = timeline.filter((e) => e.at >= f.began - 5 && e.at <= until).sort((a, b) => a.at - b.at);
  const detection = after.find(
    (e) => e.source === 'daemon' && (!e.tunnel || f.failed.includes(e.tunnel)) && ((e.kind === 'liveness' && e.text.includes(' down')) || e.kind === 'session-down' || e.kind === 'demotion' || (e.kind === 'drain' && e.text.includes('marked'))),
  );
  const fib = after.find((e) => e.source === 'kernel' && e.at >= f.began);
  const failoverEvents = after
    .filter((e) => e.kind === 'failover' && e.event?.type === 'failover')
    .map((e) => ({ node: e.node, ...(e.tunnel ? { tunnel: e.tunnel } : {}), durationMs: (e.event as { durationMs: number }).durationMs, afterMs: Math.round(e.at - f.began) }));
  const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
  return {
    step: f.step,
    fault: f.fault,
    at: f.began,
    until,
    failed: f.failed,
    affected: [...affected],
    affectedLongestGapMs: max(aff.map((x) => x.outageMs)),
    affectedMedianGapMs: median(aff.map((x) => x.outageMs)),
    affectedLost: aff.reduce((a, x) => a + x.lost, 0),
    unaffectedLost: un.reduce((a, x) => a + x.lost, 0),
    unaffectedLongestGapMs: max(un.map((x) => x.outageMs)),
    ...(movedAfterMs !== undefined ? { movedAfterMs } : {}),
    ...(detection ? { detectionAfterMs: Math.round(detection.at - f.began), detectionBy: `${detection.node}: ${detection.text}` } : {}),
    failoverEvents,
    ...(fib ? { fibChangeAfterMs: Math.round(fib.at - f.began), fibChangeOn: fib.node } : {}),
    flows,
  };
}
