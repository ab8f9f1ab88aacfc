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

/** The split-and-regex parser parseIpv6 was before the hand scanner: the reference the scanner must agree with. */
function referenceParseIpv6(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return null;
  let head = text;
  let tail4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (!tail4) return null;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const toGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = toGroups(halves[0]);
  const right = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!left || !right) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i] >> 8;
    out[i * 2 + 1] = groups[i] & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

describe('parseIpv6 (hand scanner)', () => {
  const cases = [
    '::', '::1', '1::', '1::2', '2001:db8::', '2001:DB8:0:0:1:0:0:1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    '::ffff:192.0.2.1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3.4', '1.2.3.4', '1.2.3.4::', '::01.2.3.4',
    ':::', ':1::', '1:', ':1', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', 'g::', '::%eth0', '',
    'fe80::1%eth0', '0000:0000:0000:0000:0000:0000:0000:0001', '::ab.1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7',
  ];
  it.each(cases)('"%s" as the reference parser reads it', (text) => expect(parseIpv6(text)).toEqual(referenceParseIpv6(text)));

  it('agrees with the reference on random text over the address alphabet', () => {
    const ch = fc.constantFrom(...'0123456789abcdefABCDEF:::::.g%');
    fc.assert(fc.property(fc.string({ unit: ch, maxLength: 48 }), (text) => expect(parseIpv6(text)).toEqual(referenceParseIpv6(text))), { numRuns: 20_000 });
  });

  it('agrees with the reference on text made of groups, colons and IPv4 tails (mostly near-valid)', () => {
    const token = fc.constantFrom('0', '1', 'ab', 'FFFF', '0db8', '12345', ':', '::', '.', '1.2.3.4', '255.0.0.01', '%', '');
    const text = fc.array(token, { maxLength: 18 }).map((t) => t.join(''));
    const grouped = fc.array(fc.constantFrom('0', '1', 'ab', 'ffff', '', '1.2.3.4'), { minLength: 1, maxLength: 10 }).map((g) => g.join(':'));
    fc.assert(fc.property(fc.oneof(text, grouped), (t) => expect(parseIpv6(t)).toEqual(referenceParseIpv6(t))), { numRuns: 20_000 });
  });

  it('reads back every address formatIpv6 writes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(7), fc.nat(8), (b, from, zeros) => {
        // Runs of zero groups, so "::" shows up in every position.
        for (let i = from * 2; i < Math.min(16, (from + zeros) * 2); i++) b[i] = 0;
        expect(parseIpv6(formatIpv6(b))).toEqual(b);
      }),
      { numRuns: 5_000 },
    );
  });
});
