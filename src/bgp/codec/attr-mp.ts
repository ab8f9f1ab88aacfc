// MP_REACH_NLRI / MP_UNREACH_NLRI decoding (RFC 4760 §3-4) with their error rules: RFC 4760 §7 and
// RFC 7606 §5.3, §7.11, §7.12 (a broken MP attribute hides NLRI, so it resets the session), RFC 8950 next hops.

import { BgpMessageError, UpdateSubcode } from '../errors';
import type { CodecContext, MpReach, MpUnreach, PathAttributes } from '../types';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST } from '../types';
import { formatIpv4, formatIpv6 } from '../prefix';
import { copyBytes, u16 } from './bytes';
import { decodePrefixWire, lazyPrefixes } from './nlri';

//  MP_REACH_NLRI:   AFI (2) | SAFI (1) | Next Hop Len (1) | Next Hop (var) | Reserved (1) | NLRI (var)
//  MP_UNREACH_NLRI: AFI (2) | SAFI (1) | Withdrawn Routes (var)

export type Discard = (attrType: number, reason: string, rule: string) => void;

function familySupported(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && safi === SAFI_UNICAST;
}

/**
 * RFC 4760 §7: an MP attribute we cannot parse is an Optional Attribute Error with the attribute as data.
 * bgpfo implements no "AFI/SAFI disable", so RFC 7606 §7.11/§7.12 leave the session reset.
 */
function mpError(b: Uint8Array, p: number, ve: number, why: string, rule: string): BgpMessageError {
  return new BgpMessageError(3, UpdateSubcode.OptionalAttributeError, why, copyBytes(b, p, ve), rule);
}

/** The next hop lengths RFC 4760 §3 / RFC 2545 §3 / RFC 8950 §3 allow for a family on this session. */
function nextHopLengthOk(afi: number, nhLen: number, ctx: CodecContext): boolean {
  if (afi === AFI_IPV6) return nhLen === 16 || nhLen === 32;
  // IPv4 NLRI: a 4-octet IPv4 next hop; an IPv6 one only with the Extended Next Hop capability (RFC 8950 §4).
  return nhLen === 4 || (ctx.extendedNextHop === true && (nhLen === 16 || nhLen === 32));
}

/** Attribute header at b[p], value b[v, ve). */
export function decodeMpReach(b: Uint8Array, p: number, v: number, ve: number, attrs: PathAttributes, ctx: CodecContext, discard: Discard): void {
  if (ve - v < 5) throw mpError(b, p, ve, `MP_REACH_NLRI of ${ve - v} octets is too short`, 'RFC 7606 §7.11');
  const afi = u16(b, v);
  const safi = b[v + 2];
  const nhLen = b[v + 3];
  const nlriStart = v + 4 + nhLen + 1;
  if (nlriStart > ve) throw mpError(b, p, ve, `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`, 'RFC 7606 §7.11');
  if (!familySupported(afi, safi)) {
    discard(14, `MP_REACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`, 'RFC 4760 §7');
    return;
  }
  // RFC 7606 §7.11: a next hop length other than the expected one makes the NLRI impossible to locate reliably.
  if (!nextHopLengthOk(afi, nhLen, ctx)) {
    const why =
      afi === AFI_IPV4 && (nhLen === 16 || nhLen === 32)
        ? `MP_REACH_NLRI for IPv4 with a ${nhLen}-octet IPv6 next hop, but Extended Next Hop (RFC 8950) was not negotiated`
        : `MP_REACH_NLRI next hop length ${nhLen} for AFI ${afi}`;
    throw mpError(b, p, ve, why, 'RFC 7606 §7.11');
  }
  const nh = v + 4;
  const nextHops: string[] = [];
  if (nhLen === 4) nextHops.push(formatIpv4(b, nh));
  else {
    // IPv6 global, optionally followed by link-local (RFC 2545 §3).
    nextHops.push(formatIpv6(b, nh));
    if (nhLen === 32) nextHops.push(formatIpv6(b, nh + 16));
  }
  const wire = decodePrefixWire(b, nlriStart, ve, afi);
  if (typeof wire === 'string') throw mpError(b, p, ve, `MP_REACH_NLRI: ${wire}`, 'RFC 7606 §5.3');
  // The prefixes stay in wire form, made text only if read (nlri.ts lazyPrefixes): the RIB takes the numbers.
  const reach: MpReach = { afi, safi, nextHops, nlri: [] };
  if (wire.length > 0) lazyPrefixes(reach, 'nlri', wire);
  attrs.mpReach = reach;
}

export function decodeMpUnreach(b: Uint8Array, p: number, v: number, ve: number, attrs: PathAttributes, discard: Discard): void {
  if (ve - v < 3) throw mpError(b, p, ve, `MP_UNREACH_NLRI of ${ve - v} octets is too short`, 'RFC 7606 §7.12');
  const afi = u16(b, v);
  const safi = b[v + 2];
  if (!familySupported(afi, safi)) {
    discard(15, `MP_UNREACH_NLRI for unsupported AFI ${afi} SAFI ${safi}`, 'RFC 4760 §7');
    return;
  }
  const wire = decodePrefixWire(b, v + 3, ve, afi);
  if (typeof wire === 'string') throw mpError(b, p, ve, `MP_UNREACH_NLRI: ${wire}`, 'RFC 7606 §5.3');
  const unreach: MpUnreach = { afi, safi, withdrawn: [] };
  if (wire.length > 0) lazyPrefixes(unreach, 'withdrawn', wire);
  attrs.mpUnreach = unreach;
}

/** RFC 7606 §3 c with §7.11/§7.12: MP attributes whose Optional/Transitive bits conflict cannot be trusted. */
export function mpFlagsError(b: Uint8Array, p: number, ve: number, type: number, flags: number): BgpMessageError {
  const name = type === 14 ? 'MP_REACH_NLRI' : 'MP_UNREACH_NLRI';
  return new BgpMessageError(
    3,
    UpdateSubcode.AttributeFlagsError,
    `${name} has flags 0x${flags.toString(16)} (must be optional non-transitive); its NLRI cannot be trusted`,
    copyBytes(b, p, ve),
    type === 14 ? 'RFC 7606 §7.11, RFC 4760 §7' : 'RFC 7606 §7.12, RFC 4760 §7',
  );
}
