// The containerlab engine: the topology rendered (`bgpfo render`: *.clab.yml and node configs) or a render given
// as is, deployed with `containerlab deploy -t`; nodes are reached through the namespaces containerlab links as
// /run/netns/clab-<lab>-<node> (so agents, counters and nftables faults are the netns engine's), daemons through
// `docker exec`, and event streams through the container's control socket seen from the host (/proc/PID/root).

import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ControlClient } from '../api/client';
import { daemonEnvWords } from '../util/daemon-env';
import { PassThrough } from 'node:stream';
import type { OpsEvent } from '../api/events';
import type { DrainResponse, StatusResponse, UndrainResponse } from '../api/types';
import { bgpfoCommand } from '../lab/daemons';
import { mustRun, shellLine, systemRunner, type Runner, type RunOptions, type RunResult } from '../lab/exec';
import { dropRules, nftTable } from '../lab/nft';
import { readConfig } from './requires';
import { loadLabPlan } from '../lab/plan-source';
import { birdProtocolName, parseBirdProtocols, parseFrrSummary, type SessionEndState } from '../lab/sessions';
import { renderAll, sessionsOf, type Plan } from '../orchestrator';
import { CLAB_CONFIG_DIR } from '../orchestrator/render/clab';
import { LineSplitter } from '../api/events-stream';
import { resolveTunnelRef } from './check';
import { ispEnds, nodeLinkInterfaces, onpremNeighbor, systemSpawner, type ControlAccess, type ScenarioEngine, type Spawner } from './engine';
import { ScenarioRunError } from './errors';
import type { EventSubscription } from './timeline';
import type { FaultSpec, ScenarioLab } from './types';

/**
 * How each daemon is stopped, killed and started inside its container (the images of images/). The bgpfo pattern
 * is bracketed so pkill never matches the `sh -c` that runs it (whose command line holds the same words).
 */
export const CONTAINER_DAEMON: Record<'bgpfo' | 'bird' | 'frr', { stop: string; kill: string; start: string }> = {
  bgpfo: {
    stop: 'pkill -TERM -f "[b]gpfo daemon"',
    kill: 'pkill -KILL -f "[b]gpfo daemon"',
    // The same environment as the render's setup.sh starts it with (src/util/daemon-env.ts).
    start: `setsid -f env ${daemonEnvWords().join(' ')} bgpfo daemon --config ${CLAB_CONFIG_DIR}/bgpfo.yaml >>/run/bgpfo.log 2>&1`,
  },
  bird: { stop: 'birdc -s /run/bird.ctl down', kill: 'pkill -KILL -x bird', start: `bird -c ${CLAB_CONFIG_DIR}/bird.conf -s /run/bird.ctl` },
  frr: { stop: '/usr/lib/frr/frrinit.sh stop', kill: 'pkill -KILL -x bgpd; pkill -KILL -x bfdd', start: '/usr/lib/frr/frrinit.sh start' },
};

/**
 * The render a *.clab.yml belongs to: its nodes bind <render>/nodes/<node>, and <render>/plan.json is the plan it
 * was rendered from (what `bgpfo render` writes). Throws with what to do when it is not such a file.
 */
export function clabRender(clabFile: string): { lab: string; renderDir: string; plan: Plan } {
  const file = resolve(clabFile);
  if (!existsSync(file)) throw new ScenarioRunError(`${clabFile}: no such containerlab file`);
  const doc = parseYaml(readFileSync(file, 'utf8')) as { name?: string; topology?: { nodes?: Record<string, { binds?: string[] }> } };
  const bind = Object.values(doc?.topology?.nodes ?? {})[0]?.binds?.[0]?.split(':')[0];
  const renderDir = bind ? dirname(dirname(isAbsolute(bind) ? bind : resolve(dirname(file), bind))) : '';
  const planFile = join(renderDir, 'plan.json');
  if (!doc?.name || !bind || !existsSync(planFile)) {
    throw new ScenarioRunError(`${clabFile}: not a bgpfo render (no ${bind ? planFile : 'node binds'}); render the topology first: bgpfo render TOPOLOGY.yaml --out DIR`);
  }
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  if (plan.lab !== doc.name) throw new ScenarioRunError(`${clabFile} names lab ${doc.name} but ${planFile} is lab ${plan.lab}: render again`);
  return { lab: doc.name, renderDir, plan };
}

/** Records commands instead of running them, answering status queries as if every session were up. */
export class DryRunner implements Runner {
  readonly lines: string[] = [];
  constructor(private readonly answer: (argv: string[]) => Partial<RunResult> | undefined = () => undefined) {}
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.lines.push(shellLine(argv) + (opts.input !== undefined ? ` <<'EOF'\n${opts.input.trimEnd()}\nEOF` : ''));
    return { code: 0, stdout: '', stderr: '', ...this.answer(argv) };
  }
  /** A long-running command: recorded, and a child that never prints and exits on kill(). */
  spawn: Spawner = (argv) => {
    this.lines.push(`${shellLine(argv)} &`);
    const child = new EventEmitter() as ChildProcess;
    Object.assign(child, { stdout: new PassThrough(), stderr: new PassThrough(), exitCode: null, kill: () => (child.emit('exit', 0), true) });
    return child;
  };
}

export interface ClabEngineOptions {
  topology: string;
  lab: ScenarioLab;
  /**
   * Deploy this rendered *.clab.yml as it is (`bgpfo render` output with its keys) instead of rendering the
   * scenario's lab: the scenario's lab settings (name, tunnel type, daemons) are then those of the render.
   */
  clabFile?: string;
  /** With clabFile: the lab is already deployed; use it and leave it up. */
  attach?: boolean;
  /** Where the topology is rendered (the *.clab.yml and its node directories). */
  workDir?: string;
  dryRun?: boolean;
  keep?: boolean;
  runner?: Runner;
  spawn?: Spawner;
  sessionTimeoutMs?: number;
}

export class ClabEngine implements ScenarioEngine {
  readonly kind = 'containerlab' as const;
  readonly runner: Runner;
  readonly spawn: Spawner;
  readonly dryRun: boolean;
  private plan: Plan | undefined;
  private clabFile = '';
  private renderDir = '';
  private deployed = false;
  private readonly pids = new Map<string, number>();

  constructor(private readonly o: ClabEngineOptions) {
    this.dryRun = Boolean(o.dryRun);
    const dry = this.dryRun ? new DryRunner() : undefined;
    this.runner = o.runner ?? dry ?? systemRunner;
    this.spawn = o.spawn ?? dry?.spawn ?? systemSpawner;
  }

  get lab(): string {
    return this.plan?.lab ?? '?';
  }

  private get p(): Plan {
    if (!this.plan) throw new ScenarioRunError('the lab is not deployed');
    return this.plan;
  }

  /** The container (and namespace) of a node, as containerlab names them. */
  container(node: string): string {
    return `clab-${this.p.lab}-${node}`;
  }

  namespace(node: string): string {
    return this.container(node);
  }

  bgpfoCommand(): string[] {
    return this.dryRun ? ['bgpfo'] : bgpfoCommand();
  }

  async up(progress: (line: string) => void): Promise<Plan> {
    if (this.o.clabFile) {
      const r = clabRender(this.o.clabFile);
      this.plan = r.plan;
      this.renderDir = r.renderDir;
      this.clabFile = resolve(this.o.clabFile);
      progress(`lab ${r.lab} rendered in ${r.renderDir} (${r.plan.tunnelType} tunnels; the scenario's lab settings do not apply to a given render)`);
      if (!this.o.attach) await this.deploy(progress);
      else progress(`using lab ${r.lab}, already deployed`);
      await this.waitForSessions();
      return r.plan;
    }
    const l = this.o.lab;
    const plan = loadLabPlan(this.o.topology, {
      ...(l.name !== undefined ? { name: l.name } : {}),
      ...(l.tunnel !== undefined ? { tunnelType: l.tunnel } : {}),
      ...(l.routerDaemon !== undefined ? { routerDaemon: l.routerDaemon } : {}),
      ...(l.farDaemon !== undefined ? { farDaemon: l.farDaemon } : {}),
      ...(l.liveness !== undefined ? { liveness: l.liveness } : {}),
    });
    this.plan = plan;
    this.renderDir = this.o.workDir ?? (this.dryRun ? mkdtempSync(join(tmpdir(), 'bgpfo-clab-')) : join(process.cwd(), `clab-render-${plan.lab}`));
    const r = renderAll(plan, this.renderDir, { keys: 'keep' });
    this.clabFile = r.clabFile;
    progress(`rendered ${r.files.length} files into ${this.renderDir}`);
    await this.deploy(progress);
    await this.waitForSessions();
    return plan;
  }

  private async deploy(progress: (line: string) => void): Promise<void> {
    // containerlab prints its progress on stderr; a failed deploy's message carries its last lines.
    await mustRun(this.runner, ['containerlab', 'deploy', '-t', this.clabFile, '--reconfigure'], { timeoutMs: 600_000 });
    this.deployed = true;
    progress(`deployed ${this.clabFile}`);
  }

  /** Waits (at most sessionTimeoutMs) for every session; the scenario's converge step judges what is still down. */
  private async waitForSessions(): Promise<void> {
    if (this.dryRun) return;
    const deadline = Date.now() + (this.o.sessionTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      const st = await this.sessions();
      if (st.every((s) => s.state === 'Established')) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  async down(): Promise<void> {
    if (this.o.keep || !this.deployed) return;
    await mustRun(this.runner, ['containerlab', 'destroy', '-t', this.clabFile, '--cleanup'], { timeoutMs: 300_000 });
    this.deployed = false;
  }

  /** The pid of a node's container (its namespaces and root filesystem are /proc/<pid>/...). */
  async containerPid(node: string): Promise<number> {
    const known = this.pids.get(node);
    if (known && existsSync(`/proc/${known}`)) return known;
    const out = await mustRun(this.runner, ['docker', 'inspect', '--format', '{{.State.Pid}}', this.container(node)]);
    const pid = Number(out.trim());
    if (!pid) throw new ScenarioRunError(`container ${this.container(node)} is not running`);
    this.pids.set(node, pid);
    return pid;
  }

  /** The node's bgpfo control socket as the host reaches it: through the container's root filesystem. */
  private async hostSocket(node: string): Promise<string> {
    const socket = readConfig(this.configFile(node))?.control.socket ?? '/run/bgpfo/bgpfo.sock';
    return `/proc/${await this.containerPid(node)}/root${socket}`;
  }

  private exec(node: string, argv: string[]): string[] {
    return ['docker', 'exec', this.container(node), ...argv];
  }

  async sessions(): Promise<SessionEndState[]> {
    const plan = this.p;
    const perNode = await Promise.all(plan.nodes.filter((n) => n.runs !== 'none').map((node) => this.nodeSessions(node.name)));
    return perNode.flat();
  }

  private async nodeSessions(name: string): Promise<SessionEndState[]> {
    const plan = this.p;
    const node = plan.nodes.find((n) => n.name === name)!;
    const out: SessionEndState[] = [];
    {
      const ends = sessionsOf(plan.sessions, node.name);
      const states = new Map<string, string>();
      if (node.runs === 'bgpfo') {
        const r = await this.runner.run(this.exec(node.name, ['bgpfo', 'status', '--json']));
        if (r.code === 0 && r.stdout) {
          try {
            for (const s of (JSON.parse(r.stdout) as StatusResponse).sessions) states.set(s.name, s.state);
          } catch {
            // a daemon stopping half-way through its answer: its sessions count as down
          }
        }
      } else if (node.runs === 'bird') {
        const r = await this.runner.run(this.exec(node.name, ['birdc', '-s', '/run/bird.ctl', 'show', 'protocols']));
        const p = parseBirdProtocols(r.stdout);
        for (const e of ends) states.set(e.local.neighborName, p.get(birdProtocolName(e.local.neighborName))?.state ?? 'missing');
      } else if (node.runs === 'frr') {
        const r = await this.runner.run(this.exec(node.name, ['vtysh', '-c', 'show bgp ipv4 unicast summary json']));
        const p = r.stdout ? parseFrrSummary(r.stdout) : new Map<string, string>();
        for (const e of ends) states.set(e.local.neighborName, p.get(e.remote.address) ?? 'missing');
      }
      for (const { session, local, remote } of ends) {
        out.push({
          session: session.name,
          kind: session.kind,
          node: node.name,
          daemon: node.runs,
          neighbor: local.neighborName,
          peer: remote.address,
          // A dry run has no daemons to ask: it goes on as if every session were up.
          state: this.dryRun ? 'Established' : (states.get(local.neighborName) ?? 'down'),
        });
      }
    }
    return out;
  }

  control(node: string): ControlAccess | undefined {
    if (this.p.nodes.find((n) => n.name === node)?.runs !== 'bgpfo') return undefined;
    const json = async <T>(argv: string[]): Promise<T> => {
      const out = await mustRun(this.runner, this.exec(node, ['bgpfo', ...argv, '--json']));
      return (this.dryRun ? {} : JSON.parse(out)) as T;
    };
    return {
      status: () => json<StatusResponse>(['status']),
      drain: (target, timeoutS) => json<DrainResponse>(['drain', target, '--timeout', String(timeoutS)]),
      undrain: (target) => json<UndrainResponse>(['undrain', target]),
      events: (onEvent: (e: OpsEvent) => void): EventSubscription => (this.dryRun ? this.dryEvents(node, onEvent) : this.socketEvents(node, onEvent)),
    };
  }

  /**
   * The event stream straight from the control socket: a `docker exec bgpfo events` would outlive its client
   * (killing the docker CLI leaves the process in the container running), one more per scenario run.
   */
  private socketEvents(node: string, onEvent: (e: OpsEvent) => void): EventSubscription {
    let inner: EventSubscription | undefined;
    let closed = false;
    let ready: () => void = () => undefined;
    const readyP = new Promise<void>((r) => (ready = r));
    const done = (async () => {
      const socketPath = await this.hostSocket(node);
      if (closed) return;
      inner = new ControlClient({ socketPath, timeoutMs: 5000 }).events(onEvent);
      void inner.ready.then(ready, () => undefined);
      await inner.done;
    })();
    return { ready: readyP, done, close: () => ((closed = true), inner?.close()) };
  }

  /** What a dry run records for an event stream (the command a person would type for the same stream). */
  private dryEvents(node: string, onEvent: (e: OpsEvent) => void): EventSubscription {
    const child = this.spawn(this.exec(node, ['bgpfo', 'events', '--json']));
    const lines = new LineSplitter();
    child.stdout?.on('data', (d: Buffer) => {
      for (const l of lines.push(d)) {
        try {
          onEvent(JSON.parse(l) as OpsEvent);
        } catch {
          // not an event line
        }
      }
    });
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { ready: Promise.resolve(), done, close: () => void child.kill('SIGTERM') };
  }

  configFile(node: string): string | undefined {
    return this.p.nodes.find((n) => n.name === node)?.runs === 'bgpfo' ? join(this.renderDir, 'nodes', node, 'bgpfo.yaml') : undefined;
  }

  private tunnel(ref: string) {
    const t = resolveTunnelRef(this.p, ref);
    if (!t || t.length !== 1) throw new ScenarioRunError(`no tunnel ${ref} in lab ${this.lab}`);
    return t[0]!;
  }

  private async nft(node: string, ifname: string, percent: number | 'clear'): Promise<void> {
    const ns = this.namespace(node);
    for (const purpose of ['blackhole', 'loss'] as const) {
      if (percent === 'clear' || (percent === 100) === (purpose === 'blackhole')) await this.runner.run(['ip', 'netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', nftTable(purpose, ifname)]);
    }
    if (percent !== 'clear') await mustRun(this.runner, ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: dropRules(ifname, percent) });
  }

  private async daemon(node: string, what: 'stop' | 'kill' | 'start'): Promise<void> {
    const runs = this.p.nodes.find((n) => n.name === node)?.runs;
    if (!runs || runs === 'none') return;
    const cmd = CONTAINER_DAEMON[runs][what];
    await this.runner.run(what === 'start' ? ['docker', 'exec', '-d', this.container(node), 'sh', '-c', cmd] : this.exec(node, ['sh', '-c', cmd]));
  }

  private async links(node: string, state: 'up' | 'down', only?: string[]): Promise<string[]> {
    const ifs = only ?? nodeLinkInterfaces(this.p, node);
    for (const i of ifs) await mustRun(this.runner, ['ip', '-n', this.namespace(node), 'link', 'set', 'dev', i, state]);
    if (state === 'up') {
      const n = this.p.nodes.find((x) => x.name === node)!;
      for (const r of n.routes.filter((x) => ifs.includes(x.dev))) await mustRun(this.runner, ['ip', '-n', this.namespace(node), 'route', 'replace', r.to, 'via', r.via, 'dev', r.dev, ...(r.table ? ['table', String(r.table)] : [])]);
    }
    return ifs;
  }

  async fault(f: FaultSpec): Promise<string> {
    switch (f.kind) {
      case 'blackhole':
      case 'restore':
      case 'loss': {
        const t = this.tunnel(f.tunnel);
        await this.nft(t.onprem.node, t.onprem.ifname, f.kind === 'restore' ? 'clear' : f.kind === 'loss' ? f.percent : 100);
        return `tunnel ${t.id} ${f.kind === 'restore' ? 'restored' : f.kind === 'loss' ? `${f.percent}% loss` : 'blackholed'} at ${t.onprem.node}/${t.onprem.ifname}`;
      }
      case 'isp-down': {
        // One nftables transaction per router, the routers in parallel: an ISP fails all its links at once (one by
        // one, the failure would spread over a few hundred ms and become a cascade), as on the netns engine.
        const ends = ispEnds(this.p, f.isp);
        const byNode = new Map<string, string[]>();
        for (const e of ends) byNode.set(e.node, [...(byNode.get(e.node) ?? []), e.ifname]);
        await Promise.all(
          [...byNode].map(([node, ifnames]) => {
            const input = ifnames.map((i) => `table inet ${nftTable('blackhole', i)}\nflush table inet ${nftTable('blackhole', i)}\n${dropRules(i, 100)}`).join('');
            return mustRun(this.runner, ['ip', 'netns', 'exec', this.namespace(node), 'nft', '-f', '-'], { input });
          }),
        );
        return `ISP ${f.isp} down: ${ends.length} links blackholed at once at the routers (${ends.map((e) => `${e.node}/${e.ifname}`).join(', ')})`;
      }
      case 'isp-up': {
        const ends = ispEnds(this.p, f.isp);
        for (const e of ends) await this.nft(e.node, e.ifname, 'clear');
        return `ISP ${f.isp} up: ${ends.map((e) => `${e.node}/${e.ifname}`).join(', ')}`;
      }
      case 'stop':
      case 'start':
      case 'kill':
        await this.daemon(f.node, f.kind);
        return `${f.node}: daemon ${f.kind === 'kill' ? 'killed with SIGKILL' : f.kind === 'stop' ? 'stopped' : 'started'}`;
      case 'node-down':
        await this.daemon(f.node, 'kill');
        return `${f.node} powered off: ${(await this.links(f.node, 'down')).join(', ')} down`;
      case 'node-up':
        await this.links(f.node, 'up');
        await this.daemon(f.node, 'start');
        return `${f.node} powered on`;
      case 'tunnel-down':
      case 'tunnel-up': {
        const t = this.tunnel(f.tunnel);
        await this.links(t.onprem.node, f.kind === 'tunnel-down' ? 'down' : 'up', [t.onprem.ifname]);
        return `tunnel ${t.id} ${f.kind === 'tunnel-down' ? 'down' : 'up'}`;
      }
      case 'drain':
      case 'undrain': {
        const t = this.tunnel(f.tunnel);
        const api = this.control(t.onprem.node);
        if (!api) throw new ScenarioRunError(`${t.onprem.node} does not run bgpfo: nothing to drain`);
        if (f.kind === 'drain') await api.drain(onpremNeighbor(this.p, t), 10);
        else await api.undrain(onpremNeighbor(this.p, t));
        return `tunnel ${t.id} ${f.kind === 'drain' ? 'drained' : 'undrained'}`;
      }
    }
  }
}
