// packUpdates and End-of-RIB (src/bgp/codec/pack.ts): as few UPDATEs as fit the session's maximum size,
// classic fields for IPv4, MP_REACH/MP_UNREACH for IPv6 (RFC 4760), EoR per RFC 4724 §2.

import { decodeMessage, EncodeError, encodeEndOfRib, isEndOfRib, maxMessageLength, packUpdates } from '../../../../src/bgp/codec';
import { prefixToWire } from '../../../../src/bgp/prefix';
import type { CodecContext, PathAttributes, UpdateMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT } from '../../../../src/bgp/types';
import { bytesToHex } from './hex';

const ctx: CodecContext = { ...DEFAULT_CODEC_CONTEXT, ebgp: true };
const ext: CodecContext = { ...ctx, extendedMessage: true };
const v4attrs: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 65002] }],
  nextHop: '192.0.2.1',
  communities: [1, 2, 3],
  largeCommunities: [[65001, 1, 1]],
};
const v6attrs: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001] }],
  nextHop: '192.0.2.1', // ignored for IPv6: RFC 4760 §3 says an MP-only UPDATE should not carry it
  mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1'], nlri: [] },
};

/** Mixed lengths, /0 and host routes included, so the wire size per prefix varies. */
function v4prefixes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const len = [0, 8, 16, 20, 24, 25, 32][i % 7];
    if (len === 0) return '0.0.0.0/0';
    const a = 1 + (i % 223);
    const b = (i >> 8) & 0xff;
    const c = i & 0xff;
    const addr = [a, b, c, (i * 7) & 0xff];
    const mask = (x: number, k: number) => (len >= (k + 1) * 8 ? x : len <= k * 8 ? 0 : x & ((0xff << (8 - (len - k * 8))) & 0xff));
    return `${addr.map(mask).join('.')}/${len}`;
  });
}

function v6prefixes(n: number): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return i % 5 === 0 ? `2001:db8:${i.toString(16)}::${i.toString(16)}/128` : `2001:db8:${i.toString(16)}::/48`;
  });
}

const wire = (p: string) => 1 + prefixToWire(p).octets.length;

function decodeAll(msgs: Buffer[], c: CodecContext): UpdateMessage[] {
  return msgs.map((m) => {
    expect(m.length).toBeLessThanOrEqual(maxMessageLength(c));
    const u = decodeMessage(m, c);
    expect(u.type).toBe('update');
    expect((u as UpdateMessage).softErrors).toBeUndefined();
    return u as UpdateMessage;
  });
}

/** Each message but the last must be too full to take the next prefix: the packing is as tight as it can be. */
function expectTight(msgs: Buffer[], prefixes: string[], counts: number[], c: CodecContext): void {
  let i = 0;
  counts.forEach((n, k) => {
    i += n;
    if (k < counts.length - 1) expect(msgs[k].length + wire(prefixes[i])).toBeGreaterThan(maxMessageLength(c));
  });
}

test('IPv4: withdrawals first in their own messages, then announcements with the attributes, tightly packed', () => {
  const announce = v4prefixes(3000);
  const withdraw = v4prefixes(1500).map((p) => p);
  const msgs = packUpdates({ family: 'ipv4-unicast', attributes: v4attrs, announce, withdraw }, ctx);
  const ups = decodeAll(msgs, ctx);
  const w = ups.filter((u) => u.withdrawn.length > 0);
  const a = ups.filter((u) => u.nlri.length > 0);
  expect(w.length + a.length).toBe(ups.length);
  expect(ups.slice(0, w.length)).toEqual(w);
  expect(w.flatMap((u) => u.withdrawn)).toEqual(withdraw);
  expect(a.flatMap((u) => u.nlri)).toEqual(announce);
  for (const u of w) expect(u.attributes).toEqual({});
  for (const u of a) expect(u.attributes).toEqual(v4attrs);
  expectTight(msgs.slice(0, w.length), withdraw, w.map((u) => u.withdrawn.length), ctx);
  expectTight(msgs.slice(w.length), announce, a.map((u) => u.nlri.length), ctx);
  // Lower bound: the NLRI bytes alone need at least this many 4096-byte messages.
  const perMsg = 4096 - 23 - (msgs[w.length].length - 23 - a[0].nlri.reduce((n, p) => n + wire(p), 0));
  expect(a.length).toBe(Math.ceil(announce.reduce((n, p) => n + wire(p), 0) / perMsg));
});

test('IPv4 with extended messages (RFC 8654) needs far fewer, larger UPDATEs', () => {
  const announce = v4prefixes(20000);
  const small = packUpdates({ family: 'ipv4-unicast', attributes: v4attrs, announce, withdraw: [] }, ctx);
  const big = packUpdates({ family: 'ipv4-unicast', attributes: v4attrs, announce, withdraw: [] }, ext);
  expect(big.length).toBeLessThanOrEqual(Math.ceil(small.length / 10));
  expect(Math.max(...big.map((m) => m.length))).toBeGreaterThan(60000);
  expect(decodeAll(big, ext).flatMap((u) => u.nlri)).toEqual(announce);
  expectTight(big, announce, decodeAll(big, ext).map((u) => u.nlri.length), ext);
});

test('IPv6: MP_REACH_NLRI first with the next hops, no NEXT_HOP; withdrawals in MP_UNREACH_NLRI', () => {
  const announce = v6prefixes(1200);
  const withdraw = v6prefixes(700);
  const msgs = packUpdates({ family: 'ipv6-unicast', attributes: v6attrs, announce, withdraw }, ctx);
  const ups = decodeAll(msgs, ctx);
  const w = ups.filter((u) => u.attributes.mpUnreach);
  const a = ups.filter((u) => u.attributes.mpReach);
  expect(ups.slice(0, w.length)).toEqual(w);
  expect(w.flatMap((u) => u.attributes.mpUnreach!.withdrawn)).toEqual(withdraw);
  expect(a.flatMap((u) => u.attributes.mpReach!.nlri)).toEqual(announce);
  for (const u of w) expect(Object.keys(u.attributes)).toEqual(['mpUnreach']);
  for (const u of a) {
    expect(u.nlri).toEqual([]);
    expect(u.withdrawn).toEqual([]);
    expect(u.attributes.nextHop).toBeUndefined();
    expect(u.attributes.mpReach).toMatchObject({ afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1'] });
    expect(Object.keys(u.attributes)[0]).toBe('mpReach');
  }
  // MP_REACH_NLRI is the first attribute on the wire (RFC 7606 §5.1).
  expect(msgs[w.length][24]).toBe(14);
  expectTight(msgs.slice(w.length), announce, a.map((u) => u.attributes.mpReach!.nlri.length), ctx);
  expectTight(msgs.slice(0, w.length), withdraw, w.map((u) => u.attributes.mpUnreach!.withdrawn.length), ctx);
});

test('nothing to send gives no messages; withdraw-only needs no attributes', () => {
  expect(packUpdates({ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: [] }, ctx)).toEqual([]);
  expect(packUpdates({ family: 'ipv6-unicast', attributes: {}, announce: [], withdraw: [] }, ctx)).toEqual([]);
  const [m] = packUpdates({ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.0.0.0/8'] }, ctx);
  expect(bytesToHex(m)).toBe('ff'.repeat(16) + '001902' + '0002' + '080a' + '0000');
});

test('bad input is an EncodeError', () => {
  const go = (p: Parameters<typeof packUpdates>[0]) => () => packUpdates(p, ctx);
  expect(go({ family: 'ipv4-unicast', attributes: { origin: 0, asPath: [] }, announce: ['10.0.0.0/8'], withdraw: [] })).toThrow(EncodeError);
  expect(go({ family: 'ipv6-unicast', attributes: { origin: 0, asPath: [] }, announce: ['2001:db8::/32'], withdraw: [] })).toThrow(/mpReach/);
  expect(go({ family: 'ipv4-unicast', attributes: v4attrs, announce: ['2001:db8::/32'], withdraw: [] })).toThrow(EncodeError);
  expect(go({ family: 'ipv6-unicast', attributes: v6attrs, announce: ['10.0.0.0/8'], withdraw: [] })).toThrow(EncodeError);
  expect(go({ family: 'ipv4-unicast', attributes: v4attrs, announce: ['10.0.0.300/8'], withdraw: [] })).toThrow(EncodeError);
  const huge: PathAttributes = { ...v4attrs, communities: Array.from({ length: 1100 }, (_, i) => i) };
  expect(go({ family: 'ipv4-unicast', attributes: huge, announce: ['10.0.0.0/8'], withdraw: [] })).toThrow(/attributes too large/);
});

test('End-of-RIB markers (RFC 4724 §2) and their recognition', () => {
  expect(bytesToHex(encodeEndOfRib('ipv4-unicast', ctx))).toBe('ff'.repeat(16) + '001702' + '00000000');
  expect(bytesToHex(encodeEndOfRib('ipv6-unicast', ctx))).toBe('ff'.repeat(16) + '001d02' + '0000' + '0006' + '800f03000201');
  expect(isEndOfRib(decodeMessage(encodeEndOfRib('ipv4-unicast', ctx), ctx) as UpdateMessage)).toBe('ipv4-unicast');
  expect(isEndOfRib(decodeMessage(encodeEndOfRib('ipv6-unicast', ctx), ctx) as UpdateMessage)).toBe('ipv6-unicast');
  const base: UpdateMessage = { type: 'update', withdrawn: [], nlri: [], attributes: {} };
  expect(isEndOfRib({ ...base, withdrawn: ['10.0.0.0/8'] })).toBeNull();
  expect(isEndOfRib({ ...base, attributes: { origin: 0 } })).toBeNull();
  expect(isEndOfRib({ ...base, attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: ['2001:db8::/32'] } } })).toBeNull();
  expect(isEndOfRib({ ...base, attributes: { mpUnreach: { afi: 1, safi: 1, withdrawn: [] } } })).toBe('ipv4-unicast');
  expect(isEndOfRib({ ...base, attributes: { mpUnreach: { afi: 2, safi: 128, withdrawn: [] } } })).toBeNull();
  // An UPDATE emptied by attribute-discard is not an End-of-RIB.
  expect(isEndOfRib({ ...base, softErrors: [{ action: 'attribute-discard', attrType: 6, reason: 'x' }] })).toBeNull();
});
