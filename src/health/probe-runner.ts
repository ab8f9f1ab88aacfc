// Runs one probe: a long-lived ping child in its own process group, its lines fed to the pure probe FSM; restarts
// with backoff when the child dies or falls silent. No RFC (see probe-fsm.ts for the detection rule).

import { spawn as nodeSpawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Clock, TimerHandle } from '../util/clock';
import { parsePingLine, parsePingStderr } from './ping-parse';
import { initialProbeState, probeStep, type ProbeFsmEvent, type ProbeFsmOutput, type ProbeFsmState } from './probe-fsm';
import { pingArgv, type ProbeSpec } from './probe-spec';
import type { LivenessState, QualitySample } from './types';

/** The part of a ChildProcess the runner uses (tests pass a fake). */
export interface ProbeChild {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** 'close' rather than 'exit': it comes after stdout and stderr are drained, so the last words are read. */
  once(event: 'close', fn: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', fn: (err: Error) => void): unknown;
}

export interface ProbeStateChange {
  state: LivenessState;
  reason: Extract<ProbeFsmOutput, { type: 'state' }>['reason'];
  detail: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface ProbeRunnerOptions {
  clock: Clock;
  /** Added to clock.now() to give epoch milliseconds. */
  epochOffset: number;
  onState(change: ProbeStateChange): void;
  onSample(sample: QualitySample): void;
  /** The current child's pid (undefined when none runs): the main thread kills the group if it exits abruptly. */
  onChild?(pid: number | undefined): void;
  onLog?(level: 'warn' | 'debug', msg: string, obj?: object): void;
  /** For tests: how to start ping. Default: node:child_process spawn, detached (own process group). */
  spawn?: (argv: string[]) => ProbeChild;
  /** For tests: how to signal a process group. Default: process.kill(-pid, sig). */
  killGroup?: (pid: number, sig: NodeJS.Signals) => void;
}

/** Restart backoff: 1 s, 2 s, 4 s, 8 s, 10 s ...; back to 1 s once a child has lived STABLE_MS. A tunnel address that
 * appears late (ping exits at once with "bind: Cannot assign requested address") is picked up within 10 s. */
export const RESTART_MIN_MS = 1000;
export const RESTART_MAX_MS = 10_000;
const STABLE_MS = 10_000;
const STDERR_REPORT_MS = 5000;

/** ping writes a line every interval (-O); this much silence means it hangs. Generous: only a stuck child trips it. */
export function silenceLimitMs(spec: Pick<ProbeSpec, 'intervalMs' | 'multiplier'>): number {
  return Math.max(3000, 4 * spec.intervalMs * spec.multiplier, 3 * spec.intervalMs);
}

export function defaultSpawn(argv: string[]): ProbeChild {
  // detached: ping leads its own process group, so stop() can kill the group and a Ctrl-C to the daemon's
  // terminal group does not reach it first. Should the daemon die without stop(), ping's next write to the
  // closed pipe raises SIGPIPE (libuv resets signal dispositions in the child), so it ends within an interval.
  return nodeSpawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

function defaultKillGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

export class ProbeRunner {
  private fsm: ProbeFsmState = initialProbeState();
  private child: ProbeChild | undefined;
  private childStartedAt = 0;
  private failures = 0;
  private restartTimer: TimerHandle | undefined;
  private silenceTimer: TimerHandle | undefined;
  private stopped = false;
  private stderrTail: string[] = [];
  private stderrReportedAt = -Infinity;
  private readonly spawnFn: (argv: string[]) => ProbeChild;
  private readonly killGroup: (pid: number, sig: NodeJS.Signals) => void;

  constructor(
    readonly spec: ProbeSpec,
    private readonly opts: ProbeRunnerOptions,
  ) {
    this.spawnFn = opts.spawn ?? defaultSpawn;
    this.killGroup = opts.killGroup ?? defaultKillGroup;
  }

  get state(): ProbeFsmState {
    return this.fsm;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopped || this.child) return;
    this.launch();
  }

  /** Kills the child's process group; no event follows. */
  stop(): void {
    this.stopped = true;
    this.restartTimer?.cancel();
    this.silenceTimer?.cancel();
    this.discardChild('SIGKILL');
  }

  private now(): number {
    return this.opts.epochOffset + this.opts.clock.now();
  }

  private launch(): void {
    const argv = pingArgv(this.spec);
    this.stderrTail = [];
    let child: ProbeChild;
    try {
      child = this.spawnFn(argv);
    } catch (err) {
      this.failed(`cannot start ${argv.join(' ')}: ${(err as Error).message}`, 'ping-exited');
      return;
    }
    this.child = child;
    this.childStartedAt = this.opts.clock.now();
    this.feed({ type: 'child-started', at: this.now() });
    this.opts.onChild?.(child.pid);
    this.armSilence();
    if (child.stdout) {
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => {
        if (this.child !== child) return;
        this.armSilence();
        this.feed({ type: 'line', line: parsePingLine(l), at: this.now() });
      });
    }
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (l) => {
        if (this.child === child) this.onStderr(l);
      });
    }
    child.once('error', (err) => {
      if (this.child === child) this.failed(`cannot start ${argv[0]}: ${err.message}`, 'ping-exited');
    });
    child.once('close', (code, signal) => {
      if (this.child !== child) return;
      const why = this.stderrTail.length ? `: ${this.stderrTail.join(' / ')}` : '';
      this.failed(`ping exited (${signal ?? `code ${code}`})${why}`, 'ping-exited');
    });
  }

  private onStderr(line: string): void {
    const e = parsePingStderr(line);
    this.stderrTail = [...this.stderrTail.slice(-2), e.message];
    // sendmsg errors come once per probe while a route is missing: report at most every few seconds.
    const now = this.opts.clock.now();
    if (e.kind === 'error' || now - this.stderrReportedAt >= STDERR_REPORT_MS) {
      this.stderrReportedAt = now;
      this.opts.onLog?.(e.kind === 'error' ? 'warn' : 'debug', `ping ${this.spec.local} -> ${this.spec.peer}: ${e.message}`);
    }
  }

  private armSilence(): void {
    this.silenceTimer?.cancel();
    this.silenceTimer = this.opts.clock.setTimeout(() => {
      if (!this.child || this.stopped) return;
      this.failed(`ping printed nothing for ${silenceLimitMs(this.spec)} ms; killed`, 'ping-silent');
    }, silenceLimitMs(this.spec));
  }

  /** The child is gone or useless: report Down (once), kill what is left, and start another after a backoff. */
  private failed(detail: string, reason: 'ping-exited' | 'ping-silent'): void {
    if (this.stopped) return;
    const livedMs = this.child ? this.opts.clock.now() - this.childStartedAt : 0;
    this.discardChild('SIGKILL');
    this.silenceTimer?.cancel();
    this.feed({ type: 'child-failed', reason, detail, at: this.now() });
    if (livedMs >= STABLE_MS) this.failures = 0;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** this.failures);
    this.failures += 1;
    this.opts.onLog?.('warn', `probe ${this.spec.local} -> ${this.spec.peer}: ${detail}; restarting in ${delay} ms`);
    this.restartTimer?.cancel();
    this.restartTimer = this.opts.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.launch();
    }, delay);
  }

  private discardChild(sig: NodeJS.Signals): void {
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    if (c.pid !== undefined) this.killGroup(c.pid, sig);
    c.stdout?.destroy();
    c.stderr?.destroy();
    this.opts.onChild?.(undefined);
  }

  private feed(ev: ProbeFsmEvent): void {
    const { state, out } = probeStep(this.fsm, ev, this.spec);
    this.fsm = state;
    for (const o of out) {
      if (o.type === 'sample') this.opts.onSample(o.sample);
      else this.opts.onState({ state: o.state, reason: o.reason, detail: o.detail, at: o.at });
    }
  }
}
