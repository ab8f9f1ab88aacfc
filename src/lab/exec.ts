// Running commands for the lab and host realizers: a Runner interface (real, or recording for dry runs and
// unit tests), `ip netns exec` argv, detached daemons that outlive the CLI, and pid checks that survive pid reuse.

import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { LabError } from './errors';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

export interface Runner {
  /** Runs argv; resolves whatever the exit code (callers decide what a failure means). */
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A command that had to succeed and did not; its message names the command and what it printed. */
export class LabCommandError extends Error {
  readonly code = 'ERR_LAB_COMMAND';
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    super(`command failed (exit ${result.code}): ${argv.join(' ')}${result.stderr.trim() || result.stdout.trim() ? `\n  ${(result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n  ')}` : ''}`);
    this.name = 'LabCommandError';
  }
}

export const systemRunner: Runner = {
  run(argv, opts = {}) {
    return new Promise((resolve) => {
      const child = execFile(argv[0], argv.slice(1), { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
        // A missing program (ENOENT) has no exit code: report it the way a shell would (127).
        const code = typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        resolve({ code, stdout, stderr: stderr || (e.code === 'ENOENT' ? `${argv[0]}: not found` : e.killed ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : e.message) });
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  },
};

/** Records every command and answers from a script (first matching rule), for dry runs and unit tests. */
export class RecordingRunner implements Runner {
  readonly calls: { argv: string[]; input?: string }[] = [];
  constructor(private readonly answer: (argv: string[]) => Partial<RunResult> | undefined = () => undefined) {}

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, ...(opts.input !== undefined ? { input: opts.input } : {}) });
    return { code: 0, stdout: '', stderr: '', ...this.answer(argv) };
  }

  /** The recorded commands as shell-like lines. */
  lines(): string[] {
    return this.calls.map((c) => shellLine(c.argv) + (c.input !== undefined ? ` <<'EOF'\n${c.input.trimEnd()}\nEOF` : ''));
  }
}

/** Runs argv and returns stdout; throws LabCommandError on a non-zero exit. */
export async function mustRun(runner: Runner, argv: string[], opts?: RunOptions): Promise<string> {
  const r = await runner.run(argv, opts);
  if (r.code !== 0) throw new LabCommandError(argv, r);
  return r.stdout;
}

/** Names of the network namespaces that exist (`ip netns list`). */
export async function listNamespaces(runner: Runner): Promise<Set<string>> {
  const r = await runner.run(['ip', 'netns', 'list']);
  return new Set(r.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean));
}

/** argv run inside a network namespace. */
export function inNetns(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Quotes one word for display (commands are always run argv-based, never through a shell). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}

/**
 * A process's start time (clock ticks since boot, /proc/PID/stat field 22): with the pid it identifies one
 * process, so a pid the kernel handed to something else after a crash is never killed by mistake.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19]);
  } catch {
    return undefined;
  }
}

/** True when pid runs and is the process that was started at startTime (not a zombie). */
export function isSameProcess(pid: number, startTime: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] !== 'Z' && Number(rest[19]) === startTime;
  } catch {
    return false;
  }
}

export interface DetachedProcess {
  pid: number;
  startTime: number;
}

/**
 * Starts argv in its own session with output appended to logFile, and lets it outlive this process (the lab's
 * daemons keep running after `bgpfo lab up` exits). Throws when the program cannot be started.
 */
export function spawnDetached(argv: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<DetachedProcess> {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env });
    return new Promise((resolve, reject) => {
      child.once('error', (e) => reject(new LabError('ERR_LAB_SPAWN', `cannot start ${argv[0]}: ${e.message}`)));
      child.once('spawn', () => {
        child.unref();
        const pid = child.pid!;
        resolve({ pid, startTime: processStartTime(pid) ?? 0 });
      });
    });
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone (or was never ours). */
export async function stopProcess(p: DetachedProcess, graceMs = 3000): Promise<void> {
  if (!isSameProcess(p.pid, p.startTime)) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isSameProcess(p.pid, p.startTime)) {
    if (Date.now() >= deadline) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        return;
      }
      // A SIGKILLed process is gone at once, unless it is stuck in the kernel; do not wait forever.
      for (let i = 0; i < 50 && isSameProcess(p.pid, p.startTime); i++) await sleep(20);
      return;
    }
    await sleep(20);
  }
}

/** The last lines of a log file, for error messages ("" when there is none). */
export function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls fn every intervalMs until it returns a truthy value or timeoutMs passes (then returns undefined). */
export async function poll<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, intervalMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}
