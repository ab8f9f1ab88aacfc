// The BFD service's status shapes (what `bgpfo status` and the metrics read) and its environment switches.
// No RFC: observability and configuration of src/bfd/service.ts.

import type { BfdIsolation } from './host';
import type { LatenessSummary } from './lateness';
import type { BfdStateName } from './packet';
import type { BfdServiceOptions } from './service';
import type { BfdProcessCost } from './stats';

/** Isolation and priority from BGPFO_BFD_ISOLATION / BGPFO_BFD_PRIORITY (benchmarks compare designs with them). */
export function bfdOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<BfdServiceOptions, 'isolation' | 'priority' | 'standby'> {
  const out: Pick<BfdServiceOptions, 'isolation' | 'priority' | 'standby'> = {};
  const iso = env.BGPFO_BFD_ISOLATION;
  if (iso !== undefined && iso !== '') {
    if (iso !== 'process' && iso !== 'worker') throw new RangeError(`BGPFO_BFD_ISOLATION=${iso}: use process or worker`);
    out.isolation = iso;
  }
  const pri = env.BGPFO_BFD_PRIORITY;
  if (pri !== undefined && pri !== '') {
    if (pri !== 'realtime' && pri !== 'nice' && pri !== 'normal') throw new RangeError(`BGPFO_BFD_PRIORITY=${pri}: use realtime, nice or normal`);
    out.priority = pri;
  }
  if (env.BGPFO_BFD_STANDBY === '0') out.standby = false;
  return out;
}

/** One session in `bgpfo status`: its state and counters (packets across process restarts). */
export interface BfdSessionStatus {
  local: string;
  peer: string;
  ifname?: string;
  state: BfdStateName | 'Starting';
  localDiscr: number;
  remoteDiscr?: number;
  clients: number;
  tx: number;
  rx: number;
  discarded: number;
  /** Largest transmit lateness of this session over the recent window. */
  txLateMaxMs: number;
}

/** The BFD part of `bgpfo status`. */
export interface BfdServiceStatus {
  isolation: BfdIsolation;
  /** pid of the BFD process (none for a worker thread, or while it restarts). */
  pid?: number;
  standbyPid?: number;
  /** What the scheduling of the BFD process ended up as: "SCHED_RR 10", "nice -10", "normal (...)". */
  priority?: string;
  restarts: number;
  lastRestart?: { at: string; code: number | null; signal: string | null; gapMs?: number };
  /** Periodic packets sent later than scheduled: over the last minute or so (windowS) and since start. */
  txLateness: { recent?: LatenessSummary; total?: LatenessSummary; windowS: number };
  cost: BfdProcessCost & { standbyRssBytes?: number };
  sessions: BfdSessionStatus[];
}

