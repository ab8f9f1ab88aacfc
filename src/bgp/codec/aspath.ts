// AS_PATH and AS4_PATH segments (RFC 4271 §4.3, RFC 5065 §3 confederation types), 2- and 4-octet
// encodings, and the RFC 6793 §4.2.3 reconstruction of the 4-octet path on a 2-octet session.

import type { AsPathSegment } from '../types';
import { AS_TRANS } from '../types';
import { EncodeError, checkUint, putU16, putU32, u16, u32 } from './bytes';

//  Each path segment:  Segment Type (1) | Segment Length in ASNs (1) | ASNs (2 or 4 octets each)
//  Types: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET.

const AS_SET = 1;
const AS_SEQUENCE = 2;
const CONFED_SEQUENCE = 3;
const CONFED_SET = 4;

export interface AsPathParse {
  segments: AsPathSegment[];
  /** Why the attribute is malformed (RFC 7606 §7.2 / RFC 6793 §6), or null. */
  error: string | null;
  hasAsZero: boolean;
  hasConfed: boolean;
}

/** Parses the segments in b[start, end) with `asSize` (2 or 4) octets per AS number. */
export function parseAsPath(b: Uint8Array, start: number, end: number, asSize: 2 | 4): AsPathParse {
  const segments: AsPathSegment[] = [];
  let hasAsZero = false;
  let hasConfed = false;
  let p = start;
  while (p < end) {
    if (end - p < 2) return { segments, error: 'a single octet left where a segment header should be', hasAsZero, hasConfed };
    const type = b[p];
    const count = b[p + 1];
    if (type < AS_SET || type > CONFED_SET) return { segments, error: `unknown segment type ${type}`, hasAsZero, hasConfed };
    if (count === 0) return { segments, error: 'segment of length zero', hasAsZero, hasConfed };
    const bodyEnd = p + 2 + count * asSize;
    if (bodyEnd > end) return { segments, error: `segment of ${count} ASNs overruns the attribute`, hasAsZero, hasConfed };
    const asns = new Array<number>(count);
    for (let i = 0, q = p + 2; i < count; i++, q += asSize) {
      const asn = asSize === 4 ? u32(b, q) : u16(b, q);
      if (asn === 0) hasAsZero = true;
      asns[i] = asn;
    }
    if (type === CONFED_SEQUENCE || type === CONFED_SET) hasConfed = true;
    segments.push({ type, asns });
    p = bodyEnd;
  }
  return { segments, error: null, hasAsZero, hasConfed };
}

/**
 * Wire form of segments. Segments longer than 255 ASNs are split (the length field is one octet);
 * empty segments are left out because a zero-length segment is malformed (RFC 7606 §7.2).
 * With asSize 2, AS numbers above 65535 become AS_TRANS (RFC 6793 §4.2.2).
 */
export function encodeAsPath(segments: readonly AsPathSegment[], asSize: 2 | 4): Uint8Array {
  let size = 0;
  for (const s of segments) {
    if (s.type < AS_SET || s.type > CONFED_SET) throw new EncodeError(`unknown AS_PATH segment type ${s.type}`);
    size += Math.ceil(s.asns.length / 255) * 2 + s.asns.length * asSize;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const s of segments) {
    for (let i = 0; i < s.asns.length; i += 255) {
      const n = Math.min(255, s.asns.length - i);
      out[o++] = s.type;
      out[o++] = n;
      for (let k = i; k < i + n; k++) {
        const asn = checkUint(s.asns[k], 32, 'AS number');
        if (asSize === 4) putU32(out, o, asn);
        else putU16(out, o, asn > 0xffff ? AS_TRANS : asn);
        o += asSize;
      }
    }
  }
  return out;
}

export function needsAs4(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/** AS4_PATH carries no confederation segments (RFC 6793 §3). */
export function withoutConfed(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => s.type !== CONFED_SEQUENCE && s.type !== CONFED_SET);
}

/** Path length as RFC 4271 §9.1.2.2 counts it: AS_SET counts 1, confederation segments 0. */
export function pathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AS_SET) n += 1;
  }
  return n;
}

function isConfed(s: AsPathSegment): boolean {
  return s.type === CONFED_SEQUENCE || s.type === CONFED_SET;
}

function copySegment(s: AsPathSegment): AsPathSegment {
  return { type: s.type, asns: s.asns.slice() };
}

/** Inserts `seg` into `path` after `units` counted path units (AS_SET = 1), splitting a sequence if needed. */
function insertAtCount(path: AsPathSegment[], units: number, seg: AsPathSegment): void {
  let c = 0;
  for (let i = 0; i < path.length; i++) {
    if (c === units) {
      path.splice(i, 0, seg);
      return;
    }
    const s = path[i];
    const n = s.type === AS_SEQUENCE ? s.asns.length : s.type === AS_SET ? 1 : 0;
    if (s.type === AS_SEQUENCE && units > c && units < c + n) {
      const cut = units - c;
      path.splice(i, 1, { type: AS_SEQUENCE, asns: s.asns.slice(0, cut) }, seg, { type: AS_SEQUENCE, asns: s.asns.slice(cut) });
      return;
    }
    c += n;
  }
  path.push(seg);
}

/**
 * RFC 6793 §4.2.3: on a 2-octet session the real path is the leading part of AS_PATH (those AS numbers
 * AS4_PATH does not cover) followed by AS4_PATH. Confederation segments are never in AS4_PATH (RFC 6793 §3)
 * and count zero, so every one of them is kept at the same counted position it had in AS_PATH.
 * When AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored (the same array is returned).
 */
export function mergeAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[]): AsPathSegment[] {
  const extra = pathCount(asPath) - pathCount(as4Path);
  if (extra < 0) return asPath;
  const lead: AsPathSegment[] = [];
  // Confederation segments inside the part AS4_PATH covers, by counted units into that part.
  const inside: { at: number; seg: AsPathSegment }[] = [];
  let need = extra;
  let covered = 0;
  for (const s of asPath) {
    if (isConfed(s)) {
      if (need > 0 || covered === 0) lead.push(copySegment(s));
      else inside.push({ at: covered, seg: copySegment(s) });
      continue;
    }
    if (need === 0) {
      covered += s.type === AS_SET ? 1 : s.asns.length;
    } else if (s.type === AS_SET) {
      lead.push(copySegment(s));
      need -= 1;
    } else {
      const take = Math.min(need, s.asns.length);
      lead.push({ type: s.type, asns: s.asns.slice(0, take) });
      need -= take;
      covered += s.asns.length - take;
    }
  }
  const tail = as4Path.map(copySegment);
  for (const x of inside) insertAtCount(tail, x.at, x.seg);
  // Join the seam so "prepended 2-octet ASNs + AS4_PATH" reads as one sequence again.
  const last = lead[lead.length - 1];
  if (last && tail.length && last.type === AS_SEQUENCE && tail[0].type === AS_SEQUENCE) {
    last.asns.push(...tail.shift()!.asns);
  }
  return [...lead, ...tail];
}
