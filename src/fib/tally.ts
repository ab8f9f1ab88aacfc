// Accumulates what one FIB call did (kernel op counts, refused ops) into the FibResult it returns.
// Convention 3: kernel refusals become FibIssues with stable codes instead of exceptions.

import type { Prefix } from '../bgp/types';
import type { Dataplane, KernelOp } from './dataplane';
import type { FibErrorCode, FibIssue, FibResult } from './types';

// A delete of something already gone reached its goal: the kernel flushed it first (carrier loss) or
// the stale entry had been removed by hand. Not worth an error.
const GONE = /No such process|does not exist|No such file or directory|not found/i;

export class Tally {
  ops = 0;
  groupOps = 0;
  routeOps = 0;
  readonly errors: FibIssue[] = [];

  error(code: FibErrorCode, message: string, prefix?: Prefix, op?: string): void {
    const issue: FibIssue = { code, message };
    if (prefix !== undefined) issue.prefix = prefix;
    if (op !== undefined) issue.op = op;
    this.errors.push(issue);
  }

  /**
   * Applies ops through the dataplane and returns the indexes that failed. A batch whose outcome is
   * unknown (the ip child died) counts as failed throughout; the caller treats those as not applied.
   */
  async apply(dp: Dataplane, channel: 'objects' | 'routes', ops: KernelOp[]): Promise<Set<number>> {
    const failed = new Set<number>();
    if (ops.length === 0) return failed;
    this.ops += ops.length;
    for (const op of ops) {
      if (op.kind === 'group') this.groupOps++;
      else if (op.kind.startsWith('route-')) this.routeOps++;
    }
    try {
      const failures = channel === 'objects' ? await dp.applyObjects(ops) : await dp.applyRoutes(ops);
      for (const f of failures) {
        const op = ops[f.index];
        if ((op.kind === 'nh-del' || op.kind === 'route-del') && GONE.test(f.message)) continue;
        failed.add(f.index);
        const prefix = 'prefix' in op ? op.prefix : undefined;
        this.error('FIB_KERNEL_REJECTED', f.message, prefix, dp.describe(op));
      }
    } catch (e) {
      for (let i = 0; i < ops.length; i++) failed.add(i);
      this.error('FIB_IP_EXITED', `${ops.length} kernel operations with unknown outcome: ${(e as Error).message}`);
    }
    return failed;
  }

  result(): FibResult {
    return { ops: this.ops, groupOps: this.groupOps, routeOps: this.routeOps, errors: this.errors };
  }
}
