// Pure analysis of one run: per-tunnel packet rates from the counter samples, which tunnel each flow used in a
// time window, and per flow what a window cost (packets lost, the longest time without a packet), RFC 6412 /
// RFC 7747 style: the outage is read from the data plane, never from a daemon's own account.

import type { Plan, PlanTunnel } from '../orchestrator';
import { flowCounterKey, type CounterSample } from './flow-counters';
import { decodeBitmap, lossOnSenderClock, seqAt, stalledWithin, type ReceiverReport, type SenderReport } from './flow-record';
import type { TrafficStream } from './types';

/** One traffic stream as run: where it went, its ports, and what both ends reported. */
export interface StreamRun {
  index: number;
  stream: TrafficStream;
  /** Its name in flow labels, unique in the run (streamNames); streamBaseName when not given. */
  name?: string;
  /** out: from the on-prem site to the far one (counted on the tunnels' outbound side); in: the other way. */
  direction: 'out' | 'in';
  dport: number;
  sportBase: number;
  sender: SenderReport;
  receiver: ReceiverReport;
}

export interface Window {
  from: number;
  to: number;
}

/** Packets through each tunnel (both directions) between two samples: tunnel name -> packets. */
export function tunnelPackets(plan: Plan, a: CounterSample, b: CounterSample): Map<string, number> {
  const byIf = new Map(plan.tunnels.map((t) => [t.onprem.ifname, t.name]));
  const out = new Map(plan.tunnels.map((t) => [t.name, 0]));
  for (const [key, v] of b.counts) {
    const ifname = key.split('/')[0]!;
    const t = byIf.get(ifname);
    if (t) out.set(t, out.get(t)! + Math.max(0, v - (a.counts.get(key) ?? 0)));
  }
  return out;
}

/** The samples that bracket a window: the last at or before `from`, the first at or after `to` (clamped). */
export function bracket(samples: CounterSample[], w: Window): [CounterSample, CounterSample] | undefined {
  if (samples.length < 2) return undefined;
  let a = samples[0]!;
  for (const s of samples) if (s.at <= w.from) a = s;
  let b = samples[samples.length - 1]!;
  for (let i = samples.length - 1; i >= 0; i--) if (samples[i]!.at >= w.to) b = samples[i]!;
  return a === b ? undefined : [a, b];
}

/** Packets per tunnel within a window (from the samples that bracket it). */
export function tunnelPacketsIn(plan: Plan, samples: CounterSample[], w: Window): Map<string, number> {
  const br = bracket(samples, w);
  return br ? tunnelPackets(plan, br[0], br[1]) : new Map(plan.tunnels.map((t) => [t.name, 0]));
}

export interface TunnelSeries {
  tunnel: string;
  id: string;
  /** [epoch ms at the interval's end, packets per second over the interval]. */
  points: [number, number][];
}

/** Packets per second per tunnel over every sample interval. */
export function tunnelSeries(plan: Plan, samples: CounterSample[]): TunnelSeries[] {
  const series = plan.tunnels.map((t) => ({ tunnel: t.name, id: t.id, points: [] as [number, number][] }));
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = (b.at - a.at) / 1000;
    if (dt <= 0) continue;
    const p = tunnelPackets(plan, a, b);
    for (const s of series) s.points.push([b.at, Math.round((p.get(s.tunnel) ?? 0) / dt)]);
  }
  return series;
}

/** The tunnels that carried some of the traffic in a window. */
export function carrying(plan: Plan, samples: CounterSample[], w: Window): string[] {
  return [...tunnelPacketsIn(plan, samples, w)].filter(([, n]) => n > 0).map(([t]) => t);
}

/** Flow f of a stream -> tunnel -> packets it sent through that tunnel within the window. */
export function flowTunnels(plan: Plan, run: StreamRun, samples: CounterSample[], w: Window): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  const br = bracket(samples, w);
  if (!br) return out;
  const [a, b] = br;
  for (const t of plan.tunnels) {
    for (let f = 0; f < run.stream.flows; f++) {
      const key = flowCounterKey(t.onprem.ifname, run.direction, run.sportBase + f);
      const n = (b.counts.get(key) ?? 0) - (a.counts.get(key) ?? 0);
      if (n <= 0) continue;
      if (!out.has(f)) out.set(f, new Map());
      out.get(f)!.set(t.name, n);
    }
  }
  return out;
}

export interface FlowWindowStats {
  stream: number;
  flow: number;
  /** "hq-h1>dc-h1#3". */
  label: string;
  /** Packets due in the window that never arrived. */
  lost: number;
  /**
   * RFC 7747 loss-derived convergence time: lost packets x the flow's packet interval, taken at the times the lost
   * packets were sent (lossOnSenderClock): a sender catching up after a stall does not stretch it.
   */
  lossDerivedMs: number;
  /** Sender stall time just before its runs of lost packets: when the outage began is not known within it. */
  lossStartUncertainMs: number;
  /**
   * The longest time without a packet among gaps that touch the window (whole gap, even if it ends later), less
   * the time the sender or the receiver itself was stalled within it.
   */
  longestGapMs: number;
  /** Epoch ms that gap began (the last packet before it). */
  gapFrom?: number;
  /**
   * The outage this flow saw: the longest gap or the loss-derived time, whichever is longer (a stalled agent can
   * hide a gap, never the packets the network dropped meanwhile).
   */
  outageMs: number;
  /** The flow had no packet from the gap's start to the end of the traffic. */
  notRecovered: boolean;
}

/** A stream as flow labels name it: "hq-h1>dc-h1", "/v6" after it for IPv6. */
export const streamBaseName = (s: TrafficStream): string => `${s.from}>${s.to}${s.family === 6 ? '/v6' : ''}`;

/**
 * Each stream's name, unique in the run: two streams between the same hosts in the same family are told apart by
 * their place in the scenario ("hq-h1>dc-h1:2"). Flow labels key the checks' sets of affected flows: one name for
 * two streams would excuse one stream's loss by the other's tunnel.
 */
export function streamNames(streams: readonly TrafficStream[]): string[] {
  const base = streams.map(streamBaseName);
  return base.map((b, i) => (base.filter((x) => x === b).length > 1 ? `${b}:${i + 1}` : b));
}

/** "hq-h1>dc-h1#3": flow 3 of a stream. */
export const flowLabel = (run: StreamRun, flow: number) => `${run.name ?? streamBaseName(run.stream)}#${flow}`;

/** What the window cost each flow of a stream. */
export function flowWindowStats(run: StreamRun, w: Window): FlowWindowStats[] {
  const s = run.sender;
  const interval = 1000 / s.ppsPerFlow;
  const byFlow = new Map(run.receiver.flows.map((f) => [f.flow, f]));
  const stalls = [...s.stalls, ...(run.receiver.stalls ?? [])];
  const out: FlowWindowStats[] = [];
  for (let flow = 0; flow < run.stream.flows; flow++) {
    const sent = s.sent[flow] ?? 0;
    const rec = byFlow.get(flow);
    const from = Math.min(seqAt(s, w.from), sent);
    const to = Math.min(seqAt(s, w.to), sent);
    const bits = rec ? decodeBitmap(rec.bitmap) : new Uint8Array(0);
    const loss = lossOnSenderClock(bits, from, to, s);
    let longest = 0;
    let gapFrom: number | undefined;
    let notRecovered = false;
    for (const g of rec?.gaps ?? []) {
      if (g.to < w.from || g.from > w.to) continue;
      // The time the sender was not sending or the receiver not reading is not the network's outage.
      const len = g.to - g.from - stalledWithin(g.from, g.to, stalls);
      if (len > longest) {
        longest = len;
        gapFrom = g.from;
      }
    }
    // No packet after the last arrival although more were sent: cut off until the traffic stopped.
    const lastAt = rec ? rec.lastAt : s.startedAt;
    if ((rec?.maxSeq ?? -1) < sent - 1 - Math.ceil(20 / interval) && lastAt < w.to) {
      notRecovered = true;
      const open = s.stoppedAt - lastAt;
      if (open > longest) {
        longest = open;
        gapFrom = lastAt;
      }
    }
    out.push({
      stream: run.index,
      flow,
      label: flowLabel(run, flow),
      lost: loss.lost,
      lossDerivedMs: Math.round(loss.ms * 10) / 10,
      lossStartUncertainMs: Math.round(loss.uncertainMs * 10) / 10,
      longestGapMs: Math.round(longest * 10) / 10,
      outageMs: Math.round(Math.max(longest, loss.ms) * 10) / 10,
      ...(gapFrom !== undefined ? { gapFrom } : {}),
      notRecovered,
    });
  }
  return out;
}

/** The tunnels a fault takes away (empty for a fault that repairs something). */
export function failedTunnels(plan: Plan, f: import('./types').FaultSpec, resolve: (ref: string) => PlanTunnel[] | undefined): PlanTunnel[] {
  switch (f.kind) {
    case 'blackhole':
    case 'loss':
    case 'tunnel-down':
    case 'drain':
      return resolve(f.tunnel) ?? [];
    case 'isp-down':
      return plan.tunnels.filter((t) => t.isp === f.isp);
    case 'stop':
    case 'kill':
    case 'node-down':
      return plan.tunnels.filter((t) => t.onprem.node === f.node || t.far.node === f.node);
    default:
      return [];
  }
}

/**
 * The tunnels a lab fault made drop packets at some moment of a window (blackhole, loss, link down, ISP down): a
 * packet that went into one of them and never came out was dropped by the fault, not lost inside the tunnel.
 */
export function droppingTunnels(plan: Plan, faults: { fault: import('./types').FaultSpec; began: number }[], w: Window, resolve: (ref: string) => PlanTunnel[] | undefined): Set<string> {
  const active = new Set<string>();
  let hit: Set<string> | undefined;
  for (const { fault: f, began } of [...faults].sort((a, b) => a.began - b.began)) {
    if (began > w.to) break;
    if (began > w.from && !hit) hit = new Set(active);
    const names = (f.kind === 'isp-down' || f.kind === 'isp-up' ? plan.tunnels.filter((t) => t.isp === f.isp) : 'tunnel' in f ? (resolve(f.tunnel) ?? []) : []).map((t) => t.name);
    const drops = f.kind === 'blackhole' || f.kind === 'tunnel-down' || f.kind === 'isp-down' || (f.kind === 'loss' && f.percent > 0);
    const repairs = f.kind === 'restore' || f.kind === 'tunnel-up' || f.kind === 'isp-up' || (f.kind === 'loss' && f.percent === 0);
    for (const n of names) {
      if (drops) {
        active.add(n);
        hit?.add(n);
      } else if (repairs) active.delete(n);
    }
  }
  return hit ?? active;
}

/**
 * Per tunnel, the packets of one flow that went into the tunnel at one end and did not come out at the other between
 * two reads of both ends (FlowCounterSampler.readBothEnds): lost inside the tunnel itself (its transport, or the
 * userspace process that carries it), not by any routing decision. Tunnels in `skip` are left out.
 */
export function lostInTunnels(plan: Plan, run: StreamRun, flow: number, a: CounterSample, b: CounterSample, skip: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  const sport = run.sportBase + flow;
  const delta = (k: string) => (b.counts.get(k) ?? 0) - (a.counts.get(k) ?? 0);
  for (const t of plan.tunnels) {
    if (skip.has(t.name)) continue;
    const [intoIf, outOfIf] = run.direction === 'out' ? [t.onprem.ifname, t.far.ifname] : [t.far.ifname, t.onprem.ifname];
    const deficit = delta(flowCounterKey(intoIf, 'out', sport)) - delta(flowCounterKey(outOfIf, 'in', sport));
    if (deficit > 0) out.set(t.name, deficit);
  }
  return out;
}

/** The median of a list (0 for none). */
export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
