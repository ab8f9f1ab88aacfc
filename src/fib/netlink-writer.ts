// The kernel FIB's netlink writer: ops encoded as rtnetlink requests (netlink-encode.ts) and piped through our helper
// program (native/bgpfo-netlink.c), many in flight, each refusal matched back to its op by sequence number.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { KernelOp, OpFailure } from './dataplane';
import { encodeIfindexQuery, encodeOps, type EncodeContext } from './netlink-encode';

interface Batch {
  first: number;
  count: number;
  /** Sequence of the request carrying NLM_F_ACK: its answer closes the batch. */
  last: number;
  failures: OpFailure[];
  resolve: (f: OpFailure[]) => void;
  reject: (e: Error) => void;
}

interface Query {
  resolve: (index: number) => void;
  reject: (e: Error) => void;
}

export interface NetlinkChannelOptions {
  helperPath: string;
  netns?: string;
}

/** Where `npm run build` puts the helper: dist/native/ beside dist/fib/, or from src/fib/ in a checkout. */
const CANDIDATES = [join(__dirname, '..', 'native', 'bgpfo-netlink'), join(__dirname, '..', '..', 'dist', 'native', 'bgpfo-netlink')];

export type HelperLookup = { path: string } | { path?: undefined; reason: string };

/**
 * The helper to use, checked by running it (`--probe` opens a netlink socket, in the namespace when given): a binary
 * built for another machine or a namespace that cannot be entered shows here, once, rather than in the first batch.
 * BGPFO_NETLINK_HELPER names another binary.
 */
export function findNetlinkHelper(netns?: string): HelperLookup {
  const env = process.env.BGPFO_NETLINK_HELPER;
  const candidates = env ? [env] : CANDIDATES;
  const path = candidates.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (path === undefined) return { reason: `the helper is not built (looked for ${candidates.join(', ')}; \`npm run build\` builds it with a C compiler)` };
  const probe = spawnSync(path, [...(netns ? ['--netns', netns] : []), '--probe'], { encoding: 'utf8', timeout: 5000 });
  if (probe.status !== 0) return { reason: `${path} --probe failed: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}` };
  return { path };
}

/** One helper process: requests in order, answers matched to them by sequence number. */
export class NetlinkChannel {
  private child: ChildProcess | undefined;
  private seq = 1;
  private readonly batches: Batch[] = [];
  private readonly queries = new Map<number, Query>();
  private partial = '';
  private stderr = '';
  private closing = false;

  constructor(private readonly options: NetlinkChannelOptions) {}

  /** Interface indexes in the helper's namespace (0: no such interface). */
  async ifindexes(names: Iterable<string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unique = [...new Set(names)];
    if (unique.length === 0) return out;
    const child = this.ensure();
    const answers = unique.map((name) => {
      const seq = this.nextSeq(1);
      const p = new Promise<number>((resolve, reject) => this.queries.set(seq, { resolve, reject }));
      child.stdin!.write(encodeIfindexQuery(name, seq));
      return p.then((index) => out.set(name, index));
    });
    await Promise.all(answers);
    return out;
  }

  /** Sends ops in order; resolves with the refused ones (index into `ops`, kernel message). */
  run(ops: KernelOp[], ctx: EncodeContext, ifindex?: ReadonlyMap<string, number>): Promise<OpFailure[]> {
    if (ops.length === 0) return Promise.resolve([]);
    if (this.closing) return Promise.reject(new Error('netlink writer closed'));
    const child = this.ensure();
    const first = this.nextSeq(ops.length);
    const enc = encodeOps(ops, ctx, first, ifindex);
    if (enc.lastSeq === undefined) return Promise.resolve(enc.failures);
    const last = enc.lastSeq;
    return new Promise<OpFailure[]>((resolve, reject) => {
      this.batches.push({ first, count: ops.length, last, failures: enc.failures, resolve, reject });
      child.stdin!.write(enc.bytes);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin!.end();
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    });
  }

  /** Reserves n consecutive sequence numbers (mod 2^32; 0 is skipped so that no request has it). */
  private nextSeq(n: number): number {
    if (this.seq + n > 0xffffffff) this.seq = 1;
    const first = this.seq;
    this.seq += n;
    return first;
  }

  private ensure(): ChildProcess {
    if (this.closing) throw new Error('netlink writer closed');
    return this.child ?? this.start();
  }

  private start(): ChildProcess {
    const args = this.options.netns ? ['--netns', this.options.netns] : [];
    const child = spawn(this.options.helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.partial = '';
    this.stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-2000)));
    child.stdin!.on('error', () => undefined); // EPIPE after a death: the exit handler reports it
    const died = (why: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new Error(`bgpfo-netlink ${why}${this.stderr.trim() ? ': ' + this.stderr.trim() : ''}`);
      for (const b of this.batches.splice(0)) b.reject(err);
      for (const q of this.queries.values()) q.reject(err);
      this.queries.clear();
    };
    child.on('error', (e) => died(`failed: ${e.message}`));
    // 'close', not 'exit': stdout is read to its end first, so no answer written before a death is dropped.
    child.on('close', (code, signal) => died(`exited (${signal ?? code})`));
    return child;
  }

  private onStdout(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    const kind = line[0];
    const sp = line.indexOf(' ', 2);
    const seq = Number(sp < 0 ? line.slice(2) : line.slice(2, sp));
    if (kind === 'I') {
      const q = this.queries.get(seq);
      this.queries.delete(seq);
      q?.resolve(Number(line.slice(sp + 1)));
      return;
    }
    if (kind !== 'A' && kind !== 'E') return;
    const i = this.batches.findIndex((b) => ((seq - b.first) >>> 0) < b.count);
    if (i < 0) return;
    const b = this.batches[i];
    if (kind === 'E') {
      const text = line.slice(line.indexOf(' ', sp + 1) + 1);
      b.failures.push({ index: (seq - b.first) >>> 0, message: text });
    }
    if (seq === b.last) {
      // Answers come in request order: every batch before this one has been closed already.
      this.batches.splice(i, 1);
      b.failures.sort((x, y) => x.index - y.index);
      b.resolve(b.failures);
    }
  }
}

/**
 * Both channels of the Linux FIB over netlink: nexthop objects and routes in separate helpers, so that a failover's
 * group replacements never wait behind a route batch (as with the two `ip -batch` children).
 */
export class NetlinkWriter {
  readonly name = 'netlink';
  private readonly objects: NetlinkChannel;
  private readonly routes: NetlinkChannel;
  private objectOrder: Promise<void> = Promise.resolve();
  /** Object batches not yet written: waiting for their interface indexes, or for an earlier batch's. */
  private objectsAsking = 0;

  constructor(
    options: NetlinkChannelOptions,
    private readonly ctx: EncodeContext,
  ) {
    this.objects = new NetlinkChannel(options);
    this.routes = new NetlinkChannel(options);
  }

  applyObjects(ops: KernelOp[]): Promise<OpFailure[]> {
    // Interface indexes are asked each time (nexthop objects are few): an interface re-created since keeps no stale
    // one. Batches are still written in call order, as ip -batch writes them: a later batch (a failover's group
    // writes) waits for an earlier one's questions, not for its answers.
    const names = ops.flatMap((o) => (o.kind === 'nh' ? [o.ifname] : []));
    // A failover's group writes go to the helper now, within the caller's turn: not after whatever else that turn
    // does (the failover core stops the dead tunnel's session next, and its teardown took 10 ms on a loaded lab).
    if (names.length === 0 && this.objectsAsking === 0) {
      try {
        return this.objects.run(ops, this.ctx);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    this.objectsAsking++;
    const step = this.objectOrder.then(async () => {
      try {
        const ifindex = names.length > 0 ? await this.objects.ifindexes(names) : undefined;
        return { done: this.objects.run(ops, this.ctx, ifindex) };
      } finally {
        this.objectsAsking--;
      }
    });
    this.objectOrder = step.then(
      () => undefined,
      () => undefined,
    );
    return step.then((s) => s.done);
  }

  applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.routes.run(ops, this.ctx);
  }

  async close(): Promise<void> {
    await Promise.all([this.objects.close(), this.routes.close()]);
  }
}
