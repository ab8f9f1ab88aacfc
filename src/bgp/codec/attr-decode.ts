// Path attribute decoding with RFC 7606 error handling (§3 general rules, §4 length fields, §7 per
// attribute), RFC 4456 ORIGINATOR_ID/CLUSTER_LIST, RFC 6793 AS4 attributes, RFC 7607 AS 0, RFC 8092 large communities.

import { BgpMessageError, UpdateSubcode } from '../errors';
import type { AsPathSegment, CodecContext, PathAttributes, RawAttribute, SoftError } from '../types';
import { AS_TRANS } from '../types';
import { formatIpv4 } from '../prefix';
import { copyBytes, u16, u32 } from './bytes';
import { mergeAs4Path, parseAsPath } from './aspath';
import { decodeMpReach, decodeMpUnreach, mpFlagsError } from './attr-mp';
import { checkPassThrough } from './attr-pass-through';

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
  9: OPT_NON_TRANSITIVE, // ORIGINATOR_ID (RFC 4456 §8)
  10: OPT_NON_TRANSITIVE, // CLUSTER_LIST (RFC 4456 §8)
  14: OPT_NON_TRANSITIVE, // MP_REACH_NLRI
  15: OPT_NON_TRANSITIVE, // MP_UNREACH_NLRI
  16: OPT_TRANSITIVE, // EXTENDED COMMUNITIES (RFC 4360), checked and passed on
  17: OPT_TRANSITIVE, // AS4_PATH
  18: OPT_TRANSITIVE, // AS4_AGGREGATOR
  24: OPT_NON_TRANSITIVE, // Traffic Engineering (RFC 5543), checked and dropped
  25: OPT_TRANSITIVE, // IPv6 Address Specific Extended Community (RFC 5701), checked and passed on
  32: OPT_TRANSITIVE, // LARGE_COMMUNITY
  128: OPT_TRANSITIVE, // ATTR_SET (RFC 6368), checked and passed on
};

/** A treat-as-withdraw error as RFC 4271 §6.3 would have reported it, kept for RFC 7606 §5.2. */
export interface WithdrawCause {
  subcode: number;
  data: Uint8Array;
  reason: string;
  rule: string;
}

export interface DecodedAttributes {
  attributes: PathAttributes;
  softErrors: SoftError[];
  /** Which type codes appeared (first occurrence), for the missing-attribute checks. */
  seen: Uint8Array;
  /** How many attributes the list held on the wire, malformed and duplicated ones included (RFC 4724 §2). */
  count: number;
  /** The first treat-as-withdraw error, which RFC 7606 §5.2 turns into a session reset when nothing is announced. */
  firstWithdraw: WithdrawCause | null;
}

function updateError(subcode: number, message: string, data: Uint8Array | undefined, rule: string): BgpMessageError {
  return new BgpMessageError(3, subcode, message, data, rule);
}

const LEN = UpdateSubcode.AttributeLengthError;
const FLAGS = UpdateSubcode.AttributeFlagsError;

/**
 * Decodes the path attributes in b[start, end). Throws BgpMessageError for session-reset errors;
 * collects treat-as-withdraw / attribute-discard cases in softErrors, each naming its rule.
 */
export function decodeAttributes(b: Uint8Array, start: number, end: number, ctx: CodecContext): DecodedAttributes {
  const attrs: PathAttributes = {};
  const soft: SoftError[] = [];
  const seen = new Uint8Array(256);
  const asSize: 2 | 4 = ctx.fourOctetAs ? 4 : 2;
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: { asn: number; address: string } | undefined;
  let firstWithdraw: WithdrawCause | null = null;
  let count = 0;
  // The attribute being decoded, for the NOTIFICATION data RFC 4271 §6.3 asks for.
  let p = start;
  let ve = start;
  const withdraw = (attrType: number, reason: string, rule: string, subcode: number, whole = true) => {
    soft.push({ action: 'treat-as-withdraw', attrType, reason, rule });
    firstWithdraw ??= { subcode, data: whole ? copyBytes(b, p, ve) : Uint8Array.of(attrType), reason, rule };
  };
  const discard = (attrType: number, reason: string, rule: string) => soft.push({ action: 'attribute-discard', attrType, reason, rule });

  while (p < end) {
    count++;
    // RFC 7606 §4: too few octets for an attribute header, or a length that overruns the list:
    // treat-as-withdraw, and the Total Attribute Length still locates the NLRI.
    if (end - p < 3 || ((b[p] & F_EXTENDED) !== 0 && end - p < 4)) {
      // A cut-off MP attribute header would hide NLRI (RFC 7606 §3 j): the same reasoning as the overrun below.
      if (end - p >= 2 && (b[p + 1] === 14 || b[p + 1] === 15)) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${b[p + 1]} header cut off by the attribute list end`, undefined, 'RFC 7606 §4, §3 j');
      }
      ve = end;
      withdraw(0, `${end - p} octets left at the end of the attribute list, too few for an attribute`, 'RFC 7606 §4', UpdateSubcode.MalformedAttributeList);
      break;
    }
    const flags = b[p];
    const type = b[p + 1];
    const ext = (flags & F_EXTENDED) !== 0;
    const len = ext ? u16(b, p + 2) : b[p + 2];
    const v = p + (ext ? 4 : 3);
    ve = v + len;
    if (ve > end) {
      // An MP attribute cut short hides NLRI we cannot parse, so treat-as-withdraw is impossible (RFC 7606 §3 j).
      if (type === 14 || type === 15) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${type} overruns the attribute list`, undefined, 'RFC 7606 §4, §3 j');
      }
      ve = end;
      withdraw(type, `attribute ${type} of length ${len} overruns the attribute list`, 'RFC 7606 §4', LEN);
      break;
    }
    if (seen[type]) {
      // RFC 7606 §3 g: a repeated MP attribute resets the session; other repeats are dropped.
      if (type === 14 || type === 15) {
        throw updateError(UpdateSubcode.MalformedAttributeList, `attribute ${type} appears more than once`, undefined, 'RFC 7606 §3 g');
      }
      discard(type, 'duplicate attribute', 'RFC 7606 §3 g');
      p = ve;
      continue;
    }
    seen[type] = 1;

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if ((flags & F_OPTIONAL) === 0) {
        throw updateError(UpdateSubcode.UnrecognizedWellKnownAttribute, `unrecognized well-known attribute ${type}`, copyBytes(b, p, ve), 'RFC 4271 §6.3');
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
      // MP attributes carry NLRI: with conflicting flags neither the routes nor their withdrawal can be trusted.
      if (type === 14 || type === 15) throw mpFlagsError(b, p, ve, type, flags);
      if (type === 17 || type === 18) discard(type, reason, 'RFC 6793 §6'); // AS4 attributes are informational.
      else if (type === 6 || type === 7) discard(type, reason, 'RFC 7606 §3 b'); // ATOMIC_AGGREGATE, AGGREGATOR
      else withdraw(type, reason, 'RFC 7606 §3 c', FLAGS);
      p = ve;
      continue;
    }

    switch (type) {
      case 1: // ORIGIN, RFC 7606 §7.1
        if (len !== 1) withdraw(type, `ORIGIN length ${len}`, 'RFC 7606 §7.1', LEN);
        else if (b[v] > 2) withdraw(type, `ORIGIN value ${b[v]}`, 'RFC 7606 §7.1', UpdateSubcode.InvalidOriginAttribute);
        else attrs.origin = b[v];
        break;
      case 2: {
        // AS_PATH, RFC 7606 §7.2; AS 0 is malformed too (RFC 7607 §2).
        const r = parseAsPath(b, v, ve, asSize);
        if (r.error) withdraw(type, `malformed AS_PATH: ${r.error}`, 'RFC 7606 §7.2', UpdateSubcode.MalformedAsPath);
        else if (r.hasAsZero) withdraw(type, 'AS_PATH contains AS 0', 'RFC 7607 §2', UpdateSubcode.MalformedAsPath);
        else if (r.hasConfed && ctx.ebgp) withdraw(type, 'AS_PATH from an external peer has confederation segments', 'RFC 5065 §5.3, RFC 7606 §7.2', UpdateSubcode.MalformedAsPath);
        else attrs.asPath = r.segments;
        break;
      }
      case 3: // NEXT_HOP, RFC 7606 §7.3
        if (len !== 4) withdraw(type, `NEXT_HOP length ${len}`, 'RFC 7606 §7.3', LEN);
        else if (b[v] === 0 || b[v] >= 224) withdraw(type, `NEXT_HOP ${formatIpv4(b, v)} is not a unicast host address`, 'RFC 7606 §3 e, RFC 4271 §6.3', UpdateSubcode.InvalidNextHopAttribute);
        else attrs.nextHop = formatIpv4(b, v);
        break;
      case 4: // MULTI_EXIT_DISC, RFC 7606 §7.4
        if (len !== 4) withdraw(type, `MULTI_EXIT_DISC length ${len}`, 'RFC 7606 §7.4', LEN);
        else attrs.med = u32(b, v);
        break;
      case 5: // LOCAL_PREF, RFC 7606 §7.5
        if (ctx.ebgp) discard(type, 'LOCAL_PREF from an external peer', 'RFC 7606 §7.5');
        else if (len !== 4) withdraw(type, `LOCAL_PREF length ${len}`, 'RFC 7606 §7.5', LEN);
        else attrs.localPref = u32(b, v);
        break;
      case 6: // ATOMIC_AGGREGATE, RFC 7606 §7.6
        if (len !== 0) discard(type, `ATOMIC_AGGREGATE length ${len}`, 'RFC 7606 §7.6');
        else attrs.atomicAggregate = true;
        break;
      case 7: {
        // AGGREGATOR, RFC 7606 §7.7: length 6 or 8 by session type; AS 0 per RFC 7607.
        if (len !== asSize + 4) {
          discard(type, `AGGREGATOR length ${len}`, 'RFC 7606 §7.7');
          break;
        }
        const asn = asSize === 4 ? u32(b, v) : u16(b, v);
        if (asn === 0) discard(type, 'AGGREGATOR with AS 0', 'RFC 7607 §2, RFC 7606 §7.7');
        else attrs.aggregator = { asn, address: formatIpv4(b, v + asSize) };
        break;
      }
      case 8: {
        // COMMUNITIES, RFC 7606 §7.8
        if (len === 0 || len % 4 !== 0) {
          withdraw(type, `COMMUNITIES length ${len}`, 'RFC 7606 §7.8', LEN);
          break;
        }
        const list = new Array<number>(len / 4);
        for (let i = 0; i < list.length; i++) list[i] = u32(b, v + i * 4);
        attrs.communities = list;
        break;
      }
      case 9: // ORIGINATOR_ID, RFC 7606 §7.9, RFC 4456 §8
        if (ctx.ebgp) discard(type, 'ORIGINATOR_ID from an external peer', 'RFC 7606 §7.9');
        else if (len !== 4) withdraw(type, `ORIGINATOR_ID length ${len}`, 'RFC 7606 §7.9', LEN);
        else attrs.originatorId = formatIpv4(b, v);
        break;
      case 10: {
        // CLUSTER_LIST, RFC 7606 §7.10, RFC 4456 §8
        if (ctx.ebgp) discard(type, 'CLUSTER_LIST from an external peer', 'RFC 7606 §7.10');
        else if (len === 0 || len % 4 !== 0) withdraw(type, `CLUSTER_LIST length ${len}`, 'RFC 7606 §7.10', LEN);
        else {
          const ids: string[] = [];
          for (let q = v; q < ve; q += 4) ids.push(formatIpv4(b, q));
          attrs.clusterList = ids;
        }
        break;
      }
      case 16:
      case 24:
      case 25:
      case 128: {
        // Attributes bgpfo does not interpret but must still judge (RFC 7606 §7.13-7.16).
        const bad = checkPassThrough(type, b, v, ve);
        if (bad) withdraw(type, bad.reason, bad.rule, bad.subcode);
        else if (flags & F_TRANSITIVE) (attrs.unknown ??= []).push({ flags, type, value: copyBytes(b, v, ve) });
        break;
      }
      case 14:
        decodeMpReach(b, p, v, ve, attrs, ctx, discard);
        break;
      case 15:
        decodeMpUnreach(b, p, v, ve, attrs, discard);
        break;
      case 17: {
        // AS4_PATH, RFC 6793 §6: only meaningful from a 2-octet peer; malformed means discard.
        if (ctx.fourOctetAs) {
          discard(type, 'AS4_PATH on a 4-octet AS session', 'RFC 6793 §6');
          break;
        }
        const r = parseAsPath(b, v, ve, 4);
        if (r.error || len < 6) discard(type, `malformed AS4_PATH: ${r.error ?? 'too short'}`, 'RFC 6793 §6');
        else if (r.hasAsZero) discard(type, 'AS4_PATH contains AS 0', 'RFC 7607 §2, RFC 6793 §6');
        else {
          if (r.hasConfed) discard(type, 'confederation segments removed from AS4_PATH', 'RFC 6793 §6');
          as4Path = r.segments.filter((s) => s.type === 1 || s.type === 2);
        }
        break;
      }
      case 18: {
        // AS4_AGGREGATOR, RFC 6793 §6
        if (ctx.fourOctetAs) discard(type, 'AS4_AGGREGATOR on a 4-octet AS session', 'RFC 6793 §6');
        else if (len !== 8) discard(type, `AS4_AGGREGATOR length ${len}`, 'RFC 6793 §6');
        else if (u32(b, v) === 0) discard(type, 'AS4_AGGREGATOR with AS 0', 'RFC 7607 §2, RFC 6793 §6');
        else as4Aggregator = { asn: u32(b, v), address: formatIpv4(b, v + 4) };
        break;
      }
      case 32: {
        // LARGE_COMMUNITY, RFC 8092 §5-6: treat-as-withdraw on bad length; repeats are removed silently.
        if (len === 0 || len % 12 !== 0) {
          withdraw(type, `LARGE_COMMUNITY length ${len}`, 'RFC 8092 §6', LEN);
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

  if (!ctx.fourOctetAs) applyAs4(attrs, as4Path, as4Aggregator, discard);
  return { attributes: attrs, softErrors: soft, seen, count, firstWithdraw };
}

/** RFC 6793 §4.2.3: fold AS4_AGGREGATOR and AS4_PATH from a 2-octet speaker back into the path. */
function applyAs4(
  attrs: PathAttributes,
  as4Path: AsPathSegment[] | undefined,
  as4Agg: { asn: number; address: string } | undefined,
  discard: (t: number, r: string, rule: string) => void,
): void {
  if (attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) {
    // An aggregator that is not AS_TRANS was a 2-octet speaker after the 4-octet information was
    // attached, so both AS4 attributes are stale and ignored.
    if (as4Agg) discard(18, 'AS4_AGGREGATOR ignored: AGGREGATOR is not AS_TRANS', 'RFC 6793 §4.2.3');
    if (as4Path) discard(17, 'AS4_PATH ignored: AGGREGATOR is not AS_TRANS', 'RFC 6793 §4.2.3');
    return;
  }
  if (as4Agg) {
    if (attrs.aggregator) attrs.aggregator = as4Agg;
    else discard(18, 'AS4_AGGREGATOR without AGGREGATOR', 'RFC 6793 §4.2.3');
  }
  if (attrs.asPath && as4Path) {
    const merged = mergeAs4Path(attrs.asPath, as4Path);
    if (merged === attrs.asPath) discard(17, 'AS4_PATH ignored: longer than AS_PATH', 'RFC 6793 §4.2.3');
    attrs.asPath = merged;
  }
}
