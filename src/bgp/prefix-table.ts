// A map from prefixes to a few int32 columns, in typed arrays: no object and no string per entry, so a million
// routes cost about 20 bytes each instead of the ~100 of a Map<string, object>. Prefix strings only at the edges.

import type { Prefix } from './types';
import { scanIpv6 } from './prefix';
import { ipv4KeyString, ipv6WordsPrefix, keyAddress, keyLength } from './codec/nlri';

/** Entry ids of IPv6 prefixes carry this bit; IPv4 ids are below it. */
const V6 = 0x40000000;
const EMPTY = -1;
const DELETED = -2;
/** Bits of FamilyStore.flags: a freed entry, and the owner's mark (LocRib: "changed since the last drain"). */
const FREED = 1;
const MARKED = 2;
/**
 * The hash keeps the last two bits of a prefix's network part as its own low bits (the rest of the key is mixed
 * without them), so four neighbouring prefixes of one length (10.0.0.0/24 .. 10.0.3.0/24) have neighbouring index
 * slots. A table sent in prefix order (FRR, for one, walks a trie to send it) then finds three of each four slots in
 * a cache line just read, where a fully mixed hash made each lookup a cache and TLB miss (~250 ns here, half of a
 * prefix's import time). Wider groups cluster more: four keep probes short (1.6 slots on average for a dense run of
 * /24s, 0.4 with no group; 3.4 with eight, 7.2 with sixteen), and a feed in no order costs what it did.
 */
const NEIGHBOR_MASK = 3;

/**
 * The entries of one family: keys (1 word for IPv4, 4 for IPv6, plus the length), the int32 columns, and an
 * open-addressing index (linear probing) from key to entry id, neighbouring prefixes in neighbouring slots
 * (NEIGHBOR_MASK). Each index slot holds the entry id and the key's full hash side by side: a probe passes other
 * keys without reading their entries (a cache miss each in a big table), and a rebuild moves slots without hashing
 * keys again. Entry ids are stable while the entry lives (growth copies the arrays, it does not renumber); deleted
 * ids are reused, newest first.
 */
class FamilyStore {
  keys: Uint32Array;
  lens: Uint8Array;
  /** Column c of entry e at cols[e * ncols + c]. */
  cols: Int32Array;
  /** Per slot s: index[2s] the entry id, or EMPTY / DELETED; index[2s + 1] the hash of its key. */
  index: Int32Array;
  /** Slots in the index (a power of two). */
  slots: number;
  /** Entries ever allocated (the high-water mark); ids below it are live unless on the free list. */
  used = 0;
  live = 0;
  /** Occupied index slots, DELETED ones included (they lengthen probes until the next rebuild). */
  occupied = 0;
  private free: number[] = [];
  /** Per entry FREED (iteration skips those) and MARKED bits: a byte the entry has anyway, so a mark costs nothing. */
  flags: Uint8Array;

  constructor(
    private readonly words: 1 | 4,
    private readonly ncols: number,
  ) {
    this.keys = new Uint32Array(16 * words);
    this.lens = new Uint8Array(16);
    this.cols = new Int32Array(16 * ncols);
    this.flags = new Uint8Array(16);
    this.slots = 16;
    this.index = emptyIndex(16);
  }

  hash(k: Uint32Array, ko: number, len: number): number {
    return prefixHash(k, ko, len, this.words);
  }

  private equals(e: number, k: Uint32Array, ko: number, len: number): boolean {
    if (this.lens[e] !== len) return false;
    const w = this.words;
    for (let i = 0; i < w; i++) if (this.keys[e * w + i] !== k[ko + i]) return false;
    return true;
  }

  find(k: Uint32Array, ko: number, len: number): number {
    const mask = this.slots - 1;
    const index = this.index;
    const h = this.hash(k, ko, len);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = index[2 * s];
      if (e === EMPTY) return -1;
      if (e >= 0 && index[2 * s + 1] === h && this.equals(e, k, ko, len)) return e;
    }
  }

  /** The entry for the key, created (columns zero) when absent. */
  insert(k: Uint32Array, ko: number, len: number): number {
    if ((this.occupied + 1) * 4 > this.slots * 3) this.rebuildIndex(this.live + 1);
    // One probe: stop at the key, or at an empty slot (the key is absent: take the first tombstone seen, if any).
    const mask = this.slots - 1;
    const index = this.index;
    const h = this.hash(k, ko, len);
    let tomb = -1;
    let s = h & mask;
    for (;;) {
      const x = index[2 * s];
      if (x === EMPTY) break;
      if (x === DELETED) {
        if (tomb < 0) tomb = s;
      } else if (index[2 * s + 1] === h && this.equals(x, k, ko, len)) {
        return x;
      }
      s = (s + 1) & mask;
    }
    const e = this.allocEntry();
    const w = this.words;
    for (let i = 0; i < w; i++) this.keys[e * w + i] = k[ko + i];
    this.lens[e] = len;
    this.flags[e] = 0;
    const c0 = e * this.ncols;
    for (let c = 0; c < this.ncols; c++) this.cols[c0 + c] = 0;
    if (tomb >= 0) s = tomb;
    else this.occupied++;
    index[2 * s] = e;
    index[2 * s + 1] = h;
    this.live++;
    return e;
  }

  remove(e: number): void {
    const w = this.words;
    const mask = this.slots - 1;
    const index = this.index;
    for (let s = this.hash(this.keys, e * w, this.lens[e]) & mask; ; s = (s + 1) & mask) {
      const x = index[2 * s];
      if (x === EMPTY) throw new Error(`prefix table: entry ${e} missing from its index`);
      if (x === e) {
        index[2 * s] = DELETED;
        break;
      }
    }
    this.flags[e] = FREED;
    this.free.push(e);
    this.live--;
    // Shrink the index (and drop tombstones) when it is mostly empty, so a table that held a million routes once
    // does not keep its largest index forever.
    if (this.slots > 64 && this.live * 8 < this.slots) this.rebuildIndex(this.live);
  }

  clear(): void {
    this.keys = new Uint32Array(16 * this.words);
    this.lens = new Uint8Array(16);
    this.cols = new Int32Array(16 * this.ncols);
    this.flags = new Uint8Array(16);
    this.slots = 16;
    this.index = emptyIndex(16);
    this.used = this.live = this.occupied = 0;
    this.free = [];
  }

  private allocEntry(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.lens.length) {
      const cap = this.lens.length * 2;
      this.keys = grow32(this.keys, cap * this.words);
      this.lens = grow8(this.lens, cap);
      this.flags = grow8(this.flags, cap);
      const cols = new Int32Array(cap * this.ncols);
      cols.set(this.cols);
      this.cols = cols;
    }
    return this.used++;
  }

  /** A fresh index for `n` entries at most half full (tombstones gone); slots move with their hash, keys are not read. */
  private rebuildIndex(n: number): void {
    let size = 16;
    while (size < n * 2) size *= 2;
    const index = emptyIndex(size);
    const mask = size - 1;
    const old = this.index;
    for (let t = 0; t < this.slots; t++) {
      const e = old[2 * t];
      if (e < 0) continue;
      const h = old[2 * t + 1];
      let s = h & mask;
      while (index[2 * s] !== EMPTY) s = (s + 1) & mask;
      index[2 * s] = e;
      index[2 * s + 1] = h;
    }
    this.index = index;
    this.slots = size;
    this.occupied = this.live;
  }
}

/**
 * The index hash of a key (`words` address words at k[ko], and the length): mixed, but for its two low bits, which are
 * the network part's last two (NEIGHBOR_MASK).
 */
export function prefixHash(k: Uint32Array, ko: number, len: number, words: number): number {
  // Where the network part ends; its last two bits may start in the word before: only one is then kept.
  let low = 0;
  let lastWord = -1;
  if (len > 0) {
    lastWord = (len - 1) >>> 5;
    low = (k[ko + lastWord] >>> (31 - ((len - 1) & 31))) & NEIGHBOR_MASK;
  }
  let h = Math.imul(len + 1, 0x9e3779b1);
  for (let i = 0; i < words; i++) {
    let x = k[ko + i];
    if (i === lastWord) x ^= low << (31 - ((len - 1) & 31));
    h ^= x;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  }
  // MurmurHash3's finalizer: every input bit reaches the low bits that pick a slot (a multiply alone moves bits up only).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h & ~NEIGHBOR_MASK) | low;
}

/** An index of `slots` empty slots (two int32 each: entry id, hash). */
function emptyIndex(slots: number): Int32Array {
  const index = new Int32Array(2 * slots);
  for (let s = 0; s < 2 * slots; s += 2) index[s] = EMPTY;
  return index;
}

function grow32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function grow8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

/**
 * A prefix as the tables take it: its canonical text, or a number they use without parsing or making a string. A
 * number >= 0 is an IPv4 prefix as its wire key (address * 64 + length, host bits clear: codec decodeIpv4Keys); a
 * number < 0 is ipv6Ref(i), the i-th IPv6 prefix of the word list last given to bindIpv6Words. An IPv6 ref is valid
 * only until the next bind: the import path (a decoded list) and the FIB (a batch's words) bind, look the prefix up at
 * once, and keep no ref.
 */
export type PrefixRef = Prefix | number;

/** The IPv6 words (codec PrefixWire: five per prefix) that negative refs point into. */
let bound6: Uint32Array = new Uint32Array(0);

/** Makes ipv6Ref(i) the i-th prefix of `words` (four address words and the length at words[5i..5i+4]). */
export function bindIpv6Words(words: Uint32Array): void {
  bound6 = words;
}

/** The ref of the i-th prefix of the bound IPv6 words. */
export function ipv6Ref(i: number): number {
  return -1 - i;
}

/**
 * Where an IPv6 ref's words start in the bound list (boundIpv6Words(): four address words, then the length); throws
 * for a ref past its end (one kept after a rebind).
 */
export function ipv6RefAt(ref: number): number {
  const at = (-1 - ref) * 5;
  if (at + 5 > bound6.length) throw new Error(`prefix table: IPv6 ref ${ref} is past the bound word list`);
  return at;
}

/** The words negative refs point into now (read an IPv6 ref's at ipv6RefAt(ref)). */
export function boundIpv6Words(): Uint32Array {
  return bound6;
}

/** The length of the prefix a number ref stands for. */
export function refLength(ref: number): number {
  return ref >= 0 ? keyLength(ref) : bound6[ipv6RefAt(ref) + 4];
}

/** The canonical text of any ref (for logs and refusal reasons: it builds a string). */
export function prefixRefText(ref: PrefixRef): Prefix {
  if (typeof ref === 'string') return ref;
  if (ref >= 0) return ipv4KeyString(ref);
  const at = ipv6RefAt(ref);
  return ipv6WordsPrefix(bound6[at], bound6[at + 1], bound6[at + 2], bound6[at + 3], bound6[at + 4]);
}

const keyScratch = new Uint32Array(1);
/** The address of an IPv4 wire key, in a one-word array for FamilyStore. */
function keyWord(key: number): Uint32Array {
  keyScratch[0] = keyAddress(key);
  return keyScratch;
}

/**
 * Prefixes (canonical strings: "10.1.0.0/16", "2001:db8::/32", or IPv4 wire keys) to `ncols` int32 columns, all zero when an entry is
 * created. Entry ids are numbers, stable while the entry lives; ids of deleted entries are reused.
 */
export class PrefixTable {
  private readonly v4: FamilyStore;
  private readonly v6: FamilyStore;

  constructor(readonly ncols: number) {
    this.v4 = new FamilyStore(1, ncols);
    this.v6 = new FamilyStore(4, ncols);
  }

  get size(): number {
    return this.v4.live + this.v6.live;
  }

  /** The entry id of a prefix, or -1. */
  find(prefix: PrefixRef): number {
    if (typeof prefix === 'number') {
      if (prefix >= 0) return this.v4.find(keyWord(prefix), 0, keyLength(prefix));
      const at = ipv6RefAt(prefix);
      const e = this.v6.find(bound6, at, bound6[at + 4]);
      return e < 0 ? -1 : e | V6;
    }
    const len = parse(prefix);
    if (len < 0) return -1;
    if (len < 64) return this.v4.find(parsed.key, 0, len);
    const e = this.v6.find(parsed.key, 0, len - 64);
    return e < 0 ? -1 : e | V6;
  }

  has(prefix: PrefixRef): boolean {
    return this.find(prefix) >= 0;
  }

  /** The entry of a prefix, created with zero columns when absent. Throws on a string that is not a prefix. */
  insert(prefix: PrefixRef): number {
    if (typeof prefix === 'number') {
      if (prefix >= 0) return this.v4.insert(keyWord(prefix), 0, keyLength(prefix));
      const at = ipv6RefAt(prefix);
      return this.v6.insert(bound6, at, bound6[at + 4]) | V6;
    }
    const len = parse(prefix);
    if (len < 0) throw new Error(`prefix table: "${prefix}" is not a prefix`);
    if (len < 64) return this.v4.insert(parsed.key, 0, len);
    return this.v6.insert(parsed.key, 0, len - 64) | V6;
  }

  /** Removes an entry by id (its id may be handed out again by the next insert). */
  removeId(id: number): void {
    if (id & V6) this.v6.remove(id & ~V6);
    else this.v4.remove(id);
  }

  /** Removes a prefix; false when it was not there. */
  delete(prefix: PrefixRef): boolean {
    const id = this.find(prefix);
    if (id < 0) return false;
    this.removeId(id);
    return true;
  }

  /** The owner's mark on a live entry (cleared when the entry is created or removed). */
  marked(id: number): boolean {
    return id & V6 ? (this.v6.flags[id & ~V6] & MARKED) !== 0 : (this.v4.flags[id] & MARKED) !== 0;
  }

  setMark(id: number, on: boolean): void {
    const store = id & V6 ? this.v6 : this.v4;
    const e = id & ~V6;
    store.flags[e] = on ? store.flags[e] | MARKED : store.flags[e] & ~MARKED;
  }

  get(id: number, col: number): number {
    return id & V6 ? this.v6.cols[(id & ~V6) * this.ncols + col] : this.v4.cols[id * this.ncols + col];
  }

  set(id: number, col: number, value: number): void {
    if (id & V6) this.v6.cols[(id & ~V6) * this.ncols + col] = value;
    else this.v4.cols[id * this.ncols + col] = value;
  }

  /** An IPv4 entry's wire key (address * 64 + length, as the codec reads it); -1 for an IPv6 entry. */
  ipv4Key(id: number): number {
    return id & V6 ? -1 : this.v4.keys[id] * 64 + this.v4.lens[id];
  }

  /** The prefix string of an entry (built on each call). */
  prefixOf(id: number): Prefix {
    if (id & V6) {
      const e = id & ~V6;
      const k = this.v6.keys;
      return ipv6WordsPrefix(k[e * 4], k[e * 4 + 1], k[e * 4 + 2], k[e * 4 + 3], this.v6.lens[e]);
    }
    return ipv4KeyString(this.v4.keys[id] * 64 + this.v4.lens[id]);
  }

  /** Word i (0-3, most significant first) of an IPv6 entry's address. */
  ipv6Word(id: number, i: number): number {
    return this.v6.keys[(id & ~V6) * 4 + i];
  }

  /** An IPv6 entry's prefix length. */
  ipv6Length(id: number): number {
    return this.v6.lens[id & ~V6];
  }

  /**
   * Live entry ids, IPv4 first, in id order. Entries added while iterating may or may not be visited; removing
   * the current entry is safe.
   */
  *ids(): IterableIterator<number> {
    const v4 = this.v4;
    for (let e = 0; e < v4.used; e++) if (!(v4.flags[e] & FREED)) yield e;
    const v6 = this.v6;
    for (let e = 0; e < v6.used; e++) if (!(v6.flags[e] & FREED)) yield e | V6;
  }

  *prefixes(): IterableIterator<Prefix> {
    for (const id of this.ids()) yield this.prefixOf(id);
  }

  clear(): void {
    this.v4.clear();
    this.v6.clear();
  }

  /** Bytes held by the typed arrays (for the memory breakdown in status and benchmarks). */
  get bytes(): number {
    let n = 0;
    for (const s of [this.v4, this.v6]) n += s.keys.byteLength + s.lens.byteLength + s.cols.byteLength + s.index.byteLength + s.flags.byteLength;
    return n;
  }

}

/**
 * The last prefix parsed, shared by every table: the import path looks one prefix up in several tables in a row
 * (pre-policy copy, Loc-RIB), and the strings it passes are the same object, so it is parsed once, not per table.
 * Safe because nothing parses between a parse and the probe that reads `key` (one thread, no callbacks).
 */
const parsed = { key: new Uint32Array(4), text: undefined as string | undefined, len: -1 };

/**
 * Parses a canonical prefix into parsed.key; returns the length (+64 for IPv6), or -1 when the text is not a
 * prefix. Both by hand, no string made (the hot path: every NLRI goes through here).
 */
function parse(p: string): number {
  if (p === parsed.text) return parsed.len;
  const len = parseText(p, parsed.key);
  parsed.text = p;
  parsed.len = len;
  return len;
}

const groups6 = new Uint16Array(8);
function parseText(p: string, key: Uint32Array): number {
  const slash = p.indexOf('/');
  if (slash < 0) return -1;
  const len = parseLen(p, slash + 1);
  if (p.indexOf(':') < 0) {
    if (len < 0 || len > 32) return -1;
    let addr = 0;
    let octet = 0;
    let digits = 0;
    let dots = 0;
    for (let i = 0; i < slash; i++) {
      const c = p.charCodeAt(i);
      if (c === 46) {
        if (digits === 0 || octet > 255) return -1;
        addr = addr * 256 + octet;
        octet = 0;
        digits = 0;
        dots++;
      } else if (c >= 48 && c <= 57 && digits < 3) {
        octet = octet * 10 + (c - 48);
        digits++;
      } else return -1;
    }
    if (dots !== 3 || digits === 0 || octet > 255) return -1;
    key[0] = addr * 256 + octet;
    return len;
  }
  if (len < 0 || len > 128) return -1;
  const g = groups6;
  if (!scanIpv6(p, 0, slash, g)) return -1;
  for (let i = 0; i < 4; i++) key[i] = ((g[i * 2] << 16) | g[i * 2 + 1]) >>> 0;
  return len + 64;
}

/**
 * Any prefix through the same one-entry cache: the length (+64 for IPv6), or -1 when `p` is not a prefix; the
 * address is then in prefixWords (word 0 for IPv4, all four for IPv6). Import policy reads the IPv6 prefix the
 * Adj-RIB-In has just looked up this way, without parsing it again.
 */
export function parsePrefixKey(p: string): number {
  return parse(p);
}

/** The address parsePrefixKey() read; valid until the next call of any PrefixTable method. */
export const prefixWords: Readonly<Uint32Array> = parsed.key;

/** The family of `p` when it is the prefix the cache holds (4 or 6: no parse, no look at the text); else 0. */
export function cachedFamily(p: string): 0 | 4 | 6 {
  if (p !== parsed.text || parsed.len < 0) return 0;
  return parsed.len < 64 ? 4 : 6;
}

function parseLen(p: string, from: number): number {
  if (from >= p.length || p.length - from > 3) return -1;
  let n = 0;
  for (let i = from; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}
