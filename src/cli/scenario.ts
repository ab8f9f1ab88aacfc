// `bgpfo scenario run|check`: failover scenarios from the command line (src/scenario does the work), and the
// hidden `scenario agent send|recv` that the runner starts inside the lab hosts' namespaces.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from './main';

const scenario = () => import('../scenario');

/** A scenario whose expectations were not all met: exit status 1 after the summary. */
export class ScenarioFailed extends Error {
  readonly code = 'ERR_SCENARIO_FAILED';
}

function num(min: number, max: number, integer = true) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`expected ${integer ? 'an integer' : 'a number'} ${min}..${max}.`);
    return n;
  };
}

async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const on = () => ac.abort();
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
}

interface RunOpts {
  engine: 'netns' | 'containerlab';
  report?: string;
  lab?: string;
  keep?: boolean;
  dryRun?: boolean;
  workDir?: string;
  clab?: string;
  attach?: boolean;
  stopOnMissing?: boolean;
  json?: boolean;
}

export function registerScenarioCommands(program: Command, io: CliIo): void {
  const env = io.env ?? process.env;
  const cmd = program.command('scenario').description('failover scenarios: scripted faults with traffic, outage measured from the data plane');

  cmd
    .command('run')
    .description('run a scenario file; exit 1 when an expectation fails (docs/scenarios.md)')
    .argument('<file>', 'scenario file (topologies/scenarios/*.yaml)')
    .addOption(new Option('--engine <engine>', 'where to run it').choices(['netns', 'containerlab']).default('netns'))
    .option('--report <dir>', 'write report.json, summary.txt, timeline.svg and runs.json (what each traffic agent recorded) there')
    .option('--lab <name>', 'netns: use this lab, already up (and leave it up)')
    .option('--keep', 'leave the lab up afterwards')
    .option('--dry-run', 'containerlab: print the commands it would run, run none')
    .option('--work-dir <dir>', 'containerlab: render the topology here')
    .option('--clab <file>', "containerlab: deploy this render (bgpfo render's *.clab.yml, with its keys) instead of the scenario's lab")
    .option('--attach', 'containerlab with --clab: the lab is already deployed; use it and leave it up')
    .option('--stop-on-missing', 'stop before the traffic when a feature the scenario needs is missing')
    .option('--json', 'print the report as JSON instead of the summary')
    .action(async (file: string, o: RunOpts) => {
      const sc = await scenario();
      const s = sc.loadScenario(file);
      if (o.dryRun) {
        if (o.engine !== 'containerlab') throw new CommanderError(2, 'bgpfo.usage', '--dry-run is for --engine containerlab (bgpfo scenario check validates a file for netns)');
        const engine = new sc.ClabEngine({ topology: s.topology, lab: s.lab, dryRun: true, ...(o.workDir ? { workDir: o.workDir } : {}) });
        const lines = await sc.dryRunScenario(s, engine as typeof engine & { runner: InstanceType<typeof sc.DryRunner> });
        io.out(lines.join('\n') + '\n');
        return;
      }
      const engine =
        o.engine === 'containerlab'
          ? new sc.ClabEngine({ topology: s.topology, lab: s.lab, ...(o.workDir ? { workDir: o.workDir } : {}), ...(o.clab ? { clabFile: o.clab } : {}), ...(o.attach ? { attach: true } : {}), ...(o.keep ? { keep: true } : {}) })
          : new sc.NetnsEngine({ topology: s.topology, lab: s.lab, env, ...(o.lab ? { attach: o.lab } : {}), ...(o.keep ? { keep: true } : {}) });
      const report = await withInterrupt(async (signal) => {
        try {
          return await sc.runScenario(s, { engine, signal, progress: (l) => io.err(l + '\n'), ...(o.report ? { reportDir: o.report } : {}), ...(o.stopOnMissing ? { stopOnMissing: true } : {}) });
        } finally {
          await engine.down();
        }
      });
      io.out(o.json ? JSON.stringify(report, null, 1) + '\n' : sc.formatSummary(report) + '\n');
      if (o.report) io.out(`report: ${o.report}/report.json, summary.txt, timeline.svg, runs.json\n`);
      if (!report.passed) {
        const failed = report.checks.filter((c) => !c.ok).length;
        throw new ScenarioFailed(`scenario ${report.scenario} failed: ${[report.error ? 'it stopped early' : '', report.missing.length ? `${report.missing.length} feature(s) missing` : '', failed ? `${failed} of ${report.checks.length} checks failed` : ''].filter(Boolean).join(', ')}`);
      }
    });

  cmd
    .command('check')
    .description('validate a scenario file against its topology; print its steps')
    .argument('<file>', 'scenario file')
    .action(async (file: string) => {
      const sc = await scenario();
      const s = sc.loadScenario(file);
      const plan = sc.preflightScenario(s);
      io.out(`OK: ${file}: scenario ${s.name} on lab ${plan.lab} (${s.steps.length} steps, ${s.traffic.length} traffic stream(s))\n`);
      for (const [i, st] of s.steps.entries()) io.out(`  ${String(i + 1).padStart(2)}. line ${st.line}: ${st.kind} ${st.kind === 'fault' ? JSON.stringify(st.fault) : st.kind === 'expect' ? JSON.stringify(st.expect) : st.kind === 'wait' ? `${st.seconds} s` : st.kind === 'traffic' ? st.action : ''}\n`);
    });

  const agent = new Command('agent').description('internal: one end of scenario traffic');
  agent
    .command('recv')
    .option('--port <n>', 'UDP port', num(0, 65535), 47100)
    .option('--gap-ms <n>', 'record gaps at least this long', num(1, 10000), 5)
    .addOption(new Option('--family <n>', 'IP version to listen on').choices(['4', '6']).default('4'))
    .action(async (o: { port: number; gapMs: number; family: string }) => (await scenario()).receiverMain(o.port, o.gapMs, io.out, o.family === '6' ? 6 : 4));
  agent
    .command('send')
    .requiredOption('--to <address>', 'receiver address')
    .option('--port <n>', 'UDP port', num(1, 65535), 47100)
    .option('--flows <n>', 'flows', num(1, 1024), 16)
    .option('--pps-per-flow <n>', 'packets per second per flow', num(1, 100000), 1000)
    .option('--sport-base <n>', 'flow f sends from this port + f', num(1, 65000), 41000)
    .option('--size <n>', 'payload bytes', num(16, 9000), 64)
    .option('--max-seconds <n>', 'stop by itself after this long', num(1, 86400), 600)
    .action(async (o: { to: string; port: number; flows: number; ppsPerFlow: number; sportBase: number; size: number; maxSeconds: number }) => (await scenario()).senderMain(o, io.out));
  cmd.addCommand(agent, { hidden: true });
}
