// Test traffic: many UDP flows (one socket, hence one source port, per flow) with sequence numbers, so ECMP
// spreads them over the tunnels and the receiver can tell, per flow, what a failover cost: packets lost and
// the longest gap between two packets. Datagram: "BFT1" | flow u16 | seq u32 | padding (all big-endian).

import { createSocket, type Socket } from 'node:dgram';
import { realClock, type Clock } from '../util/clock';
import { udpRcvbufErrors } from './udp-drops';

const MAGIC = Buffer.from('BFT1');
const HEADER = 10;
export const DEFAULT_TRAFFIC_PORT = 47000;

export type IpVersion = 4 | 6;

/** The socket type for an address: "udp6" for IPv6 text (it has a colon), else "udp4". */
export function udpType(address: string): 'udp4' | 'udp6' {
  return address.includes(':') ? 'udp6' : 'udp4';
}

/** Where a receiver of that family listens: every address of it. IPv6-only, so an IPv4 packet is never counted twice. */
export function anyAddress(family: IpVersion): string {
  return family === 6 ? '::' : '0.0.0.0';
}

export function encodeProbe(flow: number, seq: number, size = 64): Buffer {
  const b = Buffer.alloc(Math.max(HEADER, size));
  MAGIC.copy(b, 0);
  b.writeUInt16BE(flow, 4);
  b.writeUInt32BE(seq, 6);
  return b;
}

export function decodeProbe(b: Buffer): { flow: number; seq: number } | undefined {
  if (b.length < HEADER || !b.subarray(0, 4).equals(MAGIC)) return undefined;
  return { flow: b.readUInt16BE(4), seq: b.readUInt32BE(6) };
}

export interface FlowStats {
  received: number;
  /** Highest sequence number seen (sequences start at 0). */
  maxSeq: number;
  /** Longest time between two packets of this flow, ms. */
  maxGapMs: number;
  /** Packets that arrived after a later one. */
  reordered: number;
}

/** Counts probes per flow; `onPacket` takes the arrival time from the clock so tests can drive it. */
export class FlowReceiver {
  readonly flows = new Map<number, FlowStats & { lastAt: number }>();
  constructor(private readonly clock: Clock = realClock) {}

  onPacket(buf: Buffer): void {
    const p = decodeProbe(buf);
    if (!p) return;
    const now = this.clock.now();
    const f = this.flows.get(p.flow);
    if (!f) {
      this.flows.set(p.flow, { received: 1, maxSeq: p.seq, maxGapMs: 0, reordered: 0, lastAt: now });
      return;
    }
    f.received++;
    f.maxGapMs = Math.max(f.maxGapMs, now - f.lastAt);
    f.lastAt = now;
    if (p.seq < f.maxSeq) f.reordered++;
    else f.maxSeq = p.seq;
  }

  report(): Record<string, FlowStats> {
    const out: Record<string, FlowStats> = {};
    for (const [flow, { lastAt: _lastAt, ...s }] of this.flows) out[String(flow)] = { ...s, maxGapMs: Math.round(s.maxGapMs * 10) / 10 };
    return out;
  }
}

export interface SenderOptions {
  to: string;
  port: number;
  flows: number;
  /** Packets per second over all flows. */
  pps: number;
  seconds: number;
  size?: number;
}

export interface SenderReport {
  /** Packets sent per flow (flow i sent sequences 0..sent[i]-1). */
  sent: number[];
  pps: number;
  seconds: number;
}

/** Sends `flows` paced flows for `seconds`; resolves with what was sent. */
export async function sendFlows(o: SenderOptions): Promise<SenderReport> {
  if (o.flows < 1 || o.flows > 65535) throw new Error('flows must be 1..65535');
  const sockets: Socket[] = [];
  for (let i = 0; i < o.flows; i++) {
    const s = createSocket(udpType(o.to));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, () => resolve());
    });
    // A route that is briefly missing during a failover gives EHOSTUNREACH/ENETUNREACH: a lost packet, not an error.
    s.on('error', () => undefined);
    sockets.push(s);
  }
  const sent = new Array<number>(o.flows).fill(0);
  const perFlow = o.pps / o.flows;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = (performance.now() - start) / 1000;
      const due = Math.floor(Math.min(elapsed, o.seconds) * perFlow);
      for (let f = 0; f < o.flows; f++) {
        while (sent[f] < due) sockets[f].send(encodeProbe(f, sent[f]++, o.size), o.port, o.to, () => undefined);
      }
      if (elapsed >= o.seconds) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 5);
  });
  // Let the last sends leave before the sockets close.
  await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.close();
  return { sent, pps: o.pps, seconds: o.seconds };
}

export interface TrafficReport {
  flows: number;
  sent: number;
  received: number;
  lost: number;
  /** Flows that lost at least one packet. */
  flowsWithLoss: number;
  /** Flows whose last packets never arrived: still cut off when the traffic stopped. */
  flowsNotRecovered: number;
  /**
   * The longest time a flow went without a packet, ms: between two arrivals, or from its last arrival to the
   * end of the traffic (counted from the packets sent after it) for a flow that never recovered.
   */
  longestGapMs: number;
  /** The normal time between two packets of one flow, ms. */
  flowIntervalMs: number;
  reordered: number;
  /**
   * Of the packets lost, those the network delivered to the receiving host but its socket dropped, its buffer full
   * (the receiving agent fell behind on a busy machine): `lost - droppedByReceiver` is what the network lost.
   */
  droppedByReceiver: number;
}

/** What the receiving agent reports: per-flow arrivals and the datagrams its socket had to drop. */
export interface ReceivedFlows {
  flows: Record<string, FlowStats>;
  /** UDP RcvbufErrors in the receiver's namespace while it listened. */
  rcvbufErrors: number;
}

/** Combines what the sender sent with what the receiver got. */
export function trafficReport(sender: SenderReport, rx: ReceivedFlows): TrafficReport {
  const received = rx.flows;
  const interval = (sender.sent.length / sender.pps) * 1000;
  let got = 0;
  let lossFlows = 0;
  let cutOff = 0;
  let gap = 0;
  let reordered = 0;
  sender.sent.forEach((n, flow) => {
    const r = received[String(flow)];
    const rec = Math.min(r?.received ?? 0, n);
    got += rec;
    if (rec < n) lossFlows++;
    // Packets sent after the last one that arrived: the flow was still cut off when the traffic stopped.
    const tail = n - 1 - (r?.maxSeq ?? -1);
    if (tail > 0) cutOff++;
    // From the last arrival to the end of the traffic; a flow never heard from was cut off from its start.
    gap = Math.max(gap, r?.maxGapMs ?? 0, tail > 0 ? (r ? tail + 1 : tail) * interval : 0);
    reordered += r?.reordered ?? 0;
  });
  const sent = sender.sent.reduce((a, b) => a + b, 0);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    flows: sender.sent.length,
    sent,
    received: got,
    lost: sent - got,
    droppedByReceiver: Math.min(rx.rcvbufErrors, sent - got),
    flowsWithLoss: lossFlows,
    flowsNotRecovered: cutOff,
    longestGapMs: round(gap),
    flowIntervalMs: round(interval),
    reordered,
  };
}

/** Binds a receiver; `stop()` closes it and returns the per-flow stats. */
export async function receiveFlows(port: number, clock: Clock = realClock, family: IpVersion = 4): Promise<{ port: number; stop: () => ReceivedFlows }> {
  const rx = new FlowReceiver(clock);
  const drops0 = udpRcvbufErrors();
  // 4 MB (net.core.rmem_max permitting): half a second of 8,000 packets/s, so a receiver that a busy machine
  // stalls for a moment loses nothing; what it still drops is counted, not passed off as network loss.
  const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, recvBufferSize: 4 << 20 });
  s.on('message', (m) => rx.onPacket(m));
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, anyAddress(family), () => resolve());
  });
  return {
    port: s.address().port,
    stop: () => {
      s.close();
      return { flows: rx.report(), rcvbufErrors: udpRcvbufErrors() - drops0 };
    },
  };
}
