// UPDATE message (RFC 4271 §4.3, §6.3 as revised by RFC 7606 §3-5): withdrawn routes, path
// attributes, IPv4 NLRI; the missing-attribute rules (RFC 7606 §3 d, RFC 4760 §3 for NEXT_HOP).

import { BgpMessageError, UpdateSubcode } from '../errors';
import type { CodecContext, Prefix, UpdateMessage } from '../types';
import { AFI_IPV4, HEADER_LENGTH } from '../types';
import { EncodeError, putU16, u16 } from './bytes';
import { decodeAttributes, type DecodedAttributes } from './attr-decode';
import { encodeAttributes } from './attr-encode';
import { allocMessage, maxMessageLength, TYPE_UPDATE } from './header';
import { decodePrefixes, encodePrefixes } from './nlri';

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

function invalidNetwork(field: string, why: string): BgpMessageError {
  return new BgpMessageError(3, UpdateSubcode.InvalidNetworkField, `invalid ${field}: ${why}`);
}

/** `b` is one whole UPDATE (header checked, length >= 23). */
export function decodeUpdate(b: Uint8Array, length: number, ctx: CodecContext): UpdateMessage {
  const wlen = u16(b, 19);
  let p = 21;
  // RFC 4271 §6.3: lengths that do not fit the message cannot be localized.
  if (p + wlen + 2 > length) {
    throw new BgpMessageError(3, UpdateSubcode.MalformedAttributeList, `withdrawn routes length ${wlen} exceeds the message`);
  }
  const withdrawn: Prefix[] = [];
  const werr = decodePrefixes(b, p, p + wlen, AFI_IPV4, withdrawn);
  if (werr) throw invalidNetwork('withdrawn routes', werr);
  p += wlen;
  const alen = u16(b, p);
  p += 2;
  if (p + alen > length) {
    throw new BgpMessageError(3, UpdateSubcode.MalformedAttributeList, `total path attribute length ${alen} exceeds the message`);
  }
  const nlri: Prefix[] = [];
  const nerr = decodePrefixes(b, p + alen, length, AFI_IPV4, nlri);
  if (nerr) throw invalidNetwork('NLRI', nerr);

  let decoded: DecodedAttributes | null = null;
  if (alen > 0) decoded = decodeAttributes(b, p, p + alen, ctx);
  const attributes = decoded ? decoded.attributes : {};
  const soft = decoded ? decoded.softErrors : [];

  // RFC 7606 §3 d: missing well-known mandatory attributes make the announced routes withdrawn.
  // They are only mandatory when the UPDATE announces something (classic NLRI or MP_REACH_NLRI).
  if (nlri.length > 0 || attributes.mpReach) {
    const seen = decoded ? decoded.seen : new Uint8Array(256);
    if (!seen[1]) soft.push({ action: 'treat-as-withdraw', attrType: 1, reason: 'missing ORIGIN' });
    if (!seen[2]) soft.push({ action: 'treat-as-withdraw', attrType: 2, reason: 'missing AS_PATH' });
    // RFC 4760 §3: NEXT_HOP is only required for routes in the classic NLRI field.
    if (nlri.length > 0 && !seen[3]) soft.push({ action: 'treat-as-withdraw', attrType: 3, reason: 'missing NEXT_HOP' });
  }
  const msg: UpdateMessage = { type: 'update', withdrawn, attributes, nlri };
  if (soft.length > 0) msg.softErrors = soft;
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
