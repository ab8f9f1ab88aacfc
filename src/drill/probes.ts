// The drill's measuring instruments: high-rate pings (iputils `ping -n -D -O`, one child per target, lines parsed
// by src/health/ping-parse.ts) with every reply and every missed probe stamped, and packet counters of the
// tunnel interfaces (/sys/class/net/IF/statistics) read every few ms. Pure summaries for a time window.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parsePingLine } from '../health/ping-parse';
import { epochMs } from '../scenario/flow-agent';

export interface ProbeRecord {
  target: string;
  /** drilled: the drilled tunnel's far end; other: another tunnel's far end (must stay up); lan: an address beyond. */
  role: 'drilled' | 'other' | 'lan';
  intervalMs: number;
  /** Epoch ms of each reply, by sequence number. */
  replies: { seq: number; at: number }[];
  /** Probes ping reported unanswered when the next was due. */
  missed: { seq: number; at: number }[];
  errors: string[];
}

/** Applies one line of ping's stdout to a record (a late reply cancels its miss). */
export function recordPingLine(r: ProbeRecord, line: string): void {
  const p = parsePingLine(line);
  if (p.kind === 'reply' && !p.dup && p.stamp !== undefined) {
    r.replies.push({ seq: p.seq, at: p.stamp });
    const i = r.missed.findIndex((m) => m.seq === p.seq);
    if (i >= 0) r.missed.splice(i, 1);
  } else if (p.kind === 'no-answer' && p.stamp !== undefined) r.missed.push({ seq: p.seq, at: p.stamp });
}

export interface ProbeSummary {
  target: string;
  role: ProbeRecord['role'];
  /** Probes answered / missed in the window. */
  replies: number;
  lost: number;
  /** Longest time between two replies in the window (ms). */
  longestGapMs: number;
  /** Epoch ms of the first miss in the window, and of the first reply after the last miss. */
  firstMissAt?: number;
  recoveredAt?: number;
}

export function summarizeProbe(r: ProbeRecord, from: number, to: number): ProbeSummary {
  const replies = r.replies.filter((x) => x.at >= from && x.at <= to).sort((a, b) => a.at - b.at);
  // ping reports a miss one interval after the probe was sent.
  const missed = r.missed.filter((x) => x.at - r.intervalMs >= from && x.at <= to).sort((a, b) => a.at - b.at);
  let gap = 0;
  let prev = r.replies.filter((x) => x.at < from).at(-1)?.at ?? from;
  for (const x of replies) {
    gap = Math.max(gap, x.at - prev);
    prev = x.at;
  }
  gap = Math.max(gap, (missed.at(-1)?.at ?? 0) > prev ? to - prev : 0);
  const lastMiss = missed.at(-1);
  // The first reply to a probe sent after the last one that went unanswered (16-bit sequence numbers wrap).
  const recovered = lastMiss ? replies.find((x) => x.at > lastMiss.at - r.intervalMs && ((x.seq - lastMiss.seq) & 0xffff) < 0x8000 && x.seq !== lastMiss.seq) : undefined;
  return {
    target: r.target,
    role: r.role,
    replies: replies.length,
    lost: missed.length,
    longestGapMs: Math.round(gap * 10) / 10,
    ...(missed[0] ? { firstMissAt: missed[0].at - r.intervalMs } : {}),
    ...(recovered ? { recoveredAt: recovered.at } : {}),
  };
}

/** A running ping child feeding a record. */
export class Prober {
  readonly record: ProbeRecord;
  private readonly child: ChildProcess;
  private rest = '';

  constructor(target: string, role: ProbeRecord['role'], intervalMs: number, source?: string, spawnFn: typeof spawn = spawn) {
    this.record = { target, role, intervalMs, replies: [], missed: [], errors: [] };
    const args = ['-n', '-D', '-O', '-i', String(intervalMs / 1000), ...(source ? ['-I', source] : []), target];
    this.child = spawnFn('ping', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => {
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop() ?? '';
      for (const l of lines) recordPingLine(this.record, l);
    });
    this.child.stderr?.on('data', (d: Buffer) => this.record.errors.push(...d.toString().trim().split('\n').slice(0, 5)));
    this.child.on('error', (e) => this.record.errors.push(e.message));
  }

  /** Consecutive misses at the end of the record (for the guard on the other tunnels). */
  missedInARow(): number {
    const lastReply = this.record.replies.at(-1)?.seq ?? -1;
    return this.record.missed.filter((m) => m.seq > lastReply || (lastReply - m.seq > 30000)).length;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}

export interface RateSample {
  at: number;
  /** ifname -> packets transmitted and received so far. */
  tx: Map<string, number>;
  rx: Map<string, number>;
}

const readCounter = (ifname: string, what: 'tx_packets' | 'rx_packets'): number => {
  try {
    return Number(readFileSync(`/sys/class/net/${ifname}/statistics/${what}`, 'utf8'));
  } catch {
    return NaN;
  }
};

/** Reads the interfaces' packet counters every intervalMs until stop(). */
export class InterfaceSampler {
  readonly samples: RateSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly ifnames: string[],
    intervalMs: number,
    private readonly read: (ifname: string, what: 'tx_packets' | 'rx_packets') => number = readCounter,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }
  sample(): void {
    this.samples.push({ at: epochMs(), tx: new Map(this.ifnames.map((i) => [i, this.read(i, 'tx_packets')])), rx: new Map(this.ifnames.map((i) => [i, this.read(i, 'rx_packets')])) });
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Packets per second transmitted on an interface between two times (from the samples around them). */
export function txRate(samples: RateSample[], ifname: string, from: number, to: number): number {
  const a = samples.filter((s) => s.at <= from).at(-1) ?? samples[0];
  const b = samples.filter((s) => s.at >= to)[0] ?? samples.at(-1);
  if (!a || !b || b.at <= a.at) return 0;
  return ((b.tx.get(ifname) ?? 0) - (a.tx.get(ifname) ?? 0)) / ((b.at - a.at) / 1000);
}

/** The first time after `from` that an interface's tx rate, over `windowMs`, stays under `quietPps`. */
export function quietAfter(samples: RateSample[], ifname: string, from: number, quietPps: number, windowMs = 50): number | undefined {
  for (const s of samples) {
    if (s.at < from + windowMs) continue;
    if (txRate(samples, ifname, s.at - windowMs, s.at) < quietPps) return s.at - windowMs;
  }
  return undefined;
}
