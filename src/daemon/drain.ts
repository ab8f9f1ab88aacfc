// Drain for maintenance: mark a neighbor's (or every neighbor's) advertisements with GRACEFUL_SHUTDOWN and extra
// prepends, force LOCAL_PREF 0 on what it taught us, wait for its interface to go quiet, optionally stop it (RFC 8326).
// Drains are scopes in the failover core (they nest); they survive a daemon restart in a state file.

import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { EventBus } from '../api/events';
import type { DrainRequest, DrainResponse, DrainStatus, UndrainResponse } from '../api/types';
import { canonicalAddress } from '../bgp/prefix';
import type { Clock } from '../util/clock';
import { shutdownScopes } from '../failover/tunnel';
import { DRAIN_MARK, DRAIN_SHUTDOWN_MESSAGE, DRAIN_SOURCE } from './drain-marks';
import { waitQuiet, type CounterReader } from './drain-traffic';
import type { FailoverRunner } from './failover';
import { ipRouteGet } from './fib-bridge';
import type { Neighbor } from './neighbor';
import type { Speaker } from './speaker';

export { DRAIN_MARK, DRAIN_SHUTDOWN_MESSAGE, DRAIN_SOURCE };
export const DRAIN_DEFAULTS = { timeoutS: 30, quietPps: 50 } as const;
/** The target that covers every neighbor, present and future. */
export const ALL = 'all';

/** A drain request the daemon cannot act on; `code` is stable (the API maps it to an HTTP status). */
export class DrainError extends Error {
  constructor(
    readonly code: 'ERR_UNKNOWN_TARGET' | 'ERR_BUSY' | 'ERR_BAD_REQUEST',
    message: string,
  ) {
    super(message);
    this.name = 'DrainError';
  }
}

interface DrainRecord {
  target: string;
  /** Neighbor names covered (ignored for ALL, which covers everyone). */
  names: Set<string>;
  /** Clock ms, and epoch ms for the state file. */
  since: number;
  sinceEpoch: number;
  phase: DrainStatus['phase'];
  /** This drain took its sessions down (--shutdown): they stay held until it is undrained, across reloads and restarts. */
  shutdown: boolean;
}

/** The drain state file: what `bgpfo drain` set, restored when the daemon starts again. */
interface DrainFile {
  version: 1;
  drains: { target: string; names: string[]; since: number; shutdown: boolean }[];
}

/** Where drains are kept: next to the control socket (`/run/bgpfo/bgpfo.sock` -> `/run/bgpfo/bgpfo.drains.json`). */
export function drainStatePath(socketPath: string): string {
  return join(dirname(socketPath), `${basename(socketPath).replace(/\.sock$/, '')}.drains.json`);
}

export interface DrainManagerDeps {
  speaker: Speaker;
  /** The failover core: drains are scopes there (marks and held sessions follow from them). */
  failover: FailoverRunner;
  /** The drain state file; undefined: drains are not kept across restarts. */
  statePath?: string;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /** The interface a neighbor's traffic uses (default: its `interface`, its local address's, or `ip route get`). */
  resolveInterface?: (n: Neighbor) => Promise<string | undefined>;
  readCounters?: CounterReader;
}

/** Interface holding `address` in this namespace, from the kernel's address list. */
function interfaceOfAddress(address: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => canonicalAddressSafe(a.address) === address)) return name;
  }
  return undefined;
}

function canonicalAddressSafe(a: string): string | undefined {
  try {
    return canonicalAddress(a.split('%')[0]);
  } catch {
    return undefined;
  }
}

export async function defaultInterfaceOf(n: Neighbor): Promise<string | undefined> {
  const configured = (n.config as { interface?: string }).interface;
  if (configured) return configured;
  const local = n.localAddress;
  const byAddress = local !== undefined ? interfaceOfAddress(local) : undefined;
  if (byAddress) return byAddress;
  return ipRouteGet()(n.config.address).catch(() => undefined);
}

export class DrainManager {
  private readonly records = new Map<string, DrainRecord>();
  /** Neighbor names whose traffic wait is running, and whether an undrain cancelled it. */
  private readonly waiting = new Map<string, { cancelled: boolean }>();
  private readonly log: Logger;

  constructor(private readonly deps: DrainManagerDeps) {
    this.log = deps.logger.child({ component: 'drain' });
    this.restore();
  }

  /** The drains covering a neighbor, by scope, with whether each took it down (the failover core asks at start/reload). */
  drainsFor(name: string): Record<string, boolean> | undefined {
    const out: Record<string, boolean> = {};
    for (const r of this.records.values()) if (r.target === ALL || r.names.has(name)) out[r.target] = r.shutdown;
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private restore(): void {
    const path = this.deps.statePath;
    if (!path) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ path, err: (e as Error).message }, `cannot read the drain state file ${path}: starting undrained`);
      return;
    }
    let file: DrainFile;
    try {
      file = JSON.parse(text) as DrainFile;
      if (file.version !== 1 || !Array.isArray(file.drains)) throw new Error('not a version 1 drain state file');
    } catch (e) {
      this.log.warn({ path, err: (e as Error).message }, `drain state file ${path} is unreadable (${(e as Error).message}): starting undrained; fix or remove it`);
      return;
    }
    const known = new Set(this.deps.speaker.neighbors.map((n) => n.name));
    for (const d of file.drains) {
      if (typeof d?.target !== 'string' || !Array.isArray(d.names)) continue;
      const names = new Set(d.names.filter((n) => typeof n === 'string' && (d.target === ALL || known.has(n))));
      if (d.target !== ALL && names.size === 0) {
        this.log.warn({ target: d.target }, `drain of ${d.target} not restored: no configured neighbor is left in it`);
        continue;
      }
      const ago = Math.max(0, Date.now() - (Number(d.since) || Date.now()));
      this.records.set(d.target, { target: d.target, names, since: this.deps.clock.now() - ago, sinceEpoch: Date.now() - ago, phase: d.shutdown ? 'down' : 'moved', shutdown: d.shutdown === true });
    }
    if (this.records.size > 0) this.log.info({ path, drains: [...this.records.keys()] }, `drains restored from ${path}: ${[...this.records.keys()].join(', ')}`);
  }

  /** Writes the drains (atomically: a reader never sees half a file); the file goes when nothing is drained. */
  private persist(): void {
    const path = this.deps.statePath;
    if (!path) return;
    try {
      if (this.records.size === 0) {
        unlinkSync(path);
        return;
      }
      const file: DrainFile = { version: 1, drains: [...this.records.values()].map((r) => ({ target: r.target, names: [...r.names], since: r.sinceEpoch, shutdown: r.shutdown })) };
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o640 });
      renameSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && this.records.size === 0) return;
      this.log.error({ path, err: (e as Error).message }, `cannot write the drain state file ${path}: the drain holds now but will not survive a restart`);
    }
  }

  /** The record covering a neighbor: its own first, else ALL. */
  private recordOf(name: string): DrainRecord | undefined {
    for (const r of this.records.values()) if (r.target !== ALL && r.names.has(name)) return r;
    return this.records.get(ALL);
  }

  isDrained(name: string): boolean {
    return this.recordOf(name) !== undefined;
  }

  /** A drain took this neighbor's session down: it stays down (reload does not restart it). */
  heldDown(name: string): boolean {
    const s = this.deps.failover.state(name);
    return s !== undefined && shutdownScopes(s).length > 0;
  }

  statusOf(name: string): DrainStatus | undefined {
    const r = this.recordOf(name);
    if (!r) return undefined;
    return { target: r.target, since: Math.max(0, Math.floor((this.deps.clock.now() - r.since) / 1000)), phase: r.phase, shutdown: this.heldDown(name) };
  }

  /** Drained targets now (status, reload logs). */
  get targets(): string[] {
    return [...this.records.keys()];
  }


  /** A target as the operator typed it -> the record key and the neighbors it covers now. */
  async resolve(target: string): Promise<{ key: string; neighbors: Neighbor[] }> {
    const t = target.trim();
    const all = this.deps.speaker.neighbors;
    if (t === ALL || t === 'router') return { key: ALL, neighbors: [...all] };
    const byName = this.deps.speaker.neighbor(t);
    if (byName) return { key: byName.name, neighbors: [byName] };
    const addr = canonicalAddressSafe(t);
    const byAddr = addr !== undefined ? all.find((n) => n.config.address === addr) : undefined;
    if (byAddr) return { key: byAddr.name, neighbors: [byAddr] };
    if (/^[A-Za-z0-9_.+-]{1,15}$/.test(t)) {
      const resolveIf = this.deps.resolveInterface ?? defaultInterfaceOf;
      const ifs = await Promise.all(all.map((n) => resolveIf(n)));
      const onIf = all.filter((_, i) => ifs[i] === t);
      if (onIf.length > 0) return { key: t, neighbors: onIf };
    }
    throw new DrainError('ERR_UNKNOWN_TARGET', `no neighbor, peer address or tunnel interface "${t}" (names: ${all.map((n) => n.name).join(', ') || 'none'}; or "all")`);
  }

  async drain(req: DrainRequest): Promise<DrainResponse> {
    const { key, neighbors } = await this.resolve(req.target);
    const names = neighbors.map((n) => n.name);
    const busy = names.filter((n) => this.waiting.has(n));
    if (busy.length > 0) throw new DrainError('ERR_BUSY', `a drain of ${busy.join(', ')} is already waiting for traffic to move`);
    const timeoutS = req.timeoutS ?? DRAIN_DEFAULTS.timeoutS;
    const quietPps = req.quietPps ?? DRAIN_DEFAULTS.quietPps;
    const { speaker, events, clock } = this.deps;

    await speaker.loop.call(`drain:${key}`, () => {
      const r = this.records.get(key) ?? { target: key, names: new Set<string>(), since: clock.now(), sinceEpoch: Date.now(), phase: 'waiting', shutdown: false };
      for (const n of names) r.names.add(n);
      if (!r.shutdown) r.phase = 'waiting';
      this.records.set(key, r);
      for (const n of names) this.deps.failover.dispatch(n, { type: 'drain', scope: key });
      this.persist();
      events.publish({ type: 'drain', target: key, neighbors: names, phase: 'marked', detail: 'GRACEFUL_SHUTDOWN 65535:0, +3 prepends out, LOCAL_PREF 0 in' });
    });
    this.log.info({ target: key, neighbors: names }, 'drain: advertisements marked, learned routes at LOCAL_PREF 0');

    const ifnames = timeoutS > 0 ? [...new Set((await Promise.all(neighbors.map((n) => (this.deps.resolveInterface ?? defaultInterfaceOf)(n)))).filter((i): i is string => !!i))] : [];
    let traffic: DrainResponse['traffic'] = 'skipped';
    let interfaces: DrainResponse['interfaces'] = [];
    let waitedMs = 0;
    if (ifnames.length > 0) {
      const token = { cancelled: false };
      for (const n of names) this.waiting.set(n, token);
      try {
        const w = await waitQuiet({
          ifnames,
          quietPps,
          timeoutMs: timeoutS * 1000,
          clock,
          ...(this.deps.readCounters ? { read: this.deps.readCounters } : {}),
          cancelled: () => token.cancelled,
        });
        traffic = w.outcome === 'cancelled' ? 'timeout' : w.outcome;
        interfaces = w.interfaces;
        waitedMs = Math.round(w.waitedMs);
        if (w.outcome === 'cancelled') return { target: key, neighbors: names, traffic, interfaces, waitedMs, shutdown: [], detail: 'undrained while waiting' };
      } finally {
        for (const n of names) this.waiting.delete(n);
      }
    }
    const rates = interfaces.map((i) => `${i.ifname} ${i.startPps} -> ${i.endPps} pkt/s`).join(', ');
    const detail =
      traffic === 'moved'
        ? `traffic moved in ${(waitedMs / 1000).toFixed(1)} s (${rates})`
        : traffic === 'timeout'
          ? `traffic still above ${quietPps} pkt/s after ${timeoutS} s (${rates})`
          : timeoutS === 0
            ? 'not waiting (timeout 0)'
            : 'no interface known for the traffic check: not waiting';
    const takeDown = req.shutdown === true && (traffic !== 'timeout' || req.force === true);
    const shutdown: string[] = [];
    await speaker.loop.call(`drain:${key}:done`, () => {
      const r = this.records.get(key);
      if (!r) return; // undrained meanwhile
      r.phase = traffic === 'timeout' ? 'timeout' : 'moved';
      events.publish({ type: 'drain', target: key, neighbors: names, phase: traffic === 'timeout' ? 'timeout' : 'moved', detail });
      if (!takeDown) return;
      r.shutdown = true;
      for (const name of names) {
        const actions = this.deps.failover.dispatch(name, { type: 'drain-shutdown', scope: key });
        if (actions.some((a) => a.type === 'session-stop') || this.heldDown(name)) shutdown.push(name);
      }
      this.persist();
      r.phase = 'down';
      events.publish({ type: 'drain', target: key, neighbors: shutdown, phase: 'down', detail: `Cease/Administrative Shutdown "${DRAIN_SHUTDOWN_MESSAGE}"` });
    });
    this.log.info({ target: key, traffic, waitedMs, interfaces, shutdown }, `drain: ${detail}`);
    const why = req.shutdown && !takeDown ? '; sessions left up: the traffic did not move (use --force to stop them anyway)' : '';
    return { target: key, neighbors: names, traffic, interfaces, waitedMs, shutdown, detail: detail + why };
  }

  async undrain(target: string): Promise<UndrainResponse> {
    const { key } = await this.resolve(target);
    const { speaker, events } = this.deps;
    return speaker.loop.call(`undrain:${key}`, () => {
      const r = this.records.get(key);
      if (!r) {
        const coveredBy = key !== ALL && this.records.has(ALL) ? ` (it is covered by the drain of "${ALL}": undrain ${ALL})` : '';
        if (coveredBy) throw new DrainError('ERR_BAD_REQUEST', `${key} is not drained on its own${coveredBy}`);
        return { target: key, neighbors: [], restarted: [] };
      }
      this.records.delete(key);
      this.persist();
      for (const name of r.names) {
        const w = this.waiting.get(name);
        if (w) w.cancelled = true;
      }
      const affected = key === ALL ? speaker.neighbors.map((n) => n.name) : [...r.names];
      const cleared: string[] = [];
      const restarted: string[] = [];
      // Each neighbor gets back exactly what this drain changed: other drains covering it keep theirs.
      for (const name of affected) {
        const actions = this.deps.failover.dispatch(name, { type: 'undrain', scope: key });
        if (actions.some((a) => a.type === 'marks' && a.source === 'drain' && !a.on)) cleared.push(name);
        if (actions.some((a) => a.type === 'session-start')) restarted.push(name);
      }
      events.publish({ type: 'drain', target: key, neighbors: cleared, phase: 'undrained', detail: restarted.length ? `restarted ${restarted.join(', ')}` : '' });
      this.log.info({ target: key, neighbors: cleared, restarted }, 'undrained');
      return { target: key, neighbors: cleared, restarted };
    });
  }
}
