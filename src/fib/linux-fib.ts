// The Linux FIB (issue item 1): the engine over the kernel through our netlink helper (or ip -batch without it),
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
    // Which writer is in use is said once at start; falling back to ip -batch (slower, same results) is a warning.
    if (dp.writer.name === 'netlink') options.logger?.info({ writer: 'netlink', helper: dp.writerReason }, 'kernel FIB writer: netlink (bgpfo-netlink helper)');
    else if (dp.writerReason === 'asked for') options.logger?.info({ writer: 'ip-batch' }, 'kernel FIB writer: ip -batch (asked for)');
    else options.logger?.warn({ writer: 'ip-batch', why: dp.writerReason }, `kernel FIB writer: ip -batch, not netlink: ${dp.writerReason}`);
  }

  /** Which writer reaches the kernel: 'netlink' (our helper) or 'ip-batch' (iproute2, when the helper is not built). */
  get writer(): 'netlink' | 'ip-batch' {
    return (this.dp as LinuxDataplane).writer.name;
  }
}
