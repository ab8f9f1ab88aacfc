// A scenario walked without running anything: every command the engine would run, step by step (how the
// containerlab engine is tested on machines without Docker). Traffic and checks are described, not measured.

import type { ScenarioEngine } from './engine';
import { DryRunner } from './clab-engine';
import { flowCountRules, tunnelFarEnds, tunnelRouters } from './flow-counters';
import type { LoadedScenario } from './load';
import { describeFault } from './report';
import { missingFeatures, readConfig } from './requires';
import { preflightScenario } from './run';
import { hostAddress, SENDER_MAX_S, streamPorts } from './traffic-run';

/** The commands of a dry run, grouped under each step's title. */
export async function dryRunScenario(s: LoadedScenario, engine: ScenarioEngine & { runner: DryRunner }): Promise<string[]> {
  preflightScenario(s);
  const out: string[] = [];
  const log = engine.runner;
  let mark = 0;
  const flush = (title: string) => {
    out.push(`# ${title}`);
    out.push(...log.lines.slice(mark).map((l) => `  ${l.replace(/\n/g, '\n  ')}`));
    mark = log.lines.length;
  };
  const plan = await engine.up(() => undefined);
  flush(`up: lab ${plan.lab} (${engine.kind})`);
  for (const m of missingFeatures(plan, s.requires.filter((f) => f !== 'drain'), (n) => readConfig(engine.configFile(n)))) out.push(`# missing: ${m.detail}`);
  for (const [i, step] of s.steps.entries()) {
    const title = `step ${i + 1} (line ${step.line}): ${step.kind}`;
    switch (step.kind) {
      case 'converge':
        await engine.sessions();
        for (const t of s.traffic) await log.run(['ip', 'netns', 'exec', engine.namespace(t.from), 'ping', '-c', '1', '-W', '1', hostAddress(plan, t.to, t.family)]);
        flush(`${title}: until every session is Established (at most ${step.timeoutS} s)`);
        break;
      case 'traffic':
        if (step.action === 'start') {
          // The far ends too (best effort there: both ends or neither), to tell losses inside a tunnel.
          for (const r of [...tunnelRouters(plan), ...tunnelFarEnds(plan)]) await log.run(['ip', 'netns', 'exec', engine.namespace(r.node), 'nft', '-f', '-'], { input: flowCountRules(r.ifnames, s.traffic.map((_, k) => streamPorts(k).dport)) });
          for (const n of plan.nodes) engine.control(n.name)?.events(() => undefined);
          for (const n of plan.nodes.filter((x) => x.role === 'onprem-router' || x.role === 'far-gateway')) engine.spawn(['ip', '-n', engine.namespace(n.name), '-ts', 'monitor', 'route', 'nexthop']);
          s.traffic.forEach((t, k) => {
            const p = streamPorts(k);
            engine.spawn(['ip', 'netns', 'exec', engine.namespace(t.to), ...engine.bgpfoCommand(), 'scenario', 'agent', 'recv', '--port', String(p.dport), '--gap-ms', String(Math.max(2, Math.round(5000 / t.ppsPerFlow))), ...(t.family === 6 ? ['--family', '6'] : [])]);
            engine.spawn(['ip', 'netns', 'exec', engine.namespace(t.from), ...engine.bgpfoCommand(), 'scenario', 'agent', 'send', '--to', hostAddress(plan, t.to, t.family), '--port', String(p.dport), '--flows', String(t.flows), '--pps-per-flow', String(t.ppsPerFlow), '--sport-base', String(p.sportBase), '--size', String(t.size), '--max-seconds', String(SENDER_MAX_S)]);
          });
          const r0 = tunnelRouters(plan)[0];
          if (r0) await log.run(['ip', 'netns', 'exec', engine.namespace(r0.node), 'nft', '-j', 'list', 'table', 'inet', 'bgpfo_scn_flows']);
          flush(`${title}: start (counters read every ${s.sampleMs} ms on each on-prem router, as the last line)`);
        } else {
          out.push(`# ${title}: stop (SIGTERM to the senders, then the receivers; both print their JSON report)`);
        }
        break;
      case 'wait':
        out.push(`# ${title}: ${step.seconds} s`);
        break;
      case 'fault':
        await engine.fault(step.fault);
        flush(`${title}: ${describeFault(plan, step.fault)}`);
        break;
      case 'expect':
        out.push(`# ${title}: ${step.expect.name ?? ''} ${JSON.stringify(step.expect)} (judged from the measurements)`);
        break;
    }
  }
  await engine.down();
  flush('down');
  return out;
}
