// Path attribute decoding with RFC 7606 error handling (§3 general rules, §4 length fields, §7 per
// attribute), RFC 4760 MP_REACH/MP_UNREACH, RFC 6793 AS4 attributes, RFC 7607 AS 0, RFC 8092 large communities.

import { BgpMessageError, UpdateSubcode } from '../errors';
import type { AsPathSegment, CodecContext, PathAttributes, Prefix, RawAttribute, SoftError } from '../types';
import { AFI_IPV4, AFI_IPV6, AS_TRANS, SAFI_UNICAST } from '../types';
import { formatIpv4, formatIpv6 } from '../prefix';
import { copyBytes, u16, u32 } from './bytes';
import { mergeAs4Path, parseAsPath } from './aspath';
import { decodePrefixes } from './nlri';

//  Each attribute:  Attr. Flags (1) | Attr. Type Code (1) | Length (1, or 2 with Extended Length) | Value
//  Flags: O(ptional) 0x80, T(ransitive) 0x40, P(artial) 0x20, E(xtended length) 0x10; low 4 bits ignored.

const F_OPTIONAL = 0x80;
const F_TRANSITIVE = 0x40;
const F_EXTENDED = 0x10;
const WELL_KNOWN = F_TRANSITIVE;
const OPT_TRANSITIVE = F_OPTIONAL | F_TRANSITIVE;
const OPT_NON_TRANSITIVE = F_OPTIONAL;

/** The Optional/Transitive bits each attribute we know must carry (RFC 7606 §3 c). */
const EXPECTED_FLAGS: Record<number, number> = {
  1: WELL_KNOWN, // ORIGIN
  2: WELL_KNOWN, // AS_PATH
  3: WELL_KNOWN, // NEXT_HOP
  4: OPT_NON_TRANSITIVE, // MULTI_EXIT_DISC
  5: WELL_KNOWN, // LOCAL_PREF
  6: WELL_KNOWN, // ATOMIC_AGGREGATE
  7: OPT_TRANSITIVE, // AGGREGATOR
  8: OPT_TRANSITIVE, // COMMUNITIES
  14: OPT_NON_TRANSITIVE, // MP_REACH_NLRI
  15: OPT_NON_TRANSITIVE, // MP_UNREACH_NLRI
  17: OPT_TRANSITIVE, // AS4_PATH
  18: OPT_TRANSITIVE, // AS4_AGGREGATOR
  32: OPT_TRANSITIVE, // LARGE_COMMUNITY
};

export interface DecodedAttributes {
  attributes: PathAttributes;
  softErrors: SoftError[];
  /** Which type codes appeared (first occurrence), for the missing-attribute checks. */
  seen: Uint8Array;
}

function updateError(subcode: number, message: string, data?: Uint8Array): BgpMessageError {
  return new BgpMessageError(3, subcode, message, data);
}

/**
 * Decodes the path attributes in b[start, end). Throws BgpMessageError for session-reset errors;
 * collects treat-as-withdraw / attribute-discard cases in softErrors.
 */
export function decodeAttributes(b: Uint8Array, start: number, end: number, ctx: CodecContext): DecodedAttributes {
  const attrs: PathAttributes = {};
  const soft: SoftError[] = [];
  const seen = new Uint8Array(256);
  const asSize: 2 | 4 = ctx.fourOctetAs ? 4 : 2;
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: { asn: number; address: string } | undefined;
  const withdraw = (attrType: number, reason: string) => soft.push({ action: 'treat-as-withdraw', attrType, reason });
  const discard = (attrType: number, reason: string) => soft.push({ action: 'attribute-discard', attrType, reason });

  let p = start;
  while (p < end) {
    // RFC 7606 §4: too few octets for an attribute header, or a length that overruns the list:
    // treat-as-withdraw, and the Total Attribute Length still locates the NLRI.
    if (end - p < 3 || ((b[p] & F_EXTENDED) !== 0 && end - p < 4)) {
      // A cut-off MP attribute header would hide NLRI: the same reasoning as the overrun below.
      if (end - p >= 2 && (b[p + 1] === 14 || b[p + 1] === 15)) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${b[p + 1]} header cut off by the attribute list end`);
      }
      withdraw(0, `${end - p} octets left at the end of the attribute list, too few for an attribute`);
      break;
    }
    const flags = b[p];
    const type = b[p + 1];
    const ext = (flags & F_EXTENDED) !== 0;
    const len = ext ? u16(b, p + 2) : b[p + 2];
    const v = p + (ext ? 4 : 3);
    const ve = v + len;
    if (ve > end) {
      // An MP attribute cut short hides NLRI we cannot parse, so treat-as-withdraw is impossible.
      if (type === 14 || type === 15) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${type} overruns the attribute list`);
      }
      withdraw(type, `attribute ${type} of length ${len} overruns the attribute list`);
      break;
    }
    if (seen[type]) {
      // RFC 7606 §3 g: a repeated MP attribute resets the session; other repeats are dropped.
      if (type === 14 || type === 15) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${type} appears more than once`);
      }
      discard(type, 'duplicate attribute');
      p = ve;
      continue;
    }
    seen[type] = 1;

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if ((flags & F_OPTIONAL) === 0) {
        throw updateError(UpdateSubcode.UnrecognizedWellKnownAttribute, `unrecognized well-known attribute ${type}`, copyBytes(b, p, ve));
      }
      // Unknown optional transitive attributes are passed on; non-transitive ones are dropped (RFC 4271 §5).
      if (flags & F_TRANSITIVE) {
        const raw: RawAttribute = { flags, type, value: copyBytes(b, v, ve) };
        (attrs.unknown ??= []).push(raw);
      }
      p = ve;
      continue;
    }

    if ((flags & OPT_TRANSITIVE) !== expected) {
      const reason = `attribute ${type} has flags 0x${flags.toString(16)}`;
      if (type === 17 || type === 18) {
        // RFC 6793 §6 makes the AS4 attributes informational: discard rather than withdraw.
        discard(type, reason);
        p = ve;
        continue;
      }
      withdraw(type, reason);
      // The MP attributes are still parsed, because treat-as-withdraw needs their NLRI.
      if (type !== 14 && type !== 15) {
        p = ve;
        continue;
      }
    }

    switch (type) {
      case 1: // ORIGIN, RFC 7606 §7.1
        if (len !== 1) withdraw(type, `ORIGIN length ${len}`);
        else if (b[v] > 2) withdraw(type, `ORIGIN value ${b[v]}`);
        else attrs.origin = b[v];
        break;
      case 2: {
        // AS_PATH, RFC 7606 §7.2; AS 0 is malformed too (RFC 7607 §2).
        const r = parseAsPath(b, v, ve, asSize);
        if (r.error) withdraw(type, `malformed AS_PATH: ${r.error}`);
        else if (r.hasAsZero) withdraw(type, 'AS_PATH contains AS 0');
        else if (r.hasConfed && ctx.ebgp) withdraw(type, 'AS_PATH from an external peer has confederation segments (RFC 5065 §5.3)');
        else attrs.asPath = r.segments;
        break;
      }
      case 3: // NEXT_HOP, RFC 7606 §7.3
        if (len !== 4) withdraw(type, `NEXT_HOP length ${len}`);
        else if (b[v] === 0 || b[v] >= 224) withdraw(type, `NEXT_HOP ${formatIpv4(b, v)} is not a unicast host address`);
        else attrs.nextHop = formatIpv4(b, v);
        break;
      case 4: // MULTI_EXIT_DISC, RFC 7606 §7.4
        if (len !== 4) withdraw(type, `MULTI_EXIT_DISC length ${len}`);
        else attrs.med = u32(b, v);
        break;
      case 5: // LOCAL_PREF, RFC 7606 §7.5
        if (ctx.ebgp) discard(type, 'LOCAL_PREF from an external peer');
        else if (len !== 4) withdraw(type, `LOCAL_PREF length ${len}`);
        else attrs.localPref = u32(b, v);
        break;
      case 6: // ATOMIC_AGGREGATE, RFC 7606 §7.6
        if (len !== 0) discard(type, `ATOMIC_AGGREGATE length ${len}`);
        else attrs.atomicAggregate = true;
        break;
      case 7: {
        // AGGREGATOR, RFC 7606 §7.7: length 6 or 8 by session type; AS 0 per RFC 7607.
        if (len !== asSize + 4) {
          discard(type, `AGGREGATOR length ${len}`);
          break;
        }
        const asn = asSize === 4 ? u32(b, v) : u16(b, v);
        if (asn === 0) discard(type, 'AGGREGATOR with AS 0');
        else attrs.aggregator = { asn, address: formatIpv4(b, v + asSize) };
        break;
      }
      case 8: {
        // COMMUNITIES, RFC 7606 §7.8
        if (len === 0 || len % 4 !== 0) {
          withdraw(type, `COMMUNITIES length ${len}`);
          break;
        }
        const list = new Array<number>(len / 4);
        for (let i = 0; i < list.length; i++) list[i] = u32(b, v + i * 4);
        attrs.communities = list;
        break;
      }
      case 14:
        decodeMpReach(b, p, v, ve, attrs, discard);
        break;
      case 15:
        decodeMpUnreach(b, p, v, ve, attrs, discard);
        break;
      case 17: {
        // AS4_PATH, RFC 6793 §6: only meaningful from a 2-octet peer; malformed means discard.
        if (ctx.fourOctetAs) {
          discard(type, 'AS4_PATH on a 4-octet AS session');
          break;
        }
        const r = parseAsPath(b, v, ve, 4);
        if (r.error || len < 6) discard(type, `malformed AS4_PATH: ${r.error ?? 'too short'}`);
        else if (r.hasAsZero) discard(type, 'AS4_PATH contains AS 0');
        else {
          if (r.hasConfed) discard(type, 'confederation segments removed from AS4_PATH');
          as4Path = r.segments.filter((s) => s.type === 1 || s.type === 2);
        }
        break;
      }
      case 18: {
        // AS4_AGGREGATOR, RFC 6793 §6
        if (ctx.fourOctetAs) discard(type, 'AS4_AGGREGATOR on a 4-octet AS session');
        else if (len !== 8) discard(type, `AS4_AGGREGATOR length ${len}`);
        else if (u32(b, v) === 0) discard(type, 'AS4_AGGREGATOR with AS 0');
        else as4Aggregator = { asn: u32(b, v), address: formatIpv4(b, v + 4) };
        break;
      }
      case 32: {
        // LARGE_COMMUNITY, RFC 8092 §5-6: treat-as-withdraw on bad length; repeats are removed silently.
        if (len === 0 || len % 12 !== 0) {
          withdraw(type, `LARGE_COMMUNITY length ${len}`);
          break;
        }
        const list: [number, number, number][] = [];
        const keys = new Set<string>();
        for (let q = v; q < ve; q += 12) {
          const c: [number, number, number] = [u32(b, q), u32(b, q + 4), u32(b, q + 8)];
          const key = c[0] + ':' + c[1] + ':' + c[2];
          if (keys.has(key)) continue;
          keys.add(key);
          list.push(c);
        }
        attrs.largeCommunities = list;
        break;
      }
    }
    p = ve;
  }

  if (!ctx.fourOctetAs) applyAs4(attrs, as4Path, as4Aggregator);
  return { attributes: attrs, softErrors: soft, seen };
}

/** RFC 6793 §4.2.3: fold AS4_AGGREGATOR and AS4_PATH from a 2-octet speaker back into the path. */
function applyAs4(attrs: PathAttributes, as4Path?: AsPathSegment[], as4Agg?: { asn: number; address: string }): void {
  if (attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) {
    // An aggregator that is not AS_TRANS was a 2-octet speaker after the 4-octet information was
    // attached, so both AS4 attributes are stale and ignored.
    return;
  }
  if (attrs.aggregator && as4Agg) attrs.aggregator = as4Agg;
  if (attrs.asPath && as4Path) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
}

//  MP_REACH_NLRI:   AFI (2) | SAFI (1) | Next Hop Len (1) | Next Hop (var) | Reserved (1) | NLRI (var)
//  MP_UNREACH_NLRI: AFI (2) | SAFI (1) | Withdrawn Routes (var)

function familySupported(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && safi === SAFI_UNICAST;
}

/** RFC 4760 §7: an MP attribute we cannot parse is an Optional Attribute Error with the attribute as data. */
function mpError(b: Uint8Array, p: number, ve: number, why: string): BgpMessageError {
  return updateError(UpdateSubcode.OptionalAttributeError, why, copyBytes(b, p, ve));
}

function decodeMpReach(
  b: Uint8Array,
  p: number,
  v: number,
  ve: number,
  attrs: PathAttributes,
  discard: (t: number, r: string) => void,
): void {
  if (ve - v < 5) throw mpError(b, p, ve, `MP_REACH_NLRI of ${ve - v} octets is too short`);
  const afi = u16(b, v);
  const safi = b[v + 2];
  const nhLen = b[v + 3];
  const nlriStart = v + 4 + nhLen + 1;
  if (nlriStart > ve) throw mpError(b, p, ve, `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`);
  if (!familySupported(afi, safi)) {
    discard(14, `MP_REACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`);
    return;
  }
  const nextHops: string[] = [];
  const nh = v + 4;
  // RFC 7606 §7.11: a next hop length we do not expect makes the NLRI impossible to locate reliably.
  if (nhLen === 16 || nhLen === 32) {
    // IPv6 global, optionally followed by link-local (RFC 2545 §3); also IPv4 NLRI over IPv6 (RFC 8950).
    nextHops.push(formatIpv6(b, nh));
    if (nhLen === 32) nextHops.push(formatIpv6(b, nh + 16));
  } else if (nhLen === 4 && afi === AFI_IPV4) {
    nextHops.push(formatIpv4(b, nh));
  } else {
    throw mpError(b, p, ve, `MP_REACH_NLRI next hop length ${nhLen} for AFI ${afi}`);
  }
  const nlri: Prefix[] = [];
  const err = decodePrefixes(b, nlriStart, ve, afi, nlri);
  if (err) throw mpError(b, p, ve, `MP_REACH_NLRI: ${err}`);
  attrs.mpReach = { afi, safi, nextHops, nlri };
}

function decodeMpUnreach(
  b: Uint8Array,
  p: number,
  v: number,
  ve: number,
  attrs: PathAttributes,
  discard: (t: number, r: string) => void,
): void {
  if (ve - v < 3) throw mpError(b, p, ve, `MP_UNREACH_NLRI of ${ve - v} octets is too short`);
  const afi = u16(b, v);
  const safi = b[v + 2];
  if (!familySupported(afi, safi)) {
    discard(15, `MP_UNREACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`);
    return;
  }
  const withdrawn: Prefix[] = [];
  const err = decodePrefixes(b, v + 3, ve, afi, withdrawn);
  if (err) throw mpError(b, p, ve, `MP_UNREACH_NLRI: ${err}`);
  attrs.mpUnreach = { afi, safi, withdrawn };
}
