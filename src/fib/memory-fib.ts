// The in-memory FIB (issue item 5): the real engine over the memory kernel, for unit tests and for
// the daemon's tests. Same interface and behaviour as the Linux FIB, minus processes.

import { FibEngine, type EngineOptions } from './engine';
import { MemoryKernel } from './memory-kernel';

export class MemoryFib extends FibEngine {
  readonly kernel: MemoryKernel;

  constructor(options: EngineOptions & { metric?: number; kernel?: MemoryKernel } = {}) {
    const kernel = options.kernel ?? new MemoryKernel(options.metric ?? 20);
    super(kernel, options);
    this.kernel = kernel;
  }
}
