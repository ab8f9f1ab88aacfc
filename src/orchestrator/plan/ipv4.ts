// IPv4 arithmetic for the planner: addresses as unsigned 32-bit integers, prefixes, overlap tests and a
// deterministic block allocator (first fit, in pool order). No RFC beyond RFC 4632 prefix notation.

export interface Ipv4Prefix {
  /** Network address, host bits zero. */
  base: number;
  length: number;
}

/** Parses a dotted quad ("10.0.0.1") into an unsigned 32-bit integer, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function blockSize(length: number): number {
  return 2 ** (32 - length);
}

/** The network address of `addr` in a prefix of `length` bits. */
export function networkOf(addr: number, length: number): number {
  return addr - (addr % blockSize(length));
}

/** Parses "a.b.c.d/len"; `strict` refuses host bits (a prefix), otherwise keeps them (an interface address). */
export function parseCidr(text: string, strict: boolean): { addr: number; length: number } | null {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return null;
  const addr = parseIpv4(m[1]);
  const length = Number(m[2]);
  if (addr === null || length > 32) return null;
  if (strict && networkOf(addr, length) !== addr) return null;
  return { addr, length };
}

export function formatPrefix(p: Ipv4Prefix): string {
  return `${formatIpv4(p.base)}/${p.length}`;
}

/** "10.255.0.1/30" from an address and a prefix length. */
export function formatCidr(addr: number, length: number): string {
  return `${formatIpv4(addr)}/${length}`;
}

export function prefixContains(outer: Ipv4Prefix, addr: number): boolean {
  return addr >= outer.base && addr < outer.base + blockSize(outer.length);
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  const aEnd = a.base + blockSize(a.length);
  const bEnd = b.base + blockSize(b.length);
  return a.base < bEnd && b.base < aEnd;
}

/**
 * /30s inside 169.254.0.0/16 that AWS refuses for tunnel inside addresses (its VPN documentation).
 * Skipping them everywhere costs nothing and keeps a configured link-local pool valid on every cloud.
 */
const RESERVED_30S = ['169.254.0.0', '169.254.1.0', '169.254.2.0', '169.254.3.0', '169.254.4.0', '169.254.5.0', '169.254.169.252'].map(
  (a) => parseIpv4(a)!,
);

export class PoolExhausted extends Error {
  constructor(
    readonly wanted: number,
    readonly length: number,
    readonly capacity: number,
  ) {
    super(`needs ${wanted} /${length} blocks but the pool holds ${capacity}`);
    this.name = 'PoolExhausted';
  }
}

/**
 * Hands out aligned blocks of one size from a list of prefixes, in order, skipping reserved /30s and
 * blocks already taken. Deterministic: the same requests in the same order give the same blocks.
 */
export class BlockAllocator {
  constructor(
    private readonly pools: Ipv4Prefix[],
    private readonly length: number,
    /** Blocks already handed out; shared between allocators whose pools may overlap (per-site inner pools). */
    private readonly taken = new Set<number>(),
  ) {}

  /** Total blocks the pools could ever give (reserved ones excluded). */
  capacity(): number {
    return this.candidates().length;
  }

  private candidates(): number[] {
    const out: number[] = [];
    const size = blockSize(this.length);
    for (const p of this.pools) {
      if (p.length > this.length) continue;
      for (let b = p.base; b < p.base + blockSize(p.length); b += size) {
        if (this.length === 30 && RESERVED_30S.includes(b)) continue;
        out.push(b);
      }
    }
    return out;
  }

  /** Allocates `count` blocks at once, so an exhausted pool reports the whole need, not the first miss. */
  takeMany(count: number): number[] {
    const all = this.candidates();
    const free = all.filter((b) => !this.taken.has(b));
    if (free.length < count) throw new PoolExhausted(count + (all.length - free.length), this.length, all.length);
    const got = free.slice(0, count);
    for (const b of got) this.taken.add(b);
    return got;
  }
}
