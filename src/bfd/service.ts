// BFD as a service that clients (BGP, FIB, health) subscribe to; sessions run in a worker thread.
// RFC 5882 §3-§4 (client model), RFC 5881 (single hop); shape after BIRD's bfd_request_session (nest/bfd.h).

import { isIP } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { validateAuthConfig, type BfdAuthConfig } from './auth';
import { normAddr } from './engine';
import { BFD_DIAG_NAMES, type BfdStateName } from './packet';
import type { BfdSessionSpec, FromWorker, ToWorker } from './protocol';
import { spawnBfdWorker } from './spawn';

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
  log?: { warn(obj: object, msg: string): void; debug?(obj: object, msg: string): void };
  /** For tests: how to start the worker. */
  spawn?: () => Worker;
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
}

export class BfdService {
  private worker: Worker | undefined;
  private nextSid = 1;
  private readonly byKey = new Map<string, Shared>();
  private readonly bySid = new Map<number, Shared>();
  private stopping = false;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: BfdServiceOptions = {}) {}

  /** Starts the worker thread; resolves once it is listening for requests. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    this.stopping = false;
    this.ready = this.spawn();
    return this.ready;
  }

  /** Closes every session (AdminDown to each peer) and ends the worker. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.stopping = true;
    this.ready = undefined;
    this.worker = undefined;
    this.byKey.clear();
    this.bySid.clear();
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage({ op: 'shutdown' } satisfies ToWorker);
    });
  }

  requestSession(opts: BfdRequestOptions, onChange: (ev: BfdStateEvent) => void): BfdSessionHandle {
    if (!this.worker) throw new Error('BfdService.requestSession before start()');
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
      shared = { sid, key, clients: new Set([client]), spec: merge([client]), current: undefined };
      this.byKey.set(key, shared);
      this.bySid.set(sid, shared);
      this.post({ op: 'open', sid, spec: shared.spec });
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
    this.worker?.postMessage(msg);
  }

  private spawn(): Promise<void> {
    const w = (this.options.spawn ?? spawnBfdWorker)();
    this.worker = w;
    w.unref(); // the daemon's lifetime is not BFD's business; stop() ends it cleanly
    return new Promise((resolve, reject) => {
      w.on('message', (msg: FromWorker) => {
        if (msg.op === 'ready') resolve();
        else this.onWorkerMessage(msg);
      });
      w.once('error', (err) => {
        this.options.log?.warn({ err }, 'BFD worker failed');
        reject(err);
      });
      w.once('exit', (code) => {
        if (this.stopping || this.worker !== w) return;
        // The worker died: sessions are gone. Report them Down and start afresh so clients recover.
        this.options.log?.warn({ code }, 'BFD worker exited; restarting it');
        this.worker = undefined;
        this.ready = this.spawn();
        for (const s of this.bySid.values()) {
          if (s.current && s.current.state !== 'Down') this.deliver(s, { ...s.current, state: 'Down', diag: 0, diagText: BFD_DIAG_NAMES[0]!, at: performance.timeOrigin + performance.now() });
          this.post({ op: 'open', sid: s.sid, spec: s.spec });
        }
      });
    });
  }

  private onWorkerMessage(msg: FromWorker): void {
    if (msg.op === 'state') {
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
