// The netns engine: the scenario's topology realized by `bgpfo lab up` (src/lab) in network namespaces on this
// machine, or a lab already up that the scenario attaches to. Faults go through `lab fault` where it has them
// (so `lab status` shows them), the rest (kill -9, node and tunnel down, drain) is done here.

import { join } from 'node:path';
import { ControlClient } from '../api/client';
import { bgpfoCommand, labDown, labFault, labLayout, labUp, requireState, sessionStates, systemRunner, waitForSessions, type Runner } from '../lab';
import { inNetns, isSameProcess, mustRun } from '../lab/exec';
import { dropRules, nftTable } from '../lab/nft';
import { saveState } from '../lab/state';
import type { Plan } from '../orchestrator';
import { resolveTunnelRef } from './check';
import { ispEnds, nodeLinkInterfaces, onpremNeighbor, systemSpawner, type ControlAccess, type ScenarioEngine, type Spawner } from './engine';
import { ScenarioRunError } from './errors';
import type { FaultSpec, ScenarioLab } from './types';

export interface NetnsEngineOptions {
  topology: string;
  lab: ScenarioLab;
  /** Use this lab, already up, instead of bringing one up (and leave it up afterwards). */
  attach?: string;
  /** Leave the lab up after the run. */
  keep?: boolean;
  env?: NodeJS.ProcessEnv;
  runner?: Runner;
  spawn?: Spawner;
  sessionTimeoutMs?: number;
}

export class NetnsEngine implements ScenarioEngine {
  readonly kind = 'netns' as const;
  readonly dryRun = false;
  readonly runner: Runner;
  readonly spawn: Spawner;
  private plan: Plan | undefined;
  private made = false;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly o: NetnsEngineOptions) {
    this.runner = o.runner ?? systemRunner;
    this.spawn = o.spawn ?? systemSpawner;
    this.env = o.env ?? process.env;
  }

  get lab(): string {
    return this.plan?.lab ?? this.o.attach ?? this.o.lab.name ?? '?';
  }

  private get p(): Plan {
    if (!this.plan) throw new ScenarioRunError('the lab is not up');
    return this.plan;
  }

  async up(progress: (line: string) => void, signal?: AbortSignal): Promise<Plan> {
    if (this.o.attach) {
      this.plan = requireState(this.o.attach, this.env).plan;
      progress(`using lab ${this.o.attach}, already up`);
      return this.plan;
    }
    const l = this.o.lab;
    const r = await labUp(this.o.topology, {
      ...(l.name !== undefined ? { name: l.name } : {}),
      ...(l.tunnel !== undefined ? { tunnelType: l.tunnel } : {}),
      ...(l.routerDaemon !== undefined ? { routerDaemon: l.routerDaemon } : {}),
      ...(l.farDaemon !== undefined ? { farDaemon: l.farDaemon } : {}),
      ...(l.liveness !== undefined ? { liveness: l.liveness } : {}),
      runner: this.runner,
      env: this.env,
      progress,
      ...(signal ? { signal } : {}),
      sessionTimeoutMs: this.o.sessionTimeoutMs ?? 90_000,
    });
    this.made = true;
    this.plan = r.plan;
    return r.plan;
  }

  async down(): Promise<void> {
    if (!this.made || this.o.keep) return;
    await labDown(this.p.lab, { runner: this.runner, env: this.env });
  }

  namespace(node: string): string {
    const n = this.p.nodes.find((x) => x.name === node);
    if (!n) throw new ScenarioRunError(`no node ${node} in lab ${this.lab}`);
    return n.namespace;
  }

  bgpfoCommand(): string[] {
    return bgpfoCommand(this.env);
  }

  sessions() {
    return sessionStates(this.runner, labLayout(this.p.lab, this.env), this.p);
  }

  /** Waits until every session is Established at both ends. */
  waitForSessions(timeoutMs: number) {
    return waitForSessions(this.runner, labLayout(this.p.lab, this.env), this.p, { timeoutMs });
  }

  control(node: string): ControlAccess | undefined {
    if (this.p.nodes.find((n) => n.name === node)?.runs !== 'bgpfo') return undefined;
    const client = new ControlClient({ socketPath: labLayout(this.p.lab, this.env).bgpfoSocket(node), timeoutMs: 5000 });
    return {
      status: () => client.status(),
      drain: (target, timeoutS) => client.drain({ target, timeoutS }),
      undrain: (target) => client.undrain(target),
      events: (onEvent) => client.events(onEvent),
    };
  }

  configFile(node: string): string | undefined {
    if (this.p.nodes.find((n) => n.name === node)?.runs !== 'bgpfo') return undefined;
    return join(labLayout(this.p.lab, this.env).nodeDir(node), 'bgpfo.yaml');
  }

  private tunnel(ref: string) {
    const t = resolveTunnelRef(this.p, ref);
    if (!t || t.length !== 1) throw new ScenarioRunError(`no tunnel ${ref} in lab ${this.lab}`);
    return t[0]!;
  }

  /** SIGKILL every daemon process of the node: no Cease, no cleanup, kernel routes left as they are. */
  private kill(node: string): number {
    const state = requireState(this.p.lab, this.env);
    const mine = state.processes.filter((p) => p.node === node && p.role === 'daemon' && isSameProcess(p.pid, p.startTime));
    for (const p of mine) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      p.stopped = true;
    }
    saveState(state, this.env);
    return mine.length;
  }

  private async links(node: string, state: 'up' | 'down', only?: string[]): Promise<string[]> {
    const ns = this.namespace(node);
    const ifs = only ?? nodeLinkInterfaces(this.p, node);
    for (const i of ifs) await mustRun(this.runner, ['ip', '-n', ns, 'link', 'set', 'dev', i, state]);
    if (state === 'up') {
      // Taking a link down deleted the static routes through it; the kernel does not put them back.
      const n = this.p.nodes.find((x) => x.name === node)!;
      for (const r of n.routes.filter((x) => ifs.includes(x.dev))) {
        await mustRun(this.runner, inNetns(ns, ['ip', 'route', 'replace', r.to, 'via', r.via, 'dev', r.dev, ...(r.table ? ['table', String(r.table)] : [])]));
      }
    }
    return ifs;
  }

  async fault(f: FaultSpec): Promise<string> {
    const lab = this.p.lab;
    const opts = { runner: this.runner, env: this.env };
    switch (f.kind) {
      case 'blackhole':
      case 'restore':
        return labFault(lab, { kind: f.kind, tunnel: this.tunnel(f.tunnel).name }, opts);
      case 'loss':
        return labFault(lab, { kind: 'loss', tunnel: this.tunnel(f.tunnel).name, percent: f.percent }, opts);
      case 'isp-down':
        return this.ispDown(f.isp);
      case 'isp-up':
        return labFault(lab, { kind: f.kind, isp: f.isp }, opts);
      case 'stop':
      case 'start':
        return labFault(lab, { kind: f.kind, node: f.node }, opts);
      case 'kill': {
        const n = this.kill(f.node);
        return `${f.node}: ${n} daemon process${n === 1 ? '' : 'es'} killed with SIGKILL`;
      }
      case 'node-down': {
        const n = this.kill(f.node);
        const ifs = await this.links(f.node, 'down');
        return `${f.node} powered off: ${n} daemon process${n === 1 ? '' : 'es'} killed, ${ifs.length} interfaces down (${ifs.join(', ')})`;
      }
      case 'node-up': {
        const ifs = await this.links(f.node, 'up');
        const started = this.p.nodes.find((n) => n.name === f.node)?.runs !== 'none' ? await labFault(lab, { kind: 'start', node: f.node }, opts) : 'no daemon';
        return `${f.node} powered on: ${ifs.length} interfaces up; ${started}`;
      }
      case 'tunnel-down':
      case 'tunnel-up': {
        const t = this.tunnel(f.tunnel);
        await this.links(t.onprem.node, f.kind === 'tunnel-down' ? 'down' : 'up', [t.onprem.ifname]);
        return `tunnel ${t.id} ${t.name} ${f.kind === 'tunnel-down' ? 'down' : 'up'} (${t.onprem.node}/${t.onprem.ifname})`;
      }
      case 'drain':
      case 'undrain': {
        const t = this.tunnel(f.tunnel);
        const api = this.control(t.onprem.node);
        if (!api) throw new ScenarioRunError(`${t.onprem.node} does not run bgpfo: nothing to drain`);
        const neighbor = onpremNeighbor(this.p, t);
        if (f.kind === 'undrain') {
          const r = await api.undrain(neighbor);
          return `tunnel ${t.id} undrained on ${t.onprem.node} (${r.neighbors.join(', ')})`;
        }
        const r = await api.drain(neighbor, 10);
        return `tunnel ${t.id} drained on ${t.onprem.node} (${r.neighbors.join(', ')}): traffic ${r.traffic} after ${r.waitedMs} ms`;
      }
    }
  }

  /**
   * An ISP failing fails all its links at once: one nftables transaction per router, the routers in parallel (the
   * lab's `fault isp-down` blackholes them one by one, which under load spreads the failure over a few hundred ms
   * and turns one outage into a cascade). The same tables and state record as `lab fault`, so `isp-up` undoes it.
   */
  private async ispDown(isp: string): Promise<string> {
    const ends = ispEnds(this.p, isp);
    const byNode = new Map<string, string[]>();
    for (const e of ends) byNode.set(e.node, [...(byNode.get(e.node) ?? []), e.ifname]);
    await Promise.all(
      [...byNode].map(([node, ifnames]) => {
        // Replacing a blackhole table: add it (a no-op if it exists), flush it, then fill it, in one transaction.
        const input = ifnames.map((i) => `table inet ${nftTable('blackhole', i)}\nflush table inet ${nftTable('blackhole', i)}\n${dropRules(i, 100)}`).join('');
        return mustRun(this.runner, inNetns(this.namespace(node), ['nft', '-f', '-']), { input });
      }),
    );
    const state = requireState(this.p.lab, this.env);
    state.faults = [...state.faults.filter((x) => !(x.kind === 'isp-down' && x.target === isp)), { kind: 'isp-down', target: isp }];
    saveState(state, this.env);
    return `ISP ${isp} down: ${ends.length} links blackholed at once at the routers (${ends.map((e) => e.ifname).join(', ')})`;
  }
}
