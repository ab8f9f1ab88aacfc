// UPDATE message (RFC 4271 §4.3, §6.3 as revised by RFC 7606 §3-5): withdrawn routes, path attributes, IPv4
// NLRI; missing attributes (RFC 7606 §3 d, RFC 4760 §3), §5.2 escalation, the End-of-RIB verdict (RFC 4724 §2).

import { BgpMessageError, UpdateSubcode } from '../errors';
import type { CodecContext, UpdateMessage } from '../types';
import { AFI_IPV4, HEADER_LENGTH } from '../types';
import { EncodeError, putU16, u16 } from './bytes';
import { decodeAttributes, type DecodedAttributes } from './attr-decode';
import { recordEndOfRibVerdict, wireEndOfRib } from './eor';
import { encodeAttributes } from './attr-encode';
import { allocMessage, maxMessageLength, TYPE_UPDATE } from './header';
import { decodeIpv4Keys, encodePrefixes, lazyPrefixes, prefixCount } from './nlri';

// +-----------------------------------------------------+
// |   Withdrawn Routes Length (2 octets)                |
// +-----------------------------------------------------+
// |   Withdrawn Routes (variable)                       |
// +-----------------------------------------------------+
// |   Total Path Attribute Length (2 octets)            |
// +-----------------------------------------------------+
// |   Path Attributes (variable)                        |
// +-----------------------------------------------------+
// |   Network Layer Reachability Information (variable) |
// +-----------------------------------------------------+

function invalidNetwork(field: string, why: string, rule: string): BgpMessageError {
  return new BgpMessageError(3, UpdateSubcode.InvalidNetworkField, `invalid ${field}: ${why}`, undefined, rule);
}

/** `b` is one whole UPDATE (header checked, length >= 23). */
export function decodeUpdate(b: Uint8Array, length: number, ctx: CodecContext): UpdateMessage {
  const wlen = u16(b, 19);
  let p = 21;
  // RFC 4271 §6.3: lengths that do not fit the message cannot be localized.
  if (p + wlen + 2 > length) {
    throw new BgpMessageError(3, UpdateSubcode.MalformedAttributeList, `withdrawn routes length ${wlen} exceeds the message`, undefined, 'RFC 7606 §3 a');
  }
  // Both IPv4 fields are read as wire keys; their text is made only if someone reads it (lazyPrefixes).
  const withdrawn: number[] = [];
  const werr = decodeIpv4Keys(b, p, p + wlen, withdrawn);
  if (werr) throw invalidNetwork('withdrawn routes', werr, 'RFC 7606 §3 i, §5.3');
  p += wlen;
  const alen = u16(b, p);
  p += 2;
  if (p + alen > length) {
    throw new BgpMessageError(3, UpdateSubcode.MalformedAttributeList, `total path attribute length ${alen} exceeds the message`, undefined, 'RFC 7606 §3 a');
  }
  const nlri: number[] = [];
  const nerr = decodeIpv4Keys(b, p + alen, length, nlri);
  if (nerr) throw invalidNetwork('NLRI', nerr, 'RFC 7606 §5.3');

  let decoded: DecodedAttributes | null = null;
  if (alen > 0) decoded = decodeAttributes(b, p, p + alen, ctx);
  const attributes = decoded ? decoded.attributes : {};
  const soft = decoded ? decoded.softErrors : [];

  // RFC 7606 §3 d: missing well-known mandatory attributes make the announced routes withdrawn.
  // They are only mandatory when the UPDATE announces something (classic NLRI or MP_REACH_NLRI).
  if (nlri.length > 0 || attributes.mpReach) {
    const seen = decoded ? decoded.seen : new Uint8Array(256);
    const missing = (attrType: number, name: string, rule: string) =>
      soft.push({ action: 'treat-as-withdraw', attrType, reason: `missing ${name}`, rule });
    if (!seen[1]) missing(1, 'ORIGIN', 'RFC 7606 §3 d');
    if (!seen[2]) missing(2, 'AS_PATH', 'RFC 7606 §3 d');
    // RFC 4760 §3: NEXT_HOP is only required for routes in the classic NLRI field.
    if (nlri.length > 0 && !seen[3]) missing(3, 'NEXT_HOP', 'RFC 7606 §3 d, RFC 4760 §3');
  }

  // RFC 7606 §5.2: an UPDATE that carries attributes other than MP_UNREACH_NLRI but announces nothing, with an
  // error stronger than attribute discard, cannot be treated as withdraw (what it meant to announce is lost,
  // e.g. an MP_REACH_NLRI swallowed by a malformed length before it): the session is reset.
  const cause = decoded?.firstWithdraw;
  if (cause && decoded) {
    const mpReachSeen = decoded.seen[14] === 1;
    const announces = nlri.length > 0 || (mpReachSeen && (!attributes.mpReach || prefixCount(attributes.mpReach, 'nlri') > 0));
    const others = decoded.count - (decoded.seen[15] ? 1 : 0) > 0;
    if (!announces && others) {
      throw new BgpMessageError(
        3,
        cause.subcode,
        `${cause.reason} (${cause.rule}) in an UPDATE that announces no reachable NLRI: session reset`,
        cause.data,
        `RFC 7606 §5.2`,
      );
    }
  }

  const msg: UpdateMessage = { type: 'update', withdrawn: [], attributes, nlri: [] };
  if (withdrawn.length > 0) lazyPrefixes(msg, 'withdrawn', withdrawn);
  if (nlri.length > 0) lazyPrefixes(msg, 'nlri', nlri);
  if (soft.length > 0) msg.softErrors = soft;
  recordEndOfRibVerdict(msg, wireEndOfRib(length, msg, decoded ? decoded.count : 0, soft.length === 0));
  return msg;
}

export function encodeUpdate(m: UpdateMessage, ctx: CodecContext): Buffer {
  const w = encodePrefixes(m.withdrawn, AFI_IPV4);
  const a = encodeAttributes(m.attributes, ctx);
  const n = encodePrefixes(m.nlri, AFI_IPV4);
  const body = 4 + w.length + a.length + n.length;
  const max = maxMessageLength(ctx);
  if (HEADER_LENGTH + body > max) {
    throw new EncodeError(`UPDATE of ${HEADER_LENGTH + body} bytes exceeds ${max}; use packUpdates to split it`);
  }
  const buf = allocMessage(TYPE_UPDATE, body);
  let o = HEADER_LENGTH;
  putU16(buf, o, w.length);
  buf.set(w, o + 2);
  o += 2 + w.length;
  putU16(buf, o, a.length);
  buf.set(a, o + 2);
  o += 2 + a.length;
  buf.set(n, o);
  return buf;
}
