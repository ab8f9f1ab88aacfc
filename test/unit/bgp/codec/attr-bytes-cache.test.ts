// Encoded attribute sets reused across sessions: byte-identical to encoding each session's set afresh.

import { AttributeBytesCache } from '../../../../src/bgp/codec/attr-bytes-cache';
import { encodeAttributes } from '../../../../src/bgp/codec/attr-encode';
import type { CodecContext, PathAttributes } from '../../../../src/bgp/types';
import { AsPathSegmentType, DEFAULT_CODEC_CONTEXT, Origin } from '../../../../src/bgp/types';

const shared = {
  origin: Origin.Igp,
  asPath: [{ type: AsPathSegmentType.AsSequence, asns: [65000, 4200000009] }],
  med: 200,
  communities: [0xffff0000],
  largeCommunities: [[65000, 1, 2] as [number, number, number]],
};
const forSession = (nextHop: string | undefined): PathAttributes => (nextHop === undefined ? { ...shared } : { ...shared, nextHop });
const fresh = (a: PathAttributes, ctx: CodecContext) => encodeAttributes(a, ctx, { skipMp: true });

describe('AttributeBytesCache', () => {
  it('gives every session the bytes a fresh encoding would, its own NEXT_HOP included', () => {
    const cache = new AttributeBytesCache();
    const ctx = DEFAULT_CODEC_CONTEXT;
    for (const nh of ['10.70.0.1', '10.70.0.2', '192.0.2.254', '10.70.0.1']) {
      expect(Buffer.from(cache.encode(shared, forSession(nh), ctx))).toEqual(Buffer.from(fresh(forSession(nh), ctx)));
    }
  });

  it('keeps encodings for different contexts apart (2-octet AS peers, iBGP)', () => {
    const cache = new AttributeBytesCache();
    const two: CodecContext = { ...DEFAULT_CODEC_CONTEXT, fourOctetAs: false };
    const ibgp: CodecContext = { ...DEFAULT_CODEC_CONTEXT, ebgp: false };
    const a = forSession('10.70.0.1');
    cache.encode(shared, a, DEFAULT_CODEC_CONTEXT);
    expect(Buffer.from(cache.encode(shared, forSession('10.70.0.2'), two))).toEqual(Buffer.from(fresh(forSession('10.70.0.2'), two)));
    expect(Buffer.from(cache.encode(shared, { ...a, localPref: 100 }, ibgp))).toEqual(Buffer.from(fresh({ ...a, localPref: 100 }, ibgp)));
  });

  it('does not hand out the cached array itself (a caller may write into what it gets)', () => {
    const cache = new AttributeBytesCache();
    const first = cache.encode(shared, forSession('10.70.0.1'), DEFAULT_CODEC_CONTEXT);
    const second = cache.encode(shared, forSession('10.70.0.1'), DEFAULT_CODEC_CONTEXT);
    first.fill(0);
    second.fill(0);
    expect(Buffer.from(cache.encode(shared, forSession('10.70.0.3'), DEFAULT_CODEC_CONTEXT))).toEqual(Buffer.from(fresh(forSession('10.70.0.3'), DEFAULT_CODEC_CONTEXT)));
    expect(first).not.toBe(second);
  });
});
