// CPU time the hypervisor took from this virtual machine (steal, /proc/stat) sampled through a scenario run: a
// failover timed while the machine itself was not running says nothing of bgpfo, so a failed check there is "disturbed".

import { readFileSync } from 'node:fs';
import type { Window } from './analyze';

/** Steal of at least this share of the CPU time in a check's window disturbs it (a quiet machine here: about 1.5 %). */
export const STEAL_DISTURBS = 0.05;

export interface CpuTimes {
  /** Epoch ms the counters were read. */
  at: number;
  steal: number;
  total: number;
}

/** The aggregate "cpu" line of /proc/stat: steal and the total (guest time is already counted in user and nice). */
export function parseCpuTimes(stat: string, at: number): CpuTimes | undefined {
  const f = /^cpu\s+(.+)$/m.exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
  if (!f || f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
  return { at, steal: f[7]!, total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
}

export class StealSampler {
  readonly samples: CpuTimes[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly read: () => string = () => readFileSync('/proc/stat', 'utf8')) {}

  start(intervalMs: number, now: () => number = Date.now): void {
    const take = () => {
      try {
        const t = parseCpuTimes(this.read(), now());
        if (t) this.samples.push(t);
      } catch {
        // no /proc/stat: nothing to judge by
      }
    };
    take();
    this.timer = setInterval(take, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The share of CPU time stolen over the samples that bracket `w`; undefined without two samples around it. */
  shareWithin(w: Window): number | undefined {
    const before = this.samples.filter((s) => s.at <= w.from).at(-1) ?? this.samples[0];
    const after = this.samples.find((s) => s.at >= w.to) ?? this.samples.at(-1);
    if (!before || !after || after.total <= before.total) return undefined;
    return (after.steal - before.steal) / (after.total - before.total);
  }

  /** The largest share stolen between consecutive samples `spanMs` or more apart. */
  maxShare(spanMs: number): number {
    let max = 0;
    let j = 0;
    for (let i = 1; i < this.samples.length; i++) {
      while (j < i && this.samples[i]!.at - this.samples[j + 1]!.at >= spanMs) j++;
      if (this.samples[i]!.at - this.samples[j]!.at < spanMs) continue;
      const d = this.samples[i]!.total - this.samples[j]!.total;
      if (d > 0) max = Math.max(max, (this.samples[i]!.steal - this.samples[j]!.steal) / d);
    }
    return max;
  }
}
