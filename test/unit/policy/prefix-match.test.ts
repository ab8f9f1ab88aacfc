// Prefix filters with FRR prefix-list ge/le semantics, and own-prefix cover checks.

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
