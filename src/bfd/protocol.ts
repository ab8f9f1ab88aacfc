// Messages between the main thread's BfdService and the BFD worker thread (structured-clone safe).
// The worker owns sockets and timers; the main thread owns clients and reference counts.

import type { BfdAuthConfig } from './auth';
import type { BfdStateName } from './packet';

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
  | { op: 'open'; sid: number; spec: BfdSessionSpec }
  | { op: 'update'; sid: number; spec: BfdSessionSpec }
  | { op: 'close'; sid: number }
  | { op: 'shutdown' };

export type FromWorker =
  | { op: 'ready' }
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
