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
    const dp = new LinuxDataplane(options);
    super(dp, options);
    const { name } = dp.writer;
    options.logger?.info(
      { writer: name, ...(name === 'netlink' ? { helper: dp.writerReason } : { why: dp.writerReason }) },
      name === 'netlink' ? 'kernel FIB writer: netlink (bgpfo-netlink helper)' : `kernel FIB writer: ip -batch (${dp.writerReason})`,
    );
  }

  /** Which writer reaches the kernel: 'netlink' (our helper) or 'ip-batch' (iproute2, when the helper is not built). */
  get writer(): 'netlink' | 'ip-batch' {
    return (this.dp as LinuxDataplane).writer.name;
  }
}
