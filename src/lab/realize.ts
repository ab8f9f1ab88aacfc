// `lab up`: realizes a plan in network namespaces. Checks first, renders the configs (keys 0600 in the lab's
// /run directory), walks the steps with progress lines, recording each namespace and process before it acts,
// then waits until every BGP session is Established. On failure (or Ctrl-C) it removes what it made.

import { existsSync, mkdirSync } from 'node:fs';
import { renderAll, type Plan } from '../orchestrator';
import { startNodeDaemon, bgpfoCommand as defaultBgpfoCommand } from './daemons';
import { LabError } from './errors';
import { inNetns, LabCommandError, listNamespaces, mustRun, systemRunner, type Runner } from './exec';
import { ensureInotifyInstances } from './host-limits';
import { labLayout, wireguardSocket, type LabLayout } from './layout';
import { loadLabPlan, type LabPlanOptions } from './plan-source';
import { notEstablished, sessionStates, type SessionEndState } from './sessions';
import { loadState, saveState, STATE_FORMAT, type LabState } from './state';
import { batchIpActions, daemonNodes, findNode, labSteps, type LabAction } from './steps';
import { labDown } from './teardown';
import { startWireguard } from './wireguard';

export interface LabUpOptions extends LabPlanOptions {
  runner?: Runner;
  env?: NodeJS.ProcessEnv;
  /** One line per step and per change in the number of Established sessions. */
  progress?: (line: string) => void;
  /** How long to wait for every session to be Established (default 90 s). */
  sessionTimeoutMs?: number;
  /** Leave a failed lab in place for inspection instead of removing it. */
  keepOnError?: boolean;
  /** How to run bgpfo (default: this installation's dist/cli/main.js under node). */
  bgpfoCommand?: string[];
  /** Aborting (Ctrl-C) stops between actions and removes the lab. */
  signal?: AbortSignal;
}

export interface LabUpResult {
  lab: string;
  plan: Plan;
  dir: string;
  sessions: SessionEndState[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function which(runner: Runner, prog: string): Promise<boolean> {
  return (await runner.run(['sh', '-c', `command -v ${prog}`])).code === 0;
}

/** Refuses early, with the fix, what would fail half-way: not root, missing tools, a lab or namespace in the way. */
async function preflight(file: string, plan: Plan, runner: Runner, env: NodeJS.ProcessEnv): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('ERR_LAB_ROOT', 'bgpfo lab needs root (network namespaces); run it with sudo');
  if (loadState(plan.lab, env)) throw new LabError('ERR_LAB_EXISTS', `lab ${plan.lab} is already up; run bgpfo lab down --name ${plan.lab} first, or give this one another name (--name)`);
  const runs = new Set(plan.nodes.map((n) => n.runs));
  const need: [string, string][] = [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ];
  if (runs.has('bird')) need.push(['bird', 'bird2'], ['birdc', 'bird2']);
  if (runs.has('frr')) need.push(['vtysh', 'frr'], ['/usr/lib/frr/zebra', 'frr']);
  if (plan.tunnelType === 'wireguard') need.push(['wireguard-go', 'wireguard-go'], ['wg', 'wireguard-tools']);
  if (plan.tunnelType === 'ipsec') throw new LabError('ERR_LAB_UNSUPPORTED', 'IPsec tunnels are rendered for real routers but cannot run in the lab here (no xfrm interfaces); use --tunnel wireguard or --tunnel veth');
  const missing = [];
  for (const [prog, pkg] of need) if (!(await which(runner, prog))) missing.push(`${prog} (Debian package ${pkg})`);
  if (missing.length) throw new LabError('ERR_LAB_TOOLS', `missing: ${missing.join(', ')}; run scripts/setup.sh as root`);
  const present = await listNamespaces(runner);
  const clash = plan.nodes.filter((n) => present.has(n.namespace)).map((n) => n.namespace);
  if (clash.length) throw new LabError('ERR_LAB_CONFLICT', `namespaces already exist: ${clash.join(', ')} (left by a crash? bgpfo lab down ${file} --name ${plan.lab} removes them)`);
  const wg = plan.nodes.flatMap((n) => n.interfaces.filter((i) => i.kind === 'wireguard').map((i) => i.name)).filter((i) => existsSync(wireguardSocket(i)));
  if (wg.length) throw new LabError('ERR_LAB_CONFLICT', `WireGuard interfaces already exist elsewhere on this machine: ${wg.join(', ')}; give this lab another name (--name)`);
}

async function runAction(a: LabAction, plan: Plan, layout: LabLayout, runner: Runner, state: LabState, save: () => void, bgpfo: string[]): Promise<void> {
  switch (a.kind) {
    case 'netns':
      // Recorded before it exists: a crash right after still leaves it in the state file.
      state.namespaces.push(a.ns);
      save();
      await mustRun(runner, ['ip', 'netns', 'add', a.ns]);
      return;
    case 'cmd':
      await mustRun(runner, a.ns ? inNetns(a.ns, a.argv) : a.argv);
      return;
    case 'ip-batch':
      await runIpBatch(runner, a.ns, a.lines);
      return;
    case 'wireguard':
      await startWireguard({
        runner,
        node: findNode(plan, a.node),
        ifname: a.ifname,
        wgQuickFile: a.wgQuickFile,
        runDir: layout.runDir(a.node),
        started: (p) => {
          state.processes.push({ node: a.node, name: `wg-${a.ifname}`, role: 'wireguard', argv: p.argv, pid: p.pid, startTime: p.startTime, log: p.log });
          state.outsideFiles.push(wireguardSocket(a.ifname));
          save();
        },
      });
      return;
    case 'daemon':
      await startNodeDaemon(
        {
          runner,
          layout,
          bgpfoCommand: bgpfo,
          started: (p) => {
            state.processes.push(p);
            save();
          },
          madeOutside: (path) => {
            if (!state.outsideFiles.includes(path)) state.outsideFiles.push(path);
            save();
          },
        },
        findNode(plan, a.node),
      );
  }
}

/** `ip [-n ns] -batch -`; a failure names the line the kernel refused (ip stops there without -force). */
async function runIpBatch(runner: Runner, ns: string | undefined, lines: string[][]): Promise<void> {
  const argv = ['ip', ...(ns ? ['-n', ns] : []), '-batch', '-'];
  const r = await runner.run(argv, { input: lines.map((l) => l.join(' ')).join('\n') + '\n', timeoutMs: 120_000 });
  if (r.code === 0) return;
  const at = /Command failed -:(\d+)/.exec(r.stderr);
  const line = at ? lines[Number(at[1]) - 1] : undefined;
  throw new LabCommandError(line ? ['ip', ...(ns ? ['-n', ns] : []), ...line] : argv, r);
}

/**
 * Runs actions; with `parallel`, those of different nodes at once (each node's still in order), at most
 * `concurrency` nodes at a time.
 */
async function runActions(actions: LabAction[], parallel: boolean, run: (a: LabAction) => Promise<void>, signal?: AbortSignal, concurrency = Infinity): Promise<void> {
  const check = () => {
    if (signal?.aborted) throw new LabError('ERR_LAB_ABORTED', 'interrupted');
  };
  if (!parallel) {
    for (const a of actions) {
      check();
      await run(a);
    }
    return;
  }
  const groups = new Map<string, LabAction[]>();
  for (const a of actions) {
    const key = ('node' in a && a.node) || '';
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const queue = [...groups.values()];
  let failure: unknown;
  // Workers take the next node's actions until none are left; after a failure they stop taking new ones.
  const worker = async () => {
    for (let g = queue.shift(); g && failure === undefined; g = queue.shift()) {
      try {
        for (const a of g) {
          check();
          await run(a);
        }
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  if (failure !== undefined) throw failure;
}

/** Polls the daemons until every session is Established at both ends; throws naming the ones that are not. */
export async function waitForSessions(
  runner: Runner,
  layout: LabLayout,
  plan: Plan,
  opts: { timeoutMs: number; progress?: (line: string) => void; signal?: AbortSignal },
): Promise<SessionEndState[]> {
  const deadline = Date.now() + opts.timeoutMs;
  const total = plan.sessions.length;
  let lastCount = -1;
  for (;;) {
    const states = await sessionStates(runner, layout, plan);
    const pending = notEstablished(states);
    const up = total - pending.length;
    if (up !== lastCount) {
      opts.progress?.(`      ${up}/${total} sessions Established`);
      lastCount = up;
    }
    if (pending.length === 0) return states;
    if (opts.signal?.aborted) throw new LabError('ERR_LAB_ABORTED', 'interrupted');
    if (Date.now() >= deadline) {
      throw new LabError(
        'ERR_LAB_SESSIONS',
        `${pending.length} of ${total} BGP sessions did not reach Established within ${opts.timeoutMs / 1000} s:\n  ${pending.join('\n  ')}\n(daemon logs are in ${layout.dir}/run/<node>/)`,
      );
    }
    // Every poll asks every daemon; a hub with 50 spokes has ~150 of them, so the poll slows down with their number.
    await sleep(Math.max(250, 20 * daemonNodes(plan).length));
  }
}

export async function labUp(file: string, opts: LabUpOptions = {}): Promise<LabUpResult> {
  const t0 = Date.now();
  const runner = opts.runner ?? systemRunner;
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? (() => undefined);
  const plan = loadLabPlan(file, opts);
  await preflight(file, plan, runner, env);
  if (!existsSync('/proc/sys/net/ipv4/fib_multipath_hash_seed')) {
    progress('warning: this kernel has no net.ipv4.fib_multipath_hash_seed (Linux >= 6.11): the ECMP stages of the lab share one hash and flows may not spread over every tunnel');
  }
  const layout = labLayout(plan.lab, env);
  const steps = labSteps(plan, layout);
  const limits = ensureInotifyInstances(steps.reduce((n, s) => n + s.actions.filter((a) => a.kind === 'wireguard').length, 0));
  if (limits) progress(limits);
  const total = steps.length + 2;
  const daemons: Record<string, Plan['nodes'][number]['runs']> = {};
  for (const n of plan.nodes) daemons[n.name] = n.runs;
  const state: LabState = {
    format: STATE_FORMAT,
    lab: plan.lab,
    topologyFile: file,
    options: { tunnelType: plan.tunnelType, daemons },
    createdAt: new Date().toISOString(),
    phase: 'creating',
    plan,
    namespaces: [],
    processes: [],
    outsideFiles: [],
    faults: [],
  };
  const save = () => saveState(state, env);
  save();
  const bgpfo = opts.bgpfoCommand ?? defaultBgpfoCommand(env);
  try {
    progress(`[1/${total}] rendering configs and keys into ${layout.renderDir}`);
    renderAll(plan, layout.renderDir, { controlSocket: (n) => layout.bgpfoSocket(n.name), bgpfoBin: bgpfo.join(' ') });
    for (const n of plan.nodes) mkdirSync(layout.runDir(n.name), { recursive: true, mode: 0o700 });
    for (const [i, step] of steps.entries()) {
      progress(`[${i + 2}/${total}] ${step.title}`);
      await runActions(batchIpActions(step.actions), step.parallel, (a) => runAction(a, plan, layout, runner, state, save, bgpfo), opts.signal, step.concurrency);
    }
    const timeoutMs = opts.sessionTimeoutMs ?? 90_000;
    progress(`[${total}/${total}] waiting for ${plan.sessions.length} BGP sessions to reach Established (timeout ${timeoutMs / 1000} s)`);
    const sessions = await waitForSessions(runner, layout, plan, { timeoutMs, progress, signal: opts.signal });
    state.phase = 'up';
    save();
    return { lab: plan.lab, plan, dir: layout.dir, sessions, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    state.phase = 'failed';
    save();
    if (opts.keepOnError) {
      (e as Error).message += `\nthe lab was left as it is for inspection (files in ${layout.dir}); remove it with: bgpfo lab down --name ${plan.lab}`;
    } else {
      progress(`failed; removing what was made (use --keep-on-error to inspect instead)`);
      await labDown(plan.lab, { runner, env, state }).catch((d: Error) => progress(`cleanup: ${d.message}`));
    }
    throw e;
  }
}
