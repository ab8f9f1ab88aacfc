// The daemon's one serialized event loop (architecture convention 6): session events, accepted connections,
// API calls and batched RIB work run as tasks, one at a time, in the order they were posted. No RFC.

import type { Logger } from 'pino';

interface Task {
  label: string;
  fn: () => void;
}

/**
 * Node runs one callback at a time already; what this adds is re-entrancy control. A task may call into a
 * BgpSession, which can emit an event synchronously (reset() emits 'down' before it returns). That event is
 * queued behind the running task instead of running in the middle of it, so each task sees state that no
 * other handler changed under it, and the order of state changes is the order of posting.
 */
export class SerialLoop {
  private readonly queue: Task[] = [];
  private head = 0;
  private running = false;
  /** Labels of soon() tasks waiting for their setImmediate. */
  private readonly scheduled = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly log: Logger) {}

  /** Runs fn now when the loop is idle, else after the running task and everything queued before it. */
  post(label: string, fn: () => void): void {
    if (this.closed) return;
    this.queue.push({ label, fn });
    if (this.running) return;
    this.running = true;
    try {
      while (this.head < this.queue.length) {
        const t = this.queue[this.head++];
        this.runOne(t);
      }
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.running = false;
    }
    this.checkIdle();
  }

  /**
   * Runs fn once in a later turn (after pending I/O callbacks), however often it is asked for before then:
   * the way bursts are coalesced (a thousand UPDATEs, one Loc-RIB drain).
   */
  soon(label: string, fn: () => void): void {
    if (this.closed || this.scheduled.has(label)) return;
    this.scheduled.add(label);
    setImmediate(() => {
      this.scheduled.delete(label);
      this.post(label, fn);
      this.checkIdle();
    });
  }

  /** Runs fn as a task and gives its result (API calls). */
  call<T>(label: string, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the daemon is shutting down'));
        return;
      }
      this.post(label, () => {
        try {
          resolve(fn());
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** True while soon() work is waiting. */
  get busy(): boolean {
    return this.scheduled.size > 0 || this.running;
  }

  /** Resolves once no soon() work is waiting (tests, and shutdown after the last flush). */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued and scheduled work; later posts are ignored. */
  close(): void {
    this.closed = true;
    this.scheduled.clear();
    this.checkIdle();
  }

  private runOne(t: Task): void {
    try {
      t.fn();
    } catch (err) {
      // A bug in one handler must not take the other sessions down with it; it is loud in the log.
      this.log.error({ err, task: t.label }, 'daemon task failed');
    }
  }

  private checkIdle(): void {
    if (this.busy || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
