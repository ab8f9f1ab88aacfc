// Probe mode as a service: clients request a ping probe per tunnel and get Up/Down events and quality samples.
// The ping children live in a worker thread (like BFD's sessions, src/bfd/service.ts); this side keeps clients and pids.

import type { Worker } from 'node:worker_threads';
import type { FromProbeWorker, ToProbeWorker } from './probe-protocol';
import type { ProbeStateChange } from './probe-runner';
import { validateProbeSpec, type ProbeSpec } from './probe-spec';
import { spawnProbeWorker } from './probe-spawn';
import type { QualitySample } from './types';

export type ProbeRequestOptions = ProbeSpec;

export interface ProbeStateEvent extends Omit<ProbeStateChange, 'reason'> {
  reason: ProbeStateChange['reason'] | 'worker-exited';
  /** interval x multiplier. */
  detectionTimeMs: number;
}

export interface ProbeClient {
  /** Up/Down changes (the first event may be Up or Down: a probe starts in neither). */
  onChange(ev: ProbeStateEvent): void;
  onSample?(sample: QualitySample): void;
}

export interface ProbeHandle {
  close(): void;
  readonly current: ProbeStateEvent | undefined;
}

export interface ProbeServiceOptions {
  log?: { warn(obj: object, msg: string): void; debug?(obj: object, msg: string): void };
  /** For tests: how to start the worker. */
  spawn?: () => Worker;
  /** For tests: how to kill a process group at exit. */
  killGroup?: (pid: number) => void;
}

interface Probe {
  id: number;
  spec: ProbeSpec;
  client: ProbeClient;
  current: ProbeStateEvent | undefined;
}

export class ProbeService {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private stopping = false;
  private nextId = 1;
  private readonly probes = new Map<number, Probe>();
  /** Live ping pids by probe id, as the worker reports them. */
  private readonly pids = new Map<number, number>();
  private readonly onExit = () => this.killAll();

  constructor(private readonly options: ProbeServiceOptions = {}) {}

  start(): Promise<void> {
    if (this.ready) return this.ready;
    this.stopping = false;
    // Last resort if the daemon exits without stop(): kill every ping group synchronously.
    process.once('exit', this.onExit);
    this.ready = this.spawn();
    return this.ready;
  }

  /** Stops every probe (their ping groups are killed) and ends the worker. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.stopping = true;
    this.ready = undefined;
    this.worker = undefined;
    this.probes.clear();
    process.removeListener('exit', this.onExit);
    if (!w) {
      this.killAll();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage({ op: 'shutdown' } satisfies ToProbeWorker);
    });
    // The worker killed its children; anything it could not reach goes now.
    this.killAll();
  }

  /** Pids of the ping children running now (status, tests). */
  childPids(): number[] {
    return [...this.pids.values()];
  }

  requestProbe(spec: ProbeRequestOptions, client: ProbeClient): ProbeHandle {
    if (!this.worker) throw new Error('ProbeService.requestProbe before start()');
    validateProbeSpec(spec);
    const probe: Probe = { id: this.nextId++, spec: { ...spec }, client, current: undefined };
    this.probes.set(probe.id, probe);
    this.post({ op: 'open', id: probe.id, spec: probe.spec });
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        if (this.probes.delete(probe.id)) this.post({ op: 'close', id: probe.id });
      },
      get current() {
        return probe.current;
      },
    };
  }

  private post(msg: ToProbeWorker): void {
    this.worker?.postMessage(msg);
  }

  private killAll(): void {
    for (const pid of this.pids.values()) this.killGroup(pid);
    this.pids.clear();
  }

  private killGroup(pid: number): void {
    if (this.options.killGroup) return this.options.killGroup(pid);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }

  private spawn(): Promise<void> {
    const w = (this.options.spawn ?? spawnProbeWorker)();
    this.worker = w;
    w.unref();
    return new Promise((resolve, reject) => {
      w.on('message', (msg: FromProbeWorker) => {
        if (msg.op === 'ready') resolve();
        else if (this.worker === w) this.onMessage(msg);
        // While stopping, still learn which children the worker has already killed.
        else if (this.stopping && msg.op === 'child' && msg.pid === null) this.pids.delete(msg.id);
      });
      w.once('error', (err) => {
        this.options.log?.warn({ err }, 'probe worker failed');
        reject(err);
      });
      w.once('exit', (code) => {
        if (this.stopping || this.worker !== w) return;
        // Its children lose their reader (and die of SIGPIPE at their next line); kill them now all the same,
        // report every probe Down, and start again.
        this.options.log?.warn({ code }, 'probe worker exited; restarting it');
        this.killAll();
        this.worker = undefined;
        this.ready = this.spawn();
        const at = performance.timeOrigin + performance.now();
        for (const p of this.probes.values()) {
          if (p.current?.state !== 'down') {
            this.deliver(p, { state: 'down', reason: 'worker-exited', detail: `probe worker exited (code ${code})`, at, detectionTimeMs: detection(p.spec) });
          }
          this.post({ op: 'open', id: p.id, spec: p.spec });
        }
      });
    });
  }

  private onMessage(msg: FromProbeWorker): void {
    switch (msg.op) {
      case 'state': {
        const p = this.probes.get(msg.id);
        if (p) this.deliver(p, { state: msg.state, reason: msg.reason, detail: msg.detail, at: msg.at, detectionTimeMs: detection(p.spec) });
        break;
      }
      case 'sample': {
        const p = this.probes.get(msg.id);
        if (p?.client.onSample) this.safely(p, () => p.client.onSample!(msg.sample));
        break;
      }
      case 'child':
        if (msg.pid === null) this.pids.delete(msg.id);
        else this.pids.set(msg.id, msg.pid);
        break;
      case 'log':
        if (msg.level === 'warn') this.options.log?.warn({ probe: msg.id }, msg.msg);
        else this.options.log?.debug?.({ probe: msg.id }, msg.msg);
        break;
      case 'ready':
      case 'closed':
        break;
    }
  }

  private deliver(p: Probe, ev: ProbeStateEvent): void {
    p.current = ev;
    this.safely(p, () => p.client.onChange(ev));
  }

  private safely(p: Probe, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.log?.warn({ err, probe: `${p.spec.local}->${p.spec.peer}` }, 'probe client callback threw');
    }
  }
}

function detection(s: ProbeSpec): number {
  return s.intervalMs * s.multiplier;
}
