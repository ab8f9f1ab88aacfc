// UPDATE details not covered by the fixture folders: AS_PATH splitting, the RFC 6793 AS4 encode and merge
// rules, extended messages, decoded values owning their bytes, and encoder input checks.

import { decodeMessage, EncodeError, encodeMessage } from '../../../../src/bgp/codec';
import { BgpMessageError } from '../../../../src/bgp/errors';
import type { AsPathSegment, CodecContext, UpdateMessage } from '../../../../src/bgp/types';
import { AS_TRANS } from '../../../../src/bgp/types';
import { mergeAs4Path } from '../../../../src/bgp/codec/aspath';
import { bytesToHex, hexToBytes, messageHex } from './hex';

const four: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: true };
const two: CodecContext = { fourOctetAs: false, extendedMessage: false, ebgp: true };
const ibgp2: CodecContext = { ...two, ebgp: false };

function update(attributes: UpdateMessage['attributes'], nlri = ['10.0.0.0/8']): UpdateMessage {
  return { type: 'update', withdrawn: [], nlri, attributes: { origin: 0, nextHop: '192.0.2.1', ...attributes } };
}
const decodeUpdate = (b: Uint8Array, ctx: CodecContext) => decodeMessage(b, ctx) as UpdateMessage;

/** The attributes of an encoded UPDATE as [flags, type, value-hex] triples, straight from the bytes. */
function rawAttributes(b: Buffer): [number, number, string][] {
  const wlen = b.readUInt16BE(19);
  let p = 23 + wlen;
  const end = p + b.readUInt16BE(21 + wlen);
  const out: [number, number, string][] = [];
  while (p < end) {
    const ext = (b[p] & 0x10) !== 0;
    const len = ext ? b.readUInt16BE(p + 2) : b[p + 2];
    const v = p + (ext ? 4 : 3);
    out.push([b[p], b[p + 1], b.subarray(v, v + len).toString('hex')]);
    p = v + len;
  }
  return out;
}

test('an AS_SEQUENCE of more than 255 ASNs is split into segments of at most 255, with Extended Length', () => {
  const asns = Array.from({ length: 600 }, (_, i) => 64512 + (i % 1000));
  const b = encodeMessage(update({ asPath: [{ type: 2, asns }] }), four);
  const asPath = rawAttributes(b).find(([, t]) => t === 2)!;
  expect(asPath[0] & 0x10).toBe(0x10);
  const decoded = decodeUpdate(b, four).attributes.asPath!;
  expect(decoded.map((s) => [s.type, s.asns.length])).toEqual([
    [2, 255],
    [2, 255],
    [2, 90],
  ]);
  expect(decoded.flatMap((s) => s.asns)).toEqual(asns);
});

test('empty segments are not put on the wire (a zero-length segment is malformed)', () => {
  const b = encodeMessage(update({ asPath: [{ type: 2, asns: [] }, { type: 2, asns: [65001] }] }), four);
  expect(decodeUpdate(b, four).attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
});

describe('RFC 6793 on a 2-octet session', () => {
  test('2-octet-only paths need no AS4_PATH', () => {
    const b = encodeMessage(update({ asPath: [{ type: 2, asns: [65001, 65002] }] }), two);
    expect(rawAttributes(b).map(([, t]) => t)).toEqual([1, 2, 3]);
    expect(rawAttributes(b)[1][2]).toBe('0202fde9fdea');
  });

  test('4-octet ASNs become AS_TRANS with AS4_PATH (confederation segments left out) and AS4_AGGREGATOR', () => {
    const asPath: AsPathSegment[] = [
      { type: 3, asns: [64512] },
      { type: 2, asns: [65001, 4200000000] },
      { type: 1, asns: [4200000001, 7] },
    ];
    const b = encodeMessage(update({ asPath, aggregator: { asn: 4200000002, address: '192.0.2.9' } }), ibgp2);
    const attrs = rawAttributes(b);
    expect(attrs.map(([f, t]) => [f, t])).toEqual([
      [0x40, 1],
      [0x40, 2],
      [0x40, 3],
      [0xc0, 7],
      [0xc0, 17],
      [0xc0, 18],
    ]);
    expect(attrs[1][2]).toBe('0301fc00' + '0202fde95ba0' + '01025ba00007');
    expect(attrs[3][2]).toBe('5ba0c0000209');
    expect(attrs[4][2]).toBe('02020000fde9fa56ea00' + '0102fa56ea0100000007');
    expect(attrs[5][2]).toBe('fa56ea02c0000209');
    expect(decodeUpdate(b, ibgp2).attributes).toMatchObject({ asPath, aggregator: { asn: 4200000002, address: '192.0.2.9' } });
  });

  const body = (asPath: string, as4Path: string, extra = '') =>
    messageHex(2, [
      '0000',
      (4 + 3 + asPath.length / 2 + 7 + 3 + as4Path.length / 2 + extra.length / 2).toString(16).padStart(4, '0'),
      '40010100',
      '4002' + (asPath.length / 2).toString(16).padStart(2, '0') + asPath,
      '400304c0000201',
      'c011' + (as4Path.length / 2).toString(16).padStart(2, '0') + as4Path,
      extra,
      '080a',
    ]);

  test('an OLD speaker prepended to the path: its leading ASNs are taken from AS_PATH (§4.2.3)', () => {
    // AS_PATH 65010 65011 AS_TRANS 65001, AS4_PATH 4200000000 65001: the first two came from 2-octet speakers.
    const m = decodeUpdate(body('0204fdf2fdf35ba0fde9', '0202fa56ea000000fde9'), two);
    expect(m.attributes.asPath).toEqual([{ type: 2, asns: [65010, 65011, 4200000000, 65001] }]);
  });

  test('AS_SET counts as one when comparing path lengths', () => {
    // AS_PATH: SEQ 65010, SET {1,2}, SEQ AS_TRANS (count 3); AS4_PATH: SET {1,2}, SEQ 4200000000 (count 2).
    const m = decodeUpdate(body('0201fdf2' + '010200010002' + '02015ba0', '010200000001' + '00000002' + '0201fa56ea00'), two);
    expect(m.attributes.asPath).toEqual([
      { type: 2, asns: [65010] },
      { type: 1, asns: [1, 2] },
      { type: 2, asns: [4200000000] },
    ]);
  });

  test('an AS4_PATH longer than AS_PATH is ignored, and the result names RFC 6793 §4.2.3', () => {
    const m = decodeUpdate(body('02015ba0', '0202fa56ea00fa56ea01'), two);
    expect(m.attributes.asPath).toEqual([{ type: 2, asns: [AS_TRANS] }]);
    expect(m.softErrors).toEqual([{ action: 'attribute-discard', attrType: 17, reason: expect.any(String), rule: 'RFC 6793 §4.2.3' }]);
  });

  test('an AGGREGATOR that is not AS_TRANS makes AS4_PATH and AS4_AGGREGATOR stale', () => {
    const m = decodeUpdate(body('02015ba0', '0201fa56ea00', 'c00706fde9c0000209' + 'c01208fa56ea02c0000209'), two);
    expect(m.attributes.asPath).toEqual([{ type: 2, asns: [AS_TRANS] }]);
    expect(m.attributes.aggregator).toEqual({ asn: 65001, address: '192.0.2.9' });
    expect(m.softErrors?.map((e) => [e.attrType, e.rule])).toEqual([
      [18, 'RFC 6793 §4.2.3'],
      [17, 'RFC 6793 §4.2.3'],
    ]);
  });

  test('confederation segments in AS4_PATH are removed and reported', () => {
    const m = decodeUpdate(body('02015ba0', '0301fa56ea05' + '0201fa56ea00'), two);
    expect(m.attributes.asPath).toEqual([{ type: 2, asns: [4200000000] }]);
    expect(m.softErrors).toEqual([expect.objectContaining({ action: 'attribute-discard', attrType: 17 })]);
  });
});

test('LOCAL_PREF is kept from an internal peer', () => {
  const b = encodeMessage(update({ asPath: [], localPref: 300 }), { ...four, ebgp: false });
  expect(decodeUpdate(b, { ...four, ebgp: false }).attributes.localPref).toBe(300);
});

test('IPv4 NLRI in MP_REACH_NLRI (AFI 1) with a 4-octet next hop', () => {
  const m = update({ asPath: [], mpReach: { afi: 1, safi: 1, nextHops: ['192.0.2.7'], nlri: ['10.1.0.0/16', '0.0.0.0/0'] } }, []);
  delete m.attributes.nextHop;
  expect(decodeUpdate(encodeMessage(m, four), four)).toEqual(m);
});

test('a loopback NEXT_HOP (lab peering on 127.0.0.0/8) is accepted', () => {
  expect(decodeUpdate(encodeMessage(update({ asPath: [], nextHop: '127.0.0.2' }), four), four).softErrors).toBeUndefined();
});

test('an UPDATE larger than 4096 octets decodes only when extended messages were negotiated (RFC 8654)', () => {
  const nlri = Array.from({ length: 1500 }, (_, i) => `10.${i >> 8}.${i & 0xff}.0/24`);
  const ext = { ...four, extendedMessage: true };
  const b = encodeMessage(update({ asPath: [] }, nlri), ext);
  expect(b.length).toBeGreaterThan(4096);
  expect(decodeUpdate(b, ext).nlri).toEqual(nlri);
  let err: unknown;
  try {
    decodeMessage(b, four);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BgpMessageError);
  expect([(err as BgpMessageError).code, (err as BgpMessageError).subcode]).toEqual([1, 2]);
  expect(() => encodeMessage(update({ asPath: [] }, nlri), four)).toThrow(EncodeError);
});

test('decoded bytes are copies: changing the input afterwards changes nothing', () => {
  const b = encodeMessage(update({ asPath: [], unknown: [{ flags: 0xe0, type: 99, value: Uint8Array.of(1, 2, 3) }] }), four);
  const m = decodeUpdate(b, four);
  b.fill(0);
  expect(Array.from(m.attributes.unknown![0].value)).toEqual([1, 2, 3]);
  expect(Buffer.isBuffer(m.attributes.unknown![0].value)).toBe(false);
});

test('the encoder sets Partial on unknown optional transitive attributes and keeps other flags', () => {
  const b = encodeMessage(update({ asPath: [], unknown: [{ flags: 0xc0, type: 99, value: Uint8Array.of(9) }] }), four);
  expect(rawAttributes(b).find(([, t]) => t === 99)).toEqual([0xe0, 99, '09']);
});

test('encoder input errors are EncodeErrors', () => {
  const bad: UpdateMessage[] = [
    update({ asPath: [], nextHop: '300.1.1.1' }),
    update({ asPath: [{ type: 2, asns: [2 ** 32] }] }),
    update({ asPath: [{ type: 9 as 2, asns: [1] }] }),
    update({ asPath: [], unknown: [{ flags: 0xc0, type: 8, value: new Uint8Array(4) }] }),
    update({ asPath: [], origin: 5 as 0 }),
    update({ asPath: [], mpReach: { afi: 2, safi: 1, nextHops: ['not-an-address'], nlri: [] } }),
    { type: 'update', withdrawn: ['10.0.0.0/33'], nlri: [], attributes: {} },
  ];
  for (const m of bad) expect(() => encodeMessage(m, four)).toThrow(EncodeError);
});

test('hex helpers', () => {
  expect(bytesToHex(hexToBytes(['ff 00  # comment', '0a'].join('\n')))).toBe('ff000a');
  expect(() => hexToBytes('f')).toThrow();
});

describe('RFC 6793 §4.2.3 with confederation segments (issue 12 finding)', () => {
  const two = { fourOctetAs: false, extendedMessage: false, ebgp: false };
  // AS_PATH (2-octet) SEQ 100, CONFED_SET 65000, SEQ AS_TRANS; AS4_PATH SEQ 70000.
  const hex =
    'ffffffffffffffffffffffffffffffff003e02000000234001010040020c020100640401fde802015ba0400304c0000201c0110602010001117018c63364';
  const want = [
    { type: 2, asns: [100] },
    { type: 4, asns: [65000] },
    { type: 2, asns: [70000] },
  ];

  test('the merged path keeps the confederation segment', () => {
    const m = decodeMessage(Buffer.from(hex, 'hex'), two) as UpdateMessage;
    expect(m.attributes.asPath).toEqual(want);
  });

  test('re-encoding towards a 2-octet peer and decoding again loses nothing', () => {
    const m = decodeMessage(Buffer.from(hex, 'hex'), two) as UpdateMessage;
    const again = decodeMessage(encodeMessage(m, two), two) as UpdateMessage;
    expect(again.attributes.asPath).toEqual(want);
    expect(again.softErrors).toBeUndefined();
  });

  test('a confederation segment inside the part AS4_PATH covers stays at its position', () => {
    // AS_PATH SEQ [AS_TRANS, 200], CONFED_SEQ [65001], SEQ [300]; AS4_PATH SEQ [70000, 200, 300].
    const asPath = [
      { type: 2, asns: [23456, 200] },
      { type: 3, asns: [65001] },
      { type: 2, asns: [300] },
    ];
    const merged = mergeAs4Path(asPath, [{ type: 2, asns: [70000, 200, 300] }]);
    expect(merged).toEqual([
      { type: 2, asns: [70000, 200] },
      { type: 3, asns: [65001] },
      { type: 2, asns: [300] },
    ]);
  });
});

test('ORIGINATOR_ID and CLUSTER_LIST round-trip on an internal session and are not written towards an external one (RFC 4456 §8)', () => {
  const ibgp = { fourOctetAs: true, extendedMessage: false, ebgp: false };
  const m: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1', localPref: 100, originatorId: '10.0.0.1', clusterList: ['10.0.0.9', '10.0.0.8'] },
    nlri: ['198.51.100.0/24'],
  };
  const back = decodeMessage(encodeMessage(m, ibgp), ibgp) as UpdateMessage;
  expect(back.attributes.originatorId).toBe('10.0.0.1');
  expect(back.attributes.clusterList).toEqual(['10.0.0.9', '10.0.0.8']);
  const ebgp = { ...ibgp, ebgp: true };
  const { localPref: _l, ...forEbgp } = m.attributes;
  const out = decodeMessage(encodeMessage({ ...m, attributes: forEbgp }, ebgp), ebgp) as UpdateMessage;
  expect(out.attributes.originatorId).toBeUndefined();
  expect(out.softErrors).toBeUndefined();
});

test('towards a 2-octet peer, AS4_PATH goes with AGGREGATOR AS_TRANS + AS4_AGGREGATOR even for a mappable aggregator (fuzz finding)', () => {
  const two = { fourOctetAs: false, extendedMessage: false, ebgp: true };
  const m: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: { origin: 0, asPath: [{ type: 2, asns: [65001, 4200000000, 65002] }], nextHop: '192.0.2.1', aggregator: { asn: 15104, address: '192.0.2.2' } },
    nlri: ['203.0.113.0/24'],
  };
  const back = decodeMessage(encodeMessage(m, two), two) as UpdateMessage;
  // RFC 6793 §4.2.3 would otherwise make the receiver ignore AS4_PATH and see AS_TRANS in the path.
  expect(back.attributes.asPath).toEqual(m.attributes.asPath);
  expect(back.attributes.aggregator).toEqual(m.attributes.aggregator);
  expect(back.softErrors).toBeUndefined();
});
