// The NLRI fast path (src/bgp/codec/nlri.ts) must produce exactly prefix.ts's canonical text, and
// encode back to the same octets, for any prefix: lengths 0..32 / 0..128, stray bits past the length.

import * as fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/codec';
import { decodeIpv4Keys, decodePrefixes, encodePrefixes, ipv4FieldKeys, ipv4KeyString, ipv4PrefixString, ipv4WireKeys, ipv6PrefixString, prefixCount } from '../../../../src/bgp/codec/nlri';
import type { UpdateMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT as CTX } from '../../../../src/bgp/types';
import { PrefixTable, primeIpv4Key } from '../../../../src/bgp/prefix-table';
import { formatIpv4, formatIpv6, prefixFromWire } from '../../../../src/bgp/prefix';

/** Octets biased towards zero groups, so "::" placement (RFC 5952 §4.2) is exercised hard. */
const octets16 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));

test('IPv6 text equals prefix.ts formatting for any octets and length', () => {
  fc.assert(
    fc.property(octets16, fc.integer({ min: 0, max: 128 }), fc.nat({ max: 3 }), (b, len, off) => {
      const buf = new Uint8Array(off + 16);
      buf.set(b, off);
      expect(ipv6PrefixString(buf, off, len)).toBe(prefixFromWire(2, len, buf, off));
    }),
    { numRuns: 5000 },
  );
});

test('IPv4 text equals prefix.ts formatting for any octets and length', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }), (b, len) => {
      expect(ipv4PrefixString(b, 0, len)).toBe(prefixFromWire(1, len, b, 0));
    }),
    { numRuns: 3000 },
  );
});

test('known RFC 5952 cases', () => {
  const v6 = (hex: string, len = 128) => ipv6PrefixString(Buffer.from(hex, 'hex'), 0, len);
  expect(v6('00000000000000000000000000000000', 0)).toBe('::/0');
  expect(v6('00000000000000000000000000000001')).toBe('::1/128');
  expect(v6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1/128');
  expect(v6('20010db8000100000000000000000000', 48)).toBe('2001:db8:1::/48');
  expect(v6('20010db80000000100010001000100010001'.slice(0, 32))).toBe('2001:db8:0:1:1:1:1:1/128');
  expect(v6('fe80000000000000087a97fffe74869a')).toBe('fe80::87a:97ff:fe74:869a/128');
  expect(formatIpv6(Buffer.from('20010db8000000000001000000000001', 'hex'))).toBe('2001:db8::1:0:0:1');
  expect(ipv4PrefixString(Uint8Array.of(10, 1, 255), 0, 17)).toBe('10.1.128.0/17');
  expect(formatIpv4(Uint8Array.of(10, 1, 128, 0))).toBe('10.1.128.0');
});

test('encode then decode gives the canonical text back, for both families', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(octets16, fc.integer({ min: 0, max: 128 }))), (items) => {
      const text = items.map(([b, len]) => ipv6PrefixString(b, 0, len));
      const out: string[] = [];
      const wire = encodePrefixes(text, 2);
      expect(decodePrefixes(wire, 0, wire.length, 2, out)).toBeNull();
      expect(out).toEqual(text);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }))), (items) => {
      const text = items.map(([b, len]) => ipv4PrefixString(b, 0, len));
      const out: string[] = [];
      const wire = encodePrefixes(text, 1);
      expect(decodePrefixes(wire, 0, wire.length, 1, out)).toBeNull();
      expect(out).toEqual(text);
    }),
  );
});

/** The key a canonical IPv4 prefix text stands for, computed from the text alone. */
function keyOfText(p: string): number {
  const [addr, len] = p.split('/');
  return addr.split('.').reduce((a, o) => a * 256 + Number(o), 0) * 64 + Number(len);
}

test('IPv4 wire keys agree with the decoded text, stray bits past the length included', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })), { maxLength: 40 }), (items) => {
      // Encoded by hand so that bits past each length reach the decoder (encodePrefixes would clear them).
      const wire = Uint8Array.from(items.flatMap(([b, len]) => [len, ...b.subarray(0, (len + 7) >> 3)]));
      const out: string[] = [];
      expect(decodePrefixes(wire, 0, wire.length, 1, out)).toBeNull();
      const keys = ipv4WireKeys(out);
      if (items.length === 0) return;
      expect(keys).toEqual(out.map(keyOfText));
    }),
    { numRuns: 2000 },
  );
});

test('a primed prefix is found in the tables where its text would find it', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })), { maxLength: 40 }), (items) => {
      const wire = Uint8Array.from(items.flatMap(([b, len]) => [len, ...b.subarray(0, (len + 7) >> 3)]));
      const out: string[] = [];
      decodePrefixes(wire, 0, wire.length, 1, out);
      const keys = ipv4WireKeys(out);
      const primed = new PrefixTable(1);
      for (let i = 0; i < out.length; i++) {
        primeIpv4Key(out[i], keys![i]);
        primed.set(primed.insert(out[i]), 0, i + 1);
      }
      // Looked up by freshly built strings (nothing primed for them): the same entries, the same texts back.
      for (let i = 0; i < out.length; i++) {
        const id = primed.find(String(out[i].split('/')[0]) + '/' + out[i].split('/')[1]);
        expect(id).toBeGreaterThanOrEqual(0);
        expect(primed.prefixOf(id)).toBe(out[i]);
      }
      expect(primed.size).toBe(new Set(out).size);
    }),
    { numRuns: 500 },
  );
});

test('only decoded IPv4 lists have wire keys', () => {
  const v6: string[] = [];
  decodePrefixes(encodePrefixes(['2001:db8::/32'], 2), 0, 5, 2, v6);
  expect(ipv4WireKeys(v6)).toBeUndefined();
  expect(ipv4WireKeys(['10.0.0.0/8'])).toBeUndefined();
  const v4: string[] = [];
  decodePrefixes(Uint8Array.of(0, 32, 255, 255, 255, 255, 9, 0x80, 0x7f), 0, 9, 1, v4);
  expect(v4).toEqual(['0.0.0.0/0', '255.255.255.255/32', '128.0.0.0/9']);
  expect(ipv4WireKeys(v4)).toEqual([0, 0xffffffff * 64 + 32, 0x80000000 * 64 + 9]);
});

test('syntax errors are reported, not thrown', () => {
  const out: string[] = [];
  expect(decodePrefixes(Uint8Array.of(33, 1, 2, 3, 4, 5), 0, 6, 1, out)).toMatch(/exceeds 32/);
  expect(decodePrefixes(Uint8Array.of(129), 0, 1, 2, out)).toMatch(/exceeds 128/);
  expect(decodePrefixes(Uint8Array.of(24, 10, 1), 0, 3, 1, out)).toMatch(/overruns/);
});

test('IPv4 fields read as keys give the keys and errors of the text decoder, stray bits past the length included', () => {
  const item = fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 34 }));
  fc.assert(
    fc.property(fc.array(item, { maxLength: 30 }), fc.nat({ max: 3 }), (items, cut) => {
      // Lengths 33 and 34 are malformed; a cut end makes the last prefix overrun the field.
      const wire = Uint8Array.from(items.flatMap(([b, len]) => [len, ...b.subarray(0, Math.min(4, (len + 7) >> 3))]));
      const end = Math.max(0, wire.length - cut);
      const text: string[] = [];
      const keys: number[] = [];
      const textErr = decodePrefixes(wire, 0, end, 1, text);
      expect(decodeIpv4Keys(wire, 0, end, keys)).toBe(textErr);
      if (textErr === null) {
        expect(keys).toEqual(text.map(keyOfText));
        expect(keys.map(ipv4KeyString)).toEqual(text);
      }
    }),
    { numRuns: 3000 },
  );
});

describe('a decoded UPDATE keeps its IPv4 fields as keys until they are read', () => {
  const update = () =>
    decodeMessage(
      encodeMessage({ type: 'update', withdrawn: ['10.9.0.0/16'], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'] }, CTX),
      CTX,
    ) as UpdateMessage;

  it('gives the keys and counts without making text, and reads, compares and serializes as plain lists', () => {
    const msg = update();
    expect(ipv4FieldKeys(msg, 'nlri')).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'].map(keyOfText));
    expect(prefixCount(msg, 'nlri')).toBe(3);
    expect(prefixCount(msg, 'withdrawn')).toBe(1);
    expect(Object.keys(msg)).toEqual(['type', 'withdrawn', 'attributes', 'nlri']);
    expect(msg).toEqual({ type: 'update', withdrawn: ['10.9.0.0/16'], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'] });
    expect(JSON.parse(JSON.stringify(update())).nlri).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25']);
    expect({ ...update() }.withdrawn).toEqual(['10.9.0.0/16']);
    // Read once, it is a plain array; its keys still come with it.
    expect(Array.isArray(msg.nlri)).toBe(true);
    expect(msg.nlri).toBe(msg.nlri);
    expect(ipv4FieldKeys(msg, 'nlri')).toEqual(['10.1.0.0/16', '0.0.0.0/0', '203.0.113.128/25'].map(keyOfText));
  });

  it('forgets the keys when the field is replaced or changed', () => {
    const msg = update();
    msg.nlri = ['192.0.2.0/24'];
    expect(ipv4FieldKeys(msg, 'nlri')).toBeUndefined();
    expect(prefixCount(msg, 'nlri')).toBe(1);
    const other = update();
    other.withdrawn.push('10.10.0.0/16');
    expect(ipv4FieldKeys(other, 'withdrawn')).toBeUndefined();
    expect(prefixCount(other, 'withdrawn')).toBe(2);
  });
});
