// Byte-level helpers shared by the BGP codec files: big-endian reads/writes, copies, address bytes.
// No RFC logic lives here; decoders copy what they keep so a decoded message never pins a socket chunk.

import { parseIpv4, parseIpv6 } from '../prefix';

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number): number {
  // `* 0x1000000` instead of `<< 24` keeps the result unsigned.
  return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

export function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * A fresh Uint8Array (not a Buffer view) holding b[start, end). Decoded messages keep copies
 * only, because a view would keep the whole TCP chunk it came from alive for as long as a
 * route holds on to an attribute.
 */
export function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(b.subarray(start, end));
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encoder-side input checks: the caller handed us something that cannot go on the wire. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

export function checkUint(v: number, bits: 8 | 16 | 32, what: string): number {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${what} must be an integer 0..${max}, got ${v}`);
  return v;
}

export function ipv4Bytes(text: string, what: string): Uint8Array {
  const b = parseIpv4(text);
  if (!b) throw new EncodeError(`${what} "${text}" is not an IPv4 address`);
  return b;
}

/** Bytes of an IPv4 or IPv6 address in text form (4 or 16 bytes). */
export function addressBytes(text: string, what: string): Uint8Array {
  const b = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (!b) throw new EncodeError(`${what} "${text}" is not an IP address`);
  return b;
}
