// Probe-mode liveness as a pure step function over ping's per-sequence reports: Up/Down events and quality samples.
// Mirrors BFD's detection (RFC 5880 §6.8.4: Down when nothing was heard for detect-mult intervals) for peers without BFD.

import { nextSeq, type PingLine } from './ping-parse';
import type { LivenessState, QualitySample } from './types';

export interface ProbeFsmConfig {
  intervalMs: number;
  multiplier: number;
}

export type ProbeFailure = 'ping-exited' | 'ping-silent';

export interface ProbeFsmState {
  status: 'unknown' | LivenessState;
  /**
   * "no answer yet" reports since the last reply of any sequence. ping prints one per interval for the newest
   * probe, so this counts intervals in which nothing came back: a slow path whose replies arrive after the next
   * probe was sent (RTT > interval) still resets it with every (late) reply and is not declared Down.
   */
  silent: number;
  firstSilentSeq?: number;
  /** Replies with consecutive sequence numbers (late ones included): Up needs `multiplier` of them. */
  replyRun: number;
  lastReplySeq?: number;
  /** Recently reported lost sequence numbers (bounded), so a late reply is recognised as such. */
  lost: number[];
  lastIcmpError?: string;
}

export type ProbeFsmEvent =
  | { type: 'line'; line: PingLine; at: number }
  /** A new ping process: its sequence numbers start again at 1. */
  | { type: 'child-started'; at: number }
  | { type: 'child-failed'; reason: ProbeFailure; detail: string; at: number };

export type ProbeFsmOutput =
  | { type: 'state'; state: LivenessState; reason: 'probe-replies' | 'probe-timeout' | ProbeFailure; detail: string; at: number }
  | { type: 'sample'; sample: QualitySample };

const LOST_MEMORY = 1024;

export function initialProbeState(): ProbeFsmState {
  return { status: 'unknown', silent: 0, replyRun: 0, lost: [] };
}

export function probeStep(s: ProbeFsmState, ev: ProbeFsmEvent, cfg: ProbeFsmConfig): { state: ProbeFsmState; out: ProbeFsmOutput[] } {
  switch (ev.type) {
    case 'child-started':
      return { state: { ...initialProbeState(), status: s.status }, out: [] };
    case 'child-failed': {
      const state: ProbeFsmState = { ...initialProbeState(), status: 'down' };
      const out: ProbeFsmOutput[] = s.status === 'down' ? [] : [{ type: 'state', state: 'down', reason: ev.reason, detail: ev.detail, at: ev.at }];
      return { state, out };
    }
    case 'line':
      return onLine(s, ev.line, ev.at, cfg);
  }
}

function onLine(s: ProbeFsmState, line: PingLine, at: number, cfg: ProbeFsmConfig): { state: ProbeFsmState; out: ProbeFsmOutput[] } {
  switch (line.kind) {
    case 'reply': {
      // A duplicate answers a sequence already counted; a bad checksum is not counted by ping either.
      if (line.dup || line.badChecksum) return { state: s, out: [] };
      const idx = s.lost.lastIndexOf(line.seq);
      const late = idx >= 0;
      const lost = late ? [...s.lost.slice(0, idx), ...s.lost.slice(idx + 1)] : s.lost;
      const consecutive = s.lastReplySeq !== undefined && line.seq === nextSeq(s.lastReplySeq);
      const replyRun = consecutive ? s.replyRun + 1 : 1;
      const sample: QualitySample = { seq: line.seq, outcome: 'reply', ...(line.rttMs !== undefined ? { rttMs: line.rttMs } : {}), ...(late ? { late } : {}), at };
      const out: ProbeFsmOutput[] = [{ type: 'sample', sample }];
      const next: ProbeFsmState = { status: s.status, silent: 0, replyRun, lastReplySeq: line.seq, lost };
      if (s.status !== 'up' && replyRun >= cfg.multiplier) {
        next.status = 'up';
        const first = (line.seq - replyRun + 1) & 0xffff;
        out.push({ type: 'state', state: 'up', reason: 'probe-replies', detail: `${replyRun} consecutive replies (icmp_seq ${first}-${line.seq})`, at });
      }
      return { state: next, out };
    }
    case 'no-answer': {
      const lost = s.lost.length >= LOST_MEMORY ? [...s.lost.slice(1), line.seq] : [...s.lost, line.seq];
      const next: ProbeFsmState = { ...s, lost, silent: s.silent + 1, firstSilentSeq: s.firstSilentSeq ?? line.seq };
      const out: ProbeFsmOutput[] = [{ type: 'sample', sample: { seq: line.seq, outcome: 'loss', at } }];
      if (s.status !== 'down' && next.silent >= cfg.multiplier) {
        next.status = 'down';
        const why = s.lastIcmpError ? `; last ICMP error: ${s.lastIcmpError}` : '';
        out.push({
          type: 'state',
          state: 'down',
          reason: 'probe-timeout',
          detail: `no reply to ${next.silent} probes in a row (icmp_seq ${next.firstSilentSeq}-${line.seq}, ${cfg.multiplier} x ${cfg.intervalMs} ms)${why}`,
          at,
        });
      }
      return { state: next, out };
    }
    case 'icmp-error':
      // Informative only: ping reports the same probe as "no answer yet" as well, which is what counts.
      return { state: { ...s, lastIcmpError: `${line.message} from ${line.from} (icmp_seq ${line.seq})` }, out: [] };
    default:
      return { state: s, out: [] };
  }
}
