// What the scenario traffic receiver keeps per flow, the way router benchmarks measure convergence from the
// data plane (RFC 6412 §3, RFC 7747 loss-derived convergence): which sequence numbers arrived (a bitmap), and
// every gap between two arrivals longer than a threshold, with its wall-clock start and end. Pure; clock injected.

export interface ArrivalGap {
  /** Epoch ms of the last packet before the gap and of the first after it. */
  from: number;
  to: number;
  /** Sequence numbers of those two packets. */
  seqBefore: number;
  seqAfter: number;
}

export interface FlowRecord {
  flow: number;
  /** Distinct sequence numbers received. */
  received: number;
  duplicates: number;
  /** Packets that arrived after a higher sequence number. */
  reordered: number;
  maxSeq: number;
  /** Epoch ms of the first and last arrival. */
  firstAt: number;
  lastAt: number;
  gaps: ArrivalGap[];
  /** Received sequence numbers as a bitmap (bit s of byte s>>3), base64. */
  bitmap: string;
}

export interface ReceiverReport {
  port: number;
  /** Gaps at least this long were recorded. */
  gapMs: number;
  flows: FlowRecord[];
  /** Times the receiver's own loop ran late: packets waited in the socket and were stamped late. */
  stalls: SenderStall[];
  /** Datagrams the kernel dropped because the receiver's socket buffer was full (not the network's loss). */
  rcvbufErrors: number;
}

/** At most this many gaps per flow are kept (a flow losing 20 % of its packets has thousands of tiny holes). */
export const MAX_GAPS_PER_FLOW = 2000;

class FlowState {
  bits = new Uint8Array(1024);
  received = 0;
  duplicates = 0;
  reordered = 0;
  maxSeq = -1;
  firstAt = 0;
  lastAt = 0;
  lastSeq = -1;
  gaps: ArrivalGap[] = [];

  has(seq: number): boolean {
    return seq >> 3 < this.bits.length && (this.bits[seq >> 3]! & (1 << (seq & 7))) !== 0;
  }

  set(seq: number): void {
    if (seq >> 3 >= this.bits.length) {
      let n = this.bits.length;
      while (seq >> 3 >= n) n *= 2;
      const b = new Uint8Array(n);
      b.set(this.bits);
      this.bits = b;
    }
    this.bits[seq >> 3]! |= 1 << (seq & 7);
  }
}

export class FlowRecorder {
  private readonly flows = new Map<number, FlowState>();
  constructor(
    readonly gapMs: number,
    private readonly now: () => number,
  ) {}

  onPacket(flow: number, seq: number): void {
    const t = this.now();
    let f = this.flows.get(flow);
    if (!f) {
      f = new FlowState();
      f.firstAt = t;
      this.flows.set(flow, f);
    } else if (t - f.lastAt >= this.gapMs && f.gaps.length < MAX_GAPS_PER_FLOW) {
      f.gaps.push({ from: f.lastAt, to: t, seqBefore: f.lastSeq, seqAfter: seq });
    }
    if (f.has(seq)) f.duplicates++;
    else {
      f.set(seq);
      f.received++;
    }
    if (seq < f.maxSeq) f.reordered++;
    else f.maxSeq = seq;
    f.lastAt = t;
    f.lastSeq = seq;
  }

  report(port: number, extra: { stalls: SenderStall[]; rcvbufErrors: number } = { stalls: [], rcvbufErrors: 0 }): ReceiverReport {
    const flows: FlowRecord[] = [];
    for (const [flow, f] of [...this.flows].sort((a, b) => a[0] - b[0])) {
      const used = f.bits.subarray(0, (f.maxSeq >> 3) + 1);
      flows.push({
        flow,
        received: f.received,
        duplicates: f.duplicates,
        reordered: f.reordered,
        maxSeq: f.maxSeq,
        firstAt: f.firstAt,
        lastAt: f.lastAt,
        gaps: f.gaps,
        bitmap: Buffer.from(used).toString('base64'),
      });
    }
    return { port, gapMs: this.gapMs, flows, ...extra };
  }
}

/** The received-bitmap of a record, for counting what arrived in a range of sequence numbers. */
export function decodeBitmap(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** Sequence numbers in [from, to) that did not arrive. */
export function missingIn(bits: Uint8Array, from: number, to: number): number {
  let missing = 0;
  for (let s = Math.max(0, from); s < to; s++) if (s >> 3 >= bits.length || (bits[s >> 3]! & (1 << (s & 7))) === 0) missing++;
  return missing;
}

/**
 * The packets of [from, to) that did not arrive, and their loss-derived outage (RFC 7747: lost x interval) read on
 * the sender's clock: per run of consecutive lost sequence numbers, from the send of the packet before the run (the
 * outage may have begun right after it) to the send of the run's last packet, at least one interval. While the
 * sender keeps its schedule that is lost x interval. A sender that fell behind (a stall) sends what it owes at once when it runs again: packets due
 * before an outage, sent into it with the packet before them, would make lost x interval count the time the sender
 * was not running as outage (measured: 322 lost over 300 ms on a loaded machine). A stall inside a run still counts
 * (the network was down on both sides of it).
 *
 * `uncertainMs`: the time the sender was not running between the packet before a run and the run's first: the
 * outage began somewhere in it, and `ms` counts all of it.
 */
export function lossOnSenderClock(bits: Uint8Array, from: number, to: number, s: SenderReport): { lost: number; ms: number; uncertainMs: number } {
  const interval = 1000 / s.ppsPerFlow;
  const has = (seq: number) => seq >> 3 < bits.length && (bits[seq >> 3]! & (1 << (seq & 7))) !== 0;
  const sentAt = (seq: number) => (seq < 0 ? s.startedAt - interval : seqTime(s, seq));
  let lost = 0;
  let ms = 0;
  let uncertainMs = 0;
  let first = -1;
  for (let seq = Math.max(0, from); seq <= to; seq++) {
    const missing = seq < to && !has(seq);
    if (missing) lost++;
    if (missing && first < 0) first = seq;
    else if (!missing && first >= 0) {
      const before = sentAt(first - 1);
      ms += Math.max(interval, sentAt(seq - 1) - before);
      uncertainMs += Math.max(0, sentAt(first) - before - interval);
      first = -1;
    }
  }
  return { lost, ms, uncertainMs };
}

export interface SenderStall {
  /** Epoch ms the sender woke up late, and how long it had been away. */
  at: number;
  ms: number;
}

export interface SenderReport {
  /** Epoch ms the first packets went out; flow f sends sequence s at about startedAt + s * 1000 / ppsPerFlow. */
  startedAt: number;
  stoppedAt: number;
  ppsPerFlow: number;
  /** Packets sent per flow (sequences 0..sent-1). */
  sent: number[];
  /** Sends the kernel refused at once (no route during a failover): counted as sent and lost. */
  sendErrors: number;
  sportBase: number;
  /** Times the sender's own loop ran late (>= 5 ms): a gap the network did not cause. */
  stalls: SenderStall[];
}

/** When sequence `seq` was due (epoch ms): its place in the constant-rate schedule, shifted by any stall it fell in. */
export function seqTime(s: SenderReport, seq: number): number {
  const due = s.startedAt + (seq * 1000) / s.ppsPerFlow;
  for (const st of s.stalls) if (due <= st.at && due > st.at - st.ms) return st.at;
  return due;
}

/** The first sequence number due at or after epoch ms `t`. */
export function seqAt(s: SenderReport, t: number): number {
  return Math.max(0, Math.ceil(((t - s.startedAt) * s.ppsPerFlow) / 1000));
}

/** How much of [from, to] the stalls cover (stall i covers [at - ms, at]; overlapping stalls are merged). */
export function stalledWithin(from: number, to: number, stalls: SenderStall[]): number {
  const spans = stalls
    .map((x) => [Math.max(from, x.at - x.ms), Math.min(to, x.at)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    const start = Math.max(a, end);
    if (b > start) covered += b - start;
    end = Math.max(end, b);
  }
  return covered;
}
