// The NLRI decoder's wire forms (src/bgp/codec/nlri.ts: IPv4 keys, IPv6 words) and the text made from them must be
// exactly prefix.ts's canonical text, and encode back to the same octets, for any prefix: lengths 0..32 / 0..128,
// stray bits past the length, malformed fields.

import * as fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/codec';
import type { PrefixWire } from '../../../../src/bgp/codec/nlri';
import { decodePrefixWire, encodePrefixes, fieldWire, ipv4KeyString, ipv4WireKeys, ipv6WireWords, lazyPrefixes, prefixCount } from '../../../../src/bgp/codec/nlri';
import type { UpdateMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT as CTX } from '../../../../src/bgp/types';
import { formatIpv4, formatIpv6, prefixFromWire } from '../../../../src/bgp/prefix';

/** Octets biased towards zero groups, so "::" placement (RFC 5952 §4.2) is exercised hard. */
const octets16 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));
const octets4 = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** <length, prefix> tuples encoded by hand, so bits past each length reach the decoder (encodePrefixes clears them). */
function wireOf(items: readonly (readonly [Uint8Array, number])[]): Uint8Array {
  return Uint8Array.from(items.flatMap(([b, len]) => [len, ...b.subarray(0, Math.min(b.length, (len + 7) >> 3))]));
}

/** The text of a wire form, made the way a decoded message makes it: through a lazy field, read once. */
function textOf(wire: PrefixWire): string[] {
  const holder = { list: [] as string[] };
  lazyPrefixes(holder, 'list', wire);
  return holder.list;
}

/** A plain decoder written from RFC 4271 §4.3 over prefix.ts: the texts, or the error the codec must report. */
function reference(b: Uint8Array, end: number, afi: 1 | 2): string[] | string {
  const max = afi === 1 ? 32 : 128;
  const out: string[] = [];
  for (let p = 0; p < end; ) {
    const len = b[p];
    if (len > max) return `prefix length ${len} exceeds ${max}`;
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) return `prefix of length ${len} overruns the field`;
    out.push(prefixFromWire(afi, len, b, p + 1));
    p += 1 + n;
  }
  return out;
}

describe('decoded prefixes read as the reference decoder reads them, errors included', () => {
  for (const [afi, octets, max] of [
    [1, octets4, 32],
    [2, octets16, 128],
  ] as const) {
    it(`AFI ${afi}`, () => {
      fc.assert(
        // Lengths past the maximum are malformed; a cut end makes the last prefix overrun the field.
        fc.property(fc.array(fc.tuple(octets, fc.integer({ min: 0, max: max + 2 })), { maxLength: 30 }), fc.nat({ max: 3 }), (items, cut) => {
          const wire = wireOf(items);
          const end = Math.max(0, wire.length - cut);
          const want = reference(wire, end, afi);
          const got = decodePrefixWire(wire, 0, end, afi);
          if (typeof want === 'string') expect(got).toBe(want);
          else expect(textOf(got as PrefixWire)).toEqual(want);
        }),
        { numRuns: 3000 },
      );
    });
  }
});

test('known RFC 5952 cases', () => {
  const v6 = (hex: string, len = 128) => textOf(decodePrefixWire(wireOf([[Buffer.from(hex, 'hex'), len]]), 0, 1 + ((len + 7) >> 3), 2) as PrefixWire)[0];
  expect(v6('00000000000000000000000000000000', 0)).toBe('::/0');
  expect(v6('00000000000000000000000000000001')).toBe('::1/128');
  expect(v6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1/128');
  expect(v6('20010db8000100000000000000000000', 48)).toBe('2001:db8:1::/48');
  expect(v6('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1/128');
  expect(v6('fe80000000000000087a97fffe74869a')).toBe('fe80::87a:97ff:fe74:869a/128');
  // Stray bits past the length are cleared (RFC 4760 §5): /47 ends inside the sixth octet.
  expect(v6('20010db800ff00000000000000000000', 47)).toBe('2001:db8:fe::/47');
  expect(formatIpv6(Buffer.from('20010db8000000000001000000000001', 'hex'))).toBe('2001:db8::1:0:0:1');
  expect(textOf(decodePrefixWire(Uint8Array.of(17, 10, 1, 255), 0, 4, 1) as PrefixWire)).toEqual(['10.1.128.0/17']);
  expect(formatIpv4(Uint8Array.of(10, 1, 128, 0))).toBe('10.1.128.0');
});

test('encode then decode gives the canonical text back, for both families', () => {
  for (const [afi, octets, max] of [
    [1, octets4, 32],
    [2, octets16, 128],
  ] as const) {
    fc.assert(
      fc.property(fc.array(fc.tuple(octets, fc.integer({ min: 0, max }))), (items) => {
        const text = items.map(([b, len]) => prefixFromWire(afi, len, b, 0));
        const wire = encodePrefixes(text, afi);
        expect(textOf(decodePrefixWire(wire, 0, wire.length, afi) as PrefixWire)).toEqual(text);
      }),
    );
  }
});

/** The key a canonical IPv4 prefix text stands for, computed from the text alone. */
function keyOfText(p: string): number {
  const [addr, len] = p.split('/');
  return addr.split('.').reduce((a, o) => a * 256 + Number(o), 0) * 64 + Number(len);
}

test('IPv4 wire keys are address * 64 + length of the text, stray bits past the length cleared', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(octets4, fc.integer({ min: 0, max: 32 })), { maxLength: 40 }), (items) => {
      const keys = decodePrefixWire(wireOf(items), 0, wireOf(items).length, 1) as number[];
      expect(keys).toEqual(textOf(keys).map(keyOfText));
      expect(keys.map(ipv4KeyString)).toEqual(textOf(keys));
    }),
    { numRuns: 2000 },
  );
});

test('only decoded lists have a wire form, and keep it once read as text', () => {
  const v6 = textOf(decodePrefixWire(encodePrefixes(['2001:db8::/32', '::/0'], 2), 0, 6, 2) as PrefixWire);
  expect(v6).toEqual(['2001:db8::/32', '::/0']);
  expect(ipv6WireWords(v6)).toEqual(Uint32Array.of(0x20010db8, 0, 0, 0, 32, 0, 0, 0, 0, 0));
  expect(ipv4WireKeys(v6)).toBeUndefined();
  expect(ipv4WireKeys(['10.0.0.0/8'])).toBeUndefined();
  expect(ipv6WireWords(['2001:db8::/32'])).toBeUndefined();
  const v4 = textOf(decodePrefixWire(Uint8Array.of(0, 32, 255, 255, 255, 255, 9, 0x80, 0x7f), 0, 9, 1) as PrefixWire);
  expect(v4).toEqual(['0.0.0.0/0', '255.255.255.255/32', '128.0.0.0/9']);
  expect(ipv4WireKeys(v4)).toEqual([0, 0xffffffff * 64 + 32, 0x80000000 * 64 + 9]);
  expect(ipv6WireWords(v4)).toBeUndefined();
});

describe('a decoded UPDATE keeps its IPv4 fields as keys until they are read', () => {
  const update = () =>
    decodeMessage(
      encodeMessage({ type: 'update', withdrawn: ['10.9.0.0/16'], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'] }, CTX),
      CTX,
    ) as UpdateMessage;

  it('gives the keys and counts without making text, and reads, compares and serializes as plain lists', () => {
    const msg = update();
    expect(fieldWire(msg, 'nlri')).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'].map(keyOfText));
    expect(prefixCount(msg, 'nlri')).toBe(3);
    expect(prefixCount(msg, 'withdrawn')).toBe(1);
    expect(Object.keys(msg)).toEqual(['type', 'withdrawn', 'attributes', 'nlri']);
    expect(msg).toEqual({ type: 'update', withdrawn: ['10.9.0.0/16'], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'] });
    expect(JSON.parse(JSON.stringify(update())).nlri).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25']);
    expect({ ...update() }.withdrawn).toEqual(['10.9.0.0/16']);
    // Read once, it is a plain array; its keys still come with it.
    expect(Array.isArray(msg.nlri)).toBe(true);
    expect(msg.nlri).toBe(msg.nlri);
    expect(fieldWire(msg, 'nlri')).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'].map(keyOfText));
  });

  it('forgets the keys when the field is replaced or changed', () => {
    const msg = update();
    msg.nlri = ['192.0.2.0/24'];
    expect(fieldWire(msg, 'nlri')).toBeUndefined();
    expect(prefixCount(msg, 'nlri')).toBe(1);
    const other = update();
    other.withdrawn.push('10.10.0.0/16');
    expect(fieldWire(other, 'withdrawn')).toBeUndefined();
    expect(prefixCount(other, 'withdrawn')).toBe(2);
  });
});

describe('a decoded UPDATE keeps its IPv6 fields as words until they are read', () => {
  const update = () =>
    decodeMessage(
      encodeMessage(
        {
          type: 'update',
          withdrawn: [],
          attributes: {
            origin: 0,
            asPath: [],
            mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: ['2001:db8:1::/48', '::/0'] },
            mpUnreach: { afi: 2, safi: 1, withdrawn: ['2a00:7::/32'] },
          },
          nlri: [],
        },
        CTX,
      ),
      CTX,
    ) as UpdateMessage;
  const plain = {
    origin: 0,
    asPath: [],
    mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: ['2001:db8:1::/48', '::/0'] },
    mpUnreach: { afi: 2, safi: 1, withdrawn: ['2a00:7::/32'] },
  };

  it('gives the words and counts without making text, and reads and compares as plain lists', () => {
    const msg = update();
    const reach = msg.attributes.mpReach!;
    expect(fieldWire(reach, 'nlri')).toEqual(Uint32Array.of(0x20010db8, 0x00010000, 0, 0, 48, 0, 0, 0, 0, 0));
    expect(prefixCount(reach, 'nlri')).toBe(2);
    expect(prefixCount(msg.attributes.mpUnreach!, 'withdrawn')).toBe(1);
    expect(msg.attributes).toMatchObject(plain);
    expect(JSON.parse(JSON.stringify(update().attributes)).mpUnreach.withdrawn).toEqual(['2a00:7::/32']);
    expect(fieldWire(reach, 'nlri')).toHaveLength(10);
  });

  it('forgets the words when the field is changed', () => {
    const msg = update();
    msg.attributes.mpReach!.nlri.push('2001:db8:2::/48');
    expect(fieldWire(msg.attributes.mpReach!, 'nlri')).toBeUndefined();
    expect(prefixCount(msg.attributes.mpReach!, 'nlri')).toBe(3);
  });
});
