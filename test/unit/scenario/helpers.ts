// Shared by the scenario unit tests: the shipped topologies' plans, scenario text from a template, and synthetic
// traffic (sender and receiver reports, counter samples) so the analysis can be checked without a lab.

import { join } from 'node:path';
import { loadLabPlan } from '../../../src/lab/plan-source';
import type { Plan } from '../../../src/orchestrator';
import type { StreamRun } from '../../../src/scenario/analyze';
import type { CounterSample } from '../../../src/scenario/flow-counters';
import { FlowRecorder, type SenderReport, type SenderStall } from '../../../src/scenario/flow-record';

export const REPO = join(__dirname, '..', '..', '..');
export const SCENARIOS = join(REPO, 'topologies', 'scenarios');
export const AA4 = join(REPO, 'topologies', 'four-tunnel-active-active.yaml');

export const aa4Plan = (file = AA4): Plan => loadLabPlan(file, { name: 'scaa', tunnelType: 'veth' });

/** A minimal valid scenario; `extra` is appended under steps. */
export function scenarioText(steps = '  - converge: {}\n  - traffic: start\n  - wait: 1\n  - fault: { blackhole: t1 }\n  - expect: { outage-max-ms: 300 }\n', head = ''): string {
  return `scenario: test-one\ntopology: ${AA4}\n${head}traffic:\n  from: hq-h1\n  to: dc-h1\nsteps:\n${steps}`;
}

export interface SyntheticFlow {
  /** Epoch ms intervals in which the flow's packets were lost. */
  outages?: [number, number][];
}

/**
 * A stream of `flows` flows at `pps` each from t0 for `seconds`, as the agents would report it: every packet due
 * arrives 0.2 ms after it is sent, unless it falls in one of its flow's outages.
 */
export function syntheticRun(plan: Plan, o: { t0: number; seconds: number; pps: number; flows: SyntheticFlow[]; direction?: 'out' | 'in'; senderStalls?: SenderStall[]; receiverStalls?: SenderStall[] }): StreamRun {
  let now = 0;
  const rec = new FlowRecorder(5, () => now);
  const n = Math.floor(o.seconds * o.pps);
  const events: { at: number; flow: number; seq: number }[] = [];
  o.flows.forEach((f, flow) => {
    for (let seq = 0; seq < n; seq++) {
      const sent = o.t0 + (seq * 1000) / o.pps;
      if (f.outages?.some(([a, b]) => sent >= a && sent < b)) continue;
      events.push({ at: sent + 0.2, flow, seq });
    }
  });
  events.sort((a, b) => a.at - b.at);
  for (const e of events) {
    now = e.at;
    rec.onPacket(e.flow, e.seq);
  }
  const sender: SenderReport = { startedAt: o.t0, stoppedAt: o.t0 + o.seconds * 1000, ppsPerFlow: o.pps, sent: o.flows.map(() => n), sendErrors: 0, sportBase: 41000, stalls: o.senderStalls ?? [] };
  const from = plan.nodes.find((x) => x.role === 'host' && x.site === 'onprem')!.name;
  const to = plan.nodes.find((x) => x.role === 'host' && x.site === 'far')!.name;
  return {
    index: 0,
    stream: { from, to, flows: o.flows.length, ppsPerFlow: o.pps, size: 64, family: 4 },
    direction: o.direction ?? 'out',
    dport: 47100,
    sportBase: 41000,
    sender,
    receiver: rec.report(47100, { stalls: o.receiverStalls ?? [], rcvbufErrors: 0 }),
  };
}

/**
 * Counter samples every `every` ms from t0 to t1: flow f goes through tunnel `route(f, t)` (a plan tunnel name, or
 * undefined for nowhere) at `pps` packets per second.
 */
export function syntheticSamples(plan: Plan, o: { t0: number; t1: number; every: number; pps: number; flows: number; route: (flow: number, at: number) => string | undefined; direction?: 'out' | 'in' }): CounterSample[] {
  const counts = new Map<string, number>();
  const out: CounterSample[] = [];
  for (let at = o.t0; at <= o.t1; at += o.every) {
    if (at > o.t0) {
      for (let f = 0; f < o.flows; f++) {
        const t = o.route(f, at - o.every / 2);
        if (!t) continue;
        const ifname = plan.tunnels.find((x) => x.name === t)!.onprem.ifname;
        const key = `${ifname}/${o.direction ?? 'out'}/${41000 + f}`;
        counts.set(key, (counts.get(key) ?? 0) + (o.pps * o.every) / 1000);
      }
    }
    out.push({ at, counts: new Map(counts) });
  }
  return out;
}
