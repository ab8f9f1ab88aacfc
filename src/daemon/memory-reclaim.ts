// Gives memory back after a burst of route work (a full table learned, a tunnel's million routes withdrawn): once
// the daemon has been idle for a moment, one full garbage collection, so the heap the burst grew returns to the OS.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock, TimerHandle } from '../util/clock';

/**
 * V8 collects garbage as allocation demands; after a burst the daemon goes quiet (keepalives, status calls) and
 * nothing triggers the collection that would release the pages the burst used: RSS stayed at the burst's level
 * (measured: 196 MB anonymous after a 1M-route table whose live heap was 54 MB; 98 MB after one collection). A
 * full collection of a heap this size pauses the main thread for tens of milliseconds; BFD runs in its own process
 * and BGP timers are seconds, so that pause is harmless, and it happens only after a burst.
 */
export class MemoryReclaimer {
  private work = 0;
  private timer: TimerHandle | undefined;
  /** Collections run so far (status and tests). */
  collections = 0;

  constructor(
    private readonly clock: Clock,
    private readonly collect: () => void,
    /** Route changes since the last collection that make one worth it. */
    private readonly threshold = 100_000,
    /** Idle time before collecting; more work meanwhile pushes it back. */
    private readonly quietMs = 2000,
  ) {}

  /** Route work happened (prefixes imported, changes drained): counts towards a collection, postpones a planned one. */
  noteWork(n: number): void {
    this.work += n;
    if (this.timer) {
      this.timer.cancel();
      this.timer = undefined;
    }
  }

  /** The daemon has no route work left: collect after `quietMs` if enough work was done since the last time. */
  idle(): void {
    if (this.work < this.threshold || this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.work = 0;
      this.collections++;
      this.collect();
    }, this.quietMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/**
 * Caps V8's young generation for the daemon process (set before the heap grows: V8 reads it when it sizes new
 * space). Node's default lets new space grow to 3 x 16 MB and keeps it at that size once a burst grew it: about
 * 40 MB of RSS for a daemon whose live heap at full table is ~15 MB. Short-lived objects (decoded UPDATEs, changes)
 * are scavenged more often instead; measured in bench/bgp-ingest.ts (docs/benchmarks.md).
 */
export const YOUNG_GENERATION_SEMI_SPACE_MB = 2;

export function limitYoungGeneration(): void {
  setFlagsFromString(`--max-semi-space-size=${YOUNG_GENERATION_SEMI_SPACE_MB}`);
}

let exposed: (() => void) | undefined;

/** V8's full collection, exposed at run time (`--expose-gc` would otherwise have to be on the command line). */
export function fullCollection(): () => void {
  if (!exposed) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) exposed = existing;
    else {
      setFlagsFromString('--expose-gc');
      exposed = runInNewContext('gc') as () => void;
    }
  }
  return exposed;
}
