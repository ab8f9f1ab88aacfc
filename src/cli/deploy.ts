// `bgpfo plan`, `bgpfo render`, `bgpfo up` and `bgpfo down`: from a topology file to the plan, to rendered
// files, and onto a real router host. Registered by main.ts.

import { Option, type Command } from 'commander';
import type { HostOptions, ServiceMode } from '../host';
import type { CliIo } from './main';

// Loaded when one of these commands runs, not on every `bgpfo` invocation.
const orchestrator = () => import('../orchestrator');
const host = () => import('../host');

interface HostCliOptions {
  node: string;
  dryRun?: boolean;
  configDir?: string;
  runDir?: string;
  stateDir?: string;
  keys?: string;
  service: ServiceMode;
}

function hostOptions(cmd: Command): Command {
  return cmd
    .argument('<file>', 'topology file')
    .requiredOption('--node <name>', 'the router or gateway this host is')
    .option('--dry-run', 'print the changes without making them')
    .option('--config-dir <dir>', 'config directory (bgpfo.yaml, wireguard/)', '/etc/bgpfo')
    .option('--run-dir <dir>', 'runtime directory (control socket; pid file and log without systemd)', '/run/bgpfo')
    .option('--state-dir <dir>', 'where the record of the changes is kept', '/var/lib/bgpfo');
}

function toHostOptions(o: HostCliOptions, io: CliIo): HostOptions {
  return {
    node: o.node,
    dryRun: o.dryRun,
    paths: { configDir: o.configDir, runDir: o.runDir, stateDir: o.stateDir },
    service: o.service,
    keysDir: o.keys,
    env: io.env,
    out: (l) => io.out(l + '\n'),
  };
}

/** A dry run that found what would stop the real `bgpfo up` (exit 1; HostError's code, without loading src/host). */
export class DryRunProblems extends Error {
  readonly code = 'ERR_HOST_PROBLEMS';
}

export function registerDeployCommands(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('show what a topology file implies: nodes, tunnels, BGP sessions (or the plan as JSON)')
    .argument('<file>', 'topology file (docs/topology.md)')
    .option('--json', 'print the plan as JSON (format bgpfo-plan/1)')
    .action(async (file: string, o: { json?: boolean }) => {
      const { buildPlan, describePlan, loadTopology } = await orchestrator();
      const plan = buildPlan(loadTopology(file));
      io.out(o.json ? JSON.stringify(plan, null, 2) + '\n' : describePlan(plan));
    });

  program
    .command('render')
    .description('write every file a topology implies: daemon, WireGuard, FRR and BIRD configs, containerlab, systemd, diagram')
    .argument('<file>', 'topology file')
    .requiredOption('--out <dir>', 'output directory (new, empty, or an earlier render)')
    .addOption(new Option('--keys <source>', 'keep: reuse DIR/keys, making missing keys; random: new keys; placeholder: markers, for committed files').choices(['keep', 'random', 'placeholder']).default('keep'))
    .option('--bgpfo-bin <path>', 'the bgpfo command the systemd unit runs (default: bgpfo on PATH, else /usr/local/bin/bgpfo)')
    .action(async (file: string, o: { out: string; keys: 'keep' | 'random' | 'placeholder'; bgpfoBin?: string }) => {
      const { buildPlan, loadTopology, renderAll, installedBgpfo } = await orchestrator();
      const installed = installedBgpfo(io.env ?? process.env);
      const plan = buildPlan(loadTopology(file));
      const r = renderAll(plan, o.out, { keys: o.keys, bgpfoBin: o.bgpfoBin ?? installed.bin, ...(installed.docsDir && !o.bgpfoBin ? { docsDir: installed.docsDir } : {}) });
      io.out(`rendered ${r.files.length} files into ${r.outDir}${r.secretFiles.length && o.keys !== 'placeholder' ? ` (${r.secretFiles.length} hold private keys: mode 0600, listed in ${r.outDir}/.gitignore)` : ''}\n`);
      for (const f of r.files) io.out(`  ${f}\n`);
      // The plan's warnings (documentation ASNs, ...) are in plan.json too, but they must be seen.
      for (const w of plan.warnings) io.err(`warning: ${w}\n`);
    });

  hostOptions(program.command('up').description("bring this host up as one router of a topology: WireGuard interfaces, addresses, routes, sysctls, config, daemon"))
    .option('--keys <dir>', 'WireGuard key directory shared by both ends of each tunnel (default CONFIG-DIR/keys)')
    .addOption(new Option('--service <how>', 'run the daemon under systemd or as a background process').choices(['auto', 'systemd', 'process']).default('auto'))
    .action(async (file: string, o: HostCliOptions) => {
      const r = await (await host()).hostUp(file, toHostOptions(o, io));
      if (r.dryRun) {
        io.out(`# bgpfo up --node ${r.node} would run:\n${r.lines.join('\n')}\n`);
        // A dry run that found what would stop the real one fails, so a script can tell.
        if (r.problems?.length) throw new DryRunProblems(`bgpfo up --node ${r.node} would stop: ${r.problems.length} problem${r.problems.length > 1 ? 's' : ''} on this host (the "# problem:" lines above)`);
      } else io.out(`${r.node} is up: ${r.lines.length} changes, recorded in ${r.recordFile} (bgpfo down ${file} --node ${r.node} undoes them)\n`);
    });

  hostOptions(program.command('down').description('undo exactly what bgpfo up did on this host (from its record)')).action(async (file: string, o: HostCliOptions) => {
    const r = await (await host()).hostDown(file, toHostOptions({ ...o, service: 'auto' }, io));
    if (r.dryRun) io.out(r.lines.length ? `# bgpfo down --node ${r.node} would run:\n${r.lines.join('\n')}\n` : `# ${r.node} is not up here (no ${r.recordFile}); nothing to undo\n`);
    else if (r.lines.length === 0) io.out(`${r.node} is not up here (no ${r.recordFile}); nothing to undo\n`);
  });
}
