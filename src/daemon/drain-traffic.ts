// Waiting for traffic to leave a drained tunnel: the interface's packet counters (/sys/class/net/IF/statistics)
// sampled once a second until every interface stays under a packet rate, or a timeout. No RFC: bgpfo's own check.

import { readFile } from 'node:fs/promises';
import type { Clock } from '../util/clock';

export interface PacketCounters {
  rx: number;
  tx: number;
}

export type CounterReader = (ifname: string) => Promise<PacketCounters>;

/** Reads rx_packets and tx_packets of an interface in this process's network namespace. */
export const sysfsCounters: CounterReader = async (ifname) => {
  if (!/^[A-Za-z0-9_.+-]{1,15}$/.test(ifname)) throw new Error(`bad interface name "${ifname}"`);
  const dir = `/sys/class/net/${ifname}/statistics`;
  const [rx, tx] = await Promise.all([readFile(`${dir}/rx_packets`, 'utf8'), readFile(`${dir}/tx_packets`, 'utf8')]);
  return { rx: Number(rx.trim()), tx: Number(tx.trim()) };
};

export interface QuietOptions {
  /** rx + tx packets per second at or under which an interface counts as quiet. BGP keepalives, BFD and probes
   *  stay on a drained tunnel, so this is not 0: BFD at 100 ms alone is 20 packets/s both ways. */
  quietPps: number;
  /** Consecutive quiet samples needed (default 2): one quiet second can be a gap in a bursty stream. */
  settle?: number;
}

export interface InterfaceRate {
  ifname: string;
  /** Rate over the first sample interval and over the last one. */
  startPps: number;
  endPps: number;
}

/**
 * The pure part of the wait: fed counter samples with their times, says when every interface has been quiet for
 * `settle` samples in a row. A counter that goes backwards (interface re-created) restarts that interface's count.
 */
export class QuietDetector {
  private readonly last = new Map<string, { at: number; total: number }>();
  private readonly quietRun = new Map<string, number>();
  private readonly rates = new Map<string, InterfaceRate>();

  constructor(
    readonly ifnames: readonly string[],
    private readonly opts: QuietOptions,
  ) {}

  /** Adds one sample of every interface taken at `at` (ms), missing ones gone; returns true once all are quiet. */
  sample(at: number, counters: ReadonlyMap<string, PacketCounters>): boolean {
    for (const ifname of this.ifnames) {
      const c = counters.get(ifname);
      if (!c) {
        // Gone (tunnel deleted): nothing can flow through it, so it counts as quiet.
        this.quietRun.set(ifname, Infinity);
        continue;
      }
      const total = c.rx + c.tx;
      const prev = this.last.get(ifname);
      this.last.set(ifname, { at, total });
      if (!prev || at <= prev.at) continue;
      if (total < prev.total) {
        this.quietRun.set(ifname, 0);
        continue;
      }
      const pps = ((total - prev.total) * 1000) / (at - prev.at);
      const r = this.rates.get(ifname);
      this.rates.set(ifname, { ifname, startPps: r ? r.startPps : round(pps), endPps: round(pps) });
      this.quietRun.set(ifname, pps <= this.opts.quietPps ? (this.quietRun.get(ifname) ?? 0) + 1 : 0);
    }
    return this.quiet;
  }

  get quiet(): boolean {
    const need = this.opts.settle ?? 2;
    return this.ifnames.every((i) => (this.quietRun.get(i) ?? 0) >= need);
  }

  result(): InterfaceRate[] {
    return this.ifnames.map((ifname) => this.rates.get(ifname) ?? { ifname, startPps: 0, endPps: 0 });
  }
}

export interface WaitQuietOptions extends QuietOptions {
  ifnames: readonly string[];
  timeoutMs: number;
  /** Sample interval (default 1000 ms). */
  intervalMs?: number;
  clock: Clock;
  read?: CounterReader;
  /** Checked before each sample; true ends the wait early (an undrain came). */
  cancelled?: () => boolean;
}

export interface WaitQuietResult {
  outcome: 'moved' | 'timeout' | 'cancelled';
  interfaces: InterfaceRate[];
  waitedMs: number;
}

/** Samples the counters until the interfaces are quiet, the timeout passes or the wait is cancelled. */
export async function waitQuiet(o: WaitQuietOptions): Promise<WaitQuietResult> {
  const read = o.read ?? sysfsCounters;
  const interval = o.intervalMs ?? 1000;
  const det = new QuietDetector(o.ifnames, o);
  const start = o.clock.now();
  const sample = async () => {
    const m = new Map<string, PacketCounters>();
    for (const i of o.ifnames) {
      try {
        m.set(i, await read(i));
      } catch {
        // left out: the detector counts a missing interface as quiet
      }
    }
    return det.sample(o.clock.now(), m);
  };
  await sample();
  for (;;) {
    await new Promise<void>((r) => o.clock.setTimeout(r, interval));
    const waited = o.clock.now() - start;
    if (o.cancelled?.()) return { outcome: 'cancelled', interfaces: det.result(), waitedMs: waited };
    if (await sample()) return { outcome: 'moved', interfaces: det.result(), waitedMs: o.clock.now() - start };
    if (o.clock.now() - start >= o.timeoutMs) return { outcome: 'timeout', interfaces: det.result(), waitedMs: o.clock.now() - start };
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
