// Kernel operations as rtnetlink requests (RTM_NEWROUTE/DELROUTE, RTM_NEWNEXTHOP/DELNEXTHOP), for the netlink writer.
// Pure: bytes in host order as the kernel reads them, the same requests `ip route/nexthop` sends for the same lines.

import { endianness } from 'node:os';
import { parseIpv6, scanIpv6Bytes } from '../bgp/prefix';
import { putU32 } from '../bgp/codec/bytes';
import { keyAddress, keyLength } from '../bgp/codec/nlri';
import type { KernelOp, OpFailure, PrefixNumbers } from './dataplane';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
/** Not a kernel type: asks the helper for an interface index (src/fib/native/bgpfo-netlink.c). */
export const BGPFO_IFINDEX = 0xb601;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 10;
const RTA_DST = 1;
const RTA_PRIORITY = 6;
const RTA_TABLE = 15;
const RTA_NH_ID = 30;
const NHA_ID = 1;
const NHA_GROUP = 2;
const NHA_BLACKHOLE = 4;
const NHA_OIF = 5;
const NHA_GATEWAY = 6;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_NOWHERE = 255;
const RTN_UNICAST = 1;

const HDR = 16; // struct nlmsghdr
const RTMSG = 12; // struct rtmsg
const NHMSG = 8; // struct nhmsg

/** Netlink is host byte order. */
const LE = endianness() === 'LE';

export interface EncodeContext {
  table: number;
  protocol: number;
  metric: number;
}

export interface EncodedBatch {
  /** The requests back to back; op i has sequence number firstSeq + i (ops that could not be encoded send nothing). */
  bytes: Buffer;
  /** Sequence of the last request sent (it carries NLM_F_ACK), or undefined when nothing is sent. */
  lastSeq: number | undefined;
  /** Ops refused before reaching the kernel (an interface that does not exist, a prefix that does not parse). */
  failures: OpFailure[];
}

/** Upper bound of one op's request size, for the output buffer. */
function maxSize(op: KernelOp): number {
  return op.kind === 'group' ? HDR + NHMSG + 8 + 4 + 8 * op.members.length : 96;
}

/**
 * Encodes ops as one buffer of requests; op i gets sequence (firstSeq + i) mod 2^32, and the last request sent asks for
 * an acknowledgement (the kernel answers the others only when it refuses them). `ifindex` holds the interface index of
 * every 'nh' op's interface (0 or absent: no such interface, the op fails here as `ip` would fail it).
 */
export function encodeOps(ops: KernelOp[], ctx: EncodeContext, firstSeq: number, ifindex: ReadonlyMap<string, number> = new Map()): EncodedBatch {
  let size = 0;
  for (const op of ops) size += maxSize(op);
  // Not from the pool: its own ArrayBuffer at offset 0, so that the route fast path can write it as 32-bit words.
  const buf = Buffer.allocUnsafeSlow(size);
  const w = new Writer(buf);
  const words = LE ? new Uint32Array(buf.buffer, buf.byteOffset, size >>> 2) : undefined;
  const failures: OpFailure[] = [];
  let lastStart = -1;
  let lastSeq: number | undefined;
  for (let i = 0; i < ops.length; i++) {
    const seq = (firstSeq + i) >>> 0;
    const start = w.pos;
    const op = ops[i];
    if (words !== undefined && (op.kind === 'route-add' || op.kind === 'route-replace')) {
      const end = routeWordsLE(words, start >>> 2, op, ctx, seq);
      if (end >= 0) {
        w.pos = end << 2;
        lastStart = start;
        lastSeq = seq;
        continue;
      }
    }
    const err = encodeOne(w, op, ctx, seq, ifindex);
    if (err !== undefined) {
      w.pos = start;
      failures.push({ index: i, message: err });
      continue;
    }
    lastStart = start;
    lastSeq = seq;
  }
  if (lastStart >= 0) w.u16At(lastStart + 6, w.u16Of(lastStart + 6) | NLM_F_ACK);
  return { bytes: buf.subarray(0, w.pos), lastSeq, failures };
}

/** The helper's question "which index has interface `name`?" (answered as `I <seq> <index>`). */
export function encodeIfindexQuery(name: string, seq: number): Buffer {
  const text = Buffer.from(name, 'utf8');
  const len = align4(HDR + text.length + 1);
  const buf = Buffer.alloc(len);
  const w = new Writer(buf);
  w.header(len, BGPFO_IFINDEX, NLM_F_REQUEST, seq);
  text.copy(buf, HDR);
  return buf;
}

function encodeOne(w: Writer, op: KernelOp, ctx: EncodeContext, seq: number, ifindex: ReadonlyMap<string, number>): string | undefined {
  const start = w.pos;
  switch (op.kind) {
    case 'route-add':
    case 'route-replace':
    case 'route-del': {
      const del = op.kind === 'route-del';
      const flags = NLM_F_REQUEST | (op.kind === 'route-add' ? NLM_F_CREATE | NLM_F_EXCL : op.kind === 'route-replace' ? NLM_F_CREATE | NLM_F_REPLACE : 0);
      w.header(0, del ? RTM_DELROUTE : RTM_NEWROUTE, flags, seq);
      const rtm = w.pos;
      w.skip(RTMSG);
      const dst = w.pos;
      w.skip(4);
      // The FIB's numbers for the prefix when it has them (a route from the RIB): its text is then never made.
      let family: number;
      let len: number;
      const written = del ? -1 : writePrefixNumbers(op, w.buf, w.pos);
      if (written >= 0) {
        family = written >= 256 ? AF_INET6 : AF_INET;
        len = written & 255;
      } else {
        const parsed = parsePrefixInto(op.prefix, w.buf, w.pos);
        if (parsed === undefined) return `Error: ${JSON.stringify(op.prefix)} is not a prefix.`;
        family = parsed.family;
        len = parsed.len;
      }
      w.pos += family === AF_INET ? 4 : 16;
      w.attrHeaderAt(dst, w.pos - dst, RTA_DST);
      const table = ctx.table;
      w.buf[rtm] = family;
      w.buf[rtm + 1] = len;
      w.buf[rtm + 2] = 0; // src_len
      w.buf[rtm + 3] = 0; // tos
      w.buf[rtm + 4] = table < 256 ? table : 0; // RT_TABLE_UNSPEC: the table is in RTA_TABLE
      w.buf[rtm + 5] = ctx.protocol;
      w.buf[rtm + 6] = del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE; // a delete with NOWHERE matches any scope
      w.buf[rtm + 7] = del ? 0 : RTN_UNICAST;
      w.u32At(rtm + 8, 0);
      if (table >= 256) w.attrU32(RTA_TABLE, table);
      w.attrU32(RTA_PRIORITY, del ? (op.metric ?? ctx.metric) : ctx.metric);
      if (!del) w.attrU32(RTA_NH_ID, op.nhid);
      break;
    }
    case 'nh': {
      const index = ifindex.get(op.ifname) ?? 0;
      if (index <= 0) return `Cannot find device "${op.ifname}"`;
      const gw = parseGateway(op.gateway);
      if (gw === undefined) return `Error: ${JSON.stringify(op.gateway)} is not an address.`;
      nexthopHeader(w, RTM_NEWNEXTHOP, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE, seq, gw.length === 4 ? AF_INET : AF_INET6, ctx.protocol);
      w.attrU32(NHA_ID, op.id);
      w.attr(NHA_GATEWAY, gw);
      w.attrU32(NHA_OIF, index);
      break;
    }
    case 'blackhole':
      nexthopHeader(w, RTM_NEWNEXTHOP, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE, seq, op.family === 6 ? AF_INET6 : AF_INET, ctx.protocol);
      w.attrU32(NHA_ID, op.id);
      w.attr(NHA_BLACKHOLE, EMPTY);
      break;
    case 'group': {
      // Groups are family-less (the kernel refuses any other); members are struct nexthop_grp { id, weight-1, 0, 0 }.
      nexthopHeader(w, RTM_NEWNEXTHOP, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE, seq, AF_UNSPEC, ctx.protocol);
      w.attrU32(NHA_ID, op.id);
      const at = w.pos;
      w.skip(4);
      for (const id of op.members) {
        w.u32At(w.pos, id);
        w.u32At(w.pos + 4, 0);
        w.pos += 8;
      }
      w.attrHeaderAt(at, w.pos - at, NHA_GROUP);
      break;
    }
    case 'nh-del':
      nexthopHeader(w, RTM_DELNEXTHOP, NLM_F_REQUEST, seq, AF_UNSPEC, 0);
      w.attrU32(NHA_ID, op.id);
      break;
  }
  w.u32At(start, w.pos - start);
  return undefined;
}

const EMPTY = Buffer.alloc(0);

function nexthopHeader(w: Writer, type: number, flags: number, seq: number, family: number, protocol: number): void {
  w.header(0, type, flags, seq);
  w.buf[w.pos] = family;
  w.buf[w.pos + 1] = 0; // scope
  w.buf[w.pos + 2] = protocol;
  w.buf[w.pos + 3] = 0;
  w.u32At(w.pos + 4, 0); // nh_flags
  w.pos += NHMSG;
}

function parseGateway(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text) ?? undefined;
  const b = Buffer.alloc(4);
  return parseIpv4Into(text, 0, text.length, b, 0) ? b : undefined;
}

/**
 * Writes a route's prefix from its numbers (IPv4 key or IPv6 words) into buf at offset. Returns the length, plus 256
 * for IPv6 (a number: no object per route), or -1 when the route has no numbers.
 */
function writePrefixNumbers(p: PrefixNumbers, buf: Uint8Array, offset: number): number {
  const key = p.key;
  if (key !== undefined && key >= 0) {
    putU32(buf, offset, keyAddress(key));
    return keyLength(key);
  }
  const words = p.words6;
  if (words === undefined) return -1;
  const at = 5 * (p.index6 ?? 0);
  for (let i = 0; i < 4; i++) putU32(buf, offset + 4 * i, words[at + i]);
  return 256 + words[at + 4];
}

/** A 32-bit word's bytes reversed: an address word (network order) as a little-endian host stores it. */
function swap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;
}

/**
 * The route fast path, little-endian hosts only: an RTM_NEWROUTE for a route given by its numbers, written as 32-bit
 * words from word index `at` (every field of a route request is 4-byte aligned). The same bytes as encodeOne (the
 * tests hold them equal); a tenth of its time, as it makes no bounds-checked Buffer call per field. Returns the word
 * index after the request, or -1 when the route has no numbers (encodeOne then takes it by its text).
 */
function routeWordsLE(u32: Uint32Array, at: number, op: { kind: 'route-add' | 'route-replace'; nhid: number } & PrefixNumbers, ctx: EncodeContext, seq: number): number {
  const key = op.key;
  const words6 = op.words6;
  let family: number;
  let len: number;
  const dst = at + 8;
  if (key !== undefined && key >= 0) {
    family = AF_INET;
    len = keyLength(key);
    u32[dst] = swap32(keyAddress(key));
  } else if (words6 !== undefined) {
    family = AF_INET6;
    const w = 5 * (op.index6 ?? 0);
    len = words6[w + 4];
    for (let i = 0; i < 4; i++) u32[dst + i] = swap32(words6[w + i]);
  } else {
    return -1;
  }
  const addressWords = family === AF_INET ? 1 : 4;
  const table = ctx.table;
  const flags = NLM_F_REQUEST | NLM_F_CREATE | (op.kind === 'route-add' ? NLM_F_EXCL : NLM_F_REPLACE);
  // struct nlmsghdr: length (below), type and flags (two u16, the first in the low half), seq, port id.
  u32[at + 1] = (RTM_NEWROUTE | (flags << 16)) >>> 0;
  u32[at + 2] = seq;
  u32[at + 3] = 0;
  // struct rtmsg: family, dst_len, src_len 0, tos 0 | table (or RT_TABLE_UNSPEC), protocol, scope, type | flags 0.
  u32[at + 4] = family | (len << 8);
  u32[at + 5] = ((table < 256 ? table : 0) | (ctx.protocol << 8) | (RT_SCOPE_UNIVERSE << 16) | (RTN_UNICAST << 24)) >>> 0;
  u32[at + 6] = 0;
  u32[at + 7] = (4 + 4 * addressWords) | (RTA_DST << 16);
  let p = dst + addressWords;
  if (table >= 256) {
    u32[p] = 8 | (RTA_TABLE << 16);
    u32[p + 1] = table;
    p += 2;
  }
  u32[p] = 8 | (RTA_PRIORITY << 16);
  u32[p + 1] = ctx.metric;
  u32[p + 2] = 8 | (RTA_NH_ID << 16);
  u32[p + 3] = op.nhid;
  p += 4;
  u32[at] = (p - at) << 2;
  return p;
}

/** Parses "a.b.c.d/len" or an IPv6 prefix into buf at offset (4 or 16 bytes); no allocation. */
export function parsePrefixInto(prefix: string, buf: Uint8Array, offset: number): { family: number; len: number } | undefined {
  const slash = prefix.indexOf('/');
  if (slash < 0) return undefined;
  let len = 0;
  for (let i = slash + 1; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || i - slash > 3) return undefined;
    len = len * 10 + c;
  }
  if (slash + 1 === prefix.length) return undefined;
  if (prefix.includes(':')) {
    if (len > 128 || !scanIpv6Bytes(prefix, 0, slash, buf, offset)) return undefined;
    return { family: AF_INET6, len };
  }
  if (len > 32 || !parseIpv4Into(prefix, 0, slash, buf, offset)) return undefined;
  return { family: AF_INET, len };
}

function parseIpv4Into(s: string, from: number, to: number, buf: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || value > 255 || part > 3) return false;
      buf[offset + part++] = value;
      value = 0;
      digits = 0;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || digits === 3) return false;
      value = value * 10 + d;
      digits++;
    }
  }
  return part === 4;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Appends netlink structures to a buffer sized in advance. */
class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  skip(n: number): void {
    this.pos += n;
  }

  u32At(at: number, v: number): void {
    if (LE) this.buf.writeUInt32LE(v >>> 0, at);
    else this.buf.writeUInt32BE(v >>> 0, at);
  }

  u16At(at: number, v: number): void {
    if (LE) this.buf.writeUInt16LE(v, at);
    else this.buf.writeUInt16BE(v, at);
  }

  u16Of(at: number): number {
    return LE ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }

  /** struct nlmsghdr; the length is written once the message is complete. */
  header(len: number, type: number, flags: number, seq: number): void {
    this.u32At(this.pos, len);
    this.u16At(this.pos + 4, type);
    this.u16At(this.pos + 6, flags);
    this.u32At(this.pos + 8, seq);
    this.u32At(this.pos + 12, 0); // port id: the kernel
    this.pos += HDR;
  }

  attrHeaderAt(at: number, len: number, type: number): void {
    this.u16At(at, len);
    this.u16At(at + 2, type);
    this.pos = at + align4(len);
  }

  attrU32(type: number, v: number): void {
    this.u16At(this.pos, 8);
    this.u16At(this.pos + 2, type);
    this.u32At(this.pos + 4, v);
    this.pos += 8;
  }

  attr(type: number, data: Uint8Array): void {
    this.u16At(this.pos, 4 + data.length);
    this.u16At(this.pos + 2, type);
    this.buf.set(data, this.pos + 4);
    this.buf.fill(0, this.pos + 4 + data.length, this.pos + align4(4 + data.length));
    this.pos += align4(4 + data.length);
  }
}
