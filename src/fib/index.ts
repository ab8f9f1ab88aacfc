// Public surface of the FIB: types, the memory and Linux implementations, host settings.
// Prefix-independent failover over kernel nexthop groups (architecture convention 9).

export type {
  Fib,
  FibErrorCode,
  FibIssue,
  FibResult,
  FibRoute,
  FibSnapshot,
  GroupSnapshot,
  NextHop,
  NextHopSnapshot,
  ReconcileOptions,
  ReconcileReport,
} from './types';
export { FibError } from './types';
export { FibEngine, DEFAULT_ID_RANGE, type EngineOptions, type FibLogger } from './engine';
export { MemoryFib } from './memory-fib';
export { MemoryKernel } from './memory-kernel';
export { LinuxFib, type LinuxFibOptions } from './linux-fib';
export { DEFAULT_METRIC, DEFAULT_PROTOCOL, DEFAULT_TABLE } from './linux-dataplane';
export { checkHostSettings, restoreHostSettings, type RestoreReport, type HostChange, type HostProblem, type HostSettingsOptions, type HostSettingsReport } from './host-settings';
