// A long-lived `ip -force -batch -` child: writes kernel operations as lines and tells which ones failed.
// -force keeps going past a refused line; stderr's "Command failed -:N" names the line (counted from 1).

import { spawn, type ChildProcess } from 'node:child_process';
import type { KernelOp, OpFailure } from './dataplane';

/**
 * Ends every batch: an interface name longer than IFNAMSIZ-1 (15) can never exist, so this line
 * always fails, read-only and without exiting, and its "Command failed" marks the batch as done.
 * (Commands with bad syntax call exit() inside ip; we never generate those.)
 */
const SENTINEL = 'link show dev bgpfo.batch.sentinel';
const FAILED = /^Command failed (.*):(\d+)$/;

interface Pending {
  first: number;
  count: number;
  sentinel: number;
  failures: OpFailure[];
  resolve: (f: OpFailure[]) => void;
  reject: (e: Error) => void;
}

export interface IpBatchOptions {
  ipPath?: string;
  /** Run in this network namespace (`ip -n NS`). */
  netns?: string;
}

export class IpBatch {
  private child: ChildProcess | undefined;
  private lineNo = 0;
  private readonly pending: Pending[] = [];
  private messages: string[] = [];
  private partial = '';
  private closing = false;

  constructor(private readonly options: IpBatchOptions = {}) {}

  /** Runs lines in order; resolves with the refused ones (index into `lines`, kernel message). */
  run(lines: string[]): Promise<OpFailure[]> {
    if (lines.length === 0) return Promise.resolve([]);
    if (this.closing) return Promise.reject(new Error('ip batch closed'));
    const child = this.child ?? this.start();
    return new Promise<OpFailure[]>((resolve, reject) => {
      const first = this.lineNo + 1;
      this.lineNo += lines.length + 1;
      this.pending.push({ first, count: lines.length, sentinel: this.lineNo, failures: [], resolve, reject });
      child.stdin!.write(lines.join('\n') + '\n' + SENTINEL + '\n');
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin!.end();
      // ip exits at end of input; if it does not within a second, stop it.
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    });
  }

  private start(): ChildProcess {
    const args = [...(this.options.netns ? ['-n', this.options.netns] : []), '-force', '-batch', '-'];
    const child = spawn(this.options.ipPath ?? 'ip', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    this.lineNo = 0;
    this.messages = [];
    this.partial = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => this.onStderr(chunk));
    // A write after the child died raises EPIPE here; the exit handler reports it to the callers.
    child.stdin!.on('error', () => undefined);
    const died = (why: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new Error(`ip ${args.join(' ')} ${why}${this.messages.length ? ': ' + this.messages.join(' ') : ''}`);
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    child.on('error', (e) => died(`failed: ${e.message}`));
    child.on('exit', (code, signal) => died(`exited (${signal ?? code})`));
    return child;
  }

  private onStderr(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const m = FAILED.exec(line);
      if (!m) {
        if (line.trim()) this.messages.push(line.trim());
        continue;
      }
      const n = Number(m[2]);
      const message = this.messages.join(' ') || 'refused';
      this.messages = [];
      const p = this.pending[0];
      if (!p) continue;
      if (n === p.sentinel) {
        this.pending.shift();
        p.resolve(p.failures);
      } else if (n >= p.first && n < p.first + p.count) {
        p.failures.push({ index: n - p.first, message });
      }
    }
  }
}

/**
 * Both channels of the Linux FIB over iproute2: two `ip -batch` children, one for nexthop objects and one for routes,
 * so that failover never waits behind a route batch. The writer used when the netlink helper is not built.
 */
export class IpBatchWriter {
  readonly name = 'ip-batch';
  private readonly objects: IpBatch;
  private readonly routes: IpBatch;

  constructor(
    options: IpBatchOptions,
    private readonly describe: (op: KernelOp) => string,
    private readonly exec: (args: string[]) => Promise<string>,
    private readonly protocol: number,
  ) {
    this.objects = new IpBatch(options);
    this.routes = new IpBatch(options);
  }

  async applyObjects(ops: KernelOp[]): Promise<OpFailure[]> {
    // A batch line has no -4/-6 option, so an IPv6 blackhole (rare: made once) is a command of its own.
    const failures: OpFailure[] = [];
    let start = 0;
    for (let i = 0; i <= ops.length; i++) {
      const op = ops[i];
      if (i < ops.length && !(op.kind === 'blackhole' && op.family === 6)) continue;
      const part = ops.slice(start, i);
      for (const f of await this.objects.run(part.map((o) => this.describe(o)))) failures.push({ index: f.index + start, message: f.message });
      if (i < ops.length) {
        const err = await this.exec(['-6', 'nexthop', 'replace', 'id', String((op as { id: number }).id), 'blackhole', 'proto', String(this.protocol)]).then(
          () => undefined,
          (e: Error) => e.message,
        );
        if (err !== undefined) failures.push({ index: i, message: err });
      }
      start = i + 1;
    }
    return failures;
  }

  applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.routes.run(ops.map((o) => this.describe(o)));
  }

  async close(): Promise<void> {
    await Promise.all([this.objects.close(), this.routes.close()]);
  }
}
