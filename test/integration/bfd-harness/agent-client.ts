// Test-side handle on a BFD agent (agent.ts) running in a lab namespace: send commands, collect state events.
// The lab's cleanup kills it; events carry the worker's epoch timestamps for timing checks.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BfdRequestOptions, BfdServiceStatus, BfdStateEvent, BfdTimerOptions } from '../../../src/bfd/service';
import { waitFor, type Netns } from '../harness';

export interface AgentStateEvent extends BfdStateEvent {
  id: string;
}

export class BfdAgent {
  readonly events: AgentStateEvent[] = [];
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private exited = false;

  private constructor(
    readonly ns: Netns,
    env: NodeJS.ProcessEnv,
  ) {
    const argv = ns.argv([process.execPath, '-r', join(__dirname, 'register.js'), join(__dirname, 'agent.ts')]);
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: join(__dirname, '../../..'), env: { ...process.env, ...env } });
    this.child.once('exit', () => void (this.exited = true));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      try {
        const msg = JSON.parse(line) as { ev: string } & AgentStateEvent;
        if (msg.ev === 'state') this.events.push(msg);
      } catch {
        /* not ours */
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.lines.push(`stderr: ${line}`));
    ns.lab.onCleanup(() => this.kill());
  }

  /** `env`: BGPFO_BFD_ISOLATION / BGPFO_BFD_PRIORITY / BGPFO_BFD_STANDBY pick the design (src/bfd/service-status.ts). */
  static async start(ns: Netns, env: NodeJS.ProcessEnv = {}): Promise<BfdAgent> {
    const a = new BfdAgent(ns, env);
    await waitFor(
      () => {
        if (a.exited) throw new Error(`BFD agent exited:\n${a.lines.join('\n')}`);
        return a.lines.some((l) => l.includes('"ev":"ready"'));
      },
      20_000,
      { what: `the BFD agent in ${ns.name}`, intervalMs: 50 },
    );
    return a;
  }

  private send(cmd: object): void {
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
  }

  request(id: string, opts: BfdRequestOptions): void {
    this.send({ cmd: 'request', id, opts });
  }

  update(id: string, timers: BfdTimerOptions): void {
    this.send({ cmd: 'update', id, timers });
  }

  close(id: string): void {
    this.send({ cmd: 'close', id });
  }

  /** Keep the agent's main loop and heap busy as an ingest would (agent.ts churn), or stop. */
  churn(on: boolean): void {
    this.send({ cmd: 'churn', on });
  }

  busy(ms: number): void {
    this.send({ cmd: 'busy', ms });
  }

  /** The last state event of a session, if any. */
  last(id: string): AgentStateEvent | undefined {
    return this.events.filter((e) => e.id === id).at(-1);
  }

  async current(id: string): Promise<BfdStateEvent | null> {
    const before = this.lines.length;
    this.send({ cmd: 'current', id });
    const line = await waitFor(() => this.lines.slice(before).find((l) => l.includes('"ev":"current"') && l.includes(`"id":"${id}"`)), 5000, {
      intervalMs: 20,
    });
    return (JSON.parse(line) as { current: BfdStateEvent | null }).current;
  }

  private async ask<T>(cmd: object, ev: string, field: string): Promise<T> {
    const before = this.lines.length;
    this.send(cmd);
    const line = await waitFor(() => this.lines.slice(before).find((l) => l.startsWith(`{"ev":"${ev}"`)), 10_000, { intervalMs: 20, what: `the agent's ${ev}` });
    return (JSON.parse(line) as Record<string, T>)[field]!;
  }

  /** BfdService.status(): the BFD process, its lateness and counters. */
  status(): Promise<BfdServiceStatus> {
    return this.ask({ cmd: 'status' }, 'status', 'status');
  }

  /** The Prometheus text of the BFD metrics (src/metrics/bfd.ts). */
  metrics(): Promise<string> {
    return this.ask({ cmd: 'metrics' }, 'metrics', 'text');
  }

  /** SIGKILL the BFD process, as a crash would; resolves with its pid. */
  killBfd(): Promise<number> {
    return this.ask({ cmd: 'kill-bfd' }, 'killed', 'pid');
  }

  /** Waits until the session's latest event is `state` and returns that event. */
  waitState(id: string, state: BfdStateEvent['state'], timeoutMs: number): Promise<AgentStateEvent> {
    return waitFor(() => (this.last(id)?.state === state ? this.last(id) : undefined), timeoutMs, {
      what: `BFD session ${id} in ${this.ns.name} to be ${state} (events: ${JSON.stringify(this.events.filter((e) => e.id === id).map((e) => e.state))})`,
      intervalMs: 10,
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.send({ cmd: 'stop' });
    await waitFor(() => this.exited, 5000, { intervalMs: 20 }).catch(() => this.kill());
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
