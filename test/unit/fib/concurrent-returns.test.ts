// Two tunnels of one far gateway come back at once (its daemon restarted: both sessions up within a millisecond)
// with an empty table: a prefix the FIB kept on its old group while they were down (pinned) must move to its own
// group before either tunnel rejoins the old one. The second return must not regroup the old group while the
// first return's route move is still on its way to the kernel (seen in the ap8-returns lab: 2 ms of two flows sent
// to a gateway that did not announce their prefix).

import { MemoryFib } from '../../../src/fib/memory-fib';
import { MemoryKernel } from '../../../src/fib/memory-kernel';
import type { KernelOp, OpFailure } from '../../../src/fib/dataplane';
import { A, B, C, D, hopText } from './helpers';

/** A kernel that answers on a later turn and checks, after every op, that P never forwards over A or C. */
class WatchedKernel extends MemoryKernel {
  readonly violations: string[] = [];
  /** Called with each op as it reaches the kernel, before it is applied. */
  onOp: ((op: KernelOp) => void) | undefined;
  constructor(private readonly prefix: string) {
    super();
  }
  private async later(ops: KernelOp[]): Promise<OpFailure[]> {
    await new Promise((r) => setImmediate(r));
    const failures: OpFailure[] = [];
    for (let i = 0; i < ops.length; i++) {
      this.onOp?.(ops[i]!);
      for (const f of await super.applyObjects([ops[i]!])) failures.push({ index: i, message: f.message });
      const via = this.resolve(this.prefix);
      const bad = Array.isArray(via) ? via.filter((h) => h === hopText(A) || h === hopText(C)) : [];
      if (bad.length > 0) this.violations.push(`after ${JSON.stringify(ops[i])}: ${this.prefix} forwards over ${bad.join(', ')}`);
    }
    return failures;
  }
  override applyObjects(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.later(ops);
  }
  override applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.later(ops);
  }
}

const P = '10.20.0.0/16';

/**
 * Active/passive: A and B on the first tier (ISP 1), C and D on the second (ISP 2); A and C lead to one gateway,
 * which went down. Its paths are gone too, so P stays on its group (pinned), which forwards over B.
 */
async function pinnedWhileGatewayDown(): Promise<{ kernel: WatchedKernel; fib: MemoryFib }> {
  const kernel = new WatchedKernel(P);
  const fib = new MemoryFib({ kernel });
  expect((await fib.replaceRoutes([{ prefix: P, tiers: [[A, B], [C, D]] }])).errors).toEqual([]);
  await fib.nexthopDown(A.tunnel);
  await fib.nexthopDown(C.tunnel);
  await fib.replaceRoutes([{ prefix: P, tiers: [[B], [D]] }]);
  expect(fib.model.pinned.has(P)).toBe(true);
  kernel.violations.length = 0;
  return { kernel, fib };
}

describe('FIB: two tunnels return at once without their routes', () => {
  it.each([
    ['C first', [C, A]],
    ['A first', [A, C]],
  ])('the pinned prefix leaves its old group before either rejoins it (%s)', async (_name, order) => {
    const { kernel, fib } = await pinnedWhileGatewayDown();
    // Both sessions come back with no routes, the second while the first one's move of P is on its way to the
    // kernel (its new group is being written): neither tunnel may carry P.
    const [first, second] = order as [typeof A, typeof A];
    let secondUp: ReturnType<typeof fib.nexthopUp> | undefined;
    kernel.onOp = (op) => {
      if (op.kind === 'group' && !secondUp) secondUp = fib.nexthopUp(second.tunnel);
    };
    const firstUp = await fib.nexthopUp(first.tunnel);
    expect(secondUp).toBeDefined();
    const r = [firstUp, await secondUp!];
    expect(r.flatMap((x) => x.errors)).toEqual([]);
    expect(kernel.violations).toEqual([]);
    expect(kernel.resolve(P)).toEqual([hopText(B)]);
    expect(fib.model.pinned.size).toBe(0);
  });

  it('a tunnel that returns while a RIB batch moves a pinned prefix off its group waits for the move', async () => {
    const { kernel, fib } = await pinnedWhileGatewayDown();
    // The RIB moves P to tiers its group cannot stand for (D first now): a group of its own. A comes back meanwhile.
    let up: ReturnType<typeof fib.nexthopUp> | undefined;
    kernel.onOp = (op) => {
      if (op.kind === 'group' && !up) up = fib.nexthopUp(A.tunnel);
    };
    expect((await fib.replaceRoutes([{ prefix: P, tiers: [[D], [B]] }])).errors).toEqual([]);
    expect(up).toBeDefined();
    expect((await up!).errors).toEqual([]);
    expect(kernel.violations).toEqual([]);
    expect(kernel.resolve(P)).toEqual([hopText(D)]);
  });
});
