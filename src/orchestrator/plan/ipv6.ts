// IPv6 arithmetic for the planner: addresses as 128-bit bigints, prefixes in RFC 5952 text, overlap tests and
// the inner/transit /126 blocks (the same deterministic first-fit order as the IPv4 /30s in ipv4.ts).

import { formatIpv6, parseIpv6 } from '../../bgp/prefix';

export interface Ipv6Cidr {
  addr: bigint;
  length: number;
}

const ALL = (1n << 128n) - 1n;

export function toBig(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function formatIpv6Big(n: bigint): string {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return formatIpv6(b);
}

/** "2001:db8::/32" -> {addr, length}; null when not IPv6 CIDR text (or, with strict, when host bits are set). */
export function parseCidr6(text: string, strict: boolean): Ipv6Cidr | null {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const bytes = parseIpv6(m[1]);
  const length = Number(m[2]);
  if (!bytes || length > 128) return null;
  const addr = toBig(bytes);
  if (strict && networkOf6(addr, length) !== addr) return null;
  return { addr, length };
}

export function networkOf6(addr: bigint, length: number): bigint {
  const host = length === 128 ? 0n : (1n << BigInt(128 - length)) - 1n;
  return addr & (ALL ^ host);
}

export function formatCidr6(addr: bigint, length: number): string {
  return `${formatIpv6Big(addr)}/${length}`;
}

export function overlaps6(a: Ipv6Cidr, b: Ipv6Cidr): boolean {
  const size = (c: Ipv6Cidr) => 1n << BigInt(128 - c.length);
  return a.addr < b.addr + size(b) && b.addr < a.addr + size(a);
}

/** A /126 link: ::1 and ::2 are the two ends, as .1 and .2 of an IPv4 /30 (AWS uses /126 for IPv6 inside addresses). */
export interface P2p6 {
  prefix: string;
  low: string;
  high: string;
  lowAddr: string;
  highAddr: string;
}

export function p2p6(base: bigint): P2p6 {
  return {
    prefix: formatCidr6(base, 126),
    low: formatCidr6(base + 1n, 126),
    high: formatCidr6(base + 2n, 126),
    lowAddr: formatIpv6Big(base + 1n),
    highAddr: formatIpv6Big(base + 2n),
  };
}

/** How many /126s a pool holds (capped: a /64 holds 2^62, far beyond any plan). */
export function capacity126(pool: Ipv6Cidr): bigint {
  return pool.length >= 126 ? (pool.length === 126 ? 1n : 0n) : 1n << BigInt(126 - pool.length);
}

/** The k-th /126 of the pool (k from 0), or null past its end. */
export function nth126(pool: Ipv6Cidr, k: number): P2p6 | null {
  if (BigInt(k) >= capacity126(pool)) return null;
  return p2p6(pool.addr + BigInt(k) * 4n);
}

/** The LAN /64 of a site's first IPv6 prefix: router ::1, hosts ::a up (as .10 up in IPv4). */
export function lanSegment6(firstPrefix: string): { segment: string; gateway: string; gatewayAddr: string; host: (i: number) => string } {
  const c = parseCidr6(firstPrefix, true)!;
  const length = Math.max(c.length, 64);
  return {
    segment: formatCidr6(c.addr, length),
    gateway: formatCidr6(c.addr + 1n, length),
    gatewayAddr: formatIpv6Big(c.addr + 1n),
    host: (i: number) => formatCidr6(c.addr + 9n + BigInt(i), length),
  };
}
