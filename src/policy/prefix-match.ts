// Prefix filters ("10.0.0.0/8 le 24", FRR prefix-list semantics) and own-prefix cover checks, compiled to
// 32-bit words so the import path tests a received prefix without allocating or parsing it again (either family).

import type { Family, Prefix } from '../bgp/types';
import { canonicalPrefix, parsePrefix, PrefixError } from '../bgp/prefix';
import { boundIpv6Words, cachedFamily, ipv6RefAt, parsePrefixKey, prefixWords } from '../bgp/prefix-table';
import { keyAddress, keyLength } from '../bgp/codec/nlri';

/** A filter entry as written in the config: "P", "P le N", "P ge N", "P ge N le M", or the object form. */
export type PrefixFilterInput = string | { prefix: string; ge?: number; le?: number };

/** A prefix as four 32-bit words (IPv4 uses w[0] only). */
interface Bits {
  v6: boolean;
  len: number;
  w: [number, number, number, number];
}

export interface CompiledFilter extends Bits {
  /** The entry as text ("10.0.0.0/8 le 24"), for refusal reasons. */
  readonly text: string;
  readonly prefix: Prefix;
  /** Accepted prefix lengths, inclusive. */
  readonly min: number;
  readonly max: number;
}

function toBits(p: Prefix): Bits {
  const parsed = parsePrefix(p, false);
  const b = parsed.bytes;
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < b.length; i += 4) w[i >> 2] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  return { v6: b.length === 16, len: parsed.length, w };
}

/** Reused for every candidate: the import path must not allocate per IPv4 prefix. */
const scratch: Bits = { v6: false, len: 0, w: [0, 0, 0, 0] };

/**
 * Parses a prefix (canonical, as the codec produces them) into `scratch` through the prefix tables' one-entry parse
 * cache: the Adj-RIB-In has just looked the same string up, so neither family is parsed again. Anything the tables'
 * parser does not take goes through the full parser (which names what is wrong).
 */
function loadCandidate(p: Prefix): Bits {
  const len = parsePrefixKey(p);
  if (len >= 0) {
    const v6 = len >= 64;
    scratch.v6 = v6;
    scratch.len = v6 ? len - 64 : len;
    scratch.w[0] = prefixWords[0];
    scratch.w[1] = v6 ? prefixWords[1] : 0;
    scratch.w[2] = v6 ? prefixWords[2] : 0;
    scratch.w[3] = v6 ? prefixWords[3] : 0;
    return scratch;
  }
  const b = toBits(p);
  scratch.v6 = b.v6;
  scratch.len = b.len;
  scratch.w[0] = b.w[0];
  scratch.w[1] = b.w[1];
  scratch.w[2] = b.w[2];
  scratch.w[3] = b.w[3];
  return scratch;
}

/** A number ref of the prefix tables (an IPv4 wire key, or an IPv6 ref into the bound words) into `scratch`. */
function loadRef(ref: number): Bits {
  if (ref >= 0) {
    scratch.v6 = false;
    scratch.len = keyLength(ref);
    scratch.w[0] = keyAddress(ref);
    scratch.w[1] = scratch.w[2] = scratch.w[3] = 0;
    return scratch;
  }
  const words = boundIpv6Words();
  const at = ipv6RefAt(ref);
  scratch.v6 = true;
  scratch.len = words[at + 4];
  scratch.w[0] = words[at];
  scratch.w[1] = words[at + 1];
  scratch.w[2] = words[at + 2];
  scratch.w[3] = words[at + 3];
  return scratch;
}

/** True when a and b agree on their first `len` bits. */
function samePrefixBits(a: Bits, b: Bits, len: number): boolean {
  for (let i = 0; i < 4 && len > 0; i++, len -= 32) {
    const mask = len >= 32 ? 0xffffffff : ~(0xffffffff >>> len) >>> 0;
    if (((a.w[i] ^ b.w[i]) & mask) !== 0) return false;
  }
  return true;
}

/** Parses and validates one filter entry; throws PrefixError with a readable message. */
export function parsePrefixFilter(input: PrefixFilterInput): CompiledFilter {
  let prefixText: string;
  let ge: number | undefined;
  let le: number | undefined;
  if (typeof input === 'string') {
    const m = /^\s*(\S+)(?:\s+ge\s+(\d+))?(?:\s+le\s+(\d+))?\s*$/.exec(input);
    if (!m || !m[1].includes('/')) {
      throw new PrefixError(`"${input}" is not a prefix filter; expected "10.0.0.0/8", "10.0.0.0/8 le 24" or "10.0.0.0/8 ge 16 le 24"`);
    }
    prefixText = m[1];
    ge = m[2] === undefined ? undefined : Number(m[2]);
    le = m[3] === undefined ? undefined : Number(m[3]);
  } else {
    prefixText = input.prefix;
    ge = input.ge;
    le = input.le;
  }
  const prefix = canonicalPrefix(prefixText);
  const bits = toBits(prefix);
  const maxLen = bits.v6 ? 128 : 32;
  for (const [word, n] of [['ge', ge], ['le', le]] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < bits.len || n > maxLen)) {
      throw new PrefixError(`prefix filter "${prefix}": ${word} ${n} must lie in ${bits.len}..${maxLen}`);
    }
  }
  if (ge !== undefined && le !== undefined && ge > le) throw new PrefixError(`prefix filter "${prefix}": ge ${ge} is greater than le ${le}`);
  // FRR prefix-list semantics: no ge/le = exact; "le N" = len..N; "ge N" = N..max; both = ge..le.
  const min = ge ?? bits.len;
  const max = le ?? (ge !== undefined ? maxLen : bits.len);
  const text = prefix + (ge !== undefined ? ` ge ${ge}` : '') + (le !== undefined ? ` le ${le}` : '');
  return { ...bits, text, prefix, min, max };
}

/** An ordered list of filter entries; match() returns the first entry that matches. */
export class PrefixList {
  readonly entries: readonly CompiledFilter[];
  private readonly hasV4: boolean;
  private readonly hasV6: boolean;
  /** The family's first entry when it matches every prefix of the family ("0.0.0.0/0 le 32"): it always wins. */
  private readonly allV4: CompiledFilter | undefined;
  private readonly allV6: CompiledFilter | undefined;

  constructor(inputs: readonly PrefixFilterInput[] = []) {
    this.entries = inputs.map(parsePrefixFilter);
    this.hasV4 = this.entries.some((e) => !e.v6);
    this.hasV6 = this.entries.some((e) => e.v6);
    const first = (v6: boolean) => this.entries.find((e) => e.v6 === v6);
    const matchesAll = (e: CompiledFilter | undefined) => (e && e.len === 0 && e.min === 0 && e.max === (e.v6 ? 128 : 32) ? e : undefined);
    this.allV4 = matchesAll(first(false));
    this.allV6 = matchesAll(first(true));
  }

  get size(): number {
    return this.entries.length;
  }

  match(p: Prefix): CompiledFilter | undefined {
    if (this.entries.length === 0) return undefined;
    // The parse cache answers for a prefix looked up just before: includes() would flatten a concatenated string (the
    // decoder's text), a copy per prefix.
    const cached = cachedFamily(p);
    const v6 = cached === 0 ? p.includes(':') : cached === 6;
    if (v6 ? !this.hasV6 : !this.hasV4) return undefined;
    // An allow-everything list (the common import filter of a site that takes all its peer sends) needs no parse.
    const all = v6 ? this.allV6 : this.allV4;
    if (all) return all;
    return this.first(loadCandidate(p));
  }

  /** match() for a prefix given as a number ref of the prefix tables (PrefixRef: IPv4 wire key or IPv6 ref). */
  matchRef(ref: number): CompiledFilter | undefined {
    const v6 = ref < 0;
    if (v6 ? !this.hasV6 : !this.hasV4) return undefined;
    return (v6 ? this.allV6 : this.allV4) ?? this.first(loadRef(ref));
  }

  private first(c: Bits): CompiledFilter | undefined {
    for (const e of this.entries) {
      if (e.v6 === c.v6 && c.len >= e.min && c.len <= e.max && samePrefixBits(e, c, e.len)) return e;
    }
    return undefined;
  }
}

/** A set of our own prefixes; coveredBy(p) names one that p equals or covers (p is it or a shorter prefix over it). */
export class OwnPrefixes {
  private readonly own: readonly (Bits & { prefix: Prefix })[];

  constructor(prefixes: readonly Prefix[]) {
    this.own = prefixes.map((p) => {
      const prefix = canonicalPrefix(p);
      return { ...toBits(prefix), prefix };
    });
  }

  /** The canonical own prefixes. */
  get prefixes(): Prefix[] {
    return this.own.map((o) => o.prefix);
  }

  coveredBy(p: Prefix): Prefix | undefined {
    if (this.own.length === 0) return undefined;
    return this.coveredByBits(loadCandidate(p));
  }

  /** coveredBy() for a prefix given as a number ref of the prefix tables. */
  coveredByRef(ref: number): Prefix | undefined {
    if (this.own.length === 0) return undefined;
    return this.coveredByBits(loadRef(ref));
  }

  private coveredByBits(c: Bits): Prefix | undefined {
    for (const o of this.own) {
      if (o.v6 === c.v6 && c.len <= o.len && samePrefixBits(o, c, c.len)) return o.prefix;
    }
    return undefined;
  }
}

export function familyOfPrefix(p: Prefix): Family {
  return p.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}
