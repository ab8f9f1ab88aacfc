// Runs a scenario's traffic: a recording receiver and a constant-rate sender per stream inside the hosts'
// namespaces (`bgpfo scenario agent`), the per-flow tunnel counters sampled on the on-prem routers, and at the
// end both agents' reports, joined into StreamRuns for the analysis.

import type { ChildProcess } from 'node:child_process';
import type { Plan } from '../orchestrator';
import { streamNames, type StreamRun } from './analyze';
import type { ScenarioEngine } from './engine';
import { ScenarioRunError } from './errors';
import { FlowCounterSampler } from './flow-counters';
import type { ReceiverReport, SenderReport } from './flow-record';
import type { TrafficStream } from './types';

export const BASE_DPORT = 47100;
export const BASE_SPORT = 41000;
/** Longest a sender runs on its own (a runner that died must not leave traffic flowing). */
export const SENDER_MAX_S = 600;

interface Agent {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number>;
}

function watch(child: ChildProcess): Agent {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.on('error', (e) => (err += `\n${e.message}`));
  // 'close', not 'exit': an agent's last lines (its report) may still be in the pipe when it has exited, and on a
  // busy machine 'exit' came first, so the report was missed ("exited (status 0)" with only its first line).
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  return { child, out: () => out + (err ? `\n${err}` : ''), exited };
}

/** Resolves with the first JSON line holding `key`, or rejects when the agent exits or the time runs out. */
function waitLine<T>(a: Agent, key: string, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const check = () => {
      for (const l of a.out().split('\n')) {
        if (!l.startsWith('{') || !l.includes(`"${key}"`)) continue;
        try {
          const v = JSON.parse(l) as Record<string, unknown>;
          if (key in v) return finish(() => resolve(v as T));
        } catch {
          // a line still being written
        }
      }
    };
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      a.child.stdout?.off('data', check);
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new ScenarioRunError(`${what} did not report within ${ms / 1000} s:\n${a.out().slice(-1500)}`))), ms);
    a.child.stdout?.on('data', check);
    void a.exited.then((code) => {
      check();
      finish(() => reject(new ScenarioRunError(`${what} exited (status ${code}):\n${a.out().slice(-1500)}`)));
    });
    check();
  });
}

export interface StreamPorts {
  dport: number;
  sportBase: number;
}

export const streamPorts = (i: number): StreamPorts => ({ dport: BASE_DPORT + i, sportBase: BASE_SPORT + 1000 * i });

/** The address a host receives on: its interfaces' first address of the family. */
export function hostAddress(plan: Plan, node: string, family: 4 | 6 = 4): string {
  const n = plan.nodes.find((x) => x.name === node);
  const a = n?.interfaces.flatMap((i) => i.addresses).find((x) => x.includes(':') === (family === 6));
  if (!a) throw new ScenarioRunError(`${node} has no IPv${family} address${family === 6 ? ' (its site has no IPv6 prefix in the topology)' : ''}`);
  return a.split('/')[0]!;
}

export class TrafficRun {
  readonly sampler: FlowCounterSampler;
  private receivers: Agent[] = [];
  private senders: Agent[] = [];
  /** Epoch ms each sender started. */
  startedAt: number[] = [];

  constructor(
    private readonly engine: ScenarioEngine,
    private readonly plan: Plan,
    private readonly streams: TrafficStream[],
    sampleMs: number,
  ) {
    this.sampler = new FlowCounterSampler(engine.runner, plan, (n) => engine.namespace(n), streams.map((_, i) => streamPorts(i).dport), sampleMs);
  }

  direction(s: TrafficStream): 'out' | 'in' {
    return this.plan.nodes.find((n) => n.name === s.from)?.site === 'onprem' ? 'out' : 'in';
  }

  private agent(node: string, args: string[]): Agent {
    return watch(this.engine.spawn(['ip', 'netns', 'exec', this.engine.namespace(node), ...this.engine.bgpfoCommand(), 'scenario', 'agent', ...args]));
  }

  async start(): Promise<void> {
    await this.sampler.install();
    this.receivers = this.streams.map((s, i) => {
      // A gap is recorded from 5 packet intervals on (5 ms at 1000 packets/s): finer than any failover.
      const gapMs = Math.max(2, Math.round((5 * 1000) / s.ppsPerFlow));
      return this.agent(s.to, ['recv', '--port', String(streamPorts(i).dport), '--gap-ms', String(gapMs), ...(s.family === 6 ? ['--family', '6'] : [])]);
    });
    await Promise.all(this.receivers.map((a, i) => waitLine(a, 'ready', 20_000, `the traffic receiver on ${this.streams[i]!.to}`)));
    this.sampler.start();
    this.senders = this.streams.map((s, i) =>
      this.agent(s.from, [
        'send',
        '--to', hostAddress(this.plan, s.to, s.family),
        '--port', String(streamPorts(i).dport),
        '--flows', String(s.flows),
        '--pps-per-flow', String(s.ppsPerFlow),
        '--sport-base', String(streamPorts(i).sportBase),
        '--size', String(s.size),
        '--max-seconds', String(SENDER_MAX_S),
      ]),
    );
    const started = await Promise.all(this.senders.map((a, i) => waitLine<{ started: number }>(a, 'started', 20_000, `the traffic sender on ${this.streams[i]!.from}`)));
    this.startedAt = started.map((x) => x.started);
  }

  /** Stops the senders, then (once the last packets are in) the receivers and the counters; joins the reports. */
  async stop(): Promise<StreamRun[]> {
    for (const a of this.senders) a.child.kill('SIGTERM');
    const sent = await Promise.all(this.senders.map((a, i) => waitLine<SenderReport>(a, 'sent', 10_000, `the traffic sender on ${this.streams[i]!.from}`)));
    await new Promise((r) => setTimeout(r, 200));
    for (const a of this.receivers) a.child.kill('SIGTERM');
    const received = await Promise.all(this.receivers.map((a, i) => waitLine<ReceiverReport>(a, 'flows', 10_000, `the traffic receiver on ${this.streams[i]!.to}`)));
    await this.sampler.stop();
    await this.sampler.remove();
    const names = streamNames(this.streams);
    return this.streams.map((stream, index) => ({
      index,
      stream,
      name: names[index]!,
      direction: this.direction(stream),
      ...streamPorts(index),
      sender: sent[index]!,
      receiver: received[index]!,
    }));
  }

  /** Kills whatever still runs (after an error). */
  async abort(): Promise<void> {
    for (const a of [...this.senders, ...this.receivers]) if (a.child.exitCode === null) a.child.kill('SIGKILL');
    await this.sampler.stop().catch(() => undefined);
    await this.sampler.remove().catch(() => undefined);
  }
}
