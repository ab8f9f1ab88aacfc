// Messages between the daemon's BfdService and the BFD process (or worker thread): JSON-safe, one object each.
// The BFD process owns sockets and timers; the daemon owns clients, discriminators and what a restart resumes from.

import type { BfdAuthConfig } from './auth';
import type { LatenessHistogram } from './lateness';
import type { BfdStateName } from './packet';
import type { BfdResume } from './session';

/** One session as the worker runs it: the merge of every client's request for the same (local, peer, ifname). */
export interface BfdSessionSpec {
  local: string;
  peer: string;
  ifname?: string;
  desiredMinTxMs: number;
  requiredMinRxMs: number;
  multiplier: number;
  passive: boolean;
  auth?: BfdAuthConfig;
}

export type ToWorker =
  /** localDiscr: chosen by the daemon so that a restarted process keeps it; resume: carry on where the last one was. */
  | { op: 'open'; sid: number; spec: BfdSessionSpec; localDiscr?: number; resume?: BfdResume }
  | { op: 'update'; sid: number; spec: BfdSessionSpec }
  | { op: 'close'; sid: number }
  | { op: 'shutdown' };

/** Counters of one session since its process opened it. */
export interface BfdSessionCounters {
  sid: number;
  tx: number;
  rx: number;
  /** Received packets this session discarded (authentication, AdminDown: RFC 5880 §6.7, §6.8.6). */
  discarded: number;
  /** Largest transmit lateness of this session since the last report, ms. */
  lateMaxMs: number;
  /** bfd.XmitAuthSeq now (keyed authentication only): a restart continues from about here. */
  xmitAuthSeq?: number;
}

/** What the BFD process reports every stats interval: lateness since the last report, counters, its own cost. */
export interface BfdStatsReport {
  op: 'stats';
  /** Epoch ms of the report. */
  at: number;
  lateness: LatenessHistogram;
  sessions: BfdSessionCounters[];
  /** process.cpuUsage() of the BFD process (µs, cumulative); absent for a worker thread (it shares the daemon's). */
  cpuUserUs?: number;
  cpuSystemUs?: number;
  rssBytes?: number;
  heapUsedBytes: number;
}

export type FromWorker =
  | { op: 'ready'; pid?: number }
  /** The session's resume point changed (state, peer discriminator, agreed timers); null: nothing to resume. */
  | { op: 'resume-point'; sid: number; resume: BfdResume | null }
  | BfdStatsReport
  | {
      op: 'state';
      sid: number;
      state: BfdStateName;
      diag: number;
      detectionTimeMs: number;
      /** Epoch milliseconds (performance.timeOrigin + performance.now() in the worker). */
      at: number;
      /** The peer's state as last received (RFC 5882 §3.2: AdminDown is not a failure). */
      remoteState?: BfdStateName;
    }
  | { op: 'detection-time'; sid: number; detectionTimeMs: number }
  | { op: 'error'; sid?: number; code: string; message: string }
  | { op: 'discard'; sid?: number; code: string; reason: string }
  | { op: 'closed' };
