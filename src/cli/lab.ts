// `bgpfo lab up|down|status|fault|exec|traffic`: the netns lab from the command line (src/lab does the work).
// Registered by main.ts; each action prints for people, or JSON with --json, and throws coded errors.

import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Daemon } from '../orchestrator/topology/types';
import { LabError } from '../lab/errors';
import type { FaultRequest } from '../lab';
import { formatLabStatus, formatLabTraffic } from './lab-format';
import type { CliIo } from './main';

// The lab's modules load only when a lab command runs: `bgpfo daemon` and `status` must not pay for them.
const lab = () => import('../lab');
const DAEMONS = ['bgpfo', 'bird', 'frr'];
const DEFAULT_TRAFFIC_PORT = 47000;

function usage(message: string): never {
  throw new LabError('ERR_LAB_USAGE', message);
}

function int(min: number, max: number) {
  return (v: string): number => {
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`expected an integer ${min}..${max}.`);
    return Number(v);
  };
}

/** Runs fn with Ctrl-C turned into an abort (the lab removes what it made) instead of an exit half-way. */
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

const FAULTS = ['blackhole', 'restore', 'loss', 'isp-down', 'isp-up', 'stop', 'start'] as const;

export function faultRequest(action: string, target: string, percent?: string): FaultRequest {
  switch (action) {
    case 'blackhole':
    case 'restore':
      return { kind: action, tunnel: target };
    case 'loss': {
      if (percent === undefined || !/^\d{1,3}$/.test(percent) || Number(percent) > 100) usage('loss needs a percentage 0..100: bgpfo lab fault LAB loss TUNNEL PCT');
      return { kind: 'loss', tunnel: target, percent: Number(percent) };
    }
    case 'isp-down':
    case 'isp-up':
      return { kind: action, isp: target };
    case 'stop':
    case 'start':
      return { kind: action, node: target };
    default:
      return usage(`unknown fault "${action}"; one of ${FAULTS.join(', ')}`);
  }
}

export function registerLabCommands(program: Command, io: CliIo): void {
  const env = io.env ?? process.env;
  const labCmd = program.command('lab').description('a lab of the whole deployment in network namespaces on this machine (root)');

  labCmd
    .command('up')
    .description('realize a topology in namespaces, start every daemon, wait until every BGP session is Established')
    .argument('<file>', 'topology file (docs/topology.md)')
    .option('--name <lab>', "lab name instead of the file's (two copies of one topology can then run at once)")
    .addOption(new Option('--tunnel <type>', "tunnel type instead of the file's (veth: fast, no crypto)").choices(['wireguard', 'veth']))
    .addOption(new Option('--router-daemon <daemon>', 'run this on the on-prem routers instead of bgpfo (to compare)').choices([...DAEMONS]).env('BGPFO_LAB_ROUTER_DAEMON'))
    .addOption(new Option('--far-daemon <daemon>', "run this on the far gateways instead of the file's").choices([...DAEMONS]).env('BGPFO_LAB_FAR_DAEMON'))
    .option('--timeout <seconds>', 'how long to wait for the sessions', int(1, 3600), 90)
    .option('--keep-on-error', 'leave a failed lab in place for inspection')
    .action(async (file: string, o: { name?: string; tunnel?: 'wireguard' | 'veth'; routerDaemon?: Daemon; farDaemon?: Daemon; timeout: number; keepOnError?: boolean }) => {
      const { labUp } = await lab();
      const r = await withInterrupt((signal) =>
        labUp(file, {
          name: o.name,
          tunnelType: o.tunnel,
          routerDaemon: o.routerDaemon,
          farDaemon: o.farDaemon,
          sessionTimeoutMs: o.timeout * 1000,
          keepOnError: o.keepOnError,
          env,
          signal,
          progress: (l) => io.out(l + '\n'),
        }),
      );
      io.out(`lab ${r.lab} is up (${r.seconds.toFixed(1)} s): ${r.plan.tunnels.length} ${r.plan.tunnelType} tunnels, ${r.plan.sessions.length} BGP sessions Established\n`);
      const host = r.plan.testClients[0];
      io.out(`  bgpfo lab status ${r.lab}\n`);
      if (host) io.out(`  bgpfo lab exec ${r.lab} ${host.from.node} -- ping -c 3 ${host.to.address}\n`);
      io.out(`  bgpfo lab down --name ${r.lab}\n`);
    });

  labCmd
    .command('down')
    .description('remove a lab: processes, namespaces, interfaces and files (works after a crash; idempotent)')
    .argument('[file-or-lab]', 'the topology file it was brought up from, or the lab name (as lab status and lab fault take it)')
    .option('--name <lab>', 'the lab name')
    .action(async (arg: string | undefined, o: { name?: string }) => {
      if (!arg && !o.name) usage('name the lab: bgpfo lab down LAB, bgpfo lab down FILE or bgpfo lab down --name LAB');
      const { labDown, loadLabPlan, listLabs } = await lab();
      // A word that is no file is a lab name (a lab up by that name, or a bare word): its topology file may be gone.
      const byName = arg !== undefined && !o.name && !existsSync(arg) && (listLabs(env).includes(arg) || !/[/.]/.test(arg));
      const file = byName ? undefined : arg;
      const given = byName ? arg : o.name;
      const plan = file ? loadLabPlan(file, { name: given }) : undefined;
      const name = given ?? plan!.lab;
      const r = await labDown(name, { plan, env });
      io.out(r.found ? `lab ${name} removed: ${r.processes} processes stopped, ${r.namespaces.length} namespaces deleted, ${r.files.length} files/directories removed\n` : `lab ${name} is not up; nothing to remove\n`);
    });

  labCmd
    .command('status')
    .description('tunnels (up/down, faults, packets) and BGP sessions of every node')
    .argument('[lab]', 'lab name (default: the only lab up)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const { labStatus, resolveLab } = await lab();
      const s = await labStatus(resolveLab(name, env), { env });
      io.out(o.json ? JSON.stringify(s, null, 2) + '\n' : formatLabStatus(s) + '\n');
    });

  labCmd
    .command('fault')
    .description('inject or clear a fault: blackhole|restore TUNNEL, loss TUNNEL PCT, isp-down|isp-up ISP, stop|start NODE')
    .argument('<lab>', 'lab name')
    .argument('<action>', FAULTS.join('|'))
    .argument('<target>', 'tunnel (name, id like t1, or interface), ISP or node')
    .argument('[percent]', 'for loss: percentage each way (0 removes)')
    .action(async (name: string, action: string, target: string, percent: string | undefined) => {
      const { labFault } = await lab();
      io.out((await labFault(name, faultRequest(action, target, percent), { env })) + '\n');
    });

  labCmd
    .command('exec')
    .description("run a command in a node's namespace: bgpfo lab exec LAB NODE -- CMD...")
    .argument('<lab>', 'lab name')
    .argument('<node>', 'node name')
    .argument('<cmd...>', 'the command and its arguments (after --)')
    .action(async (name: string, node: string, cmd: string[]) => {
      const { labExec } = await lab();
      const code = await labExec(name, node, cmd, { env });
      if (code !== 0) throw new LabError('ERR_LAB_EXEC', `${cmd[0]} exited with status ${code}`);
    });

  labCmd
    .command('traffic')
    .description('send many UDP flows between two lab hosts; show how they spread over the tunnels and what was lost')
    .argument('<lab>', 'lab name')
    .requiredOption('--from <node>', 'sending host (e.g. hq-h1)')
    .requiredOption('--to <node>', 'receiving host (e.g. dc-h1)')
    .option('--flows <n>', 'UDP flows (one source port each)', int(1, 4096), 64)
    .option('--pps <n>', 'packets per second over all flows', int(1, 200000), 2000)
    .option('--seconds <n>', 'how long', int(1, 3600), 5)
    .option('--port <n>', 'UDP port', int(1, 65535), DEFAULT_TRAFFIC_PORT)
    .option('-6, --ipv6', "between the hosts' IPv6 addresses (dual-stack topologies)")
    .option('--json', 'print JSON')
    .action(async (name: string, o: { from: string; to: string; flows: number; pps: number; seconds: number; port: number; ipv6?: boolean; json?: boolean }) => {
      const { runLabTraffic } = await lab();
      const r = await runLabTraffic(name, { ...o, family: o.ipv6 ? 6 : 4, env });
      io.out(o.json ? JSON.stringify(r, null, 2) + '\n' : formatLabTraffic(r) + '\n');
    });

  // The two ends of `lab traffic`, run inside the hosts' namespaces; not meant to be typed.
  const agent = new Command('traffic-agent').description('internal: one end of lab traffic');
  agent
    .command('recv')
    .option('--port <n>', 'UDP port', int(0, 65535), DEFAULT_TRAFFIC_PORT)
    .addOption(new Option('--family <n>', 'IP version to listen on').choices(['4', '6']).default('4'))
    .action(async (o: { port: number; family: string }) => (await lab()).receiverAgent(o.port, io.out, o.family === '6' ? 6 : 4));
  agent
    .command('send')
    .requiredOption('--to <address>', 'receiver address')
    .option('--port <n>', 'UDP port', int(1, 65535), DEFAULT_TRAFFIC_PORT)
    .option('--flows <n>', 'flows', int(1, 4096), 64)
    .option('--pps <n>', 'packets per second', int(1, 200000), 2000)
    .option('--seconds <n>', 'seconds', int(1, 3600), 5)
    .action(async (o: { to: string; port: number; flows: number; pps: number; seconds: number }) => (await lab()).senderAgent(o, io.out));
  labCmd.addCommand(agent, { hidden: true });
}
