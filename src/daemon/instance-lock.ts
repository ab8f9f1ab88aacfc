// One daemon per control socket and per kernel FIB (network namespace + table + protocol): exclusive flock(2) locks,
// taken before the daemon touches the kernel, so a second daemon started by mistake changes nothing. No RFC.
//
// Node has no flock(), so a util-linux `flock` helper takes the lock and keeps it while its stdin (a pipe from this
// process) is open: when the daemon exits, however it exits (kill -9 included), the pipe closes, the helper exits
// and the kernel drops the lock. The file itself only names the holder (pid, config, socket) for the error message.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ensureSocketDir, resolveGroup } from '../api/socket-file';
import type { DaemonConfig, FibConfig } from '../config';

/** Where the per-FIB locks live (FHS /run/lock; shared by every network namespace of the host). */
export const DEFAULT_LOCK_DIR = '/run/lock/bgpfo';
/** flock's exit code when the lock is held by someone else (--conflict-exit-code). */
const CONFLICT = 75;
/** How long a conflict with a holder whose pid is gone is retried: its helper is on its way out. */
const DEFAULT_TAKEOVER_WAIT_MS = 3000;
const RETRY_MS = 100;

/** What a lock file says about the daemon holding it. */
export interface InstanceRecord {
  pid: number;
  /** The config file, when the daemon was started with one. */
  config?: string;
  socket: string;
  /** The FIB it programs ("netns ..., table 254, protocol 201"), when it programs the kernel. */
  fib?: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Another daemon holds the lock: stable code, a one-line message naming it and the way out. */
export class InstanceLocked extends Error {
  readonly code = 'ERR_DAEMON_RUNNING';
  constructor(
    /** "control socket /run/bgpfo/bgpfo.sock" or "kernel FIB (netns ..., table 254, protocol 201)". */
    readonly what: string,
    readonly lockPath: string,
    readonly holder: InstanceRecord | null,
    hint: string,
  ) {
    const who = holder
      ? `pid ${holder.pid}${pidAlive(holder.pid) ? '' : ' (exited, but a process it started still holds the lock)'}, config ${holder.config ?? '(none)'}, socket ${holder.socket}`
      : 'a process that did not say who it is';
    super(`another bgpfo daemon is running on this ${what}: ${who}; lock ${lockPath}. Nothing was changed; ${hint}`);
    this.name = 'InstanceLocked';
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The FIB's identity: the network namespace by inode (a daemon inside `ip netns exec X` and one with fib.netns X are the same), table and protocol. */
export function fibIdentity(fc: Pick<FibConfig, 'table' | 'protocol' | 'netns'>): { key: string; label: string } {
  const nsPath = fc.netns !== undefined ? `/run/netns/${fc.netns}` : '/proc/self/ns/net';
  let ns: string;
  try {
    ns = `netns${statSync(nsPath).ino}`;
  } catch {
    // No such namespace (setupFib will say so) or no /proc: the name is the best identity left.
    ns = `netns-${(fc.netns ?? 'self').replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  }
  return {
    key: `fib-${ns}-table${fc.table}-proto${fc.protocol}`,
    label: `kernel FIB (netns ${fc.netns ?? 'of the daemon'}, table ${fc.table}, protocol ${fc.protocol})`,
  };
}

function readRecord(path: string): InstanceRecord | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!text) return null;
    const r = JSON.parse(text) as InstanceRecord;
    return typeof r.pid === 'number' ? r : null;
  } catch {
    return null;
  }
}

/** Spawns the holder; resolves with it once it holds the lock, or 'conflict' when another process does. */
function spawnHolder(path: string, timeoutMs = 10_000): Promise<ChildProcess | 'conflict'> {
  return new Promise((resolvePromise, reject) => {
    // detached: a terminal's Ctrl-C (SIGINT to the process group) must not drop the lock while the daemon still
    // flushes the kernel; the helper goes when our end of its stdin closes, whatever the reason.
    const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), path, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    let done = false;
    const finish = (v: ChildProcess | 'conflict' | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stderr!.removeAllListeners('data');
      if (v instanceof Error) {
        child.kill('SIGKILL');
        reject(v);
      } else resolvePromise(v);
    };
    const timer = setTimeout(() => finish(new Error(`taking the lock ${path} did not finish within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('locked\n')) finish(child);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('error', (e: NodeJS.ErrnoException) =>
      finish(e.code === 'ENOENT' ? new Error('cannot take the instance lock: the flock command (util-linux) is not installed; install util-linux') : e),
    );
    child.once('exit', (code, signal) => {
      if (code === CONFLICT) finish('conflict');
      else finish(new Error(`cannot take the lock ${path}: ${err.trim() || `flock exited with ${code ?? signal}`}`));
    });
    child.stdin!.on('error', () => undefined); // EPIPE if the helper died: reported through 'exit'
  });
}

/** One held lock file. */
export class HeldLock {
  private released: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    readonly what: string,
    private readonly holder: ChildProcess,
    /** The record a previous holder left (it did not stop cleanly), if any. */
    readonly previous: InstanceRecord | null,
    logger: Logger,
  ) {
    // The helper must never keep this process alive, and its unexpected end means the lock is gone.
    holder.unref();
    for (const s of [holder.stdin, holder.stdout, holder.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    holder.once('exit', (code, signal) => {
      if (!this.released) logger.error({ lock: path, code, signal }, `the instance lock helper for the ${what} exited (${signal ?? code}): the lock is no longer held, a second daemon could start`);
    });
  }

  /**
   * Takes the lock at `path` for `record`, or throws InstanceLocked naming the holder. A conflict with a holder whose
   * pid is gone (killed: its helper sees the pipe close a moment later) is retried for up to takeoverWaitMs.
   */
  static async acquire(
    path: string,
    what: string,
    hint: string,
    record: InstanceRecord,
    logger: Logger,
    takeoverWaitMs = DEFAULT_TAKEOVER_WAIT_MS,
  ): Promise<HeldLock> {
    const deadline = Date.now() + takeoverWaitMs;
    for (;;) {
      const got = await spawnHolder(path);
      if (got !== 'conflict') {
        const previous = readRecord(path);
        writeFileSync(path, JSON.stringify(record) + '\n');
        return new HeldLock(path, what, got, previous && previous.pid !== record.pid ? previous : null, logger);
      }
      const holder = readRecord(path);
      // A live holder is final. No record yet: the holder is between its lock and its write; a dead pid: its helper
      // is exiting. Both settle within moments.
      if ((holder && pidAlive(holder.pid)) || Date.now() >= deadline) throw new InstanceLocked(what, path, holder, hint);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /** Clears the record (a clean stop leaves none, so a record found at start means a crash) and drops the lock. */
  release(): Promise<void> {
    return (this.released ??= (async () => {
      try {
        writeFileSync(this.path, '');
      } catch {
        // the directory went away: the lock still drops below
      }
      if (this.holder.exitCode !== null || this.holder.signalCode !== null) return;
      const exited = new Promise<void>((r) => this.holder.once('exit', () => r()));
      this.holder.stdin!.end();
      const timer = setTimeout(() => this.holder.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    })());
  }
}

export interface InstanceLockOptions {
  config: DaemonConfig;
  /** The config file (named in the record, so the refusal says which daemon runs). */
  configPath?: string;
  /** Whether this daemon programs the kernel FIB (fib mode kernel): then the FIB is locked too. */
  kernelFib: boolean;
  logger: Logger;
  /** Directory of the per-FIB locks; default /run/lock/bgpfo. */
  lockDir?: string;
  takeoverWaitMs?: number;
}

/** The locks of one daemon run: its control socket's, and its kernel FIB's when it has one. */
export class InstanceLock {
  private constructor(readonly locks: readonly HeldLock[]) {}

  /** Takes every lock, or none: throws InstanceLocked (having released what it took) when another daemon runs. */
  static async acquire(o: InstanceLockOptions): Promise<InstanceLock> {
    const log = o.logger.child({ component: 'instance-lock' });
    const socket = o.config.control.socket;
    const fib = o.kernelFib ? fibIdentity(o.config.fib) : undefined;
    const record: InstanceRecord = {
      pid: process.pid,
      ...(o.configPath !== undefined ? { config: resolve(o.configPath) } : {}),
      socket,
      ...(fib ? { fib: fib.label } : {}),
      since: new Date().toISOString(),
    };
    // The socket's lock lives next to it (whoever may create the socket may create the lock); the directory gets
    // the socket's mode and group now, as the control server would.
    ensureSocketDir(socket, o.config.control.group !== undefined ? resolveGroup(o.config.control.group) : undefined);
    const wanted: { path: string; what: string; hint: string }[] = [
      { path: `${socket}.lock`, what: `control socket ${socket}`, hint: 'stop it first (bgpfo status shows it), or give this daemon its own control.socket' },
    ];
    if (fib) {
      const dir = o.lockDir ?? DEFAULT_LOCK_DIR;
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      wanted.push({ path: join(dir, `${fib.key}.lock`), what: fib.label, hint: 'stop it first, or give this daemon another fib.table, fib.protocol or network namespace' });
    }
    const held: HeldLock[] = [];
    try {
      for (const w of wanted) held.push(await HeldLock.acquire(w.path, w.what, w.hint, record, log, o.takeoverWaitMs));
    } catch (e) {
      for (const h of held) await h.release();
      throw e;
    }
    for (const h of held) {
      if (h.previous) {
        const p = h.previous;
        log.warn(
          { lock: h.path, previousPid: p.pid, previousConfig: p.config, previousSince: p.since },
          `instance lock of the ${h.what} taken over from pid ${p.pid} (config ${p.config ?? '(none)'}, since ${p.since}), which is no longer running: it did not stop cleanly`,
        );
      }
    }
    log.info({ locks: held.map((h) => h.path) }, `instance locks held: ${held.map((h) => h.what).join('; ')}`);
    return new InstanceLock(held);
  }

  get paths(): string[] {
    return this.locks.map((l) => l.path);
  }

  /** Releases every lock; idempotent. */
  async release(): Promise<void> {
    for (const l of this.locks) await l.release();
  }
}
