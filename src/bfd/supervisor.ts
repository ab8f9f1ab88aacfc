// Keeps a BFD process running: starts it (and a warm standby), notices at once when it dies, promotes the standby
// and lets the service resume every session in it; backs off when it keeps dying. No RFC: process supervision.

import type { BfdHost } from './host';
import type { FromWorker } from './protocol';

export interface BfdSupervisorOptions {
  start(): BfdHost;
  /** Keep a second, idle process ready so that a restart costs an IPC message, not a Node start (default true). */
  standby: boolean;
  log?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void };
  /** Messages of the active host. */
  onMessage(msg: FromWorker): void;
  /** A (new) active host is ready: open every session in it. `restart` is false for the first one. */
  onActive(host: BfdHost, restart: boolean): void;
  /** No BFD process has run for unavailableAfterMs: the sessions can no longer be vouched for. */
  onUnavailable(): void;
  unavailableAfterMs?: number;
  /** How long a host may take to say it is ready. */
  readyTimeoutMs?: number;
}

interface Pending {
  host: BfdHost;
  ready: Promise<void>;
  isReady: boolean;
}

const CRASH_WINDOW_MS = 60_000;
const CRASHES_BEFORE_BACKOFF = 5;
const MAX_BACKOFF_MS = 30_000;

export class BfdSupervisor {
  private active: BfdHost | undefined;
  private standby: Pending | undefined;
  private stopping = false;
  private crashes: number[] = [];
  private unavailableTimer: NodeJS.Timeout | undefined;
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  restarts = 0;
  lastRestart: { at: number; code: number | null; signal: string | null; gapMs?: number } | undefined;

  constructor(private readonly o: BfdSupervisorOptions) {}

  get host(): BfdHost | undefined {
    return this.active;
  }

  get standbyPid(): number | undefined {
    return this.standby?.isReady ? this.standby.host.pid : undefined;
  }

  /** Starts the first process; resolves when it is ready (rejects if it cannot start). */
  async start(): Promise<void> {
    this.stopping = false;
    const p = this.launch();
    await p.ready;
    this.activate(p.host, false);
    this.ensureStandby();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.unavailableTimer);
    for (const t of this.respawnTimers) clearTimeout(t);
    this.respawnTimers.clear();
    const standby = this.standby;
    this.standby = undefined;
    standby?.host.kill();
    const a = this.active;
    this.active = undefined;
    if (!a) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        a.kill();
        resolve();
      }, 2000);
      a.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      a.post({ op: 'shutdown' });
    });
  }

  private launch(): Pending {
    const host = this.o.start();
    const p: Pending = { host, isReady: false, ready: Promise.resolve() };
    p.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        host.kill();
        reject(new Error(`the BFD ${host.kind} did not start within ${this.o.readyTimeoutMs ?? 20_000} ms`));
      }, this.o.readyTimeoutMs ?? 20_000);
      timer.unref();
      host.onMessage((msg) => {
        if (msg.op === 'ready') {
          clearTimeout(timer);
          p.isReady = true;
          resolve();
        } else if (host === this.active) this.o.onMessage(msg);
      });
      host.onExit((code, signal) => {
        clearTimeout(timer);
        if (!p.isReady) reject(new Error(`the BFD ${host.kind} exited before it was ready (code ${code}, signal ${signal})`));
        this.exited(host, code, signal);
      });
    });
    return p;
  }

  private activate(host: BfdHost, restart: boolean): void {
    this.active = host;
    clearTimeout(this.unavailableTimer);
    this.unavailableTimer = undefined;
    this.o.onActive(host, restart);
  }

  private ensureStandby(): void {
    if (!this.o.standby || this.stopping || this.standby) return;
    const p = this.launch();
    this.standby = p;
    p.ready.catch((err: Error) => {
      if (this.standby === p) this.standby = undefined;
      if (!this.stopping) this.o.log?.warn({ err: err.message }, 'BFD standby process failed to start; retrying in 1 s');
      this.respawnSoon(() => this.ensureStandby(), 1000);
    });
  }

  private exited(host: BfdHost, code: number | null, signal: string | null): void {
    if (this.stopping) return;
    if (this.standby?.host === host) {
      this.standby = undefined;
      this.o.log?.warn({ code, signal }, 'BFD standby process exited; starting another');
      this.respawnSoon(() => this.ensureStandby(), 1000);
      return;
    }
    if (this.active !== host) return;
    const at = Date.now();
    this.active = undefined;
    this.restarts += 1;
    this.lastRestart = { at, code, signal };
    this.crashes = [...this.crashes.filter((t) => at - t < CRASH_WINDOW_MS), at];
    this.o.log?.warn({ code, signal, pid: host.pid, restarts: this.restarts }, 'BFD process exited; resuming its sessions in a new one');
    // Past this, the sessions are not being run by anyone: say so rather than keep vouching for the tunnels.
    this.unavailableTimer = setTimeout(() => {
      this.unavailableTimer = undefined;
      if (!this.active && !this.stopping) this.o.onUnavailable();
    }, this.o.unavailableAfterMs ?? 5000);
    const standby = this.standby;
    if (standby?.isReady && this.crashes.length < CRASHES_BEFORE_BACKOFF) {
      this.standby = undefined;
      this.promote(standby, at);
      this.ensureStandby();
      return;
    }
    this.relaunch(at, standby);
  }

  /** Starts a new active process (the standby if one is starting), after a backoff when it keeps dying. */
  private relaunch(diedAt: number, starting?: Pending): void {
    const n = this.crashes.length;
    const backoff = n < CRASHES_BEFORE_BACKOFF ? 0 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** (n - CRASHES_BEFORE_BACKOFF));
    if (backoff > 0) this.o.log?.warn({ crashes: n, backoffMs: backoff }, 'BFD process keeps exiting; backing off');
    this.respawnSoon(() => {
      const p = starting && !starting.isReady && this.standby === starting ? starting : this.launch();
      if (p === this.standby) this.standby = undefined;
      p.ready.then(
        () => {
          this.promote(p, diedAt);
          this.ensureStandby();
        },
        (err: Error) => {
          if (this.stopping) return;
          this.o.log?.warn({ err: err.message }, 'BFD process failed to start; trying again');
          this.crashes.push(Date.now());
          this.relaunch(diedAt);
        },
      );
    }, backoff);
  }

  private promote(p: Pending, diedAt: number): void {
    if (this.stopping) {
      p.host.kill();
      return;
    }
    if (this.lastRestart) this.lastRestart.gapMs = Date.now() - diedAt;
    this.activate(p.host, true);
  }

  private respawnSoon(fn: () => void, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.respawnTimers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    this.respawnTimers.add(t);
  }
}
