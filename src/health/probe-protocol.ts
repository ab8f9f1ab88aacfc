// Messages between the main thread's ProbeService and the probe worker thread (structured-clone safe).
// The worker owns the ping children, their pipes and timers; the main thread owns clients.

import type { ProbeStateChange } from './probe-runner';
import type { ProbeSpec } from './probe-spec';
import type { QualitySample } from './types';

export type ToProbeWorker = { op: 'open'; id: number; spec: ProbeSpec } | { op: 'close'; id: number } | { op: 'shutdown' };

export type FromProbeWorker =
  | { op: 'ready' }
  | ({ op: 'state'; id: number } & ProbeStateChange)
  | { op: 'sample'; id: number; sample: QualitySample }
  /** The probe's current ping pid (null: none running), so the main thread can kill its group on exit. */
  | { op: 'child'; id: number; pid: number | null }
  | { op: 'log'; id?: number; level: 'warn' | 'debug'; msg: string }
  | { op: 'closed' };
