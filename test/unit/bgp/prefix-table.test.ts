// The typed-array prefix map the RIB and FIB keep their million entries in: behaves like a Map<string, int[]>
// for any sequence of inserts, updates and deletes, IPv4 and IPv6, across growth, shrinking and id reuse.

import fc from 'fast-check';
import { ipv4KeyString, ipv6WordsPrefix } from '../../../src/bgp/codec/nlri';
import { bindIpv6Words, ipv6Ref, prefixHash, PrefixTable, prefixRefText, refLength } from '../../../src/bgp/prefix-table';

describe('PrefixTable', () => {
  it('maps canonical IPv4 and IPv6 prefixes to zeroed columns and gives the strings back', () => {
    const t = new PrefixTable(2);
    const a = t.insert('10.1.0.0/16');
    const b = t.insert('2001:db8::/32');
    const c = t.insert('0.0.0.0/0');
    const d = t.insert('::/0');
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect([t.get(a, 0), t.get(a, 1), t.get(b, 1)]).toEqual([0, 0, 0]);
    t.set(a, 1, -7);
    t.set(b, 0, 2 ** 31 - 1);
    expect(t.get(a, 1)).toBe(-7);
    expect(t.get(b, 0)).toBe(2 ** 31 - 1);
    expect([t.prefixOf(a), t.prefixOf(b), t.prefixOf(c), t.prefixOf(d)]).toEqual(['10.1.0.0/16', '2001:db8::/32', '0.0.0.0/0', '::/0']);
    expect(t.prefixOf(t.insert('255.255.255.255/32'))).toBe('255.255.255.255/32');
    expect(t.prefixOf(t.insert('2001:db8:0:1::1/128'))).toBe('2001:db8:0:1::1/128');
    expect(t.insert('10.1.0.0/16')).toBe(a);
    expect(t.find('10.1.0.0/17')).toBe(-1);
    expect(t.size).toBe(6);
    expect([...t.prefixes()].sort()).toEqual(['0.0.0.0/0', '10.1.0.0/16', '2001:db8:0:1::1/128', '2001:db8::/32', '255.255.255.255/32', '::/0']);
  });

  it('refuses what is not a prefix, and finds nothing for it', () => {
    const t = new PrefixTable(1);
    for (const bad of ['10.0.0.0', '10.0.0/8', '10.0.0.0/33', '256.0.0.0/8', '10.0.0.0/', '2001:db8::/129', 'x/8', '1..2.3/8', '10.0.0.0/8 ']) {
      expect(t.find(bad)).toBe(-1);
      expect(() => t.insert(bad)).toThrow(/is not a prefix/);
    }
    expect(t.size).toBe(0);
  });

  it('frees its index when it empties: a table that held many entries does not keep its largest index', () => {
    const t = new PrefixTable(1);
    for (let i = 0; i < 20_000; i++) t.insert(`10.${i >> 8}.${i & 255}.0/24`);
    const full = t.bytes;
    let deleted = 0;
    for (let i = 0; i < 20_000; i++) if (t.delete(`10.${i >> 8}.${i & 255}.0/24`)) deleted++;
    expect(deleted).toBe(20_000);
    expect(t.size).toBe(0);
    expect(t.bytes).toBeLessThan(full);
    t.clear();
    expect(t.bytes).toBeLessThan(1000);
  });

  const arbPrefix = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, b, len]) => `10.${a}.${b}.0/${len}`),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 16, max: 128 })).map(([a, b, len]) => `2001:db8:${a.toString(16)}:${b.toString(16)}::/${len}`),
  );
  const arbOp = fc.oneof(
    fc.tuple(fc.constant('set' as const), arbPrefix, fc.integer({ min: 0, max: 2 }), fc.integer()),
    fc.tuple(fc.constant('del' as const), arbPrefix, fc.constant(0), fc.constant(0)),
    fc.tuple(fc.constant('mark' as const), arbPrefix, fc.integer({ min: 0, max: 1 }), fc.constant(0)),
  );

  it('behaves like a Map for any sequence of sets and deletes (ids stable while an entry lives)', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 400 }), (ops) => {
        const t = new PrefixTable(3);
        const ref = new Map<string, number[]>();
        const ids = new Map<string, number>();
        const marks = new Set<string>();
        for (const [op, p, col, v] of ops) {
          if (op === 'mark') {
            // A mark lives with its entry: set on a live one, gone when the entry is removed (and not on a new one).
            const id = t.find(p);
            if (id < 0) continue;
            t.setMark(id, col === 1);
            if (col === 1) marks.add(p);
            else marks.delete(p);
          } else if (op === 'set') {
            const id = t.insert(p);
            if (ids.has(p)) expect(id).toBe(ids.get(p));
            ids.set(p, id);
            const row = ref.get(p) ?? [0, 0, 0];
            row[col] = v;
            ref.set(p, row);
            t.set(id, col, v);
          } else {
            expect(t.delete(p)).toBe(ref.delete(p));
            ids.delete(p);
            marks.delete(p);
          }
        }
        expect(t.size).toBe(ref.size);
        for (const [p, row] of ref) {
          const id = t.find(p);
          expect(id).toBe(ids.get(p));
          expect([t.get(id, 0), t.get(id, 1), t.get(id, 2)]).toEqual(row);
          expect(t.prefixOf(id)).toBe(p);
          expect(t.marked(id)).toBe(marks.has(p));
        }
        expect(new Set([...t.prefixes()])).toEqual(new Set(ref.keys()));
      }),
      { numRuns: 300 },
    );
  });
});

test('an IPv4 prefix given as its wire key is the entry its text is', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })), { maxLength: 60 }), fc.boolean(), (items, byKeyFirst) => {
      const t = new PrefixTable(1);
      const texts = items.map(([a, len]) => ipv4KeyString((len === 0 ? 0 : ((a >>> (32 - len)) << (32 - len)) >>> 0) * 64 + len));
      const keys = texts.map((p) => {
        const [addr, len] = p.split('/');
        return addr.split('.').reduce((x, o) => x * 256 + Number(o), 0) * 64 + Number(len);
      });
      for (let i = 0; i < texts.length; i++) {
        const id = byKeyFirst ? t.insert(keys[i]) : t.insert(texts[i]);
        expect(byKeyFirst ? t.insert(texts[i]) : t.insert(keys[i])).toBe(id);
        expect(t.find(keys[i])).toBe(id);
        expect(t.prefixOf(id)).toBe(texts[i]);
        expect(t.ipv4Key(id)).toBe(keys[i]);
      }
      expect(t.size).toBe(new Set(texts).size);
      for (let i = 0; i < keys.length; i++) expect(t.delete(keys[i])).toBe(i === texts.indexOf(texts[i]));
      expect(t.size).toBe(0);
    }),
    { numRuns: 500 },
  );
});

test('an IPv6 prefix given as a ref into bound words is the entry its text is', () => {
  const word = fc.oneof(fc.constant(0), fc.constant(0x20010db8), fc.integer({ min: 0, max: 0xffffffff }));
  fc.assert(
    fc.property(fc.array(fc.tuple(word, word, word, word, fc.integer({ min: 0, max: 128 })), { maxLength: 40 }), fc.boolean(), (items, byRefFirst) => {
      // Host bits cleared, as the codec leaves them; duplicates allowed (a list may repeat a prefix).
      const words = Uint32Array.from(
        items.flatMap(([w0, w1, w2, w3, len]) => [...[w0, w1, w2, w3].map((x, i) => (len >= 32 * (i + 1) ? x : len <= 32 * i ? 0 : (x & ~(0xffffffff >>> (len - 32 * i))) >>> 0)), len]),
      );
      const texts = items.map((_, i) => ipv6WordsPrefix(words[5 * i], words[5 * i + 1], words[5 * i + 2], words[5 * i + 3], words[5 * i + 4]));
      const t = new PrefixTable(1);
      bindIpv6Words(words);
      for (let i = 0; i < texts.length; i++) {
        const ref = ipv6Ref(i);
        expect(prefixRefText(ref)).toBe(texts[i]);
        expect(refLength(ref)).toBe(items[i][4]);
        const id = byRefFirst ? t.insert(ref) : t.insert(texts[i]);
        expect(byRefFirst ? t.insert(texts[i]) : t.insert(ref)).toBe(id);
        expect(t.find(ref)).toBe(id);
        expect(t.prefixOf(id)).toBe(texts[i]);
      }
      expect(t.size).toBe(new Set(texts).size);
      for (let i = 0; i < texts.length; i++) expect(t.delete(ipv6Ref(i))).toBe(i === texts.indexOf(texts[i]));
      expect(t.size).toBe(0);
    }),
    { numRuns: 500 },
  );
});

test('a ref past the bound words is refused, not read as another prefix', () => {
  const t = new PrefixTable(1);
  bindIpv6Words(Uint32Array.of(0x20010db8, 0, 0, 0, 32));
  expect(t.insert(ipv6Ref(0))).toBe(t.find('2001:db8::/32'));
  bindIpv6Words(new Uint32Array(0));
  expect(() => t.find(ipv6Ref(0))).toThrow(/past the bound word list/);
  expect(() => prefixRefText(ipv6Ref(3))).toThrow(/past the bound word list/);
});

describe('the index hash', () => {
  /** The hash of an IPv4 prefix given as address and length (host bits cleared here). */
  const h4 = (addr: number, len: number) => prefixHash(Uint32Array.of(len === 0 ? 0 : ((addr >>> (32 - len)) << (32 - len)) >>> 0), 0, len, 1);
  /** The hash of an IPv6 prefix whose network part ends in word `w` at bit position `len`. */
  const h6 = (words: number[], len: number) => prefixHash(Uint32Array.from(words), 0, len, 4);

  it('gives four neighbouring prefixes of one length neighbouring slots: the network part ends in the two low bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 2, max: 32 }), (a, len) => {
        const step = 2 ** (32 - len);
        const base = Math.floor(a / (4 * step)) * 4 * step; // the first of its group of four
        const hashes = [0, 1, 2, 3].map((i) => h4(base + i * step, len));
        expect(hashes.map((h) => h & 3)).toEqual([0, 1, 2, 3]);
        expect(new Set(hashes.map((h) => h & ~3)).size).toBe(1);
      }),
    );
    // IPv6 /48s: the group is in the second word's upper half.
    const g = [0, 1, 2, 3].map((i) => h6([0x2a000001, (0x1234 * 4 + i) << 16, 0, 0], 48));
    expect(g.map((h) => h & 3)).toEqual([0, 1, 2, 3]);
    expect(new Set(g.map((h) => h & ~3)).size).toBe(1);
  });

  it('spreads groups evenly: the rest of the hash is mixed (dense /24 and /48 runs, any length)', () => {
    const buckets = 1024;
    // The i-th group of four of a dense run (its members share all but the low bits), and scattered distinct prefixes.
    const groups = [(i: number) => h4(0x10000000 + i * 1024, 24), (i: number) => h6([0x2a000000 + (i >>> 14), (i & 0x3fff) << 18, 0, 0], 48), (i: number) => h4(Math.imul(i, 0x9e3779b1) >>> 0, 20 + (i % 13))];
    for (const hash of groups) {
      const count = new Array<number>(buckets).fill(0);
      const n = 200_000;
      for (let i = 0; i < n; i++) count[(hash(i) >>> 2) & (buckets - 1)]++;
      // Uniform would put n / buckets (195) in each; a chi-square far above the bucket count means clustering.
      const mean = n / buckets;
      const chi = count.reduce((s, c) => s + (c - mean) ** 2 / mean, 0);
      expect(chi).toBeLessThan(buckets * 1.3);
    }
  });
});
