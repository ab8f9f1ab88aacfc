// Prefix filters with FRR prefix-list ge/le semantics, and own-prefix cover checks.

import fc from 'fast-check';
import { canonicalPrefix } from '../../../src/bgp/prefix';
import { OwnPrefixes, parsePrefixFilter, PrefixList } from '../../../src/policy/prefix-match';

describe('prefix filters', () => {
  const matches = (filter: string | { prefix: string; ge?: number; le?: number }, p: string) => new PrefixList([filter]).match(p) !== undefined;

  it('without ge/le matches the prefix exactly', () => {
    expect(matches('10.0.0.0/8', '10.0.0.0/8')).toBe(true);
    expect(matches('10.0.0.0/8', '10.1.0.0/16')).toBe(false);
    expect(matches('10.0.0.0/8', '0.0.0.0/0')).toBe(false);
  });

  it('le N accepts the prefix and more-specifics up to /N', () => {
    expect(matches('10.0.0.0/8 le 24', '10.0.0.0/8')).toBe(true);
    expect(matches('10.0.0.0/8 le 24', '10.200.3.0/24')).toBe(true);
    expect(matches('10.0.0.0/8 le 24', '10.200.3.128/25')).toBe(false);
    expect(matches('10.0.0.0/8 le 24', '11.0.0.0/16')).toBe(false);
  });

  it('ge N accepts more-specifics from /N to the family maximum', () => {
    expect(matches('10.0.0.0/8 ge 16', '10.0.0.0/8')).toBe(false);
    expect(matches('10.0.0.0/8 ge 16', '10.1.0.0/16')).toBe(true);
    expect(matches('10.0.0.0/8 ge 16', '10.1.2.3/32')).toBe(true);
  });

  it('ge and le together bound both ends; the object form means the same', () => {
    for (const f of ['10.0.0.0/8 ge 16 le 24', { prefix: '10.0.0.0/8', ge: 16, le: 24 }]) {
      expect(matches(f, '10.1.0.0/15')).toBe(false);
      expect(matches(f, '10.1.0.0/16')).toBe(true);
      expect(matches(f, '10.1.1.0/24')).toBe(true);
      expect(matches(f, '10.1.1.0/25')).toBe(false);
    }
  });

  it('works on odd lengths and on IPv6, and never across families', () => {
    expect(matches('172.16.0.0/12 le 32', '172.31.255.255/32')).toBe(true);
    expect(matches('172.16.0.0/12 le 32', '172.32.0.0/16')).toBe(false);
    expect(matches('2001:db8::/32 le 48', '2001:db8:ffff::/48')).toBe(true);
    expect(matches('2001:db8::/32 le 48', '2001:db9::/48')).toBe(false);
    expect(matches('2001:db8::/32 le 64', '2001:db8:0:1::/64')).toBe(true);
    expect(matches('::/0 le 128', '10.0.0.0/8')).toBe(false);
    expect(matches('0.0.0.0/0 le 32', '2001:db8::/32')).toBe(false);
    expect(matches('0.0.0.0/0 le 32', '10.1.2.0/24')).toBe(true);
  });

  it('returns the first matching entry, with its text', () => {
    const list = new PrefixList(['192.168.0.0/16 le 24', '10.0.0.0/8 le 24', '10.1.0.0/16']);
    expect(list.match('10.1.0.0/16')?.text).toBe('10.0.0.0/8 le 24');
  });

  it('rejects malformed entries with a readable message', () => {
    expect(() => parsePrefixFilter('10.0.0.0')).toThrow(/not a prefix filter/);
    expect(() => parsePrefixFilter('10.0.0.0/8 le 33')).toThrow(/le 33 must lie in 8..32/);
    expect(() => parsePrefixFilter('10.0.0.0/16 ge 8')).toThrow(/ge 8 must lie in 16..32/);
    expect(() => parsePrefixFilter('10.0.0.0/8 ge 24 le 16')).toThrow(/greater than/);
    expect(() => parsePrefixFilter('10.1.0.0/8')).toThrow(/host bits/);
    expect(() => parsePrefixFilter({ prefix: '10.0.0.0/8', le: 8.5 })).toThrow(/le 8.5/);
  });
});

describe('own prefixes', () => {
  const own = new OwnPrefixes(['10.1.0.0/16', '2001:db8:1::/48']);
  it('names the own prefix a route equals or covers', () => {
    expect(own.coveredBy('10.1.0.0/16')).toBe('10.1.0.0/16');
    expect(own.coveredBy('10.0.0.0/8')).toBe('10.1.0.0/16');
    expect(own.coveredBy('2001:db8::/32')).toBe('2001:db8:1::/48');
  });
  it('does not match siblings or other families', () => {
    expect(own.coveredBy('10.2.0.0/16')).toBeUndefined();
    expect(own.coveredBy('10.1.2.0/24')).toBeUndefined();
    expect(own.coveredBy('2001:db8:2::/48')).toBeUndefined();
  });
});

describe('a list is the first entry that matches, whatever its shape', () => {
  // Entries drawn so that allow-everything ones ("0.0.0.0/0 le 32", "::/0 le 128") come up often: the list answers
  // those without parsing the candidate, and must still answer exactly as checking each entry in order would.
  const v4Entry = fc.oneof(
    fc.constant('0.0.0.0/0 le 32'),
    fc.constant('0.0.0.0/0 le 24'),
    fc.constant('0.0.0.0/0'),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 8 })).map(([a, len, extra]) => `${a & (0xff << (8 - Math.min(8, len))) & 0xff}.0.0.0/${len} le ${Math.min(32, len + extra)}`),
  );
  const v6Entry = fc.constantFrom('::/0 le 128', '2001:db8::/32 le 64', '::/0');
  const v4Candidate = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, b, len]) => canonicalPrefix(`${a}.${b}.0.0/${len}`, false));
  const v6Candidate = fc.constantFrom('2001:db8::/48', '2001:db8:1::/64', '::/0', '2001:db9::/32');

  it('agrees with checking each entry in order (2,000 random lists and prefixes)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(v4Entry, v6Entry), { maxLength: 5 }), fc.oneof(v4Candidate, v6Candidate), (entries, p) => {
        const list = new PrefixList(entries);
        const oneByOne = entries.find((e) => new PrefixList([e]).match(p) !== undefined);
        expect(list.match(p)?.text).toBe(oneByOne === undefined ? undefined : parsePrefixFilter(oneByOne).text);
      }),
      { numRuns: 2000 },
    );
  });
});
