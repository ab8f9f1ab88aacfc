// Starting a node's routing daemon in its namespace and waiting until it answers: bgpfo (control socket),
// BIRD 2 (birdc), FRR 8.4 (zebra, staticd, bfdd, bgpd with the `-N` pathspace, config loaded by `vtysh -b`).

import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ControlClient } from '../api/client';
import type { PlanNode } from '../orchestrator';
import { DAEMON_ENV } from '../util/daemon-env';
import { LabError } from './errors';
import { inNetns, logTail, mustRun, poll, spawnDetached, type Runner } from './exec';
import { frrDirs, type LabLayout } from './layout';
import type { LabProcess } from './state';

/**
 * How to run bgpfo: $BGPFO_BIN (an executable), else this installation's dist/cli/main.js under the running
 * node. From the TypeScript sources (tests) that is the repository's dist/, which must have been built.
 */
export function bgpfoCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.BGPFO_BIN) return [env.BGPFO_BIN];
  const fromDist = __filename.endsWith('.js');
  const main = fromDist ? resolve(__dirname, '..', 'cli', 'main.js') : resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
  return [process.execPath, main];
}

export interface DaemonContext {
  runner: Runner;
  layout: LabLayout;
  bgpfoCommand: string[];
  /** Records a started process in the state file (called before the daemon is waited for). */
  started: (p: LabProcess) => void;
  /** Records a path made outside the lab directory. */
  madeOutside: (path: string) => void;
  timeoutMs?: number;
}

function timeoutError(node: PlanNode, what: string, ms: number, log: string): Error {
  const tail = logTail(log);
  return new LabError('ERR_LAB_TIMEOUT', `${what} on ${node.name} did not come up within ${ms / 1000} s${tail ? `; the end of ${log}:\n${tail}` : ` (log: ${log})`}`);
}

async function spawnRecorded(ctx: DaemonContext, node: PlanNode, name: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<LabProcess> {
  const full = inNetns(node.namespace, argv);
  const log = join(ctx.layout.runDir(node.name), `${name}.log`);
  const p = await spawnDetached(full, log, env);
  const rec: LabProcess = { node: node.name, name, role: 'daemon', argv: full, pid: p.pid, startTime: p.startTime, log };
  ctx.started(rec);
  return rec;
}

async function startBgpfo(ctx: DaemonContext, node: PlanNode, ms: number): Promise<void> {
  const conf = join(ctx.layout.nodeDir(node.name), 'bgpfo.yaml');
  const p = await spawnRecorded(ctx, node, 'bgpfo', [...ctx.bgpfoCommand, 'daemon', '--config', conf], { ...process.env, ...DAEMON_ENV });
  const client = new ControlClient({ socketPath: ctx.layout.bgpfoSocket(node.name), timeoutMs: 2000 });
  if (!(await poll(() => client.status(), ms, 100))) throw timeoutError(node, 'the bgpfo daemon', ms, p.log);
}

async function startBird(ctx: DaemonContext, node: PlanNode, ms: number): Promise<void> {
  const conf = join(ctx.layout.nodeDir(node.name), 'bird.conf');
  const sock = ctx.layout.birdSocket(node.name);
  // A config error is reported at once, with BIRD's own message, instead of as a start-up timeout.
  await mustRun(ctx.runner, ['bird', '-p', '-c', conf]);
  const p = await spawnRecorded(ctx, node, 'bird', ['bird', '-f', '-c', conf, '-s', sock, '-P', join(ctx.layout.runDir(node.name), 'bird.pid')]);
  const up = await poll(async () => (await ctx.runner.run(['birdc', '-s', sock, 'show', 'status'])).stdout.includes('Daemon is up'), ms, 100);
  if (!up) throw timeoutError(node, 'BIRD', ms, p.log);
}

function frrIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'frr'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function startFrr(ctx: DaemonContext, node: PlanNode, ms: number): Promise<void> {
  const { conf, run } = frrDirs(node);
  const { uid, gid } = frrIds();
  for (const d of [conf, run]) {
    ctx.madeOutside(d);
    mkdirSync(d, { recursive: true, mode: 0o750 });
    chownSync(d, uid, gid);
  }
  const rendered = ctx.layout.nodeDir(node.name);
  for (const f of ['frr.conf', 'vtysh.conf', 'daemons']) {
    copyFileSync(join(rendered, f), join(conf, f));
    chownSync(join(conf, f), uid, gid);
  }
  const bfdd = /^bfdd=yes$/m.test(readFileSync(join(rendered, 'daemons'), 'utf8'));
  // staticd holds the `ip route P blackhole` that lets `network P` announce an aggregate.
  const daemons = ['zebra', 'staticd', ...(bfdd ? ['bfdd'] : []), 'bgpd'];
  for (const d of daemons) {
    // -P 0: no TCP vty (vtysh uses the Unix sockets of the pathspace); --log stdout goes to the log file.
    const extra = d === 'zebra' ? ['-s', '90000000'] : [];
    // A socket left by a killed daemon would make the wait below succeed before this one is up.
    rmSync(join(run, `${d}.vty`), { force: true });
    const p = await spawnRecorded(ctx, node, `frr-${d}`, [`/usr/lib/frr/${d}`, '-N', node.namespace, '-P', '0', '--log', 'stdout', ...extra]);
    if (!(await poll(() => existsSync(join(run, `${d}.vty`)), ms, 50))) throw timeoutError(node, `FRR ${d}`, ms, p.log);
  }
  // The integrated frr.conf is loaded the way frrinit does it: vtysh -b pushes each part to its daemon.
  await mustRun(ctx.runner, ['vtysh', '-N', node.namespace, '-b']);
}

/** Starts the node's daemon and waits until it answers its control interface. */
export async function startNodeDaemon(ctx: DaemonContext, node: PlanNode): Promise<void> {
  const ms = ctx.timeoutMs ?? 20_000;
  mkdirSync(ctx.layout.runDir(node.name), { recursive: true, mode: 0o700 });
  if (node.runs === 'bgpfo') return startBgpfo(ctx, node, ms);
  if (node.runs === 'bird') return startBird(ctx, node, ms);
  if (node.runs === 'frr') return startFrr(ctx, node, ms);
}
