// `bgpfo clab status`: a containerlab deployment of a bgpfo render (sessions, tunnels, counters, faults, daemons),
// printed as `bgpfo lab status` prints a netns lab (src/scenario/clab-status.ts does the work).

import type { Command } from 'commander';
import { formatLabStatus } from './lab-format';
import type { CliIo } from './main';

export function registerClabCommands(program: Command, io: CliIo): void {
  const cmd = program.command('clab').description('a containerlab deployment of a bgpfo render (docs/lab.md)');
  cmd
    .command('status')
    .description('sessions, tunnels, packet counters, faults and daemons of a deployed *.clab.yml')
    .argument('<file>', 'the deployed *.clab.yml (rendered by bgpfo render, deployed with containerlab deploy -t)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const sc = await import('../scenario');
      const render = sc.clabRender(file);
      const engine = new sc.ClabEngine({ topology: render.plan.source, lab: {}, clabFile: file, attach: true, sessionTimeoutMs: 0 });
      const s = await sc.clabStatus(engine);
      io.out(o.json ? JSON.stringify(s, null, 1) + '\n' : formatLabStatus(s) + '\n');
    });
}
