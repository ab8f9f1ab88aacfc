// fast-check generators of valid BGP messages for a given codec context: valid meaning the codec must
// decode exactly what it encoded (no RFC 7606 soft error, nothing the RFCs make lossy).

import * as fc from 'fast-check';
import { formatIpv4, formatIpv6 } from '../../../../src/bgp/prefix';
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  CodecContext,
  NotificationMessage,
  OpenMessage,
  PathAttributes,
  RawAttribute,
  RouteRefreshMessage,
  UpdateMessage,
} from '../../../../src/bgp/types';

export const ctxArb: fc.Arbitrary<CodecContext> = fc.record({
  fourOctetAs: fc.boolean(),
  extendedMessage: fc.boolean(),
  ebgp: fc.boolean(),
});

function masked(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    out[i] &= bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
  }
  return out;
}

export const ipv4PrefixArb = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }))
  .map(([b, len]) => `${formatIpv4(masked(b, len))}/${len}`);

export const ipv6PrefixArb = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }))
  .map(([b, len]) => `${formatIpv6(masked(b, len))}/${len}`);

const ipv4Arb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b));
/** A unicast host address: what a NEXT_HOP must be. */
const unicastIpv4Arb = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.uint8Array({ minLength: 3, maxLength: 3 }))
  .map(([a, r]) => `${a}.${r[0]}.${r[1]}.${r[2]}`);
const ipv6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asnArb = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 0xffffffff }));

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(1 as const), kind: fc.constant('multiprotocol' as const), afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ code: 2 as const, kind: 'route-refresh' as const }),
  fc.constant({ code: 70 as const, kind: 'enhanced-route-refresh' as const }),
  fc.constant({ code: 6 as const, kind: 'extended-message' as const }),
  fc.record({ code: fc.constant(65 as const), kind: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.record({
    code: fc.constant(64 as const),
    kind: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: fc.integer({ min: 0, max: 0xffff }), safi: fc.integer({ min: 0, max: 255 }), forwardingPreserved: fc.boolean() }), { maxLength: 5 }),
  }),
  fc.record({
    code: fc.integer({ min: 0, max: 255 }).filter((c) => ![1, 2, 6, 64, 65, 70].includes(c)),
    kind: fc.constant('unknown' as const),
    value: fc.uint8Array({ maxLength: 255 }),
  }),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc.record({
  type: fc.constant('open' as const),
  version: fc.constant(4),
  myAsn: fc.integer({ min: 1, max: 65535 }),
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 })),
  routerId: ipv4Arb.filter((a) => a !== '0.0.0.0'),
  capabilities: fc.array(capabilityArb, { maxLength: 14 }),
});

function segmentsArb(ctx: CodecContext): fc.Arbitrary<AsPathSegment[]> {
  const seg = (types: number[], asn: fc.Arbitrary<number>) =>
    fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn, { minLength: 1, maxLength: 40 }) }) as fc.Arbitrary<AsPathSegment>;
  const main = fc.array(seg([1, 2], asnArb), { maxLength: 5 });
  // Confederation segments only over iBGP (RFC 5065), and only leading, where AS4_PATH reconstruction keeps
  // them; their member ASNs are 2-octet, because AS4_PATH cannot carry confederation segments (RFC 6793 §3).
  if (ctx.ebgp) return main;
  const member = fc.integer({ min: 64512, max: 65534 });
  return fc.tuple(fc.array(seg([3, 4], member), { maxLength: 2 }), main).map(([c, m]) => [...c, ...m]);
}

// Modelled types, and those the decoder judges by RFC 7606 §7.9-7.16 (ORIGINATOR_ID, CLUSTER_LIST, 16, 24, 25, 128).
const modelled = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 24, 25, 32, 128]);
const unknownArb: fc.Arbitrary<RawAttribute[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 255 }).filter((t) => !modelled.has(t)), { maxLength: 3 })
  .chain((types) =>
    fc.tuple(...types.sort((a, b) => a - b).map((type) => fc.uint8Array({ maxLength: 300 }).map((value) => ({ flags: 0xe0, type, value })))),
  );

export function attributesArb(ctx: CodecContext, classicNlri: boolean): fc.Arbitrary<PathAttributes> {
  const aggregatorAsn = ctx.fourOctetAs
    ? asnArb
    : // On a 2-octet session an AGGREGATOR AS other than AS_TRANS tells the receiver to ignore AS4_PATH
      // (RFC 6793 §4.2.3), which would lose 4-octet path information; keep to aggregators that survive.
      fc.integer({ min: 65536, max: 0xffffffff });
  const mp = fc.oneof(
    fc.record({ afi: fc.constant(2), safi: fc.constant(1), nextHops: fc.array(ipv6Arb, { minLength: 1, maxLength: 2 }), nlri: fc.array(ipv6PrefixArb, { maxLength: 30 }) }),
    fc.record({ afi: fc.constant(1), safi: fc.constant(1), nextHops: fc.tuple(ipv4Arb), nlri: fc.array(ipv4PrefixArb, { maxLength: 30 }) }),
  );
  const unreach = fc.oneof(
    fc.record({ afi: fc.constant(2), safi: fc.constant(1), withdrawn: fc.array(ipv6PrefixArb, { maxLength: 30 }) }),
    fc.record({ afi: fc.constant(1), safi: fc.constant(1), withdrawn: fc.array(ipv4PrefixArb, { maxLength: 30 }) }),
  );
  const optional = {
    med: u32,
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn: aggregatorAsn, address: ipv4Arb }),
    communities: fc.array(u32, { minLength: 1, maxLength: 10 }),
    largeCommunities: fc.uniqueArray(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 6, selector: (c) => c.join(':') }),
    mpReach: mp,
    mpUnreach: unreach,
    unknown: unknownArb.filter((u) => u.length > 0),
    ...(ctx.ebgp ? {} : { localPref: u32 }),
  };
  return fc
    .tuple(
      fc.record(optional, { requiredKeys: [] }),
      fc.record({ origin: fc.constantFrom(0, 1, 2), asPath: segmentsArb(ctx), nextHop: unicastIpv4Arb }),
    )
    .map(([opt, mandatory]) => {
      // ORIGIN and AS_PATH (and NEXT_HOP for classic NLRI) must accompany announced routes (RFC 7606 §3 d).
      const announces = classicNlri || opt.mpReach !== undefined;
      return announces ? { ...mandatory, ...opt } : { ...opt };
    }) as fc.Arbitrary<PathAttributes>;
}

export function updateArb(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  return fc.record({ withdrawn: fc.array(ipv4PrefixArb, { maxLength: 40 }), nlri: fc.array(ipv4PrefixArb, { maxLength: 40 }) }).chain(({ withdrawn, nlri }) =>
    attributesArb(ctx, nlri.length > 0).map((attributes) => ({ type: 'update' as const, withdrawn, attributes, nlri })),
  );
}

export const notificationArb: fc.Arbitrary<NotificationMessage> = fc.oneof(
  fc
    .record({ code: fc.integer({ min: 0, max: 255 }), subcode: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 200 }) })
    .filter((n) => !(n.code === 6 && (n.subcode === 2 || n.subcode === 4)))
    .map((n) => ({ type: 'notification' as const, ...n })),
  // RFC 9003 shutdown communication: the encoder builds the length-prefixed UTF-8 data from the text.
  fc.record({ subcode: fc.constantFrom(2, 4), text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) }).map(({ subcode, text }) => {
    const utf8 = Buffer.from(text, 'utf8');
    return {
      type: 'notification' as const,
      code: 6,
      subcode,
      data: new Uint8Array(Buffer.concat([Buffer.of(utf8.length), utf8])),
      shutdownMessage: text,
    };
  }).filter((n) => n.data.length <= 256),
);

export const routeRefreshArb: fc.Arbitrary<RouteRefreshMessage> = fc.record({
  type: fc.constant('route-refresh' as const),
  afi: fc.integer({ min: 0, max: 0xffff }),
  safi: fc.integer({ min: 0, max: 255 }),
  subtype: fc.integer({ min: 0, max: 2 }),
});

export function messageArb(ctx: CodecContext): fc.Arbitrary<BgpMessage> {
  return fc.oneof(openArb, updateArb(ctx), notificationArb, routeRefreshArb, fc.constant({ type: 'keepalive' as const }));
}

/** A context together with a message valid for it. */
export const ctxAndMessageArb = ctxArb.chain((ctx) => messageArb(ctx).map((msg) => ({ ctx, msg })));
