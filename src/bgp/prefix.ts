// Prefixes as canonical strings ("10.1.0.0/16", "2001:db8::/32", RFC 5952 form, host bits zero)
// and their wire form (RFC 4271 §4.3 NLRI: length octet + significant octets). Hot path: no regexes on decode.

import type { Family, Prefix } from './types';
import { AFI_IPV4, AFI_IPV6 } from './types';

export interface ParsedPrefix {
  family: Family;
  afi: typeof AFI_IPV4 | typeof AFI_IPV6;
  length: number;
  /** Full address bytes (4 or 16), host bits zero. */
  bytes: Uint8Array;
}

export class PrefixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrefixError';
  }
}

/** Parses a dotted quad into 4 bytes, or returns null. */
export function parseIpv4(text: string): Uint8Array | null {
  // By hand (no split, no regex): every NEXT_HOP encoded goes through here.
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // the end closes the last part like a dot
    if (c === 46) {
      if (digits === 0 || value > 255 || part > 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits === 1 && value === 0)) return null; // at most 3 digits, no leading zero
      value = value * 10 + (c - 48);
      digits++;
    } else return null;
  }
  return part === 4 ? out : null;
}

/** Parses any RFC 4291 §2.2 text form (with "::" and an embedded IPv4 tail) into 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return scanIpv6Bytes(text, 0, text.length, out, 0) ? out : null;
}

/** scanIpv6() into the 16 octets at buf[offset]; false (buf untouched) when text[start, end) is not an address. */
export function scanIpv6Bytes(text: string, start: number, end: number, buf: Uint8Array, offset: number): boolean {
  const groups = v6Groups;
  if (!scanIpv6(text, start, end, groups)) return false;
  for (let i = 0; i < 8; i++) {
    buf[offset + i * 2] = groups[i] >> 8;
    buf[offset + i * 2 + 1] = groups[i] & 0xff;
  }
  return true;
}

const v6Groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Reads the IPv6 address text[start, end) into 8 groups; false when it is not one. By hand (no split, no regex, no
 * array): the IPv6 import path reads every prefix of every UPDATE through here. Accepts what RFC 4291 §2.2 allows:
 * groups of 1-4 hex digits, one "::" at most, and a dotted IPv4 tail in place of the last two groups.
 */
export function scanIpv6(text: string, start: number, end: number, groups: Uint16Array): boolean {
  if (end <= start || end - start > 45) return false;
  let n = 0;
  /** Groups before the "::", or -1 when there is none. */
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let v = 0;
    let h = 0;
    while (i < end && (h = hexValue(text.charCodeAt(i))) >= 0) {
      v = v * 16 + h;
      i++;
    }
    const digits = i - groupStart;
    if (i < end && text.charCodeAt(i) === 46) {
      // A dotted IPv4 tail: it takes two groups and ends the address.
      if (n > 6) return false;
      const v4 = parseIpv4(text.slice(groupStart, end));
      if (!v4) return false;
      groups[n++] = (v4[0] << 8) | v4[1];
      groups[n++] = (v4[2] << 8) | v4[3];
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || n === 8) return false;
    groups[n++] = v;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === end) return false; // one trailing colon
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  // Move the groups after the "::" to the end and zero the gap.
  const after = n - gap;
  for (let k = 0; k < after; k++) groups[7 - k] = groups[n - 1 - k];
  for (let k = gap; k < 8 - after; k++) groups[k] = 0;
  return true;
}

export function formatIpv4(b: Uint8Array, offset = 0): string {
  return b[offset] + '.' + b[offset + 1] + '.' + b[offset + 2] + '.' + b[offset + 3];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::", leftmost on ties. */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  // By hand through lookup tables (no arrays, no joins): the IPv6 import and FIB paths format every prefix here.
  const g = v6Format;
  let bestStart = -1;
  let bestEnd = -1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const x = (b[offset + i * 2] << 8) | b[offset + i * 2 + 1];
    g[i] = x;
    if (x === 0) {
      if (runStart < 0) runStart = i;
      // The longest run of two or more zero groups, the leftmost of equals (RFC 5952 §4.2).
      if (i + 1 - runStart > bestEnd - bestStart && i + 1 - runStart >= 2) {
        bestStart = runStart;
        bestEnd = i + 1;
      }
    } else runStart = -1;
  }
  let s = '';
  if (bestStart < 0) {
    for (let i = 0; i < 8; i++) s += (i ? ':' : '') + hexGroup(g[i]);
  } else {
    for (let i = 0; i < bestStart; i++) s += (i ? ':' : '') + hexGroup(g[i]);
    s += '::';
    for (let i = bestEnd; i < 8; i++) s += (i > bestEnd ? ':' : '') + hexGroup(g[i]);
  }
  return s;
}

const v6Format = new Int32Array(8);
const HEX: string[] = [];
const HEX2: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX.push(i.toString(16));
  HEX2.push(i.toString(16).padStart(2, '0'));
}

function hexGroup(x: number): string {
  return x < 256 ? HEX[x] : HEX[x >> 8] + HEX2[x & 0xff];
}

/** Parses an address of either family; returns its bytes, or null when it is neither. */
export function parseAddress(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Canonical text of an address ("2001:DB8:0::1" -> "2001:db8::1"); throws PrefixError on bad input. */
export function canonicalAddress(text: string): string {
  const b = parseAddress(text.trim());
  if (!b) throw new PrefixError(`"${text}" is not an IPv4 or IPv6 address`);
  return b.length === 4 ? formatIpv4(b) : formatIpv6(b);
}

function maskInPlace(bytes: Uint8Array, length: number): boolean {
  let changed = false;
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, length - i * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    if ((bytes[i] & mask) !== bytes[i]) changed = true;
    bytes[i] &= mask;
  }
  return changed;
}

/**
 * Parses "addr/len" (or a bare address as a host route). With strict (the default) host bits set
 * below the length are an error, because a config that says 10.1.2.3/16 almost always means a typo.
 */
export function parsePrefix(text: string, strict = true): ParsedPrefix {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash === -1 ? t : t.slice(0, slash);
  const bytes = parseAddress(addrText);
  if (!bytes) throw new PrefixError(`"${text}" is not a prefix: "${addrText}" is not an IPv4 or IPv6 address`);
  const max = bytes.length * 8;
  let length = max;
  if (slash !== -1) {
    const lenText = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      throw new PrefixError(`"${text}" is not a prefix: the length must be 0..${max}`);
    }
    length = Number(lenText);
  }
  if (maskInPlace(bytes, length) && strict) {
    const fixed = (bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes)) + '/' + length;
    throw new PrefixError(`"${text}" has host bits set below /${length}; did you mean ${fixed}?`);
  }
  const v4 = bytes.length === 4;
  return { family: v4 ? 'ipv4-unicast' : 'ipv6-unicast', afi: v4 ? AFI_IPV4 : AFI_IPV6, length, bytes };
}

export function formatPrefix(p: ParsedPrefix): Prefix {
  return (p.bytes.length === 4 ? formatIpv4(p.bytes) : formatIpv6(p.bytes)) + '/' + p.length;
}

/** The canonical string of a prefix given in any text form; throws PrefixError (with the fix) when invalid. */
export function canonicalPrefix(text: string, strict = true): Prefix {
  return formatPrefix(parsePrefix(text, strict));
}

export function prefixFamily(p: Prefix): Family {
  return p.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}

export function prefixLength(p: Prefix): number {
  return Number(p.slice(p.lastIndexOf('/') + 1));
}

export function isDefaultRoute(p: Prefix): boolean {
  return p === '0.0.0.0/0' || p === '::/0';
}

/** True when inner equals or lies inside outer (same family). */
export function parsedContains(outer: ParsedPrefix, inner: ParsedPrefix): boolean {
  if (outer.afi !== inner.afi || inner.length < outer.length) return false;
  const full = outer.length >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const rest = outer.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (outer.bytes[full] & mask) === (inner.bytes[full] & mask);
}

export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return parsedContains(parsePrefix(outer, false), parsePrefix(inner, false));
}

/**
 * Decodes one NLRI prefix body (RFC 4271 §4.3 / RFC 4760 §5): `length` bits whose ceil(length/8) octets start
 * at `offset`. Trailing bits past the length are ignored (zeroed), as the RFC says they are irrelevant.
 * The caller has checked bounds and that length fits the family.
 */
export function prefixFromWire(afi: number, length: number, buf: Uint8Array, offset: number): Prefix {
  const n = (length + 7) >> 3;
  if (afi === AFI_IPV4) {
    let a = n > 0 ? buf[offset] : 0;
    let b = n > 1 ? buf[offset + 1] : 0;
    let c = n > 2 ? buf[offset + 2] : 0;
    let d = n > 3 ? buf[offset + 3] : 0;
    const rest = length & 7;
    if (rest !== 0) {
      const mask = (0xff << (8 - rest)) & 0xff;
      if (n === 1) a &= mask;
      else if (n === 2) b &= mask;
      else if (n === 3) c &= mask;
      else d &= mask;
    }
    return a + '.' + b + '.' + c + '.' + d + '/' + length;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < n; i++) bytes[i] = buf[offset + i];
  maskInPlace(bytes, length);
  return formatIpv6(bytes) + '/' + length;
}

/** Wire form of a canonical prefix: its length and its significant octets. */
export function prefixToWire(p: Prefix): { afi: number; length: number; octets: Uint8Array } {
  const parsed = parsePrefix(p, false);
  return { afi: parsed.afi, length: parsed.length, octets: parsed.bytes.subarray(0, (parsed.length + 7) >> 3) };
}
