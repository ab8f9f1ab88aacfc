// The worker-side engine: sessions, sockets per local address, and demultiplexing of received packets.
// RFC 5881 §4 (ports, TTL), §5 (GTSM); RFC 5880 §6.3 and §6.8.6 (selecting the session by discriminator or addresses).

import type { Clock } from '../util/clock';
import { decodeControl } from './codec';
import { BfdDecodeError } from './errors';
import { emptyHistogram, record, type LatenessHistogram } from './lateness';
import { BFD_STATE_NAMES } from './packet';
import type { BfdSessionCounters, BfdSessionSpec, FromWorker, ToWorker } from './protocol';
import { BfdSessionRunner } from './runner';
import type { BfdResume, BfdSessionConfig } from './session';

export interface BfdListener {
  close(): void;
}
export interface BfdTxSocket {
  send(bytes: Uint8Array, peer: string): void;
  close(): void;
}
/** The network as the engine needs it; udp.ts implements it with node:dgram, tests with memory. */
export interface BfdNet {
  /** Receive Control packets sent to local:3784; `from` is the source address (any source port: BIRD's is below 49152). */
  listen(local: string, ifname: string | undefined, onPacket: (bytes: Uint8Array, from: string) => void, onError: (err: Error) => void): BfdListener;
  /** A socket bound to local with a source port from 49152-65535 and TTL 255. */
  /** A socket for one session's transmissions; `peer`, when given, is the only address it will send to. */
  openTx(local: string, ifname: string | undefined, onError: (err: Error) => void, peer?: string): BfdTxSocket;
}

const DISCARD_REPORT_MS = 5000;

interface Entry {
  sid: number;
  spec: BfdSessionSpec;
  runner: BfdSessionRunner;
  tx: BfdTxSocket;
  listenKey: string;
  counters: BfdSessionCounters;
}

/** Addresses compare in one spelling: lower case, no zone (the zone is the ifname, kept separately). */
export function normAddr(a: string): string {
  const noZone = a.split('%')[0]!.toLowerCase();
  return noZone.startsWith('::ffff:') && noZone.includes('.') ? noZone.slice(7) : noZone;
}

export function specToConfig(spec: BfdSessionSpec): BfdSessionConfig {
  return {
    desiredMinTxUs: Math.round(spec.desiredMinTxMs * 1000),
    requiredMinRxUs: Math.round(spec.requiredMinRxMs * 1000),
    detectMult: spec.multiplier,
    passive: spec.passive,
    ...(spec.auth ? { auth: spec.auth } : {}),
  };
}

export class BfdEngine {
  private readonly sessions = new Map<number, Entry>();
  private readonly byDiscr = new Map<number, Entry>();
  private readonly byAddr = new Map<string, Entry>();
  private readonly listeners = new Map<string, { listener: BfdListener; refs: number }>();
  /** Discards are counted always and reported at most every DISCARD_REPORT_MS per kind, so a misconfigured peer cannot flood the main thread. */
  readonly discards = new Map<string, number>();
  private readonly discardReported = new Map<string, number>();
  /** Transmit lateness of every session since the last stats() call. */
  private lateness: LatenessHistogram = emptyHistogram();

  constructor(
    private readonly net: BfdNet,
    private readonly clock: Clock,
    private readonly post: (msg: FromWorker) => void,
    /** Epoch offset added to clock.now() for the `at` of events. */
    private readonly epochOffset = 0,
    private readonly random: () => number = Math.random,
  ) {}

  handle(msg: ToWorker): void {
    switch (msg.op) {
      case 'open':
        this.open(msg.sid, msg.spec, msg.localDiscr, msg.resume);
        break;
      case 'update': {
        const e = this.sessions.get(msg.sid);
        if (!e) return;
        e.spec = msg.spec;
        const c = specToConfig(msg.spec);
        e.runner.changeTimers(c.desiredMinTxUs, c.requiredMinRxUs, c.detectMult);
        break;
      }
      case 'close':
        this.close(msg.sid);
        break;
      case 'shutdown':
        for (const sid of [...this.sessions.keys()]) this.close(sid);
        this.post({ op: 'closed' });
        break;
    }
  }

  /** Current FSM state of a session, for tests and status. */
  session(sid: number) {
    return this.sessions.get(sid)?.runner.session;
  }

  /** Lateness since the last call and each session's counters; starts the next lateness interval. */
  stats(): { lateness: LatenessHistogram; sessions: BfdSessionCounters[] } {
    const lateness = this.lateness;
    this.lateness = emptyHistogram();
    const sessions: BfdSessionCounters[] = [];
    for (const e of this.sessions.values()) {
      const s = e.runner.session;
      sessions.push({ ...e.counters, ...(s.authType >= 2 ? { xmitAuthSeq: s.xmitAuthSeq } : {}) });
      e.counters.lateMaxMs = 0;
    }
    return { lateness, sessions };
  }

  private open(sid: number, spec: BfdSessionSpec, wantDiscr?: number, resume?: BfdResume): void {
    const addrKey = `${normAddr(spec.local)}|${normAddr(spec.peer)}|${spec.ifname ?? ''}`;
    if (this.byAddr.has(addrKey)) {
      this.post({ op: 'error', sid, code: 'session-exists', message: `a session ${addrKey} already runs` });
      return;
    }
    const listenKey = `${normAddr(spec.local)}|${spec.ifname ?? ''}`;
    const onError = (err: Error) => this.post({ op: 'error', sid, code: (err as NodeJS.ErrnoException).code ?? 'socket', message: err.message });
    const tx = this.net.openTx(spec.local, spec.ifname, onError, spec.peer);
    const counters: BfdSessionCounters = { sid, tx: 0, rx: 0, discarded: 0, lateMaxMs: 0 };
    // The daemon's discriminator when it gave one (a restart must keep it: the peer addresses us by it).
    const localDiscr = wantDiscr !== undefined && wantDiscr > 0 && !this.byDiscr.has(wantDiscr >>> 0) ? wantDiscr >>> 0 : this.freeDiscriminator();
    const runner = new BfdSessionRunner(specToConfig(spec), {
      clock: this.clock,
      random: this.random,
      localDiscr,
      ...(resume && localDiscr === wantDiscr ? { resume } : {}),
      transmit: (bytes) => {
        counters.tx += 1;
        tx.send(bytes, spec.peer);
      },
      onTxLateness: (ms) => {
        record(this.lateness, ms);
        if (ms > counters.lateMaxMs) counters.lateMaxMs = ms;
      },
      onResumePoint: (r) => this.post({ op: 'resume-point', sid, resume: r }),
      onStateChange: (ch) =>
        this.post({
          op: 'state',
          sid,
          state: BFD_STATE_NAMES[ch.to]!,
          diag: ch.diag,
          detectionTimeMs: ch.detectionTimeUs / 1000,
          at: this.epochOffset + ch.at,
          remoteState: BFD_STATE_NAMES[ch.remoteState]!,
        }),
      onDiscard: (code, reason) => {
        counters.discarded += 1;
        this.discard(sid, code, reason);
      },
      onDetectionTime: (us) => this.post({ op: 'detection-time', sid, detectionTimeMs: us / 1000 }),
    });
    const entry: Entry = { sid, spec, runner, tx, listenKey, counters };
    this.sessions.set(sid, entry);
    this.byDiscr.set(runner.session.localDiscr, entry);
    this.byAddr.set(addrKey, entry);
    const l = this.listeners.get(listenKey);
    if (l) l.refs += 1;
    else {
      const listener = this.net.listen(spec.local, spec.ifname, (bytes, from) => this.receive(listenKey, bytes, from), onError);
      this.listeners.set(listenKey, { listener, refs: 1 });
    }
    runner.start();
  }

  private close(sid: number): void {
    const e = this.sessions.get(sid);
    if (!e) return;
    // Tell the peer we are going away on purpose (§6.8.16) so it does not report a failure.
    e.runner.adminDown();
    e.runner.stop();
    e.tx.close();
    this.sessions.delete(sid);
    this.byDiscr.delete(e.runner.session.localDiscr);
    for (const [k, v] of this.byAddr) if (v === e) this.byAddr.delete(k);
    const l = this.listeners.get(e.listenKey);
    if (l && --l.refs === 0) {
      l.listener.close();
      this.listeners.delete(e.listenKey);
    }
  }

  private discard(sid: number | undefined, code: string, reason: string): void {
    const key = `${sid ?? '-'}|${code}`;
    this.discards.set(key, (this.discards.get(key) ?? 0) + 1);
    const last = this.discardReported.get(key);
    const now = this.clock.now();
    if (last !== undefined && now - last < DISCARD_REPORT_MS) return;
    this.discardReported.set(key, now);
    this.post({ op: 'discard', ...(sid !== undefined ? { sid } : {}), code, reason });
  }

  private freeDiscriminator(): number {
    for (;;) {
      const d = 1 + Math.floor(this.random() * 0xfffffffe);
      if (!this.byDiscr.has(d)) return d;
    }
  }

  /**
   * §6.8.6: a nonzero Your Discriminator selects the session; zero selects by addresses. Either way the
   * source must be the session's peer: with one hop that is the only sender we trust (RFC 5881 §5).
   */
  private receive(listenKey: string, bytes: Uint8Array, from: string): void {
    let pkt;
    try {
      pkt = decodeControl(bytes);
    } catch (err) {
      if (!(err instanceof BfdDecodeError)) throw err;
      this.discard(undefined, err.code, `${err.message} (${err.rule}) from ${from}`);
      return;
    }
    const src = normAddr(from);
    let entry: Entry | undefined;
    if (pkt.yourDiscriminator !== 0) {
      entry = this.byDiscr.get(pkt.yourDiscriminator);
      if (entry && (entry.listenKey !== listenKey || normAddr(entry.spec.peer) !== src)) entry = undefined;
    } else {
      const [local, ifname] = listenKey.split('|');
      entry = this.byAddr.get(`${local}|${src}|${ifname}`);
    }
    if (!entry) {
      this.discard(undefined, 'no-session', `no session for ${from} with Your Discriminator ${pkt.yourDiscriminator}`);
      return;
    }
    entry.counters.rx += 1;
    entry.runner.receive(pkt, bytes);
  }
}
