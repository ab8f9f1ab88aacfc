// BFD as a service that clients (BGP, FIB, health) subscribe to; sessions run in a BFD process of its own, which the
// service supervises and resumes. RFC 5882 §3-§4 (client model), RFC 5881; shape after BIRD's bfd_request_session.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { validateAuthConfig, type BfdAuthConfig } from './auth';
import { normAddr } from './engine';
import { startBfdHost, type BfdHost, type BfdIsolation, type BfdPriority } from './host';
import { BFD_DIAG_NAMES, type BfdStateName } from './packet';
import type { BfdSessionSpec, FromWorker, ToWorker } from './protocol';
import type { BfdResume } from './session';
import type { BfdServiceStatus, BfdSessionStatus } from './service-status';
import { BfdStatsBook } from './stats';
import { BfdSupervisor } from './supervisor';

export { bfdOptionsFromEnv, type BfdServiceStatus, type BfdSessionStatus } from './service-status';

export interface BfdRequestOptions {
  /** The tunnel's local address; the session's sockets bind to it. */
  local: string;
  peer: string;
  /** Needed for IPv6 link-local addresses (the zone). */
  ifname?: string;
  desiredMinTxMs: number;
  requiredMinRxMs: number;
  multiplier: number;
  auth?: BfdAuthConfig;
  /** Wait for the peer to speak first (RFC 5880 §6.1). */
  passive?: boolean;
}

export type BfdTimerOptions = Partial<Pick<BfdRequestOptions, 'desiredMinTxMs' | 'requiredMinRxMs' | 'multiplier'>>;

export interface BfdStateEvent {
  state: BfdStateName;
  /** RFC 5880 §4.1 diagnostic: why the session went Down (1 detection time expired, 3 neighbor signaled down, ...). */
  diag: number;
  diagText: string;
  /** Detection time in force when the change happened (0 before the peer was heard); `current` keeps it up to date. */
  detectionTimeMs: number;
  /** Epoch milliseconds, with sub-millisecond precision, when the worker saw the change. */
  at: number;
  /**
   * The peer's state as last received when the change happened. A Down with remoteState 'AdminDown' means the
   * peer took the session down on purpose (deconfigured, shutting BFD down): RFC 5882 §3.2 says clients must not
   * treat that as a path failure. A detection timeout reports 'Down' here (the peer is forgotten).
   */
  remoteState?: BfdStateName;
}

export interface BfdSessionHandle {
  /** Drop this client's interest; the session ends (AdminDown to the peer) when no client is left. */
  close(): void;
  /** Change this client's timers; the session runs with the fastest any client asks for (Poll/Final if Up). */
  update(opts: BfdTimerOptions): void;
  /** The last state reported for the session, if any, with the detection time in force now. */
  readonly current: BfdStateEvent | undefined;
}

export interface BfdServiceOptions {
  log?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void; debug?(obj: object, msg: string): void };
  /** process (default): a child process of its own; worker: a thread of the daemon (the old design, for comparison). */
  isolation?: BfdIsolation;
  /** Scheduling of the BFD process' main thread: realtime (default, SCHED_RR with a nice fallback), nice, normal. */
  priority?: BfdPriority;
  /** Keep a warm standby process for restarts (default true with isolation process). */
  standby?: boolean;
  /** After a crash, how long without any BFD process before the sessions are reported Down (default 5000). */
  unavailableAfterMs?: number;
  /** For tests: how to start a host. */
  spawn?: () => BfdHost;
}

interface Client {
  opts: BfdRequestOptions;
  onChange: (ev: BfdStateEvent) => void;
}

interface Shared {
  sid: number;
  key: string;
  clients: Set<Client>;
  spec: BfdSessionSpec;
  current: BfdStateEvent | undefined;
  /** Ours, kept by the daemon: a restarted process must answer to the discriminator the peer knows (RFC 5880 §6.8.6). */
  localDiscr: number;
  /** Where a new process carries the session on from (session.ts BfdResume); null: start afresh. */
  resume: BfdResume | null;
}

export class BfdService {
  private nextSid = 1;
  private readonly byKey = new Map<string, Shared>();
  private readonly bySid = new Map<number, Shared>();
  private readonly discrs = new Set<number>();
  private ready: Promise<void> | undefined;
  private supervisor: BfdSupervisor | undefined;
  private priorityApplied: string | undefined;
  readonly stats = new BfdStatsBook();
  readonly isolation: BfdIsolation;

  constructor(private readonly options: BfdServiceOptions = {}) {
    this.isolation = options.isolation ?? 'process';
  }

  /** Starts the BFD process (and its standby); resolves once it is listening for requests. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    const o = this.options;
    const sup = new BfdSupervisor({
      start:
        o.spawn ??
        (() =>
          startBfdHost({
            isolation: this.isolation,
            priority: o.priority ?? 'realtime',
            onPriority: (p) => {
              if (p !== this.priorityApplied) o.log?.info?.({ priority: p }, 'BFD process scheduling');
              this.priorityApplied = p;
            },
          })),
      standby: o.standby ?? this.isolation === 'process',
      ...(o.log ? { log: o.log } : {}),
      ...(o.unavailableAfterMs !== undefined ? { unavailableAfterMs: o.unavailableAfterMs } : {}),
      onMessage: (msg) => this.onWorkerMessage(msg),
      onActive: (host, restart) => this.onActive(host, restart),
      onUnavailable: () => this.onUnavailable(),
    });
    this.supervisor = sup;
    this.ready = sup.start().catch((err: unknown) => {
      this.ready = undefined;
      this.supervisor = undefined;
      throw err;
    });
    return this.ready;
  }

  /** Closes every session (AdminDown to each peer) and ends the BFD process. */
  async stop(): Promise<void> {
    const sup = this.supervisor;
    this.supervisor = undefined;
    this.ready = undefined;
    this.byKey.clear();
    this.bySid.clear();
    this.discrs.clear();
    await sup?.stop();
  }

  requestSession(opts: BfdRequestOptions, onChange: (ev: BfdStateEvent) => void): BfdSessionHandle {
    if (!this.supervisor) throw new Error('BfdService.requestSession before start()');
    validateRequest(opts);
    const key = `${normAddr(opts.local)}|${normAddr(opts.peer)}|${opts.ifname ?? ''}`;
    const client: Client = { opts: { ...opts }, onChange };
    let shared = this.byKey.get(key);
    if (shared) {
      if (JSON.stringify(shared.spec.auth) !== JSON.stringify(opts.auth)) {
        throw new Error(`BFD session ${key} already runs with other authentication`);
      }
      shared.clients.add(client);
      this.respec(shared);
      // A late subscriber missed the history: give it the state as it stands.
      const cur = shared.current;
      if (cur) queueMicrotask(() => shared!.clients.has(client) && onChange(cur));
    } else {
      const sid = this.nextSid++;
      const localDiscr = this.freeDiscriminator();
      shared = { sid, key, clients: new Set([client]), spec: merge([client]), current: undefined, localDiscr, resume: null };
      this.byKey.set(key, shared);
      this.bySid.set(sid, shared);
      this.discrs.add(localDiscr);
      this.post({ op: 'open', sid, spec: shared.spec, localDiscr });
    }
    const s = shared;
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        s.clients.delete(client);
        if (this.bySid.get(s.sid) !== s) return;
        if (s.clients.size === 0) {
          this.byKey.delete(s.key);
          this.bySid.delete(s.sid);
          this.discrs.delete(s.localDiscr);
          this.stats.forget(s.sid);
          this.post({ op: 'close', sid: s.sid });
        } else this.respec(s);
      },
      update: (timers) => {
        if (closed) return;
        const next = { ...client.opts, ...definedOnly(timers) };
        validateRequest(next);
        client.opts = next;
        this.respec(s);
      },
      get current() {
        return s.current;
      },
    };
  }

  private respec(s: Shared): void {
    const spec = merge([...s.clients]);
    if (JSON.stringify(spec) === JSON.stringify(s.spec)) return;
    s.spec = spec;
    this.post({ op: 'update', sid: s.sid, spec });
  }

  private post(msg: ToWorker): void {
    this.supervisor?.host?.post(msg);
  }

  private freeDiscriminator(): number {
    for (;;) {
      const d = 1 + Math.floor(Math.random() * 0xfffffffe);
      if (!this.discrs.has(d)) return d;
    }
  }

  /**
   * A process is ready: open every session in it. After a restart each session resumes where the dead process left
   * it (same discriminators, state and agreed timers), so clients see no change and the peer only a pause; its state
   * events are the new process' own from then on.
   */
  private onActive(host: BfdHost, restart: boolean): void {
    const opens = [...this.bySid.values()].map((s): ToWorker => {
      const resume = restart && s.resume ? this.withAuthEstimate(s, s.resume) : undefined;
      return { op: 'open', sid: s.sid, spec: s.spec, localDiscr: s.localDiscr, ...(resume ? { resume } : {}) };
    });
    if (restart) this.stats.hostChanged();
    for (const m of opens) host.post(m);
  }

  /**
   * Keyed authentication needs the transmit sequence to go on increasing (§6.7.3-§6.7.4), and the dead process
   * reported it once a second: continue from the last report plus the packets sent since at the agreed interval
   * (jitter averages 12.5 % shorter). The peer accepts a window of 3 x Detect Mult around what it expects.
   */
  private withAuthEstimate(s: Shared, r: BfdResume): BfdResume {
    const last = this.stats.authSeq(s.sid);
    if (!s.spec.auth || !last) return r;
    const intervalMs = Math.max(r.txDesiredMinTxUs, r.remoteMinRxUs) / 1000;
    const sent = Math.max(0, Math.round((Date.now() - last.at) / (intervalMs * 0.875)));
    return { ...r, xmitAuthSeq: (last.seq + sent + 1) >>> 0 };
  }

  /** No BFD process for too long: nobody vouches for the tunnels. Report Down; sessions start afresh when one runs. */
  private onUnavailable(): void {
    const at = performance.timeOrigin + performance.now();
    for (const s of this.bySid.values()) {
      s.resume = null;
      if (s.current && s.current.state !== 'Down') {
        this.deliver(s, { ...s.current, state: 'Down', diag: 0, diagText: 'BFD process not running', at, remoteState: 'Down' });
      }
    }
    this.options.log?.warn({ sessions: this.bySid.size }, 'no BFD process for too long; its sessions are reported Down');
  }

  /** State and counters of the BFD part for `bgpfo status` and the metrics. */
  status(): BfdServiceStatus {
    const sup = this.supervisor;
    const pid = sup?.host?.pid;
    const standbyPid = sup?.standbyPid;
    const standbyRss = standbyPid !== undefined ? rssOf(standbyPid) : undefined;
    const last = sup?.lastRestart;
    return {
      isolation: this.isolation,
      ...(pid !== undefined ? { pid } : {}),
      ...(standbyPid !== undefined ? { standbyPid } : {}),
      ...(this.priorityApplied ? { priority: this.priorityApplied } : {}),
      restarts: sup?.restarts ?? 0,
      ...(last ? { lastRestart: { at: new Date(last.at).toISOString(), code: last.code, signal: last.signal, ...(last.gapMs !== undefined ? { gapMs: last.gapMs } : {}) } } : {}),
      txLateness: this.stats.lateness(),
      cost: { ...this.stats.cost(), ...(standbyRss !== undefined ? { standbyRssBytes: standbyRss } : {}) },
      sessions: [...this.bySid.values()].map((s): BfdSessionStatus => {
        const c = this.stats.session(s.sid);
        return {
          local: s.spec.local,
          peer: s.spec.peer,
          ...(s.spec.ifname ? { ifname: s.spec.ifname } : {}),
          state: s.current?.state ?? 'Starting',
          localDiscr: s.localDiscr,
          ...(s.resume ? { remoteDiscr: s.resume.remoteDiscr } : {}),
          clients: s.clients.size,
          tx: c.tx,
          rx: c.rx,
          discarded: c.discarded,
          txLateMaxMs: c.lateMaxMs,
        };
      }),
    };
  }

  private onWorkerMessage(msg: FromWorker): void {
    if (msg.op === 'stats') this.stats.add(msg);
    else if (msg.op === 'resume-point') {
      const s = this.bySid.get(msg.sid);
      if (s) s.resume = msg.resume;
    } else if (msg.op === 'state') {
      const s = this.bySid.get(msg.sid);
      if (!s) return;
      this.deliver(s, {
        state: msg.state,
        diag: msg.diag,
        diagText: BFD_DIAG_NAMES[msg.diag] ?? `diag ${msg.diag}`,
        detectionTimeMs: msg.detectionTimeMs,
        at: msg.at,
        ...(msg.remoteState ? { remoteState: msg.remoteState } : {}),
      });
    } else if (msg.op === 'detection-time') {
      // Not a state change: clients are not called, but `current` tells the detection time in force.
      const s = this.bySid.get(msg.sid);
      if (s?.current) s.current = { ...s.current, detectionTimeMs: msg.detectionTimeMs };
    } else if (msg.op === 'error') {
      this.options.log?.warn({ sid: msg.sid, code: msg.code, session: msg.sid && this.bySid.get(msg.sid)?.key }, `BFD: ${msg.message}`);
    } else if (msg.op === 'discard') {
      this.options.log?.debug?.({ sid: msg.sid, code: msg.code }, `BFD packet discarded: ${msg.reason}`);
    }
  }

  private deliver(s: Shared, ev: BfdStateEvent): void {
    s.current = ev;
    for (const c of [...s.clients]) {
      try {
        c.onChange(ev);
      } catch (err) {
        this.options.log?.warn({ err, session: s.key }, 'BFD client callback threw');
      }
    }
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Several clients, one session: it runs with the most demanding timers any of them asks for. */
function merge(clients: Client[]): BfdSessionSpec {
  const first = clients[0]!.opts;
  return {
    local: first.local,
    peer: first.peer,
    ...(first.ifname ? { ifname: first.ifname } : {}),
    desiredMinTxMs: Math.min(...clients.map((c) => c.opts.desiredMinTxMs)),
    requiredMinRxMs: Math.min(...clients.map((c) => c.opts.requiredMinRxMs)),
    multiplier: Math.min(...clients.map((c) => c.opts.multiplier)),
    passive: clients.every((c) => c.opts.passive === true),
    ...(first.auth ? { auth: first.auth } : {}),
  };
}

export function validateRequest(o: BfdRequestOptions): void {
  const fl = isIP(o.local.split('%')[0]!);
  const fp = isIP(o.peer.split('%')[0]!);
  if (!fl || !fp) throw new RangeError(`BFD local/peer must be IP addresses: ${o.local} ${o.peer}`);
  if (fl !== fp) throw new RangeError(`BFD local ${o.local} and peer ${o.peer} are of different families`);
  // Intervals are 32-bit microseconds on the wire; below 1 ms a Node timer cannot keep up.
  if (!(o.desiredMinTxMs >= 1 && o.desiredMinTxMs <= 4_294_967)) throw new RangeError('desiredMinTxMs must be 1..4294967');
  if (!(o.requiredMinRxMs >= 0 && o.requiredMinRxMs <= 4_294_967)) throw new RangeError('requiredMinRxMs must be 0..4294967');
  if (!Number.isInteger(o.multiplier) || o.multiplier < 1 || o.multiplier > 255) throw new RangeError('multiplier must be 1..255');
  if (o.auth) validateAuthConfig(o.auth);
}

/** VmRSS of a process, bytes (Linux /proc); undefined when it cannot be read. */
function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
