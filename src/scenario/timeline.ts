// The control plane's side of a run, beside the data plane's: each bgpfo daemon's own events (GET /v1/events:
// liveness down, session down, failover with its duration, routes, drains) and every change in the edges' kernel
// FIBs (`ip -ts monitor route nexthop`, whatever daemon runs there), on one wall clock with the traffic.

import type { ChildProcess } from 'node:child_process';
import type { OpsEvent } from '../api/events';
import type { Plan } from '../orchestrator';

export interface TimelineEntry {
  /** Epoch ms. */
  at: number;
  node: string;
  source: 'daemon' | 'kernel';
  /** The event type (liveness, session-down, failover, routes, drain, ...) or "fib" for a kernel change. */
  kind: string;
  /** The plan tunnel it concerns, when it names one. */
  tunnel?: string;
  text: string;
  /** The daemon's event as sent. */
  event?: OpsEvent;
}

/** The plan tunnel a daemon means by a name: its neighbor name on that node, or the tunnel's own name. */
export function tunnelOfNeighbor(plan: Plan, node: string, name: string): string | undefined {
  if (plan.tunnels.some((t) => t.name === name)) return name;
  for (const s of plan.sessions) {
    if (s.kind !== 'tunnel') continue;
    if ((s.a.node === node && s.a.neighborName === name) || (s.b.node === node && s.b.neighborName === name)) return s.tunnel;
  }
  return undefined;
}

/** One line for a daemon event. */
export function describeEvent(e: OpsEvent): string {
  switch (e.type) {
    case 'liveness':
      return `${e.mode} ${e.state} on ${e.tunnel}${e.detail ? ` (${e.detail})` : ''}`;
    case 'session-down':
      return `session ${e.neighbor} down: ${e.message || e.reason}`;
    case 'session-up':
      return `session ${e.neighbor} up`;
    case 'session-state':
      return `session ${e.neighbor} ${e.from} -> ${e.to}`;
    case 'failover':
      return `failover off ${e.tunnel} (${e.reason}): ${e.prefixes} prefixes moved in ${e.durationMs} ms`;
    case 'outage':
      return `outage: no path left for ${e.prefixes} prefixes after ${e.tunnel} was lost (${e.reason})`;
    case 'routes':
      return `best path changed for ${e.bestChanged} prefixes (+${e.added} -${e.removed})${e.sample.length ? `: ${e.sample.slice(0, 3).join(', ')}` : ''}`;
    case 'demotion':
      return `${e.tunnel} ${e.state} (${e.reason}: ${e.detail})`;
    case 'drain':
      return `drain ${e.target} ${e.phase}${e.detail ? `: ${e.detail}` : ''}`;
    case 'reload':
      return `reload ${e.result}`;
    case 'daemon':
      return `daemon ${e.phase}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

export function eventEntry(plan: Plan, node: string, e: OpsEvent): TimelineEntry {
  const name = 'tunnel' in e ? e.tunnel : 'neighbor' in e ? e.neighbor : undefined;
  const tunnel = name !== undefined ? tunnelOfNeighbor(plan, node, name) : undefined;
  return { at: Date.parse(e.time), node, source: 'daemon', kind: e.type, ...(tunnel ? { tunnel } : {}), text: describeEvent(e), event: e };
}

const STAMP = /^\[(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\] ?(.*)$/;

/**
 * Parses `ip -ts monitor` output: "[2026-11-21T13:40:32.203455] 10.20.0.0/16 nhid 7 proto 201 metric 20". The
 * stamp is local time. Lines without a stamp (a multipath route's "nexthop via ..." lines) continue the entry
 * before them. Returns the entries whose stamp was complete.
 */
export function parseIpMonitor(text: string, node: string, tunnelOfIf: (ifname: string) => string | undefined = () => undefined): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) continue;
    const m = STAMP.exec(line);
    if (!m) {
      const prev = out.at(-1);
      if (prev) prev.text += ` ${line.trim()}`;
      continue;
    }
    const frac = (m[7] ?? '0').padEnd(6, '0');
    const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime() + Number(frac.slice(0, 6)) / 1000;
    out.push({ at, node, source: 'kernel', kind: 'fib', text: m[8]! });
  }
  for (const e of out) {
    const dev = / dev (\S+)/.exec(e.text)?.[1];
    const t = dev ? tunnelOfIf(dev) : undefined;
    if (t) e.tunnel = t;
  }
  return out;
}

/** An `ip -ts monitor` child in a router's namespace; entries() parses what it printed so far. */
export class FibMonitor {
  private text = '';
  constructor(
    readonly node: string,
    private readonly child: ChildProcess,
    private readonly tunnelOfIf: (ifname: string) => string | undefined,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.text += d.toString()));
    child.on('error', () => undefined);
  }

  entries(): TimelineEntry[] {
    return parseIpMonitor(this.text, this.node, this.tunnelOfIf);
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}

export interface EventSubscription {
  ready: Promise<void>;
  done: Promise<void>;
  close(): void;
}

/**
 * Follows one daemon's event stream for the whole run, subscribing again whenever it ends (the daemon was
 * stopped, killed or restarted by the scenario) until stop().
 */
export class EventFollower {
  readonly entries: TimelineEntry[] = [];
  private current: EventSubscription | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly plan: Plan,
    readonly node: string,
    private readonly subscribe: (onEvent: (e: OpsEvent) => void) => EventSubscription,
  ) {}

  /** Resolves once the first subscription is ready (or failed: the daemon may be down at the start). */
  async start(): Promise<void> {
    let first: (() => void) | undefined;
    const firstReady = new Promise<void>((r) => (first = r));
    this.loop = (async () => {
      while (!this.stopped) {
        const sub = this.subscribe((e) => this.entries.push(eventEntry(this.plan, this.node, e)));
        this.current = sub;
        await Promise.race([sub.ready, sub.done.catch(() => undefined)]);
        first?.();
        first = undefined;
        await sub.done.catch(() => undefined);
        if (!this.stopped) await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await firstReady;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.close();
    await this.loop;
  }
}
