// Runs a scenario: brings the lab up (or attaches), checks the features it needs, walks its steps (converge,
// traffic, faults, waits, checkpoints), collects the data plane (flows, per-tunnel counters) and the daemons'
// timeline, judges every expectation, undoes the faults it left, and writes the report (JSON, text, SVG).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { notEstablished } from '../lab/sessions';
import { inNetns } from '../lab/exec';
import { loadLabPlan } from '../lab/plan-source';
import type { Plan } from '../orchestrator';
import { tunnelSeries, type StreamRun, type Window } from './analyze';
import { checkScenario, resolveTunnelRef } from './check';
import type { ScenarioEngine } from './engine';
import { ScenarioRunError } from './errors';
import { StealSampler } from './machine-load';
import { evaluateCheckpoint, settleWindow, trafficCondition, type CheckpointRecord, type CheckResult } from './expect';
import { epochMs } from './flow-agent';
import type { LoadedScenario } from './load';
import { failedTunnels } from './analyze';
import { measureFault, type FaultRecord } from './measure';
import { describeFault, formatSummary, lossSeries, REPORT_FORMAT, streamSummary, type ScenarioReport, type StepRecord } from './report';
import { missingFeatures, readConfig, type MissingFeature } from './requires';
import { renderTimelineSvg } from './svg';
import { EventFollower, FibMonitor, type TimelineEntry } from './timeline';
import { hostAddress, TrafficRun } from './traffic-run';
import type { FaultSpec, Scenario } from './types';

export interface RunScenarioOptions {
  engine: ScenarioEngine;
  progress?: (line: string) => void;
  /** Write report.json, summary.txt, timeline.svg and runs.json (the agents' records) here. */
  reportDir?: string;
  signal?: AbortSignal;
  /** Stop right after the feature check when something is missing (the report says what). */
  stopOnMissing?: boolean;
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

/** The fault that undoes another (what the run applies at the end if the scenario left it in place). */
export function inverseFault(f: FaultSpec): FaultSpec | undefined {
  switch (f.kind) {
    case 'blackhole':
    case 'loss':
      return { kind: 'restore', tunnel: f.tunnel };
    case 'tunnel-down':
      return { kind: 'tunnel-up', tunnel: f.tunnel };
    case 'drain':
      return { kind: 'undrain', tunnel: f.tunnel };
    case 'isp-down':
      return { kind: 'isp-up', isp: f.isp };
    case 'stop':
    case 'kill':
      return { kind: 'start', node: f.node };
    case 'node-down':
      return { kind: 'node-up', node: f.node };
    default:
      return undefined;
  }
}

/** What a fault repairs, as the key its inverse is filed under. */
function faultKey(f: FaultSpec): string {
  if ('tunnel' in f) return `tunnel:${f.tunnel}:${f.kind === 'drain' || f.kind === 'undrain' ? 'drain' : f.kind.startsWith('tunnel-') ? 'link' : 'nft'}`;
  if ('isp' in f) return `isp:${f.isp}`;
  return `node:${f.node}:${f.kind.startsWith('node-') ? 'power' : 'daemon'}`;
}

export function livenessText(plan: Plan): string {
  const on = plan.sessions.some((s) => s.kind === 'tunnel' && (s.a.liveness !== 'none' || s.b.liveness !== 'none'));
  return on ? `${plan.liveness.method === 'bfd' ? 'BFD' : 'probe'} ${plan.liveness.intervalMs} ms x ${plan.liveness.multiplier}` : 'off';
}

/** Checks the scenario against its topology before anything is brought up. Throws ScenarioError/TopologyError. */
export function preflightScenario(s: LoadedScenario): Plan {
  const plan = loadLabPlan(s.topology, {
    ...(s.lab.name !== undefined ? { name: s.lab.name } : {}),
    ...(s.lab.tunnel !== undefined ? { tunnelType: s.lab.tunnel } : {}),
    ...(s.lab.routerDaemon !== undefined ? { routerDaemon: s.lab.routerDaemon } : {}),
    ...(s.lab.farDaemon !== undefined ? { farDaemon: s.lab.farDaemon } : {}),
    ...(s.lab.liveness !== undefined ? { liveness: s.lab.liveness } : {}),
  });
  checkScenario(s, plan);
  return plan;
}

async function checkDrain(engine: ScenarioEngine, plan: Plan): Promise<MissingFeature[]> {
  const routers = plan.nodes.filter((n) => n.role === 'onprem-router' && n.runs === 'bgpfo');
  for (const r of routers) {
    const api = engine.control(r.name);
    if (!api) continue;
    const sub = api.events(() => undefined);
    const ok = await Promise.race([sub.ready.then(() => true), sub.done.then(() => false, () => false), sleep(3000).then(() => false)]);
    sub.close();
    if (!ok) return [{ feature: 'drain', detail: `drain: ${r.name}'s bgpfo does not serve the operations API (GET /v1/events, POST /v1/drain)` }];
  }
  return [];
}

async function converge(engine: ScenarioEngine, s: Scenario, plan: Plan, timeoutS: number, signal?: AbortSignal): Promise<string> {
  const deadline = Date.now() + timeoutS * 1000;
  let pending: string[] = [];
  for (;;) {
    pending = notEstablished(await engine.sessions());
    if (pending.length === 0) break;
    if (Date.now() > deadline || signal?.aborted) throw new ScenarioRunError(`${pending.length} BGP sessions not Established after ${timeoutS} s:\n  ${pending.join('\n  ')}`);
    await sleep(250, signal);
  }
  // Sessions up is not routes in the kernel: wait until each stream's hosts reach each other.
  for (const t of s.traffic) {
    const to = hostAddress(plan, t.to, t.family);
    for (;;) {
      const r = await engine.runner.run(inNetns(engine.namespace(t.from), ['ping', '-c', '1', '-W', '1', to]));
      if (r.code === 0) break;
      if (Date.now() > deadline || signal?.aborted) throw new ScenarioRunError(`${t.from} cannot reach ${t.to} (${to}) ${timeoutS} s after the start, though every session is Established`);
      await sleep(200, signal);
    }
  }
  // And reachability is not the final state: wait until no daemon's FIB has changed for a while.
  const settled = await fibSettled(engine, plan, FIB_SETTLE_MS, deadline, signal);
  return `converged: ${plan.sessions.length} BGP sessions Established, ${s.traffic.map((t) => `${t.from} reaches ${t.to}`).join(', ')}${settled ? `, routes unchanged for ${FIB_SETTLE_MS / 1000} s` : ', routes still changing at the timeout'}`;
}

/** How long every routing table must stay the same before the traffic starts. */
export const FIB_SETTLE_MS = 1500;

/** Polls the routes and nexthops of every node that runs a daemon until they stay the same for `quietMs`. */
async function fibSettled(engine: ScenarioEngine, plan: Plan, quietMs: number, deadline: number, signal?: AbortSignal): Promise<boolean> {
  const nodes = plan.nodes.filter((n) => n.runs !== 'none');
  let last = '';
  let since = Date.now();
  for (;;) {
    const parts = await Promise.all(
      nodes.map(async (n) => {
        const ns = engine.namespace(n.name);
        const r = await engine.runner.run(['ip', '-n', ns, 'route', 'show']);
        const h = await engine.runner.run(['ip', '-n', ns, 'nexthop', 'show']);
        return `${n.name}\n${r.stdout}${h.stdout}`;
      }),
    );
    const now = parts.join('\n');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return true;
    if (Date.now() > deadline || signal?.aborted) return false;
    await sleep(250, signal);
  }
}

export async function runScenario(s: LoadedScenario, o: RunScenarioOptions): Promise<ScenarioReport> {
  const { engine, signal } = o;
  const progress = o.progress ?? (() => undefined);
  const started = Date.now();
  preflightScenario(s);
  progress(`scenario ${s.name}: ${s.steps.length} steps on ${s.topology} (${engine.kind})`);
  const plan = await engine.up(progress, signal);
  checkScenario(s, plan);

  const steps: StepRecord[] = [];
  const faults: FaultRecord[] = [];
  const checkpoints: CheckpointRecord[] = [];
  const followers: EventFollower[] = [];
  const monitors: FibMonitor[] = [];
  const active = new Map<string, FaultSpec>();
  let traffic: TrafficRun | undefined;
  let runs: StreamRun[] = [];
  let error: string | undefined;
  let missing: MissingFeature[] = [];
  const ifTunnel = new Map(plan.tunnels.flatMap((t) => [[t.onprem.ifname, t.name] as const, [t.far.ifname, t.name] as const]));
  const steal = new StealSampler();
  const startCollectors = async () => {
    steal.start(s.sampleMs, epochMs);
    for (const n of plan.nodes) {
      const api = engine.control(n.name);
      if (api) followers.push(new EventFollower(plan, n.name, (cb) => api.events(cb)));
    }
    await Promise.all(followers.map((f) => f.start()));
    // Every edge's kernel FIB, whatever daemon runs there (BIRD and FRR gateways publish no events of ours).
    for (const n of plan.nodes.filter((x) => x.role === 'onprem-router' || x.role === 'far-gateway')) {
      monitors.push(new FibMonitor(n.name, engine.spawn(['ip', '-n', engine.namespace(n.name), '-ts', 'monitor', 'route', 'nexthop']), (i) => ifTunnel.get(i)));
    }
  };

  const applyFault = async (f: FaultSpec, i: number, line: number) => {
    // Both ends of every tunnel counted as the fault's window opens: a lost-max check can tell losses inside a tunnel.
    if (traffic && !runs.length) await traffic.sampler.readBothEnds();
    const began = epochMs();
    const text = await engine.fault(f);
    const at = epochMs();
    const failed = failedTunnels(plan, f, (r) => resolveTunnelRef(plan, r)).map((t) => t.name);
    faults.push({ step: i, line, fault: f, began, at, text, failed });
    const inv = inverseFault(f);
    if (inv) active.set(faultKey(f), inv);
    else active.delete(faultKey(f));
    return text;
  };

  try {
    missing = missingFeatures(plan, s.requires.filter((f) => f !== 'drain'), (n) => readConfig(engine.configFile(n)));
    if (s.requires.includes('drain')) missing.push(...(await checkDrain(engine, plan)));
    for (const m of missing) progress(`missing: ${m.detail}`);
    if (missing.length && o.stopOnMissing) throw new ScenarioRunError(`stopped: ${missing.length} feature(s) missing`);

    for (const [i, step] of s.steps.entries()) {
      if (signal?.aborted) throw new ScenarioRunError('interrupted');
      const began = epochMs();
      let text = '';
      switch (step.kind) {
        case 'converge':
          text = await converge(engine, s, plan, step.timeoutS, signal);
          break;
        case 'wait':
          await sleep(step.seconds * 1000, signal);
          text = `wait ${step.seconds} s`;
          break;
        case 'traffic':
          if (step.action === 'start') {
            await startCollectors();
            traffic = new TrafficRun(engine, plan, s.traffic, s.sampleMs);
            await traffic.start();
            await traffic.sampler.readBothEnds();
            const pps = s.traffic.reduce((a, t) => a + t.flows * t.ppsPerFlow, 0);
            text = `traffic started: ${s.traffic.reduce((a, t) => a + t.flows, 0)} flows, ${pps} packets/s`;
          } else {
            runs = await traffic!.stop();
            text = 'traffic stopped';
          }
          break;
        case 'fault':
          text = `${describeFault(plan, step.fault)}: ${await applyFault(step.fault, i, step.line)}`;
          break;
        case 'expect': {
          const e = step.expect;
          const c: CheckpointRecord = { step: i, line: step.line, expect: e, began, at: 0 };
          if ((e.trafficOn || e.trafficOff) && traffic) {
            const deadline = epochMs() + (e.withinS ?? 0) * 1000;
            for (;;) {
              const last = traffic.sampler.samples.at(-1);
              // Judged on samples taken since this step began (a condition that held before a fault says nothing).
              const sw = settleWindow(last?.at ?? 0, s.sampleMs);
              if (last && last.at > began + s.sampleMs / 2 && trafficCondition(plan, traffic.sampler.samples, e, { from: Math.max(sw.from, began), to: sw.to }).ok) {
                c.metAt = last.at;
                break;
              }
              if (epochMs() >= deadline || signal?.aborted) break;
              await sleep(s.sampleMs / 2, signal);
            }
          }
          if (e.sessionsUp) {
            const deadline = epochMs() + (e.withinS ?? 0) * 1000;
            for (;;) {
              const st = await engine.sessions();
              c.sessions = Object.fromEntries(
                e.sessionsUp.map((ref) => {
                  const t = resolveTunnelRef(plan, ref)![0]!;
                  const end = (node: string) => st.find((x) => x.session === t.name && x.node === node)?.state ?? 'missing';
                  return [t.name, `${end(t.onprem.node)}/${end(t.far.node)}`];
                }),
              );
              if (Object.values(c.sessions).every((x) => x === 'Established/Established')) {
                c.sessionsAt = epochMs();
                break;
              }
              if (epochMs() >= deadline || signal?.aborted) break;
              await sleep(250, signal);
            }
          }
          if (e.lostMax !== undefined && traffic && !runs.length) await traffic.sampler.readBothEnds();
          c.at = epochMs();
          checkpoints.push(c);
          text = `check ${e.name ?? `step ${i + 1}`}`;
          break;
        }
      }
      const label = step.kind === 'fault' ? describeFault(plan, step.fault).replace(/ \(.*\)$/, '') : step.kind === 'expect' ? (step.expect.name ?? `check ${i + 1}`) : step.kind;
      steps.push({ step: i, line: step.line, kind: step.kind, label, text, began, ended: epochMs() });
      progress(`[${i + 1}/${s.steps.length}] ${text}`);
    }
    if (traffic && !runs.length) runs = await traffic.stop();
  } catch (e) {
    error = (e as Error).message;
    progress(`error: ${error}`);
    await traffic?.abort();
  } finally {
    for (const f of followers) await f.stop();
    for (const m of monitors) m.stop();
    // Leave the lab as the scenario found it: a lab shared by several scenarios must not keep a fault.
    for (const inv of [...active.values()].reverse()) {
      try {
        progress(`restoring: ${describeFault(plan, inv)}: ${await engine.fault(inv)}`);
      } catch (e) {
        progress(`restoring ${describeFault(plan, inv)} failed: ${(e as Error).message}`);
      }
    }
  }

  const timeline: TimelineEntry[] = [...followers.flatMap((f) => f.entries), ...monitors.flatMap((m) => m.entries())].sort((a, b) => a.at - b.at);
  const t0 = runs.length ? Math.min(...runs.map((r) => r.sender.startedAt)) : (traffic?.startedAt[0] ?? started);
  const samples = traffic?.sampler.samples ?? [];
  steal.stop();
  const ctx = { plan, runs, samples, pairs: traffic?.sampler.pairs ?? [], faults, sampleMs: s.sampleMs, detectionMs: plan.liveness.intervalMs * plan.liveness.multiplier, trafficStartedAt: t0, stealShare: (w: Window) => steal.shareWithin(w) };
  const checks: CheckResult[] = runs.length ? checkpoints.flatMap((c) => evaluateCheckpoint(ctx, c)) : [];
  const end = runs.length ? Math.max(...runs.map((r) => r.sender.stoppedAt)) : epochMs();
  const measurements = runs.length
    ? faults.map((f, i) => measureFault(plan, runs, samples, timeline, f, faults[i + 1]?.began ?? end, s.sampleMs))
    : [];
  const report: ScenarioReport = {
    format: REPORT_FORMAT,
    scenario: s.name,
    file: s.file,
    ...(s.description ? { description: s.description } : {}),
    engine: engine.kind,
    lab: plan.lab,
    topology: s.topology,
    tunnelType: plan.tunnelType,
    liveness: livenessText(plan),
    detectionMs: ctx.detectionMs,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    passed: !error && missing.length === 0 && checks.length > 0 && checks.every((c) => c.ok),
    missing,
    ...(error ? { error } : {}),
    disturbed: checks.some((c) => !c.ok && c.disturbed !== undefined),
    ...(steal.samples.length > 1 ? { maxStealPct: Math.round(1000 * steal.maxShare(1000)) / 10 } : {}),
    t0,
    streams: runs.map(streamSummary),
    steps,
    faults: measurements,
    checks,
    series: tunnelSeries(plan, samples),
    loss: lossSeries(runs, s.sampleMs),
    timeline,
  };
  if (o.reportDir) {
    writeReport(report, o.reportDir, plan);
    // The agents' own records (every flow's arrivals, every stall): what a post-mortem of a failed check reads.
    writeFileSync(join(o.reportDir, 'runs.json'), JSON.stringify(runs) + '\n');
  }
  return report;
}

/** report.json, summary.txt and timeline.svg in `dir`. */
export function writeReport(r: ScenarioReport, dir: string, plan?: Plan): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(r, null, 1) + '\n');
  writeFileSync(join(dir, 'summary.txt'), formatSummary(r, plan) + '\n');
  writeFileSync(join(dir, 'timeline.svg'), renderTimelineSvg(r));
}
