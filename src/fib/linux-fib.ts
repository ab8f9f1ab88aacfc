// The Linux FIB (issue item 1): the engine over iproute2 in the host or a network namespace.
// Routes go to `table` with `protocol` and `metric`, pointing at nexthop objects in our id range.

import { FibEngine, type EngineOptions } from './engine';
import { LinuxDataplane, type LinuxDataplaneOptions } from './linux-dataplane';

export type LinuxFibOptions = EngineOptions & LinuxDataplaneOptions;

/**
 * Call reconcile() once after construction: it adopts (stale: 'keep') or removes (the default) what
 * a previous run left in the kernel before routes are installed.
 */
export class LinuxFib extends FibEngine {
  constructor(options: LinuxFibOptions = {}) {
    super(new LinuxDataplane(options), options);
  }
}
