// Where BFD timing runs: a child process of its own (default: tiny heap, GC on its one thread, real-time or raised
// priority) or, for comparison, a worker thread of the daemon. No RFC: plumbing behind src/bfd/service.ts.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { childArgs, spawnWorker } from '../util/worker-spawn';
import type { FromWorker, ToWorker } from './protocol';

/** One running BFD engine as the service sees it. */
export interface BfdHost {
  readonly kind: 'process' | 'worker';
  /** The BFD process' pid (a worker thread has none of its own). */
  readonly pid: number | undefined;
  post(msg: ToWorker): void;
  onMessage(fn: (msg: FromWorker) => void): void;
  /** Called once when the host ends, for whatever reason (crash, kill, shutdown). */
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  /** Ends it now, without the AdminDown of a shutdown. */
  kill(): void;
}

export type BfdIsolation = 'process' | 'worker';
/**
 * realtime: SCHED_RR priority 10 for the BFD process' main thread (`chrt`), falling back to nice when not permitted;
 * nice: nice -10 for that thread; normal: as the daemon.
 */
export type BfdPriority = 'realtime' | 'nice' | 'normal';

export interface BfdHostOptions {
  isolation: BfdIsolation;
  priority: BfdPriority;
  /** Where to report what the priority ended up as (or why it could not be set). */
  onPriority?(applied: string): void;
}

export const BFD_RT_PRIORITY = 10;
export const BFD_NICE = -10;

/**
 * The BFD process' V8 flags: a small young generation so scavenges stay short, a cap on the old generation (200
 * sessions need a few MB; a leak should crash and be restarted, not swap), and garbage collection on the main thread
 * only, so the real-time thread never waits for helper threads that run at normal priority.
 */
export const BFD_PROCESS_V8_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=1', '--max-old-space-size=96'];

export function startBfdHost(opts: BfdHostOptions): BfdHost {
  return opts.isolation === 'worker' ? workerHost(spawnWorker(__dirname, 'worker')) : processHost(opts);
}

function processHost(opts: BfdHostOptions): BfdHost {
  const { execArgv, args } = childArgs(__dirname, 'process');
  // BGPFO_BFD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): Node flags for the BFD process alone, to profile it.
  const debugArgs = (process.env.BGPFO_BFD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...BFD_PROCESS_V8_FLAGS, ...debugArgs, ...execArgv, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  // The daemon's lifetime is not BFD's business once the child runs: stop() ends it, and a dead daemon closes the IPC
  // channel so the child exits on its own (process.ts). Until it is ready, waiting for it keeps the daemon alive.
  child.unref();
  child.on('message', (m: FromWorker) => {
    if (m.op === 'ready') child.channel?.unref();
  });
  if (child.pid !== undefined) applyPriority(child.pid, opts);
  let exited = false;
  return {
    kind: 'process',
    pid: child.pid,
    post(msg) {
      if (!exited && child.connected) child.send(msg);
    },
    onMessage(fn) {
      child.on('message', (m) => fn(m as FromWorker));
    },
    onExit(fn) {
      let called = false;
      const once = (code: number | null, signal: string | null) => {
        exited = true;
        if (called) return;
        called = true;
        fn(code, signal);
      };
      child.once('exit', once);
      // A spawn failure (no such executable, EAGAIN) comes as 'error' without an 'exit'.
      child.once('error', () => once(null, 'spawn-error'));
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

function workerHost(w: Worker): BfdHost {
  w.unref();
  return {
    kind: 'worker',
    pid: undefined,
    post: (msg) => w.postMessage(msg),
    onMessage: (fn) => void w.on('message', fn),
    onExit(fn) {
      let called = false;
      const once = (code: number | null) => {
        if (called) return;
        called = true;
        fn(code, null);
      };
      w.once('exit', once);
      w.once('error', () => once(null));
    },
    kill: () => void w.terminate(),
  };
}

/** Raises the BFD process' main thread (the pid is its thread id) as asked; reports what it got. */
function applyPriority(pid: number, opts: BfdHostOptions): void {
  const report = opts.onPriority ?? (() => undefined);
  const nice = (why: string) => {
    try {
      os.setPriority(pid, BFD_NICE);
      report(`nice ${BFD_NICE}${why}`);
    } catch (err) {
      report(`normal (could not set nice ${BFD_NICE}: ${(err as Error).message})${why}`);
    }
  };
  if (opts.priority === 'normal') return report('normal');
  if (opts.priority === 'nice') return nice('');
  execFile('chrt', ['-r', '-p', String(BFD_RT_PRIORITY), String(pid)], { timeout: 5000 }, (err) => {
    if (err) nice(` (SCHED_RR refused: ${err.message.split('\n')[0]})`);
    else report(`SCHED_RR ${BFD_RT_PRIORITY}`);
  });
}
