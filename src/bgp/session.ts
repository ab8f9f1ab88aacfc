// BgpSession: one neighbor's runner. Performs the pure FSM's actions on TCP sockets and clock timers, and
// serializes socket events, timer expiries and API calls through one queue. RFC 4271 §8, §6.8; RFC 8203.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from 'pino';
import { familyToAfiSafi, type Negotiated, type ProtocolError } from './capabilities';
import { decodeMessage, encodeEndOfRib, encodeMessage, Framer, isEndOfRib, maxMessageLength } from './codec';
import { BgpMessageError, CeaseSubcode } from './errors';
import { eventForError, eventForMessage, fsmConfig, notification } from './fsm';
import { createPeer, peerAccept, peerCommand, peerEvent, peerState, primary, type PeerResult, type PeerState } from './fsm-peer';
import type { BgpState, FsmAction, FsmEvent, LastError, StopNotification, TimerName } from './fsm-types';
import { BGP_PORT, DEFAULT_CODEC_CONTEXT, type BgpMessage, type CodecContext, type Family, type NotificationMessage } from './types';
import { countMessage, emptyMessageCounts, SessionError, type BgpSessionEvents, type SessionCounters, type SessionInfo, type SessionOptions } from './session-types';
import type { Clock, TimerHandle } from '../util/clock';
import { LogLimiter } from '../util/log-limit';

export * from './session-types';

interface TimerRecord {
  due: number;
  fireAt: number;
  handle: TimerHandle;
}

/** What the runner holds for one connection FSM: its socket, framer and timers. */
interface ConnIo {
  id: number;
  socket?: net.Socket;
  framer?: Framer;
  timers: Map<TimerName, TimerRecord>;
}

const LINGER_MS = 2000;

export class BgpSession extends EventEmitter<BgpSessionEvents> {
  private peer: PeerState;
  private readonly io = new Map<number, ConnIo>();
  private readonly queue: (() => PeerResult | void)[] = [];
  private draining = false;
  private lastState: BgpState = 'Idle';
  private established: { conn: number; negotiated: Negotiated } | null = null;
  private readonly rejectedLog = new LogLimiter();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly preOpenCtx: CodecContext;
  private readonly counters: SessionCounters = { sent: emptyMessageCounts(), received: emptyMessageCounts(), establishedTransitions: 0 };

  constructor(private readonly opts: SessionOptions) {
    super();
    this.clock = opts.clock;
    this.log = opts.logger.child({ neighbor: opts.name });
    const config = fsmConfig({
      localAsn: opts.localAsn,
      remoteAsn: opts.remoteAsn,
      routerId: opts.routerId,
      families: opts.families,
      holdTime: opts.holdTime,
      keepalive: opts.keepalive,
      connectRetry: opts.connectRetry,
      passive: opts.passive,
      extendedMessage: opts.extendedMessage,
      gracefulRestart: opts.gracefulRestart,
      shutdownMessage: opts.shutdownMessage,
      idleHold: opts.idleHold,
      stableTime: opts.stableTime,
      jitter: opts.jitter,
      collisionDetectEstablished: opts.collisionDetectEstablished,
    });
    this.peer = createPeer(config, opts.seed ?? (Math.random() * 2 ** 32) >>> 0);
    this.preOpenCtx = { ...DEFAULT_CODEC_CONTEXT, extendedMessage: false, ebgp: opts.localAsn !== opts.remoteAsn };
  }

  get state(): BgpState {
    return peerState(this.peer);
  }

  get info(): SessionInfo {
    const main = primary(this.peer).fsm;
    const all = this.peer.conns.map((c) => c.fsm);
    const lastError = all.reduce<LastError | null>((a, f) => (f.lastError && (!a || f.lastError.at > a.at) ? f.lastError : a), null);
    return {
      name: this.opts.name,
      peerAddress: this.opts.peerAddress,
      state: this.state,
      uptime: main.establishedAt === null ? null : this.clock.now() - main.establishedAt,
      lastError,
      flaps: Math.max(...all.map((f) => f.flaps)),
      negotiated: main.negotiated,
      peerRouterId: main.peerRouterId,
      connectRetryCounter: main.connectRetryCounter,
      failures: main.failures,
      idleHoldTime: main.idleHoldTime,
      connections: [...this.io.values()].filter((io) => io.socket).length,
      counters: structuredClone(this.counters),
    };
  }

  start(): void {
    this.run(() => peerCommand(this.peer, { type: 'ManualStart' }, this.clock.now()));
  }

  /** Administrative stop: Cease/Administrative Shutdown with the RFC 8203 message unless told otherwise. */
  stop(opts: { code?: number; subcode?: number; message?: string } = {}): void {
    const n: StopNotification = {
      code: opts.code ?? 6,
      subcode: opts.subcode ?? CeaseSubcode.AdministrativeShutdown,
      ...defined({ message: opts.message ?? this.opts.shutdownMessage }),
    };
    this.run(() => peerCommand(this.peer, { type: 'ManualStop', notification: n }, this.clock.now()));
  }

  /** Send this NOTIFICATION, drop the session, and restart after the IdleHoldTimer (e.g. max-prefix Cease/1). */
  reset(n: { code: number; subcode: number; data?: Uint8Array; message?: string }): void {
    this.run(() => peerCommand(this.peer, { type: 'AutomaticStop', notification: n }, this.clock.now()));
  }

  /**
   * Leaves without a word, as a speaker about to restart does (RFC 4724 §4): sockets closed, timers cancelled, no
   * NOTIFICATION and no more events. The peer sees the TCP connection close; the object is not used again.
   */
  abandon(): void {
    this.queue.length = 0;
    for (const id of [...this.io.keys()]) this.discard(id);
  }

  /** Take over a connection the daemon accepted from this neighbor's address. */
  acceptConnection(socket: net.Socket): void {
    this.run(() => {
      const r = peerAccept(this.peer, this.clock.now());
      if (r.accepted === null) {
        // RFC 4486: refusing an accepted connection is Cease/Connection Rejected.
        // A peer (or something at its address) can retry at will: one line per 10 s, with the count left out.
        const line = this.rejectedLog.hit('rejected');
        if (line.log) this.log.info({ remote: socket.remoteAddress, state: this.state, ...(line.suppressed ? { alsoRejected: line.suppressed } : {}) }, 'connection rejected');
        socket.on('error', () => {});
        const n = notification(6, CeaseSubcode.ConnectionRejected);
        socket.write(encodeMessage(n, this.preOpenCtx));
        this.sentNotification(n);
        endSocket(socket);
        return;
      }
      this.attach(this.ioFor(r.accepted), socket);
      return r;
    });
  }

  /**
   * Write encoded UPDATEs in order. Returns false when the socket buffer is full: wait for 'drain'.
   * Throws SessionError when the session is not Established.
   */
  send(buffers: Buffer[]): boolean {
    const socket = this.establishedSocket();
    // One write for the lot: a write per small UPDATE costs a syscall and a write request each.
    const ok = socket.write(buffers.length === 1 ? buffers[0] : Buffer.concat(buffers));
    countMessage(this.counters.sent, 'update', buffers.length);
    return ok;
  }

  /** ROUTE-REFRESH (RFC 2918) for a negotiated family; false when the peer cannot take one. */
  sendRouteRefresh(family: Family): boolean {
    const e = this.established;
    if (!e || !e.negotiated.routeRefresh || !e.negotiated.families.includes(family)) return false;
    countMessage(this.counters.sent, 'route-refresh');
    return this.establishedSocket().write(encodeMessage({ type: 'route-refresh', ...familyToAfiSafi(family), subtype: 0 }, e.negotiated.ctx));
  }

  /**
   * Stops (true) or restarts (false) reading the Established connection: the daemon's inbound backpressure while
   * it still has many received routes to process, so a full table waits in the peer's TCP buffers rather than as
   * decoded messages in our memory. TCP flow control slows the peer; its KEEPALIVEs wait with the UPDATEs, so the
   * daemon must resume within a fraction of the hold time (it does: it pauses only while it is processing).
   */
  pauseInbound(paused: boolean): void {
    const socket = this.established && this.io.get(this.established.conn)?.socket;
    if (!socket) return;
    if (paused) socket.pause();
    else socket.resume();
  }

  /** End-of-RIB marker (RFC 4724 §2) after the initial table for a family. */
  sendEndOfRib(family: Family): boolean {
    const socket = this.establishedSocket();
    countMessage(this.counters.sent, 'update');
    return socket.write(encodeEndOfRib(family, this.established!.negotiated.ctx));
  }

  private establishedSocket(): net.Socket {
    const socket = this.established && this.io.get(this.established.conn)?.socket;
    if (!socket) throw new SessionError('ERR_BGP_NOT_ESTABLISHED', `session ${this.opts.name} is not Established`);
    return socket;
  }

  // ---- the serialized loop ------------------------------------------------------------------------

  private run(op: () => PeerResult | void): void {
    this.queue.push(op);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const r = next();
        if (r) this.apply(r);
      }
    } finally {
      this.draining = false;
    }
  }

  /** An event for one connection, ignored if it comes from a socket or timer that is no longer current. */
  private dispatch(conn: number, event: FsmEvent, current: () => boolean): void {
    this.run(() => (current() ? peerEvent(this.peer, conn, event, this.clock.now()) : undefined));
  }

  private apply(r: PeerResult): void {
    this.peer = r.peer;
    for (const { conn, action } of r.actions) {
      if (action.type === 'discard') this.discard(conn);
      else this.perform(this.ioFor(conn), action);
    }
    const now = this.state;
    if (now !== this.lastState) {
      const from = this.lastState;
      this.lastState = now;
      this.log.info({ from, to: now }, 'state');
      this.emit('state', from, now);
    }
  }

  private perform(io: ConnIo, a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        return this.connect(io);
      case 'drop':
        return this.drop(io);
      case 'send-open':
      case 'send-keepalive':
      case 'send-notification': {
        const msg: BgpMessage = a.type === 'send-open' ? a.open : a.type === 'send-keepalive' ? { type: 'keepalive' } : a.notification;
        if (a.type === 'send-notification') {
          const { code, subcode } = a.notification;
          this.log[code === 6 ? 'info' : 'warn']({ code, subcode }, 'sending NOTIFICATION');
        }
        if (!io.socket) return;
        io.socket.write(encodeMessage(msg, this.ctxOf(io.id)));
        if (a.type === 'send-notification') this.sentNotification(a.notification);
        else countMessage(this.counters.sent, msg.type as 'open' | 'keepalive');
        return;
      }
      case 'start-timer':
        return this.startTimer(io, a.timer, a.ms);
      case 'stop-timer':
        return this.stopTimer(io, a.timer);
      case 'deliver-update': {
        const eor = isEndOfRib(a.update);
        if (eor) this.emit('end-of-rib', eor);
        else this.emit('update', a.update);
        return;
      }
      case 'deliver-route-refresh':
        // Subtypes 1/2 (RFC 7313 BoRR/EoRR) only follow Enhanced Route Refresh, which we do not advertise.
        if (a.subtype === 0) this.emit('route-refresh', a.family);
        return;
      case 'established': {
        this.established = { conn: io.id, negotiated: a.negotiated };
        this.counters.establishedTransitions++;
        if (a.handover) this.counters.handovers = (this.counters.handovers ?? 0) + 1;
        this.counters.lastUpAt = this.clock.now();
        const s = io.socket;
        const handover = a.handover ? { handover: true } : {};
        this.log.info({ peerRouterId: a.negotiated.peerRouterId, holdTime: a.negotiated.holdTime, families: a.negotiated.families, ...handover }, a.handover ? 'established on the connection the peer kept (collision handover)' : 'established');
        this.emit('established', {
          ...a.negotiated,
          ...handover,
          ...defined({ localAddress: s?.localAddress, localPort: s?.localPort, remoteAddress: s?.remoteAddress, remotePort: s?.remotePort }),
        });
        return;
      }
      case 'down': {
        const gr = this.established?.negotiated.gracefulRestart;
        this.established = null;
        this.counters.lastDownAt = this.clock.now();
        const { type: _t, ...info } = a;
        this.log.warn({ reason: a.reason, detail: a.message }, 'session down');
        this.emit('down', { ...info, ...(gr ? { gracefulRestart: gr } : {}) });
        return;
      }
    }
  }

  private ctxOf(conn: number): CodecContext {
    return this.peer.conns.find((c) => c.id === conn)?.fsm.negotiated?.ctx ?? this.preOpenCtx;
  }

  private ioFor(id: number): ConnIo {
    let io = this.io.get(id);
    if (!io) this.io.set(id, (io = { id, timers: new Map() }));
    return io;
  }

  // ---- TCP ------------------------------------------------------------------------------------------

  private connect(io: ConnIo): void {
    this.drop(io);
    const socket = net.connect({
      host: this.opts.peerAddress,
      port: this.opts.port ?? BGP_PORT,
      ...defined({ localAddress: this.opts.localAddress }),
    });
    this.attach(io, socket);
    socket.once('connect', () => this.dispatch(io.id, { type: 'Tcp_CR_Acked' }, () => io.socket === socket));
  }

  private attach(io: ConnIo, socket: net.Socket): void {
    io.socket = socket;
    io.framer = new Framer(() => maxMessageLength(this.ctxOf(io.id)));
    socket.setNoDelay(true);
    let error: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => void (error = e.code ?? e.message));
    socket.on('data', (chunk: Buffer) => this.onData(io, socket, chunk));
    socket.on('drain', () => {
      if (this.established?.conn === io.id && io.socket === socket) this.emit('drain');
    });
    socket.once('close', () => {
      const reason = error ? `TCP connection failed: ${error}` : 'TCP connection closed by peer';
      this.dispatch(io.id, { type: 'TcpConnectionFails', reason }, () => io.socket === socket);
    });
  }

  private onData(io: ConnIo, socket: net.Socket, chunk: Buffer): void {
    const current = () => io.socket === socket;
    if (!current() || !io.framer) return;
    let messages: Buffer[];
    try {
      messages = io.framer.push(chunk);
    } catch (e) {
      this.dispatch(io.id, this.errorEvent(e), current);
      return;
    }
    for (const bytes of messages) {
      if (!current()) return; // a message before this one closed the connection
      let msg: BgpMessage;
      try {
        msg = decodeMessage(bytes, this.ctxOf(io.id));
      } catch (e) {
        this.dispatch(io.id, this.errorEvent(e), current);
        return;
      }
      countMessage(this.counters.received, msg.type);
      if (msg.type === 'notification') this.counters.lastNotificationReceived = { notification: msg, at: this.clock.now() };
      this.dispatch(io.id, eventForMessage(msg), current);
    }
    // A bad header behind those messages: reported after them, whatever the TCP segmentation was.
    const failed = io.framer?.failed;
    if (failed && current()) this.dispatch(io.id, this.errorEvent(failed), current);
  }

  private sentNotification(n: NotificationMessage): void {
    countMessage(this.counters.sent, 'notification');
    this.counters.lastNotificationSent = { notification: n, at: this.clock.now() };
  }

  private errorEvent(e: unknown): FsmEvent {
    if (!(e instanceof BgpMessageError)) throw e;
    this.log.warn({ code: e.code, subcode: e.subcode, rule: e.rule, err: e.message }, 'malformed message');
    const error: ProtocolError = { code: e.code, subcode: e.subcode, data: e.data, message: e.message };
    return eventForError(error);
  }

  private drop(io: ConnIo): void {
    const socket = io.socket;
    io.socket = undefined;
    io.framer = undefined;
    if (socket) endSocket(socket);
  }

  private discard(conn: number): void {
    const io = this.io.get(conn);
    if (!io) return;
    for (const t of io.timers.values()) t.handle.cancel();
    this.drop(io);
    this.io.delete(conn);
  }

  // ---- timers: restarts (one per UPDATE for the hold timer) only move a deadline ---------------------

  private startTimer(io: ConnIo, name: TimerName, ms: number): void {
    const due = this.clock.now() + ms;
    const t = io.timers.get(name);
    if (t && t.fireAt <= due) {
      t.due = due; // the pending handle fires first and re-arms for the rest
      return;
    }
    t?.handle.cancel();
    this.arm(io, name, { due, fireAt: due, handle: { cancel() {} } });
  }

  private arm(io: ConnIo, name: TimerName, rec: TimerRecord): void {
    rec.fireAt = rec.due;
    io.timers.set(name, rec);
    rec.handle = this.clock.setTimeout(() => {
      if (io.timers.get(name) !== rec) return;
      if (this.clock.now() < rec.due) return this.arm(io, name, rec);
      io.timers.delete(name);
      const event = { type: `${name}Timer_Expires` } as FsmEvent;
      this.dispatch(io.id, event, () => this.io.get(io.id) === io && !io.timers.has(name));
    }, rec.due - this.clock.now());
  }

  private stopTimer(io: ConnIo, name: TimerName): void {
    io.timers.get(name)?.handle.cancel();
    io.timers.delete(name);
  }
}

/** Close after what was written is flushed; destroy if the peer does not close its side soon. */
function endSocket(socket: net.Socket): void {
  socket.removeAllListeners('data');
  socket.on('error', () => {});
  if (socket.connecting || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.end();
  socket.resume();
  const t = setTimeout(() => socket.destroy(), LINGER_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** Drop undefined values so optional properties stay absent (exactOptionalPropertyTypes-friendly spreads). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
