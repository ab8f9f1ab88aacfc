// Judging a scenario's expectations from what was measured: each `expect` step is checked over the window from
// the last fault before it to the moment it was reached, on the flows' own sequence numbers and arrival times
// and on the per-tunnel counters. A failed check says what was expected, what was measured, and where.

import { STEAL_DISTURBS } from './machine-load';
import type { Plan } from '../orchestrator';
import { carrying, droppingTunnels, flowWindowStats, lostInTunnels, tunnelPackets, type FlowWindowStats, type StreamRun, type Window } from './analyze';
import { resolveTunnelRef } from './check';
import { flowCounterKey, type CounterSample } from './flow-counters';
import { faultStart, flowsOn, preFaultWindow, type FaultRecord } from './measure';
import type { Expectation, MsLimit } from './types';

export interface CheckpointRecord {
  step: number;
  line: number;
  expect: Expectation;
  /** Epoch ms the step began, and when it was done (after any within-s wait). */
  began: number;
  at: number;
  /** When traffic-on/off first held, while waiting (within-s). */
  metAt?: number;
  /** sessions-up, read from the daemons at the checkpoint: tunnel -> "Established/Established" or what it was. */
  sessions?: Record<string, string>;
  /** When they were all Established (while waiting). */
  sessionsAt?: number;
}

export interface CheckResult {
  step: number;
  line: number;
  /** The expect step's name, or "step N". */
  name: string;
  check: string;
  ok: boolean;
  expected: string;
  measured: string;
  /** Why, flow by flow or tunnel by tunnel, when it failed (and a few lines when it passed). */
  details: string[];
  /**
   * Set when the machine itself was not all there in the window: the traffic agents stalled, or the hypervisor took
   * CPU time from this virtual machine (steal). The figures may be off.
   */
  disturbed?: string;
}

/** Stalls of the traffic agents (sender or receiver) of at least `minMs` that overlap a window. */
export function agentStalls(runs: StreamRun[], w: Window, minMs: number): { at: number; ms: number }[] {
  return runs.flatMap((r) => [...r.sender.stalls, ...(r.receiver.stalls ?? [])]).filter((x) => x.ms >= minMs && x.at >= w.from && x.at - x.ms <= w.to);
}

export interface EvalContext {
  plan: Plan;
  runs: StreamRun[];
  samples: CounterSample[];
  /** Reads of both ends of every tunnel at once (at the traffic start, just before each fault, at lost-max checks). */
  pairs?: CounterSample[];
  faults: FaultRecord[];
  sampleMs: number;
  /** The topology's liveness detection time (interval x multiplier), for "detection + N". */
  detectionMs: number;
  trafficStartedAt: number;
  /** The share of CPU time the hypervisor took within a window (machine-load.ts), when it was sampled. */
  stealShare?: (w: Window) => number | undefined;
}

/** The window a steady-state check reads: the last few sample intervals before `at`. */
export const settleWindow = (at: number, sampleMs: number): Window => ({ from: at - Math.max(300, 3 * sampleMs), to: at });

export function limitMs(l: MsLimit, detectionMs: number): number {
  return 'ms' in l ? l.ms : detectionMs + l.detectionPlusMs;
}

const describeLimit = (l: MsLimit, detectionMs: number) => ('ms' in l ? `${l.ms} ms` : `detection ${detectionMs} + ${l.detectionPlusMs} = ${detectionMs + l.detectionPlusMs} ms`);

/** Tunnel names a list of references means (ISPs expanded). */
export function tunnelNames(plan: Plan, refs: string[]): string[] {
  return [...new Set(refs.flatMap((r) => (resolveTunnelRef(plan, r) ?? []).map((t) => t.name)))];
}

const signed = (ms: number) => `${ms < 0 ? '-' : '+'}${Math.abs(Math.round(ms))}`;

const idOf = (plan: Plan, name: string) => plan.tunnels.find((t) => t.name === name)?.id ?? name;

/** Whether the traffic-on / traffic-off condition holds over a window, and the packets per tunnel there. */
export function trafficCondition(plan: Plan, samples: CounterSample[], e: Expectation, w: Window): { ok: boolean; packets: Map<string, number> } {
  const on = e.trafficOn ? tunnelNames(plan, e.trafficOn) : undefined;
  const off = e.trafficOff ? tunnelNames(plan, e.trafficOff) : [];
  const sent = carrying(plan, samples, w);
  const br = samples.filter((s) => s.at <= w.from).at(-1);
  const last = samples.filter((s) => s.at >= w.to)[0] ?? samples.at(-1);
  const packets = br && last && br !== last ? tunnelPackets(plan, br, last) : new Map<string, number>();
  let ok = sent.length > 0 && !off.some((t) => sent.includes(t));
  if (on) ok &&= on.every((t) => sent.includes(t)) && sent.every((t) => on.includes(t));
  return { ok, packets };
}

/**
 * How many of the lossy flows' lost packets went into a tunnel at one end and did not come out at the other within
 * the window, from the reads of both ends that bracket it (none when the far ends are not counted, or no reads fit).
 * Tunnels a lab fault made drop packets in the window are left out: those packets were the fault's.
 */
function lostInsideTunnels(ctx: EvalContext, w: Window, lossy: FlowWindowStats[]): { lost: number; byTunnel: Map<string, number> } | undefined {
  const pairs = ctx.pairs ?? [];
  // The read just before the fault (or the traffic start) opens the window; the one at the check closes it. A tunnel
  // loss between that read and the window's start is capped below by what each flow lost within the window.
  const a = pairs.filter((p) => p.at <= w.from).at(-1) ?? pairs.find((p) => p.at >= w.from);
  const b = pairs.filter((p) => p.at <= w.to).at(-1);
  if (!a || !b || b.at <= a.at) return undefined;
  const skip = droppingTunnels(ctx.plan, ctx.faults, w, (r) => resolveTunnelRef(ctx.plan, r));
  const byTunnel = new Map<string, number>();
  let lost = 0;
  for (const f of lossy) {
    const run = ctx.runs.find((r) => r.index === f.stream);
    if (!run) continue;
    const per = lostInTunnels(ctx.plan, run, f.flow, a, b, skip);
    let n = 0;
    for (const [t, k] of per) {
      n += k;
      byTunnel.set(t, (byTunnel.get(t) ?? 0) + k);
    }
    // Counter reads race the packets in flight: never credit a flow with more than it lost.
    lost += Math.min(n, f.lost);
  }
  return { lost, byTunnel };
}

function windowFault(ctx: EvalContext, e: Expectation, at: number): FaultRecord | undefined {
  if (e.since === 'traffic-start') return undefined;
  return ctx.faults.filter((f) => f.began <= at && (!e.since || f.fault.kind === e.since)).at(-1);
}

/**
 * Where a flow's packets went missing over the whole run: sent, counted at the on-prem routers' tunnel interfaces
 * (going in for on-prem -> far, coming out for far -> on-prem), received. Tells a loss on the far side or in the
 * tunnel from one between the on-prem router and the host.
 */
export function wholeRunPath(ctx: EvalContext, f: FlowWindowStats): string {
  const run = ctx.runs.find((r) => r.index === f.stream);
  const last = ctx.samples.at(-1);
  if (!run || !last) return 'no counters';
  const sent = run.sender.sent[f.flow] ?? 0;
  const received = run.receiver.flows.find((x) => x.flow === f.flow)?.received ?? 0;
  const counted = ctx.plan.tunnels.reduce((a, t) => a + (last.counts.get(flowCounterKey(t.onprem.ifname, run.direction, run.sportBase + f.flow)) ?? 0), 0);
  const where = run.direction === 'out' ? 'into the tunnels at the on-prem routers' : 'out of the tunnels at the on-prem routers';
  return `whole run: sent ${sent}, ${counted} ${where}, received ${received}`;
}

export function evaluateCheckpoint(ctx: EvalContext, c: CheckpointRecord): CheckResult[] {
  const { plan, runs, samples } = ctx;
  const e = c.expect;
  const name = e.name ?? `step ${c.step + 1}`;
  const fault = windowFault(ctx, e, c.at);
  const w: Window = { from: fault ? faultStart(fault) : ctx.trafficStartedAt, to: c.at };
  const since = fault ? `since the ${fault.fault.kind} at step ${fault.step + 1}` : 'since the traffic started';
  const out: CheckResult[] = [];
  const stalls = agentStalls(runs, w, 50);
  const steal = ctx.stealShare?.(w);
  const causes = [
    ...(stalls.length ? [`the traffic agents stalled ${stalls.length} time(s) in this window, up to ${Math.max(...stalls.map((x) => x.ms))} ms (a busy machine)`] : []),
    ...(steal !== undefined && steal >= STEAL_DISTURBS ? [`the hypervisor took ${(100 * steal).toFixed(1)}% of the CPU time in this window (steal: a shared host)`] : []),
  ];
  const disturbed = causes.length ? `${causes.join('; ')}: run it again` : undefined;
  const result = (check: string, ok: boolean, expected: string, measured: string, details: string[] = [], ownCause?: string) => {
    const why = [disturbed && check !== 'sessions-up' ? disturbed : undefined, ownCause].filter(Boolean).join('; ');
    out.push({ step: c.step, line: c.line, name, check, ok, expected, measured, details, ...(why ? { disturbed: why } : {}) });
  };

  const needsFlows = e.outageMaxMs || e.unaffectedLossless || e.lostMax !== undefined;
  const flows = needsFlows ? runs.flatMap((r) => flowWindowStats(r, w)) : [];
  const affected = fault?.failed.length ? flowsOn(plan, runs, samples, preFaultWindow(fault.began, ctx.sampleMs), fault.failed) : undefined;
  const failedIds = fault?.failed.map((t) => idOf(plan, t)).join(', ') ?? '';

  if (e.outageMaxMs) {
    const limit = limitMs(e.outageMaxMs, ctx.detectionMs);
    const worst = [...flows].sort((a, b) => b.outageMs - a.outageMs);
    const over = worst.filter((f) => f.outageMs > limit);
    const top = worst[0];
    const measured = top ? `outage ${top.outageMs} ms (${top.label}: longest gap ${top.longestGapMs} ms, ${top.lost} lost${top.notRecovered ? ', never recovered' : ''})` : 'no flows';
    const details = over.slice(0, 8).map((f) => `${f.label}: ${f.longestGapMs} ms without a packet${f.gapFrom !== undefined ? ` from ${signed(f.gapFrom - w.from)} ms` : ''}, ${f.lost} lost (${f.lossDerivedMs} ms on the sender's clock)${affected ? (affected.has(f.label) ? ` (was on ${failedIds})` : ' (was not on a failed tunnel)') : ''}${f.notRecovered ? ', never recovered' : ''}`);
    if (over.length > 8) details.push(`... and ${over.length - 8} more flows over the limit`);
    if (affected && affected.size === 0) {
      result('outage-max-ms', false, `at most ${describeLimit(e.outageMaxMs, ctx.detectionMs)}`, `no flow used ${failedIds} before the fault: nothing measured`, ['the flows hashed onto other tunnels; use more flows']);
    } else {
      if (affected) details.push(`${affected.size} of ${flows.length} flows were on ${failedIds}`);
      // Over by no more than the time its sender was not running as its loss began: that much of it may be the sender's.
      const unsure = over.filter((f) => f.lossDerivedMs >= f.longestGapMs && f.outageMs - f.lossStartUncertainMs <= limit);
      const startUnknown =
        over.length > 0 && unsure.length === over.length
          ? `the senders were not running as the loss began (up to ${Math.max(...unsure.map((f) => f.lossStartUncertainMs))} ms, a busy machine), and the outage is over the limit by less than that`
          : undefined;
      result('outage-max-ms', over.length === 0, `an outage of at most ${describeLimit(e.outageMaxMs, ctx.detectionMs)} in every flow ${since} (longest gap, or packets lost x interval on the sender's clock)`, measured, details, startUnknown);
    }
  }

  if (e.unaffectedLossless) {
    const un = flows.filter((f) => !affected?.has(f.label));
    const lossy = un.filter((f) => f.lost > 0);
    result(
      'unaffected-lossless',
      lossy.length === 0,
      `no loss in the ${un.length} flows that were not on ${failedIds || 'a failed tunnel'}`,
      `${lossy.reduce((a, f) => a + f.lost, 0)} packets lost in ${lossy.length} of them`,
      lossy.slice(0, 8).map((f) => `${f.label}: ${f.lost} lost, longest gap ${f.longestGapMs} ms`),
    );
  }

  if (e.lostMax !== undefined) {
    const lost = flows.reduce((a, f) => a + f.lost, 0);
    const lossy = flows.filter((f) => f.lost > 0).sort((a, b) => b.lost - a.lost);
    const details = lossy.slice(0, 8).map((f) => `${f.label}: ${f.lost} lost, longest gap ${f.longestGapMs} ms; ${wholeRunPath(ctx, f)}`);
    const inside = lost > e.lostMax ? lostInsideTunnels(ctx, w, lossy) : undefined;
    let cause: string | undefined;
    if (inside) {
      const per = [...inside.byTunnel].map(([t, n]) => `${idOf(plan, t)} ${n}`).join(', ');
      details.push(`${inside.lost} of the ${lost} lost packets went into a tunnel at one end and never came out of the other${per ? ` (${per})` : ''}: lost inside the tunnel, not by routing`);
      // A userspace tunnel process that falls behind on a busy machine drops packets by itself (wireguard-go's queues);
      // when every lost packet is one of those, the run measured the machine, not the failover: worth running again.
      if (inside.lost >= lost && plan.tunnelType === 'wireguard') cause = `all ${lost} lost packets were lost inside the userspace WireGuard tunnels (into one end, never out of the other: wireguard-go fell behind), not by routing: run it again`;
    }
    result('lost-max', lost <= e.lostMax, `at most ${e.lostMax} packets lost ${since}`, `${lost} lost in ${lossy.length} of ${flows.length} flows`, details, cause);
  }

  if (e.trafficOn || e.trafficOff) {
    const at = c.metAt ?? c.at;
    const sw = settleWindow(at, ctx.sampleMs);
    // A check that waited is judged on what came after it began; one that did not, on the moments before it.
    const from = c.metAt !== undefined ? Math.max(sw.from, c.began) : sw.from;
    const cond = trafficCondition(plan, samples, e, { from, to: sw.to });
    const secs = Math.max(0.05, (sw.to - from) / 1000);
    const shown = [...cond.packets].map(([t, n]) => `${idOf(plan, t)} ${Math.round(n / secs)}`).join(', ');
    const parts = [e.trafficOn ? `traffic on exactly ${tunnelNames(plan, e.trafficOn).map((t) => idOf(plan, t)).join(', ')}` : '', e.trafficOff ? `none on ${tunnelNames(plan, e.trafficOff).map((t) => idOf(plan, t)).join(', ')}` : ''].filter(Boolean);
    const expected = parts.join(' and ') + (e.withinS !== undefined ? ` within ${e.withinS} s` : '');
    const measured = c.metAt !== undefined ? `held ${Math.round(c.metAt - w.from)} ms after the ${fault ? fault.fault.kind : 'traffic start'} (packets/s: ${shown})` : `packets/s at the check: ${shown}`;
    result(e.trafficOn ? 'traffic-on' : 'traffic-off', cond.ok, expected, measured);
  }

  if (e.noFlap && e.trafficOn) {
    const target = tunnelNames(plan, e.trafficOn).sort();
    const sets: { at: number; set: string[] }[] = [];
    // Judged over sliding windows of a few sample intervals (as traffic-on is): a traffic agent that paused for a
    // moment empties a tunnel for one interval, which is not a flap; a window in which a sender was not sending for
    // half of the window or more says nothing and is skipped.
    const span = Math.max(3, Math.round(300 / ctx.sampleMs));
    const quiet = agentStalls(runs, w, (span * ctx.sampleMs) / 2);
    for (let i = span; i < samples.length; i++) {
      const s = samples[i]!;
      const from = samples[i - span]!.at;
      if (from < w.from || s.at > c.at) continue;
      if (quiet.some((x) => x.at >= from && x.at - x.ms <= s.at)) continue;
      sets.push({ at: s.at, set: carrying(plan, samples, { from, to: s.at }).sort() });
    }
    const same = (x: string[]) => x.length === target.length && x.every((t, i) => t === target[i]);
    const first = sets.findIndex((x) => same(x.set));
    const changes = first < 0 ? [] : sets.slice(first).filter((x) => !same(x.set));
    result(
      'no-flap',
      first >= 0 && changes.length === 0,
      `once on ${target.map((t) => idOf(plan, t)).join(', ')}, the traffic stays there until this step`,
      sets.length === 0 ? 'no sample interval to judge (the traffic agents stalled through all of them)' : first < 0 ? 'the traffic never settled on those tunnels' : `${changes.length} of ${sets.length - first} windows of ${span} sample intervals differed`,
      changes.slice(0, 5).map((x) => `+${Math.round(x.at - w.from)} ms: on ${x.set.map((t) => idOf(plan, t)).join(', ') || 'nothing'}`),
    );
  }

  if (e.sessionsUp) {
    const bad = Object.entries(c.sessions ?? {}).filter(([, st]) => st !== 'Established/Established');
    const states = c.sessions ? Object.entries(c.sessions).map(([t, st]) => `${idOf(plan, t)} ${st}`).join(', ') : 'not read';
    result(
      'sessions-up',
      c.sessions !== undefined && bad.length === 0,
      `BGP sessions of ${e.sessionsUp.join(', ')} Established at both ends${e.withinS !== undefined ? ` within ${e.withinS} s` : ''}`,
      c.sessionsAt !== undefined && e.withinS !== undefined ? `${states} after ${Math.round(c.sessionsAt - c.began)} ms` : states,
    );
  }
  return out;
}
