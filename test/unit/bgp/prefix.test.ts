import fc from 'fast-check';
import {
  canonicalAddress, canonicalPrefix, formatIpv6, isDefaultRoute, parseIpv4, parseIpv6, prefixContains, prefixFamily,
  prefixFromWire, prefixLength, prefixToWire,
} from '../../../src/bgp/prefix';

describe('prefix text', () => {
  it.each([
    ['10.1.0.0/16', '10.1.0.0/16'],
    [' 192.0.2.1 ', '192.0.2.1/32'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
    ['::/0', '::/0'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['2001:0:0:1::/64', '2001:0:0:1::/64'],
  ])('%s -> %s', (input, out) => expect(canonicalPrefix(input)).toBe(out));

  it.each([
    ['10.1.2.3/16', /host bits set.*did you mean 10\.1\.0\.0\/16/],
    ['10.1.0.0/33', /length must be 0\.\.32/],
    ['300.1.0.0/8', /not an IPv4 or IPv6 address/],
    ['01.2.3.4/32', /not an IPv4/],
    ['2001:db8::1::/64', /not an IPv4 or IPv6/],
    ['2001:db8::/129', /0\.\.128/],
    ['', /not an IPv4/],
  ])('rejects %s', (input, msg) => expect(() => canonicalPrefix(input)).toThrow(msg));

  it('lenient mode masks host bits', () => expect(canonicalPrefix('10.1.2.3/16', false)).toBe('10.1.0.0/16'));

  it('RFC 5952: the longest zero run is compressed, the first on ties, a single zero group is not', () => {
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('family, length, default, containment', () => {
    expect(prefixFamily('10.0.0.0/8')).toBe('ipv4-unicast');
    expect(prefixFamily('2001:db8::/32')).toBe('ipv6-unicast');
    expect(prefixLength('2001:db8::/32')).toBe(32);
    expect(isDefaultRoute('0.0.0.0/0')).toBe(true);
    expect(isDefaultRoute('::/0')).toBe(true);
    expect(prefixContains('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(prefixContains('10.1.0.0/16', '10.1.0.0/16')).toBe(true);
    expect(prefixContains('10.1.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(prefixContains('10.0.0.0/9', '10.128.0.0/16')).toBe(false);
    expect(prefixContains('10.0.0.0/8', '2001:db8::/32')).toBe(false);
    expect(prefixContains('0.0.0.0/0', '192.0.2.0/24')).toBe(true);
  });
});

describe('prefix wire form', () => {
  it('decodes IPv4 NLRI with trailing bits ignored', () => {
    const buf = Uint8Array.from([10, 1, 0xff]);
    expect(prefixFromWire(1, 17, buf, 0)).toBe('10.1.128.0/17');
    expect(prefixFromWire(1, 0, buf, 0)).toBe('0.0.0.0/0');
  });
  it('decodes IPv6 NLRI', () => {
    expect(prefixFromWire(2, 32, Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]), 0)).toBe('2001:db8::/32');
  });
  it('round trips any prefix through the wire form', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128), (v4, raw, len) => {
        const afi = v4 ? 1 : 2;
        const length = v4 ? len % 33 : len;
        const p = prefixFromWire(afi, length, raw, 0);
        expect(canonicalPrefix(p)).toBe(p);
        const w = prefixToWire(p);
        expect(w.length).toBe(length);
        expect(w.octets.length).toBe((length + 7) >> 3);
        expect(prefixFromWire(afi, length, w.octets, 0)).toBe(p);
      }),
    );
  });
  it('formats every 16-byte value as text that parses back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(parseIpv6(formatIpv6(b))).toEqual(b);
      }),
    );
  });
});

describe('parseIpv4', () => {
  /** The rule written plainly: four dot-separated decimals of 1-3 digits, no leading zero, each at most 255. */
  const reference = (t: string): number[] | null => {
    const parts = t.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
    return parts.map(Number);
  };

  it.each(['0.0.0.0', '255.255.255.255', '10.70.0.1', '192.0.2.99'])('reads %s', (t) => expect([...parseIpv4(t)!]).toEqual(reference(t)));

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1.2.3.1000', '1..3.4', '.1.2.3', '1.2.3.4.', ' 1.2.3.4', '1.2.3.a', '1.2.3.-1', '::1'])(
    'refuses %j',
    (t) => expect(parseIpv4(t)).toBeNull(),
  );

  it('agrees with the plain rule on any text made of digits and dots', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('0', '1', '2', '5', '9', '.', '25', '255', '256', '00', 'x'), { maxLength: 12 }).map((a) => a.join('')), (t) => {
        const got = parseIpv4(t);
        expect(got && [...got]).toEqual(reference(t));
      }),
      { numRuns: 5000 },
    );
  });
});
