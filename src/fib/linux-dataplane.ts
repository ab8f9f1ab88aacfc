// The Linux kernel: ops written through netlink (our helper, netlink-writer.ts) or `ip -batch` lines (ip-batch.ts),
// two channels each so nexthop objects never wait behind route batches; state read back with `ip -json`, carrier from `ip monitor link`.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Prefix } from '../bgp/types';
import type { Dataplane, KernelObject, KernelOp, KernelRoute, OpFailure } from './dataplane';
import { IpBatchWriter } from './ip-batch';
import { findNetlinkHelper, NetlinkWriter } from './netlink-writer';

/**
 * Our route protocol number. 196 is FRR's "static" (FRR's rt_protos.d takes 186-198), the kernel
 * names 0-18, 42, 99 and 186-192, BIRD uses 12; 201 is free in all of them. `ip` prints it as
 * "proto 201" unless /etc/iproute2/rt_protos.d/bgpfo.conf says "201 bgpfo".
 */
export const DEFAULT_PROTOCOL = 201;
export const DEFAULT_TABLE = 254;
/** Like FRR's zebra, so that a hand-made route with the default metric 0 still wins over ours. */
export const DEFAULT_METRIC = 20;

export interface LinuxDataplaneOptions {
  netns?: string;
  table?: number;
  protocol?: number;
  metric?: number;
  ipPath?: string;
  /** Follow interface carrier with `ip monitor link` (default true). */
  watchLinks?: boolean;
  /**
   * How ops reach the kernel: 'netlink' through our helper (refused when it is not built), 'ip-batch' through iproute2,
   * 'auto' (the default) netlink when the helper runs here, else ip-batch. BGPFO_FIB_WRITER overrides 'auto'.
   */
  writer?: FibWriterChoice;
}

export type FibWriterChoice = 'auto' | 'netlink' | 'ip-batch';

/** Writes ops to the kernel on two channels; failures are indexes into the ops given. */
export interface KernelWriter {
  readonly name: 'netlink' | 'ip-batch';
  applyObjects(ops: KernelOp[]): Promise<OpFailure[]>;
  applyRoutes(ops: KernelOp[]): Promise<OpFailure[]>;
  close(): Promise<void>;
}

export class LinuxDataplane implements Dataplane {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  readonly writer: KernelWriter;
  /** Why the writer is what it is (for the log line at start). */
  readonly writerReason: string;
  private monitor: ChildProcess | undefined;
  private readonly listeners: ((ifname: string, usable: boolean) => void)[] = [];
  private readonly linkState = new Map<string, boolean>();

  constructor(private readonly options: LinuxDataplaneOptions = {}) {
    this.table = options.table ?? DEFAULT_TABLE;
    this.protocol = options.protocol ?? DEFAULT_PROTOCOL;
    this.metric = options.metric ?? DEFAULT_METRIC;
    const choice = options.writer ?? 'auto';
    const wanted = choice === 'auto' ? (process.env.BGPFO_FIB_WRITER as FibWriterChoice | undefined) ?? 'auto' : choice;
    const helper = wanted === 'ip-batch' ? undefined : findNetlinkHelper(options.netns);
    if (helper?.path !== undefined) {
      const ns = options.netns ? { netns: options.netns } : {};
      this.writer = new NetlinkWriter({ helperPath: helper.path, ...ns }, { table: this.table, protocol: this.protocol, metric: this.metric });
      this.writerReason = helper.path;
    } else if (wanted === 'netlink') {
      throw new Error(`the netlink FIB writer was asked for, but ${helper?.reason ?? 'it is not available'}`);
    } else {
      const batch = { ipPath: options.ipPath, netns: options.netns };
      this.writer = new IpBatchWriter(batch, (op) => this.describe(op), (args) => this.exec(args), this.protocol);
      this.writerReason = helper?.reason ?? 'asked for';
    }
    if (options.watchLinks !== false) this.startMonitor();
  }

  describe(op: KernelOp): string {
    const p = this.protocol;
    switch (op.kind) {
      case 'nh':
        return `nexthop replace id ${op.id} via ${op.gateway} dev ${op.ifname} proto ${p}`;
      case 'blackhole':
        return `${op.family === 6 ? '-6 ' : ''}nexthop replace id ${op.id} blackhole proto ${p}`;
      case 'group':
        return `nexthop replace id ${op.id} group ${op.members.join('/')} proto ${p}`;
      case 'nh-del':
        return `nexthop del id ${op.id}`;
      case 'route-add':
      case 'route-replace':
        return `route ${op.kind === 'route-add' ? 'add' : 'replace'} ${op.prefix} nhid ${op.nhid} table ${this.table} proto ${p} metric ${this.metric}`;
      case 'route-del':
        return `route del ${op.prefix} table ${this.table} proto ${p} metric ${op.metric ?? this.metric}`;
    }
  }

  applyObjects(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.writer.applyObjects(ops);
  }

  applyRoutes(ops: KernelOp[]): Promise<OpFailure[]> {
    return this.writer.applyRoutes(ops);
  }

  async readObjects(): Promise<KernelObject[]> {
    const out: KernelObject[] = [];
    await this.readJson(['-N', '-json', 'nexthop', 'show'], (o) => {
      const obj = o as { id: number; protocol?: string; gateway?: string; dev?: string; blackhole?: null; group?: { id: number }[] };
      const k: KernelObject = { id: obj.id, ours: Number(obj.protocol) === this.protocol };
      if (obj.gateway !== undefined) k.gateway = obj.gateway;
      if (obj.dev !== undefined) k.ifname = obj.dev;
      if ('blackhole' in obj) k.blackhole = true;
      if (obj.group) k.group = obj.group.map((g) => g.id);
      out.push(k);
    });
    return out;
  }

  async readRoutes(): Promise<KernelRoute[]> {
    const out: KernelRoute[] = [];
    for (const family of ['-4', '-6']) {
      await this.readJson([family, '-json', 'route', 'show', 'table', String(this.table), 'proto', String(this.protocol)], (o) => {
        const r = o as { dst: string; nhid?: number; metric?: number };
        out.push({ prefix: dstToPrefix(r.dst, family === '-6'), nhid: r.nhid ?? 0, metric: r.metric ?? 0 });
      });
    }
    return out;
  }

  onLink(listener: (ifname: string, usable: boolean) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.monitor?.kill();
    this.monitor = undefined;
    await this.writer.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private ipArgs(args: string[]): string[] {
    return [...(this.options.netns ? ['-n', this.options.netns] : []), ...args];
  }

  private exec(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.options.ipPath ?? 'ip', this.ipArgs(args), (err, stdout, stderr) => {
        if (err) reject(new Error(stderr.trim() || err.message));
        else resolve(stdout);
      });
    });
  }

  /**
   * Streams `ip -json` output object by object: a million routes is ~190 MB of JSON, which we never
   * hold as one string. ip prints one top-level array; each element is cut out by brace depth.
   */
  private readJson(args: string[], onObject: (o: unknown) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.ipPath ?? 'ip', this.ipArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
      const scanner = new JsonArrayScanner(onObject);
      let stderr = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => scanner.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        // A table nothing was ever written to does not exist yet: that is an empty table.
        if (code === 0 || /FIB table does not exist/.test(stderr)) resolve();
        else reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || 'exit ' + code}`));
      });
    });
  }

  private startMonitor(): void {
    const [cmd, ...args] = diesWithParent([this.options.ipPath ?? 'ip', ...this.ipArgs(['-o', 'monitor', 'link'])]);
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.monitor = child;
    child.on('error', () => undefined);
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const ev = parseLinkEvent(line);
        if (!ev || this.linkState.get(ev.ifname) === ev.usable) continue;
        this.linkState.set(ev.ifname, ev.usable);
        for (const l of this.listeners) l(ev.ifname, ev.usable);
      }
    });
  }
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * A long-lived child that only writes when something happens (`ip monitor`) would outlive a daemon killed with
 * SIGKILL until its next write: setpriv (util-linux) has the kernel kill it with its parent instead.
 */
export function diesWithParent(argv: string[]): string[] {
  return SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv;
}

/** "3: vb@if3: <NO-CARRIER,BROADCAST,MULTICAST,UP> ..." or "Deleted 5: x@NONE: <...>" from `ip -o monitor link`. */
export function parseLinkEvent(line: string): { ifname: string; usable: boolean } | undefined {
  const m = /^(Deleted )?\d+: ([^:@\s]+)(?:@[^:\s]+)?: <([^>]*)>/.exec(line);
  if (!m) return undefined;
  const flags = m[3].split(',');
  return { ifname: m[2], usable: !m[1] && flags.includes('UP') && flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER') };
}

/** ip prints "default" for /0 and a bare address for host routes. */
export function dstToPrefix(dst: string, v6: boolean): Prefix {
  if (dst === 'default') return v6 ? '::/0' : '0.0.0.0/0';
  return dst.includes('/') ? dst : dst + (v6 ? '/128' : '/32');
}

/** Cuts the elements out of a streamed top-level JSON array by tracking depth and strings. */
export class JsonArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private buf = '';

  constructor(private readonly onObject: (o: unknown) => void) {}

  push(chunk: string): void {
    let start = this.depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 /* { */ || c === 91 /* [ */) {
        this.depth++;
        if (this.depth === 2) start = i;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
        if (this.depth === 1) {
          const text = this.buf + chunk.slice(start, i + 1);
          this.buf = '';
          start = -1;
          this.onObject(JSON.parse(text));
        }
      }
    }
    if (start >= 0) this.buf += chunk.slice(start);
  }
}
