// Attribute interning: equal sets are one frozen object; different sets are not.

import { AsPathSegmentType, Origin } from '../../../src/bgp/types';
import { attrsKey, AttrInterner, internAttrs } from '../../../src/rib/attrs';

describe('attribute interning', () => {
  const input = () => ({
    origin: Origin.Igp,
    asPath: [{ type: AsPathSegmentType.AsSequence, asns: [65100, 65200] }],
    nextHop: '192.0.2.1',
    communities: [0xffff0000],
    largeCommunities: [[65100, 1, 2]] as [number, number, number][],
    unknown: [{ flags: 0xc0, type: 99, value: new Uint8Array([1, 2]) }],
  });

  it('returns one deeply frozen object for equal inputs', () => {
    const a = internAttrs(input());
    const b = internAttrs(input());
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.asPath)).toBe(true);
    expect(Object.isFrozen(a.asPath![0].asns)).toBe(true);
    expect(internAttrs(a)).toBe(a);
  });

  it('does not alias the caller\'s arrays', () => {
    const i = input();
    const a = internAttrs(i);
    i.asPath[0].asns.push(1);
    expect(a.asPath![0].asns).toEqual([65100, 65200]);
  });

  it('distinguishes every field', () => {
    const keys = new Set(
      [
        {},
        { origin: Origin.Egp },
        { asPath: [] },
        { asPath: [{ type: AsPathSegmentType.AsSet, asns: [1] }] },
        { asPath: [{ type: AsPathSegmentType.AsSequence, asns: [1] }] },
        { nextHop: '192.0.2.2' },
        { med: 0 },
        { localPref: 0 },
        { atomicAggregate: true },
        { aggregator: { asn: 1, address: '192.0.2.1' } },
        { communities: [1] },
        { largeCommunities: [[1, 2, 3]] as [number, number, number][] },
        { unknown: [{ flags: 0xc0, type: 99, value: new Uint8Array([1]) }] },
      ].map(attrsKey),
    );
    expect(keys.size).toBe(13);
  });

  it('separate interners do not share objects', () => {
    expect(new AttrInterner().intern(input())).not.toBe(internAttrs(input()));
  });
});
