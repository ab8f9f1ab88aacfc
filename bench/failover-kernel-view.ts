// For bench/failover-pic.ts and failover-repair.ts: what each prefix forwards over, kept current from
// `ip -ts -o monitor nexthop route` lines (routes through nexthop objects and groups, or plain via/dev routes), and
// when each one left a device (failover) or came back to it (repair). The kernel's state is read as a stream.

import { spawn } from 'node:child_process';

interface Nh {
  dev?: string;
  group?: number[];
}

/**
 * What each prefix resolves to, kept current from `ip monitor` lines; records when each prefix left `dev` (mode
 * 'leave': it forwards, and not over dev) or reached it (mode 'join': dev is among what it forwards over).
 */
export class KernelView {
  readonly nhs = new Map<number, Nh>();
  readonly routeNh = new Map<string, number | string[]>();
  /** When each prefix reached the wanted state (left dev, or joined it). */
  readonly movedAt = new Map<string, number>();
  private readonly byNh = new Map<number, Set<string>>();

  constructor(
    readonly wanted: Set<string>,
    private readonly oldDev: string,
    readonly mode: 'leave' | 'join' = 'leave',
  ) {}

  /** Whether a prefix is in the wanted state now. */
  reached(prefix: string): boolean {
    const devs = this.devsOf(prefix);
    return this.mode === 'leave' ? devs.length > 0 && !devs.includes(this.oldDev) : devs.includes(this.oldDev);
  }

  devsOf(prefix: string): string[] {
    const r = this.routeNh.get(prefix);
    if (r === undefined) return [];
    if (Array.isArray(r)) return r;
    const o = this.nhs.get(r);
    if (!o) return [];
    if (o.group) return o.group.map((id) => this.nhs.get(id)?.dev ?? '?');
    return o.dev ? [o.dev] : [];
  }

  private check(prefix: string, at: number): void {
    if (this.movedAt.has(prefix)) return;
    if (this.reached(prefix)) this.movedAt.set(prefix, at);
  }

  private setRoute(prefix: string, to: number | string[]): void {
    const old = this.routeNh.get(prefix);
    if (typeof old === 'number') this.byNh.get(old)?.delete(prefix);
    this.routeNh.set(prefix, to);
    if (typeof to === 'number') {
      let s = this.byNh.get(to);
      if (!s) this.byNh.set(to, (s = new Set()));
      s.add(prefix);
    }
  }

  /** One `ip -o monitor` line (timestamp already removed). */
  apply(line: string, at: number): void {
    const deleted = line.startsWith('Deleted ');
    const l = deleted ? line.slice(8) : line;
    const id = /^id (\d+) /.exec(l);
    if (id) {
      const n = Number(id[1]);
      if (deleted) {
        this.nhs.delete(n);
        return;
      }
      const group = /\bgroup (\S+)/.exec(l);
      this.nhs.set(n, group ? { group: group[1].split('/').map((x) => Number(x.split(',')[0])) } : { dev: /\bdev (\S+)/.exec(l)?.[1] });
      // This object and every group holding it: their prefixes may have moved.
      const affected = [n];
      for (const [gid, o] of this.nhs) if (o.group?.includes(n)) affected.push(gid);
      for (const a of affected) for (const p of this.byNh.get(a) ?? []) this.check(p, at);
      return;
    }
    const m = /^(?:unicast |blackhole )?(\d+\.\d+\.\d+\.\d+\/\d+) (.*)$/.exec(l);
    if (!m || !this.wanted.has(m[1])) return;
    const prefix = m[1];
    // A deleted route is not a move: the prefix has no route for a moment (its replacement follows).
    if (deleted) return;
    const nhid = /\bnhid (\d+)/.exec(m[2]);
    if (nhid) this.setRoute(prefix, Number(nhid[1]));
    else this.setRoute(prefix, [...m[2].matchAll(/\bdev (\S+)/g)].map((x) => x[1]));
    this.check(prefix, at);
  }
}

export function parseTs(line: string): { at: number; rest: string } | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\] (.*)$/.exec(line);
  if (!m) return undefined;
  return { at: new Date(m[1]).getTime() + Number(m[2]) / 1000, rest: m[3].trimEnd() };
}

/** Runs a command and calls onLine for each output line, never holding the whole output (a million routes). */
export function streamLines(argv: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      buf += c;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) if (p) onLine(p);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (buf) onLine(buf);
      if (code === 0) resolve();
      else reject(new Error(`${argv.join(' ')} exited with ${code}`));
    });
  });
}

/** Loads every nexthop object and every IPv4 route of `proto` in namespace `ns` into the view (stamped 0). */
export async function loadKernelState(view: KernelView, ns: string, proto: string): Promise<void> {
  await streamLines(['ip', '-n', ns, '-o', 'nexthop', 'show'], (l) => view.apply(l, 0));
  await streamLines(['ip', '-n', ns, '-o', '-4', 'route', 'show', 'proto', proto], (l) => view.apply(l, 0));
}

/**
 * IPv4 routes of `proto` in the namespace, counted from a stream. By default the benchmarks' /24s of 16.0.0.0/4
 * (first octet 16 to 31: 1M prefixes reach 31.66.63.0/24; a pattern that stopped at 29 could never count them all).
 */
export async function countKernelRoutes(ns: string, proto: string, match: RegExp = /^(?:unicast )?(1[6-9]|2\d|3[01])\.\d+\.\d+\.0\/24 /): Promise<number> {
  let n = 0;
  await streamLines(['ip', '-n', ns, '-4', 'route', 'show', 'proto', proto], (l) => {
    if (match.test(l)) n++;
  });
  return n;
}
