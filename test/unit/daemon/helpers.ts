// Test doubles for the daemon wiring: a scripted session (no sockets, no timers) that records what the speaker
// sends and decodes it, configs built through the real YAML loader, and UPDATE builders.

import { EventEmitter } from 'node:events';
import type net from 'node:net';
import pino from 'pino';
import { decodeMessage, encodeEndOfRib, Framer } from '../../../src/bgp/codec';
import type { BgpState, LastError } from '../../../src/bgp/fsm-types';
import { SessionError, type BgpSessionEvents, type DownInfo, type EstablishedInfo, type SessionInfo, type SessionOptions } from '../../../src/bgp/session';
import type { CodecContext, Family, UpdateMessage } from '../../../src/bgp/types';
import { parseConfig, type DaemonConfig } from '../../../src/config';
import type { SessionLike } from '../../../src/daemon';

export const silent = pino({ level: 'silent' });

export const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: true };

/** A session the test drives: establish(), goDown(), emit('update', ...); send() records the bytes. */
export class FakeSession extends EventEmitter<BgpSessionEvents> implements SessionLike {
  state: BgpState = 'Idle';
  readonly sent: Buffer[] = [];
  readonly accepted: net.Socket[] = [];
  readonly stops: { message?: string }[] = [];
  readonly resets: { code: number; subcode: number; data?: Uint8Array; message?: string }[] = [];
  /** What send() answers: false simulates a full socket buffer. */
  writable = true;
  sendCalls = 0;
  /** pauseInbound() calls in order (true: paused). */
  readonly pauses: boolean[] = [];
  flaps = 0;
  lastError: LastError | null = null;
  ctx: CodecContext = CTX;

  constructor(readonly opts: SessionOptions) {
    super();
  }

  get info(): SessionInfo {
    return {
      name: this.opts.name,
      peerAddress: this.opts.peerAddress,
      state: this.state,
      uptime: this.state === 'Established' ? 5000 : null,
      lastError: this.lastError,
      flaps: this.flaps,
      negotiated: null,
      peerRouterId: null,
      connectRetryCounter: 0,
      failures: 0,
      idleHoldTime: 1,
      connections: 0,
    };
  }

  start(): void {
    this.state = 'Active';
  }

  pauseInbound(paused: boolean): void {
    this.pauses.push(paused);
  }

  stop(opts: { message?: string } = {}): void {
    this.stops.push(opts);
    this.goDown({ reason: 'manual-stop', message: 'stopped by operator' });
  }

  reset(n: { code: number; subcode: number; data?: Uint8Array; message?: string }): void {
    this.resets.push(n);
    this.goDown({ reason: 'automatic-stop', message: n.message ?? 'stopped by local policy' });
  }

  acceptConnection(socket: net.Socket): void {
    this.accepted.push(socket);
  }

  send(buffers: Buffer[]): boolean {
    if (this.state !== 'Established') throw new SessionError('ERR_BGP_NOT_ESTABLISHED', 'not Established');
    this.sendCalls++;
    this.sent.push(...buffers);
    return this.writable;
  }

  sendEndOfRib(family: Family): boolean {
    this.sent.push(encodeEndOfRib(family, this.ctx));
    return this.writable;
  }

  establish(over: Partial<EstablishedInfo> = {}): void {
    this.state = 'Established';
    const info: EstablishedInfo = {
      ctx: this.ctx,
      families: this.opts.families,
      holdTime: 90,
      keepalive: 30,
      peerRouterId: '10.9.9.' + (1 + (this.opts.name.length % 200)),
      peerAsn: this.opts.remoteAsn,
      peerCapabilities: [],
      routeRefresh: true,
      ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
      ...over,
    };
    this.ctx = info.ctx;
    this.emit('established', info);
  }

  goDown(info: Omit<DownInfo, 'reason'> & { reason?: DownInfo['reason'] } = { message: 'TCP connection closed by peer' }): void {
    if (this.state !== 'Established') {
      this.state = 'Idle';
      return;
    }
    this.state = 'Idle';
    this.flaps++;
    const down: DownInfo = { reason: info.reason ?? 'tcp-connection-failed', message: info.message };
    if (down.reason !== 'manual-stop') this.lastError = { at: 0, state: 'Established', reason: down.reason, message: down.message };
    this.emit('down', down);
  }

  /** Every UPDATE sent so far, decoded (End-of-RIB markers included). */
  updates(): UpdateMessage[] {
    const framer = new Framer(() => 65535);
    const out: UpdateMessage[] = [];
    for (const b of this.sent) {
      for (const m of framer.push(b)) {
        const msg = decodeMessage(m, this.ctx);
        if (msg.type === 'update') out.push(msg);
      }
    }
    return out;
  }

  /** Announced prefixes with their attributes, in the order sent (both families). */
  announced(): { prefix: string; update: UpdateMessage }[] {
    const out: { prefix: string; update: UpdateMessage }[] = [];
    for (const u of this.updates()) {
      for (const p of u.nlri) out.push({ prefix: p, update: u });
      for (const p of u.attributes.mpReach?.nlri ?? []) out.push({ prefix: p, update: u });
    }
    return out;
  }

  withdrawn(): string[] {
    return this.updates().flatMap((u) => [...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? [])]);
  }
}

/** A session factory that keeps the fakes by neighbor name. */
export function fakeSessions(): { create: (o: SessionOptions) => FakeSession; get: (name: string) => FakeSession } {
  const all = new Map<string, FakeSession>();
  return {
    create: (o) => {
      const s = new FakeSession(o);
      all.set(o.name, s);
      return s;
    },
    get: (name) => {
      const s = all.get(name);
      if (!s) throw new Error(`no session ${name}`);
      return s;
    },
  };
}

/** A validated config from YAML text (the real loader: defaults filled as in production). */
export function config(yaml: string): DaemonConfig {
  return parseConfig(yaml, 'test.yaml');
}

/** An eBGP UPDATE announcing IPv4 prefixes with the given AS path. */
export function announce4(prefixes: string[], asPath: number[], nextHop: string, extra: Partial<UpdateMessage['attributes']> = {}): UpdateMessage {
  return { type: 'update', withdrawn: [], nlri: prefixes, attributes: { origin: 0, asPath: [{ type: 2, asns: asPath }], nextHop, ...extra } };
}

export function announce6(prefixes: string[], asPath: number[], nextHop: string): UpdateMessage {
  return {
    type: 'update',
    withdrawn: [],
    nlri: [],
    attributes: { origin: 0, asPath: [{ type: 2, asns: asPath }], mpReach: { afi: 2, safi: 1, nextHops: [nextHop], nlri: prefixes } },
  };
}

export function withdraw4(prefixes: string[]): UpdateMessage {
  return { type: 'update', withdrawn: prefixes, nlri: [], attributes: {} };
}

/** The AS_PATH of an UPDATE as a flat list. */
export function asPathOf(u: UpdateMessage): number[] {
  return (u.attributes.asPath ?? []).flatMap((s) => s.asns);
}
