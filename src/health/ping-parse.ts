// Parser for the output of iputils ping run as `ping -n -D -O ...` (Debian 12, iputils 20221126), one line at a time.
// No RFC; formats from iputils ping/ping_common.c and ping*.c, checked against captured lines (test/unit/health/fixtures).

import { isIP } from 'node:net';

/** One stdout line of ping. `stamp` is the -D prefix (gettimeofday) in epoch milliseconds. */
export type PingLine =
  | { kind: 'header'; target: string; text: string }
  | {
      kind: 'reply';
      seq: number;
      bytes: number;
      from: string;
      ttl?: number;
      /** Absent for a truncated reply (ping prints no time then). */
      rttMs?: number;
      stamp?: number;
      /** A second answer to a sequence already answered: not a new reply. */
      dup: boolean;
      truncated: boolean;
      /** ping does not count such a reply as received. */
      badChecksum: boolean;
      differentAddress: boolean;
    }
  | { kind: 'no-answer'; seq: number; stamp?: number }
  /** An ICMP error about one of our probes ("Destination Host Unreachable", "Packet filtered", ...). */
  | { kind: 'icmp-error'; seq: number; from: string; message: string; stamp?: number }
  /** The statistics ping prints when it ends. */
  | { kind: 'summary'; text: string }
  | { kind: 'blank' }
  | { kind: 'other'; text: string };

export type PingStderrLine =
  /** A probe could not be sent ("ping: sendmsg: Network is unreachable"); ping counts it as sent, so a
   *  "no answer yet" follows for it. */
  | { kind: 'send-error'; message: string }
  | { kind: 'warning'; message: string }
  /** Anything else: usually why ping is about to exit (bind, SO_BINDTODEVICE, name resolution). */
  | { kind: 'error'; message: string };

const STAMP = /^\[(\d+)\.(\d{1,9})\] (.*)$/;
const REPLY = /^(\d+) bytes from (.+?): icmp_seq=(\d+)(.*)$/;
const NO_ANSWER = /^no answer yet for icmp_seq=(\d+)$/;
const ICMP_ERROR = /^From (\S+) icmp_seq=(\d+) (.*)$/;
const HEADER = /^PING (\S+?) ?\(/;

export function parsePingLine(raw: string): PingLine {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '') return { kind: 'blank' };
  let stamp: number | undefined;
  let body = line;
  const st = STAMP.exec(line);
  if (st) {
    // "[1795266224.355388]": seconds and microseconds; keep the fraction exact rather than via parseFloat.
    stamp = Number(st[1]) * 1000 + Number(st[2]!.padEnd(9, '0')) / 1e6;
    body = st[3]!;
  }
  const withStamp = <T extends object>(o: T): T & { stamp?: number } => (stamp !== undefined ? { ...o, stamp } : o);

  const na = NO_ANSWER.exec(body);
  if (na) return withStamp({ kind: 'no-answer' as const, seq: Number(na[1]) });

  const r = REPLY.exec(body);
  if (r) return withStamp(parseReplyTail(Number(r[1]), r[2]!, Number(r[3]), r[4]!));

  const e = ICMP_ERROR.exec(body);
  if (e) return withStamp({ kind: 'icmp-error' as const, seq: Number(e[2]), from: stripColon(e[1]!), message: e[3]!.trim() });

  if (body.startsWith('PING ')) {
    const h = HEADER.exec(body);
    return { kind: 'header', target: h ? h[1]! : '', text: body };
  }
  if (body.startsWith('--- ') || / packets transmitted, /.test(body) || /^rtt min\/avg\/max\/mdev = /.test(body)) {
    return { kind: 'summary', text: body };
  }
  return { kind: 'other', text: body };
}

/** " ttl=64 time=0.043 ms (DUP!)": the fields ping appends after the sequence number, in its order. */
function parseReplyTail(bytes: number, from: string, seq: number, tail: string): Extract<PingLine, { kind: 'reply' }> {
  const ttl = / ttl=(\d+)/.exec(tail);
  // ping prints "time=0.043 ms", "time=14.3 ms" or, from 100 ms on, "time=151 ms".
  const time = / time=(\d+(?:\.\d+)?) ms/.exec(tail);
  return {
    kind: 'reply',
    seq,
    bytes,
    from,
    ...(ttl ? { ttl: Number(ttl[1]) } : {}),
    ...(time ? { rttMs: Number(time[1]) } : {}),
    dup: tail.includes('(DUP!)'),
    truncated: tail.includes('(truncated)'),
    badChecksum: tail.includes('(BAD CHECKSUM!)'),
    differentAddress: tail.includes('(DIFFERENT ADDRESS!)'),
  };
}

/** Some ping builds print "From 10.0.0.1: icmp_seq=..."; an IPv6 address may itself end in ':' ("fd00::"). */
function stripColon(from: string): string {
  if (!from.endsWith(':')) return from;
  const bare = from.slice(0, -1);
  const addr = (s: string) => isIP(s.split('%')[0]!) !== 0;
  return !addr(from) && addr(bare) ? bare : from;
}

export function parsePingStderr(raw: string): PingStderrLine {
  const line = raw.replace(/\r$/, '').trim();
  const send = /^ping: sendmsg: (.*)$/.exec(line);
  if (send) return { kind: 'send-error', message: send[1]! };
  if (/^ping: warning: /i.test(line)) return { kind: 'warning', message: line.replace(/^ping: /, '') };
  return { kind: 'error', message: line.replace(/^ping: /, '') };
}

/** 16-bit ICMP sequence arithmetic: ping's numbers wrap from 65535 to 0 (after 55 minutes at 50 ms). */
export function nextSeq(seq: number): number {
  return (seq + 1) & 0xffff;
}
