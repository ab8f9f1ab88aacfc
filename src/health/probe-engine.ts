// The worker side of probing: one ProbeRunner per open probe, driven by ToProbeWorker messages.
// No RFC. Kept apart from probe-worker.ts so it can be tested with a fake spawn and a FakeClock.

import type { Clock } from '../util/clock';
import type { FromProbeWorker, ToProbeWorker } from './probe-protocol';
import { ProbeRunner, type ProbeRunnerOptions } from './probe-runner';

export class ProbeEngine {
  private readonly runners = new Map<number, ProbeRunner>();

  constructor(
    private readonly clock: Clock,
    private readonly post: (msg: FromProbeWorker) => void,
    /** Epoch offset added to clock.now() for event times. */
    private readonly epochOffset = 0,
    private readonly hooks: Pick<ProbeRunnerOptions, 'spawn' | 'killGroup'> = {},
  ) {}

  handle(msg: ToProbeWorker): void {
    switch (msg.op) {
      case 'open': {
        if (this.runners.has(msg.id)) return;
        const id = msg.id;
        const runner = new ProbeRunner(msg.spec, {
          clock: this.clock,
          epochOffset: this.epochOffset,
          ...this.hooks,
          onState: (ch) => this.post({ op: 'state', id, ...ch }),
          onSample: (sample) => this.post({ op: 'sample', id, sample }),
          onChild: (pid) => this.post({ op: 'child', id, pid: pid ?? null }),
          onLog: (level, m) => this.post({ op: 'log', id, level, msg: m }),
        });
        this.runners.set(id, runner);
        runner.start();
        break;
      }
      case 'close':
        this.runners.get(msg.id)?.stop();
        this.runners.delete(msg.id);
        break;
      case 'shutdown':
        for (const r of this.runners.values()) r.stop();
        this.runners.clear();
        this.post({ op: 'closed' });
        break;
    }
  }

  /** For tests and status. */
  runner(id: number): ProbeRunner | undefined {
    return this.runners.get(id);
  }
}
