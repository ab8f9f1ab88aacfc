// Alerts: for each chosen operator event (failover, demotion, session down/up by default) run the configured command
// with the event JSON on stdin and/or POST it to the configured URL, once, with a timeout, never blocking the daemon.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Logger } from 'pino';
import type { OpsEvent } from '../api/events';
import { describeEvent, eventSubject } from '../api/events-text';
import type { AlertsConfig } from '../config';

export type AlertChannel = 'command' | 'url';

export interface AlerterOptions {
  config: AlertsConfig;
  logger: Logger;
  /** Told of every delivery (metrics: bgpfo_alerts_total). */
  onResult?: (channel: AlertChannel, ok: boolean) => void;
  /** Deliveries running at once; more wait in a queue (default 4). */
  concurrency?: number;
  /** Queued deliveries beyond which the oldest are dropped with a warning (default 100). */
  maxQueue?: number;
  /** Test seams. */
  spawn?: (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess;
  fetch?: typeof fetch;
  /** Sent as User-Agent. */
  version?: string;
}

interface Job {
  channel: AlertChannel;
  event: OpsEvent;
}

/** Output kept from a failing command for the log line. */
const KEEP_OUTPUT = 2048;
/** Events remembered to refuse a second alert for the same one. */
const REMEMBER = 4096;

export class Alerter {
  private config: AlertsConfig;
  private readonly log: Logger;
  private readonly queue: Job[] = [];
  private running = 0;
  private readonly seen = new Set<number>();
  private readonly seenOrder: number[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(private readonly opts: AlerterOptions) {
    this.config = opts.config;
    this.log = opts.logger.child({ component: 'alerts' });
  }

  /** A reload may change the command, URL, timeout or event types; deliveries under way finish as they were. */
  setConfig(config: AlertsConfig): void {
    this.config = config;
  }

  get enabled(): boolean {
    return this.config.command !== undefined || this.config.url !== undefined;
  }

  /** Subscribe this to the EventBus. Returns at once; delivery happens later. */
  handle(e: OpsEvent): void {
    if (this.closed || !this.enabled || !(this.config.events as readonly string[]).includes(e.type)) return;
    // At most one alert per event, whatever calls us twice.
    if (this.seen.has(e.seq)) return;
    this.seen.add(e.seq);
    this.seenOrder.push(e.seq);
    if (this.seenOrder.length > REMEMBER) this.seen.delete(this.seenOrder.shift()!);
    if (this.config.command !== undefined) this.enqueue({ channel: 'command', event: e });
    if (this.config.url !== undefined) this.enqueue({ channel: 'url', event: e });
  }

  /** Resolves when no delivery is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking events; waits for deliveries under way up to their timeout, then kills what still runs. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    const timer = setTimeout(() => {
      for (const c of this.children) killGroup(c, 'SIGKILL');
    }, this.config.timeoutMs + 1000);
    timer.unref();
    await this.idle();
    clearTimeout(timer);
  }

  private enqueue(job: Job): void {
    const max = this.opts.maxQueue ?? 100;
    if (this.queue.length >= max) {
      const dropped = this.queue.shift()!;
      this.log.warn({ channel: dropped.channel, seq: dropped.event.seq, type: dropped.event.type }, 'alert queue full: oldest alert dropped');
      this.opts.onResult?.(dropped.channel, false);
    }
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 4;
    while (this.running < limit && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      const work = job.channel === 'command' ? this.runCommand(job.event) : this.post(job.event);
      work
        .then(
          () => {
            this.opts.onResult?.(job.channel, true);
            this.log.info({ channel: job.channel, seq: job.event.seq, type: job.event.type }, 'alert sent');
          },
          (err: unknown) => {
            this.opts.onResult?.(job.channel, false);
            this.log.error({ channel: job.channel, seq: job.event.seq, type: job.event.type, err: err instanceof Error ? err.message : String(err) }, 'alert failed');
          },
        )
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const f of w) f();
          }
        });
    }
  }

  private env(e: OpsEvent): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BGPFO_EVENT_TYPE: e.type,
      BGPFO_EVENT_SEQ: String(e.seq),
      BGPFO_EVENT_TIME: e.time,
      BGPFO_EVENT_SUMMARY: describeEvent(e),
    };
    const subject = eventSubject(e);
    if (subject !== undefined) env.BGPFO_TUNNEL = subject;
    return env;
  }

  private runCommand(e: OpsEvent): Promise<void> {
    const cmd = this.config.command!;
    const [file, args] = typeof cmd === 'string' ? ['/bin/sh', ['-c', cmd]] : [cmd[0], cmd.slice(1)];
    const timeoutMs = this.config.timeoutMs;
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcess;
      try {
        // detached: its own process group, so a timeout kills the shell and what it started.
        child = (this.opts.spawn ?? spawn)(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env(e), detached: true });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.children.add(child);
      let output = '';
      const keep = (c: Buffer) => {
        if (output.length < KEEP_OUTPUT) output += c.toString('utf8').slice(0, KEEP_OUTPUT - output.length);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), 1000).unref();
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(new Error(`cannot run ${file}: ${err.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        if (timedOut) reject(new Error(`command did not finish within ${timeoutMs} ms (killed)`));
        else if (code === 0) resolve();
        else reject(new Error(`command exited with ${code ?? signal}${output.trim() ? `: ${output.trim()}` : ''}`));
      });
      // A command that does not read its stdin must not fail the alert (EPIPE).
      child.stdin?.on('error', () => {});
      child.stdin?.end(JSON.stringify(e) + '\n');
    });
  }

  private async post(e: OpsEvent): Promise<void> {
    const f = this.opts.fetch ?? fetch;
    const res = await f(this.config.url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `bgpfo/${this.opts.version ?? '0'}` },
      body: JSON.stringify(e),
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`${this.config.url} answered HTTP ${res.status}`);
  }
}

function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    c.kill(sig);
  }
}
