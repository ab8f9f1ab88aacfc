// NLRI fields: <length, prefix> tuples of RFC 4271 §4.3 (withdrawn routes, NLRI) and RFC 4760 §5
// (MP_REACH/MP_UNREACH). Syntax errors here are never soft: RFC 7606 §5.3 mandates a session reset.

import type { Prefix } from '../types';
import { AFI_IPV4 } from '../types';
import { formatIpv6, prefixToWire } from '../prefix';
import { EncodeError, putU32 } from './bytes';

// A full table goes into the RIB as numbers read from the wire: IPv4 prefixes as wire keys (address * 64 + length),
// IPv6 ones as address words. Their canonical text is made only where something reads it, through small lookup
// tables instead of per-octet number formatting; it is exactly prefix.ts's formatIpv4/formatIpv6 text (tests hold it
// to that).
const DEC_DOT: string[] = [];
const DEC_SLASH: string[] = [];
for (let i = 0; i < 256; i++) {
  DEC_DOT.push(i + '.');
  DEC_SLASH.push(i + '/');
}

/**
 * A decoded prefix list as numbers: IPv4 wire keys (address * 64 + length, host bits clear), or IPv6 words, five per
 * prefix (the address's four 32-bit words, most significant first, bits past the length cleared; then the length).
 */
export type PrefixWire = readonly number[] | Uint32Array;

/**
 * The wire form of each decoded prefix list, kept beside the list, not in it, so decoded messages stay plain data;
 * lists built in memory have none.
 */
const wireKeys = new WeakMap<readonly Prefix[], readonly number[]>();
const wireWords6 = new WeakMap<readonly Prefix[], Uint32Array>();

/** The wire keys of a decoded IPv4 prefix list, or undefined for a list the decoder did not make. */
export function ipv4WireKeys(list: readonly Prefix[]): readonly number[] | undefined {
  const keys = wireKeys.get(list);
  // A list changed after decoding no longer matches its keys.
  return keys !== undefined && keys.length === list.length ? keys : undefined;
}

/** The words of a decoded IPv6 prefix list, or undefined for a list the decoder did not make. */
export function ipv6WireWords(list: readonly Prefix[]): Uint32Array | undefined {
  const words = wireWords6.get(list);
  return words !== undefined && words.length === list.length * 5 ? words : undefined;
}

/** How many prefixes a wire form holds. */
function wireCount(wire: PrefixWire): number {
  return wire instanceof Uint32Array ? wire.length / 5 : wire.length;
}

/** Per object, its prefix fields still held in wire form only (see lazyPrefixes). */
const lazyFields = new WeakMap<object, Map<string, PrefixWire>>();

/**
 * Makes obj[field] the prefixes of `wire`, formatted as text only when the field is first read: a full table goes
 * into the RIB in wire form (fieldWire), and most of its prefixes are never needed as text. The field reads and
 * compares as a plain array (it is one once read; assigning it replaces it and forgets the wire form).
 */
export function lazyPrefixes<T extends object>(obj: T, field: keyof T & string, wire: PrefixWire): void {
  let fields = lazyFields.get(obj);
  if (!fields) lazyFields.set(obj, (fields = new Map()));
  fields.set(field, wire);
  const settle = (value: unknown): void => {
    fields.delete(field);
    Object.defineProperty(obj, field, { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(obj, field, {
    enumerable: true,
    configurable: true,
    get(): Prefix[] {
      const n = wireCount(wire);
      const list = new Array<Prefix>(n);
      if (wire instanceof Uint32Array) {
        for (let i = 0; i < n; i++) list[i] = ipv6WordsPrefix(wire[5 * i], wire[5 * i + 1], wire[5 * i + 2], wire[5 * i + 3], wire[5 * i + 4]);
        wireWords6.set(list, wire);
      } else {
        for (let i = 0; i < n; i++) list[i] = ipv4KeyString(wire[i]);
        wireKeys.set(list, wire);
      }
      settle(list);
      return list;
    },
    set: settle,
  });
}

/** The wire form of obj[field] when it is a prefix list the decoder made (read as text or not); else undefined. */
export function fieldWire<T extends object>(obj: T, field: keyof T & string): PrefixWire | undefined {
  const lazy = lazyFields.get(obj)?.get(field);
  if (lazy !== undefined) return lazy;
  const list = obj[field];
  return Array.isArray(list) ? (ipv4WireKeys(list as Prefix[]) ?? ipv6WireWords(list as Prefix[])) : undefined;
}

/** How many prefixes obj[field] holds, without formatting a lazy list. */
export function prefixCount<T extends object>(obj: T, field: keyof T & string): number {
  const lazy = lazyFields.get(obj)?.get(field);
  return lazy !== undefined ? wireCount(lazy) : (obj[field] as readonly unknown[]).length;
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

/** ipv6WordsPrefix()'s scratch for an IPv6 address's octets. */
const bytes6 = new Uint8Array(16);

/** The canonical (RFC 5952) text of an IPv6 prefix from its four address words (most significant first) and length. */
export function ipv6WordsPrefix(w0: number, w1: number, w2: number, w3: number, len: number): Prefix {
  putU32(bytes6, 0, w0);
  putU32(bytes6, 4, w1);
  putU32(bytes6, 8, w2);
  putU32(bytes6, 12, w3);
  return formatIpv6(bytes6) + '/' + len;
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

/**
 * Reads the IPv6 <length, prefix> tuples of b[start, end) as words (see PrefixWire; bits past the length cleared:
 * RFC 4760 §5); returns them, or an error text for a malformed field. Counted first, so the words go in one typed
 * array of the right size: no growing array, little garbage.
 */
export function decodeIpv6Words(b: Uint8Array, start: number, end: number): Uint32Array | string {
  let count = 0;
  for (let p = start; p < end; p += 1 + ((b[p] + 7) >> 3)) {
    const len = b[p];
    if (len > 128) return `prefix length ${len} exceeds 128`;
    if (p + 1 + ((len + 7) >> 3) > end) return `prefix of length ${len} overruns the field`;
    count++;
  }
  // Zero-filled: only the octets a prefix has are written (6 of 16 for a /48), then its last word is masked.
  const words = new Uint32Array(5 * count);
  let w = 0;
  for (let p = start; p < end; w += 5) {
    const len = b[p];
    const n = (len + 7) >> 3;
    for (let k = 0; k < n; k++) words[w + (k >> 2)] |= b[p + 1 + k] << (24 - 8 * (k & 3));
    // Bits past the length cleared (stray bits in the last octet): the word the length ends in keeps its top bits.
    if (len & 31) words[w + (len >> 5)] &= ~(0xffffffff >>> (len & 31));
    words[w + 4] = len;
    p += 1 + n;
  }
  return words;
}

/**
 * The prefixes of b[start, end) in family `afi`'s wire form (IPv4 keys or IPv6 words), or an error text when the
 * field is syntactically incorrect (a length beyond the family's maximum, or a prefix that overruns the field).
 */
export function decodePrefixWire(b: Uint8Array, start: number, end: number, afi: number): PrefixWire | string {
  if (afi !== AFI_IPV4) return decodeIpv6Words(b, start, end);
  const keys: number[] = [];
  return decodeIpv4Keys(b, start, end, keys) ?? keys;
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
