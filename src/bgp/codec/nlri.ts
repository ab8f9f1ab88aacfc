// NLRI fields: <length, prefix> tuples of RFC 4271 §4.3 (withdrawn routes, NLRI) and RFC 4760 §5
// (MP_REACH/MP_UNREACH). Syntax errors here are never soft: RFC 7606 §5.3 mandates a session reset.

import type { Prefix } from '../types';
import { AFI_IPV4 } from '../types';
import { formatIpv6, prefixToWire } from '../prefix';
import { EncodeError } from './bytes';

// The hot path of a full-table feed: every received prefix becomes its canonical string (the RIB's
// key) straight from the wire octets, through small lookup tables instead of per-octet number
// formatting; it produces exactly prefix.ts's formatIpv4/formatIpv6 text (tests hold it to that).
const DEC_DOT: string[] = [];
const DEC_SLASH: string[] = [];
for (let i = 0; i < 256; i++) {
  DEC_DOT.push(i + '.');
  DEC_SLASH.push(i + '/');
}
const v6bytes = new Uint8Array(16);

function lastOctetMask(len: number): number {
  return (0xff << (8 - (len & 7))) & 0xff;
}

/**
 * The wire key of each decoded IPv4 prefix list, in the list's order: address * 64 + length, host bits cleared.
 * The RIB's tables take the keys instead of the text. Kept beside the list, not in it, so decoded messages stay plain
 * data; lists built in memory have none.
 */
const wireKeys = new WeakMap<readonly Prefix[], readonly number[]>();

/** The wire keys of a decoded IPv4 prefix list (see wireKeys), or undefined for a list the decoder did not make. */
export function ipv4WireKeys(list: readonly Prefix[]): readonly number[] | undefined {
  const keys = wireKeys.get(list);
  // A list changed after decoding no longer matches its keys.
  return keys !== undefined && keys.length === list.length ? keys : undefined;
}

/**
 * Beside each decoded IPv6 prefix list, its prefixes as numbers: five per prefix, the address's four 32-bit words
 * (bits past the length cleared) and the length. The import path hands them to the prefix tables' parse cache
 * (primeIpv6Words) so the text is never parsed back.
 */
const wireWords6 = new WeakMap<readonly Prefix[], Uint32Array>();

/** The words of a decoded IPv6 prefix list (see wireWords6), or undefined for a list the decoder did not make. */
export function ipv6WireWords(list: readonly Prefix[]): Uint32Array | undefined {
  const words = wireWords6.get(list);
  return words !== undefined && words.length === list.length * 5 ? words : undefined;
}

/** Per object, its IPv4 prefix fields still held as wire keys only (see lazyIpv4Prefixes). */
const lazyFields = new WeakMap<object, Map<string, readonly number[]>>();

/**
 * Makes obj[field] the IPv4 prefixes of `keys`, formatted as text only when the field is first read: a full table
 * goes into the RIB by its keys (ipv4FieldKeys), and most of its prefixes are never needed as text. The field reads
 * and compares as a plain array (it is one once read; assigning it replaces it and forgets the keys).
 */
export function lazyIpv4Prefixes<T extends object>(obj: T, field: keyof T & string, keys: readonly number[]): void {
  let fields = lazyFields.get(obj);
  if (!fields) lazyFields.set(obj, (fields = new Map()));
  fields.set(field, keys);
  const settle = (value: unknown): void => {
    fields.delete(field);
    Object.defineProperty(obj, field, { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(obj, field, {
    enumerable: true,
    configurable: true,
    get(): Prefix[] {
      const list = new Array<Prefix>(keys.length);
      for (let i = 0; i < keys.length; i++) list[i] = ipv4KeyString(keys[i]);
      settle(list);
      wireKeys.set(list, keys);
      return list;
    },
    set: settle,
  });
}

/** The wire keys of obj[field] when it is an IPv4 prefix list the decoder made (read as text or not); else undefined. */
export function ipv4FieldKeys<T extends object>(obj: T, field: keyof T & string): readonly number[] | undefined {
  const lazy = lazyFields.get(obj)?.get(field);
  if (lazy !== undefined) return lazy;
  const list = obj[field];
  return Array.isArray(list) ? ipv4WireKeys(list as Prefix[]) : undefined;
}

/** How many prefixes obj[field] holds, without formatting a lazy list. */
export function prefixCount<T extends object>(obj: T, field: keyof T & string): number {
  const lazy = lazyFields.get(obj)?.get(field);
  return lazy !== undefined ? lazy.length : (obj[field] as readonly unknown[]).length;
}

/**
 * The address of an IPv4 wire key (address * 64 + length). Keys pass 2^31, so they are doubles: division by 64 and
 * floor are single instructions where `%` on a double is a call to fmod (~10 ns, on every prefix of a full table).
 */
export function keyAddress(key: number): number {
  return Math.floor(key / 64);
}

/** The prefix length of an IPv4 wire key. */
export function keyLength(key: number): number {
  return key - Math.floor(key / 64) * 64;
}

/** The canonical text of an IPv4 wire key (address * 64 + length). */
export function ipv4KeyString(key: number): Prefix {
  const a = keyAddress(key);
  const len = key - a * 64;
  return DEC_DOT[a >>> 24] + DEC_DOT[(a >>> 16) & 0xff] + DEC_DOT[(a >>> 8) & 0xff] + DEC_SLASH[a & 0xff] + len;
}

/**
 * Reads the IPv4 <length, prefix> tuples of b[start, end) as wire keys (address * 64 + length, bits past the length
 * cleared: RFC 4271 §4.3); returns an error text for a malformed field, else null.
 */
export function decodeIpv4Keys(b: Uint8Array, start: number, end: number, keys: number[]): string | null {
  let p = start;
  while (p < end) {
    const len = b[p];
    if (len > 32) return `prefix length ${len} exceeds 32`;
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) return `prefix of length ${len} overruns the field`;
    let a = 0;
    for (let i = 0; i < 4; i++) a = a * 256 + (i < n ? b[p + 1 + i] : 0);
    if (len & 7) {
      const unit = 2 ** (32 - len);
      a = Math.floor(a / unit) * unit; // host bits cleared (a double: no `%`, see keyAddress)
    }
    keys.push(a * 64 + len);
    p += 1 + n;
  }
  return null;
}

/** The key of the prefix ipv4PrefixString() made last (address * 64 + length, host bits clear). */
let lastIpv4Key = 0;

/**
 * "a.b.c.d/len" from the `(len + 7) >> 3` octets at b[q]; bits past `len` are ignored (RFC 4271 §4.3). Its wire key
 * (address * 64 + length) is left in lastIpv4Key, from the same masked octets.
 */
export function ipv4PrefixString(b: Uint8Array, q: number, len: number): string {
  const n = (len + 7) >> 3;
  let o0 = n > 0 ? b[q] : 0;
  let o1 = n > 1 ? b[q + 1] : 0;
  let o2 = n > 2 ? b[q + 2] : 0;
  let o3 = n > 3 ? b[q + 3] : 0;
  if (len & 7) {
    const m = lastOctetMask(len);
    if (n === 1) o0 &= m;
    else if (n === 2) o1 &= m;
    else if (n === 3) o2 &= m;
    else o3 &= m;
  }
  lastIpv4Key = (((o0 << 24) | (o1 << 16) | (o2 << 8) | o3) >>> 0) * 64 + len;
  return DEC_DOT[o0] + DEC_DOT[o1] + DEC_DOT[o2] + DEC_SLASH[o3] + len;
}

/** RFC 5952 text of an IPv6 prefix from its wire octets: lower case, longest zero run (>= 2 groups, leftmost) as "::". */
export function ipv6PrefixString(b: Uint8Array, q: number, len: number): string {
  const n = (len + 7) >> 3;
  v6bytes.fill(0);
  for (let i = 0; i < n; i++) v6bytes[i] = b[q + i];
  if (len & 7) v6bytes[n - 1] &= lastOctetMask(len);
  return formatIpv6(v6bytes) + '/' + len;
}

/** How many prefixes b[start, end) holds, read by their lengths alone (a malformed field is caught by the decoder). */
function countPrefixes(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let p = start; p < end; p += 1 + ((b[p] + 7) >> 3)) n++;
  return n;
}

/**
 * Decodes the prefixes in b[start, end) into `out`. Returns null on success, or a reason when
 * the field is syntactically incorrect (a length beyond the family's maximum, or a prefix that
 * overruns the field). Each prefix goes straight from bytes to its canonical string.
 */
export function decodePrefixes(b: Uint8Array, start: number, end: number, afi: number, out: Prefix[]): string | null {
  const v4 = afi === AFI_IPV4;
  const max = v4 ? 32 : 128;
  const keys: number[] | undefined = v4 ? [] : undefined;
  // IPv6: counted first, so the words go in one typed array of the right size (no growing array, little garbage).
  const words = v4 ? undefined : new Uint32Array(5 * countPrefixes(b, start, end));
  let w = 0;
  let p = start;
  while (p < end) {
    const len = b[p];
    if (len > max) return `prefix length ${len} exceeds ${max}`;
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) return `prefix of length ${len} overruns the field`;
    if (keys) {
      out.push(ipv4PrefixString(b, p + 1, len));
      keys.push(lastIpv4Key);
    } else {
      out.push(ipv6PrefixString(b, p + 1, len));
      // v6bytes holds the address just formatted, host bits cleared.
      const a = v6bytes;
      for (let i = 0; i < 16; i += 4) words![w++] = (a[i] << 24) | (a[i + 1] << 16) | (a[i + 2] << 8) | a[i + 3];
      words![w++] = len;
    }
    p += 1 + n;
  }
  if (keys && keys.length > 0 && keys.length === out.length) wireKeys.set(out, keys);
  if (words && words.length > 0 && words.length === out.length * 5) wireWords6.set(out, words);
  return null;
}

/**
 * Writes a canonical IPv4 prefix ("a.b.c.d/len") at `o` without building intermediate objects;
 * returns the offset after it, or -1 when the text is not a canonical IPv4 prefix (the caller then
 * takes the general path).
 */
function writeIpv4Fast(text: string, buf: Uint8Array, o: number): number {
  let octet = 0;
  let value = 0;
  let digits = 0;
  const bytes = [0, 0, 0, 0];
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else if (c === 46 /* . */ || c === 47 /* / */) {
      if (digits === 0 || value > 255 || octet > 3) return -1;
      bytes[octet++] = value;
      value = 0;
      digits = 0;
      if (c === 47) break;
    } else return -1;
  }
  if (octet !== 4 || i === text.length) return -1;
  let len = 0;
  let lenDigits = 0;
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57 || ++lenDigits > 2) return -1;
    len = len * 10 + (c - 48);
  }
  if (lenDigits === 0 || len > 32) return -1;
  const n = (len + 7) >> 3;
  buf[o] = len;
  for (let k = 0; k < n; k++) buf[o + 1 + k] = bytes[k];
  // Host bits must already be zero in a canonical prefix; mask anyway so the wire is clean.
  if (len & 7) buf[o + n] &= (0xff << (8 - (len & 7))) & 0xff;
  return o + 1 + n;
}

/** The octets a prefix takes on the wire (length byte included). */
export function prefixWireLength(p: Prefix): number {
  const len = Number(p.slice(p.lastIndexOf('/') + 1));
  return 1 + ((len + 7) >> 3);
}

/** Writes prefix `p` of family `afi` at `o`, returning the next offset; throws EncodeError on bad input. */
export function writePrefix(p: Prefix, afi: number, buf: Uint8Array, o: number): number {
  if (afi === AFI_IPV4) {
    const next = writeIpv4Fast(p, buf, o);
    if (next >= 0) return next;
  }
  let wire;
  try {
    wire = prefixToWire(p);
  } catch (e) {
    throw new EncodeError(`cannot encode prefix "${p}": ${(e as Error).message}`);
  }
  if (wire.afi !== afi) throw new EncodeError(`prefix "${p}" is not of AFI ${afi}`);
  buf[o] = wire.length;
  buf.set(wire.octets, o + 1);
  return o + 1 + wire.octets.length;
}

/** Encodes a list of prefixes as one NLRI field. */
export function encodePrefixes(prefixes: readonly Prefix[], afi: number): Uint8Array {
  const max = afi === AFI_IPV4 ? 5 : 17;
  const scratch = new Uint8Array(prefixes.length * max);
  let o = 0;
  for (const p of prefixes) o = writePrefix(p, afi, scratch, o);
  return scratch.subarray(0, o);
}
