// The two ends of scenario traffic, run inside the hosts' namespaces as `bgpfo scenario agent send|recv`:
// constant-rate UDP flows from fixed source ports (so nftables can count each flow per tunnel) with sequence
// numbers (src/lab/traffic.ts datagrams), and a receiver that records arrivals (flow-record.ts). JSON lines out.

import { createSocket, type Socket } from 'node:dgram';
import { decodeProbe, encodeProbe } from '../lab/traffic';
import { udpRcvbufErrors } from '../lab/udp-drops';
import { FlowRecorder, type SenderReport, type SenderStall } from './flow-record';

/** A timer this much later than its interval means the process was not running: a stall. */
const LATE_MS = 4;

/**
 * An agent's timer interval for a flow rate: 1 ms at 1,000 packets/s, up to 5 ms at 200/s or less. A slow flow's
 * agents wake as often as it sends, not a thousand times a second (26 agents did that on a 2-core machine).
 */
export const agentTickMs = (ppsPerFlow: number): number => Math.max(1, Math.min(5, Math.floor(1000 / ppsPerFlow)));

/** The stall a timer that fired `elapsed` ms after the previous one reveals (ms away beyond its interval), or none. */
export const stallOf = (now: number, elapsed: number, tickMs: number): SenderStall | undefined =>
  elapsed >= tickMs + LATE_MS ? { at: Math.round(now * 10) / 10, ms: Math.round((elapsed - tickMs + 1) * 10) / 10 } : undefined;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export interface SendOptions {
  to: string;
  port: number;
  flows: number;
  ppsPerFlow: number;
  /** Flow f sends from UDP port sportBase + f. */
  sportBase: number;
  size: number;
  /** Stops by itself after this long (a runner that died must not leave traffic flowing). */
  maxSeconds: number;
}

async function bindAll(o: SendOptions): Promise<Socket[]> {
  const sockets: Socket[] = [];
  try {
    for (let f = 0; f < o.flows; f++) {
      // Not connect()ed: a connected socket stamps its packets with a random flow hash (sk_txhash) that every
      // namespace of this one kernel reuses for ECMP instead of hashing the 5-tuple, so all stages would choose
      // alike. The address is an IP: a lookup that answers at once saves the DNS module's work per packet.
      const v6 = o.to.includes(':');
      const s = createSocket({ type: v6 ? 'udp6' : 'udp4', lookup: (host, _o, cb) => (cb as (e: null, a: string, f: number) => void)(null, host, v6 ? 6 : 4) });
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(o.sportBase + f, () => {
          s.off('error', reject);
          resolve();
        });
      });

    }
  } catch (e) {
    for (const s of sockets) s.close();
    throw new Error(`cannot bind UDP source port ${o.sportBase + sockets.length - 1}: ${(e as Error).message}`);
  }
  return sockets;
}

/**
 * Sends until `stop` resolves or maxSeconds pass. The schedule is absolute (sequence s is due at s/rate after the
 * start), so a late timer is caught up at once and only recorded as a stall.
 */
export async function sendConstantRate(o: SendOptions, stop: Promise<void>, onStart: (at: number) => void): Promise<SenderReport> {
  const sockets = await bindAll(o);
  let errors = 0;
  for (const s of sockets) s.on('error', () => errors++);
  const sent = new Array<number>(o.flows).fill(0);
  const stalls: SenderStall[] = [];
  const start = epochMs();
  onStart(start);
  let last = start;
  let stopped = false;
  void stop.then(() => (stopped = true));
  const tickMs = agentTickMs(o.ppsPerFlow);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = epochMs();
      const stall = stallOf(now, now - last, tickMs);
      if (stall) stalls.push(stall);
      last = now;
      const elapsed = Math.min(now - start, o.maxSeconds * 1000);
      const due = Math.floor((elapsed * o.ppsPerFlow) / 1000);
      for (let f = 0; f < o.flows; f++) {
        const s = sockets[f]!;
        while (sent[f]! < due) {
          // A refused send (EHOSTUNREACH while a route is missing) is a lost packet, counted by the 'error' handler.
          s.send(encodeProbe(f, sent[f]!++, o.size), o.port, o.to);
        }
      }
      if (stopped || elapsed >= o.maxSeconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, tickMs);
  });
  const stoppedAt = epochMs();
  // Let the last datagrams leave before the sockets close.
  await new Promise((r) => setTimeout(r, 20));
  for (const s of sockets) s.close();
  return { startedAt: start, stoppedAt, ppsPerFlow: o.ppsPerFlow, sent, sendErrors: errors, sportBase: o.sportBase, stalls };
}

/** Records the times a `tickMs` timer fired at least LATE_MS late: this process was not running. */
export function lagMonitor(tickMs = 1): { stop: () => SenderStall[] } {
  const stalls: SenderStall[] = [];
  let last = epochMs();
  const t = setInterval(() => {
    const now = epochMs();
    const stall = stallOf(now, now - last, tickMs);
    if (stall) stalls.push(stall);
    last = now;
  }, tickMs);
  return { stop: () => (clearInterval(t), stalls) };
}

/** Binds the receiver; `stop()` closes it and returns what arrived. */
export async function receiveRecorded(port: number, gapMs: number, family: 4 | 6 = 4): Promise<{ port: number; stop: () => ReturnType<FlowRecorder['report']> }> {
  const rec = new FlowRecorder(gapMs, epochMs);
  const errors0 = udpRcvbufErrors();
  const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, recvBufferSize: 4 << 20 });
  s.on('message', (m) => {
    const p = decodeProbe(m);
    if (p) rec.onPacket(p.flow, p.seq);
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, family === 6 ? '::' : '0.0.0.0', () => resolve());
  });
  const bound = s.address().port;
  // gapMs is five packet intervals: the monitor wakes once an interval, as the sender does.
  const lag = lagMonitor(agentTickMs(5000 / gapMs));
  return {
    port: bound,
    stop: () => {
      s.close();
      return rec.report(bound, { stalls: lag.stop(), rcvbufErrors: udpRcvbufErrors() - errors0 });
    },
  };
}

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });

/** `bgpfo scenario agent recv`: prints {"ready":PORT}, and on SIGTERM/SIGINT the report as one JSON line. */
export async function receiverMain(port: number, gapMs: number, out: (t: string) => void, family: 4 | 6 = 4): Promise<void> {
  const r = await receiveRecorded(port, gapMs, family);
  out(JSON.stringify({ ready: r.port }) + '\n');
  await untilSignal();
  out(JSON.stringify(r.stop()) + '\n');
}

/** `bgpfo scenario agent send`: prints {"started":EPOCH_MS}, sends until SIGTERM/SIGINT or max-seconds, prints the report. */
export async function senderMain(o: SendOptions, out: (t: string) => void): Promise<void> {
  const report = await sendConstantRate(o, untilSignal(), (at) => out(JSON.stringify({ started: at }) + '\n'));
  out(JSON.stringify(report) + '\n');
}
