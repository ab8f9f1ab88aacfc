// Helpers for the runner tests over real loopback TCP: listeners on random ports, a scripted raw BGP peer,
// session factories on a FakeClock, and waiting for I/O (never for protocol timers: those use the FakeClock).

import net from 'node:net';
import pino from 'pino';
import { decodeMessage, encodeMessage, Framer } from '../../../src/bgp/codec';
import { BgpSession, type SessionOptions } from '../../../src/bgp/session';
import { DEFAULT_CODEC_CONTEXT, type BgpMessage, type CodecContext, type OpenMessage } from '../../../src/bgp/types';
import { FakeClock } from '../../../src/util/clock';

export const silent = pino({ level: 'silent' });

/** Poll until cond() holds (real I/O in flight); fails after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class Listener {
  readonly server: net.Server;
  readonly accepted: net.Socket[] = [];
  onConnection: (s: net.Socket) => void = (s) => s.destroy();
  constructor() {
    this.server = net.createServer((s) => {
      this.accepted.push(s);
      this.onConnection(s);
    });
  }
  static async on(host: string): Promise<Listener> {
    const l = new Listener();
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject);
      l.server.listen(0, host, () => resolve());
    });
    return l;
  }
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }
  async close(): Promise<void> {
    for (const s of this.accepted) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A BGP speaker scripted by the test: it sends what it is told and records what it gets. */
export class RawPeer {
  readonly messages: BgpMessage[] = [];
  private readonly framer = new Framer(() => 65535);
  closed = false;
  ctx: CodecContext = { ...DEFAULT_CODEC_CONTEXT, extendedMessage: true };
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const m of this.framer.push(chunk)) this.messages.push(decodeMessage(m, this.ctx));
    });
    socket.on('error', () => {});
    socket.on('close', () => void (this.closed = true));
  }
  static async connect(host: string, port: number): Promise<RawPeer> {
    const s = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return new RawPeer(s);
  }
  send(msg: BgpMessage): void {
    this.socket.write(encodeMessage(msg, this.ctx));
  }
  of<T extends BgpMessage['type']>(type: T): Extract<BgpMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<BgpMessage, { type: T }> => m.type === type);
  }
  async next<T extends BgpMessage['type']>(type: T, count = 1): Promise<Extract<BgpMessage, { type: T }>> {
    await waitFor(() => this.of(type).length >= count, `${type} #${count}`);
    return this.of(type)[count - 1]!;
  }
  destroy(): void {
    this.socket.destroy();
  }
}

export function rawOpen(routerId: string, asn = 65002, holdTime = 90): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAsn: asn,
    holdTime,
    routerId,
    capabilities: [
      { code: 1, kind: 'multiprotocol', afi: 1, safi: 1 },
      { code: 1, kind: 'multiprotocol', afi: 2, safi: 1 },
      { code: 2, kind: 'route-refresh' },
      { code: 65, kind: 'four-octet-as', asn },
    ],
  };
}

export type Options = Partial<SessionOptions> & Pick<SessionOptions, 'peerAddress'>;

export function session(o: Options): BgpSession {
  return new BgpSession({
    name: o.name ?? 'test',
    localAsn: 65001,
    remoteAsn: 65002,
    routerId: '10.0.0.1',
    families: ['ipv4-unicast', 'ipv6-unicast'],
    clock: new FakeClock(),
    logger: silent,
    jitter: false,
    seed: 1,
    ...o,
  });
}

/** Everything a test started, torn down even when it fails. */
export class Cleanup {
  private readonly fns: (() => unknown)[] = [];
  add<T>(x: T, fn: (x: T) => unknown): T {
    this.fns.push(() => fn(x));
    return x;
  }
  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) await fn();
  }
}
