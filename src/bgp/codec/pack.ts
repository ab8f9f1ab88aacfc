// Building UPDATEs for a batch of routes (RFC 4271 §4.3, RFC 4760 §3-4 for IPv6) in as few messages
// as the session's maximum size allows (RFC 8654), and encoding the End-of-RIB marker (RFC 4724 §2).

import type { CodecContext, Family, PathAttributes, Prefix } from '../types';
import { AFI_IPV4, AFI_IPV6, HEADER_LENGTH, SAFI_UNICAST } from '../types';
import { EncodeError, putU16 } from './bytes';
import { attributePieces, encodeAttributes, mpReachValue, pieceLength, writePiece } from './attr-encode';
import { allocMessage, maxMessageLength, TYPE_UPDATE } from './header';
import { writePrefix } from './nlri';

export interface PackInput {
  family: Family;
  attributes: PathAttributes;
  announce: Prefix[];
  withdraw: Prefix[];
}

/** Largest wire form of one prefix (length octet + 16 address octets). */
const MAX_PREFIX_WIRE = 17;
const MP_FLAGS_EXTENDED = 0x90; // optional, extended length: the packer's MP attributes can exceed 255 octets

let chunkScratch = new Uint8Array(4096 + MAX_PREFIX_WIRE);

/**
 * Splits prefixes into NLRI fields of at most `room` octets, calling `emit` for each (emit must copy).
 * Writes each prefix first and checks afterwards, so every prefix is parsed exactly once.
 */
function chunkPrefixes(prefixes: readonly Prefix[], afi: number, room: number, emit: (field: Uint8Array) => void): void {
  if (prefixes.length === 0) return;
  const largest = afi === AFI_IPV4 ? 5 : MAX_PREFIX_WIRE;
  if (room < largest) throw new EncodeError(`only ${room} octets left for NLRI in a message; attributes too large`);
  // One scratch for every call (emit copies): a hub packs thousands of small UPDATEs per peer, and a fresh 4 KB
  // array each time was most of its garbage.
  if (chunkScratch.length < room + MAX_PREFIX_WIRE) chunkScratch = new Uint8Array(room + MAX_PREFIX_WIRE);
  const scratch = chunkScratch;
  let o = 0;
  for (const p of prefixes) {
    const next = writePrefix(p, afi, scratch, o);
    if (next > room) {
      emit(scratch.subarray(0, o));
      scratch.copyWithin(0, o, next);
      o = next - o;
    } else {
      o = next;
    }
  }
  if (o > 0) emit(scratch.subarray(0, o));
}

function requireAttributes(a: PathAttributes, family: Family): void {
  if (a.origin === undefined || a.asPath === undefined) throw new EncodeError(`announcing ${family} needs ORIGIN and AS_PATH`);
  if (family === 'ipv4-unicast' && a.nextHop === undefined) throw new EncodeError('announcing ipv4-unicast needs attributes.nextHop');
  if (family === 'ipv6-unicast' && !(a.mpReach && a.mpReach.nextHops.length > 0)) {
    throw new EncodeError('announcing ipv6-unicast needs attributes.mpReach.nextHops');
  }
}

/**
 * UPDATE messages announcing `announce` with `attributes` and withdrawing `withdraw`, as few as fit. For IPv4 the
 * caller may give the attributes already encoded (`ipv4Attributes`, see AttributeBytesCache).
 * Withdrawals go first, in their own messages, so a prefix listed in both ends up announced.
 */
export function packUpdates(p: PackInput, ctx: CodecContext, ipv4Attributes?: Uint8Array): Buffer[] {
  const max = maxMessageLength(ctx);
  const out: Buffer[] = [];
  if (p.family === 'ipv4-unicast') {
    // Withdrawn Routes Length (2) + withdrawn + Total Path Attribute Length (2) = 0.
    chunkPrefixes(p.withdraw, AFI_IPV4, max - HEADER_LENGTH - 4, (field) => {
      const buf = allocMessage(TYPE_UPDATE, 4 + field.length);
      putU16(buf, 19, field.length);
      buf.set(field, 21);
      out.push(buf);
    });
    if (p.announce.length === 0) return out;
    requireAttributes(p.attributes, p.family);
    const attrs = ipv4Attributes ?? encodeAttributes(p.attributes, ctx, { skipMp: true });
    chunkPrefixes(p.announce, AFI_IPV4, max - HEADER_LENGTH - 4 - attrs.length, (field) => {
      const buf = allocMessage(TYPE_UPDATE, 4 + attrs.length + field.length);
      putU16(buf, 21, attrs.length);
      buf.set(attrs, 23);
      buf.set(field, 23 + attrs.length);
      out.push(buf);
    });
    return out;
  }
  if (p.family !== 'ipv6-unicast') throw new EncodeError(`cannot pack family ${String(p.family)}`);

  // MP_UNREACH_NLRI: flags, type, length (2) | AFI (2) SAFI (1) | withdrawn.
  chunkPrefixes(p.withdraw, AFI_IPV6, max - HEADER_LENGTH - 4 - 4 - 3, (field) => {
    const alen = 4 + 3 + field.length;
    const buf = allocMessage(TYPE_UPDATE, 4 + alen);
    putU16(buf, 21, alen);
    buf[23] = MP_FLAGS_EXTENDED;
    buf[24] = 15;
    putU16(buf, 25, 3 + field.length);
    putU16(buf, 27, AFI_IPV6);
    buf[29] = SAFI_UNICAST;
    buf.set(field, 30);
    out.push(buf);
  });
  if (p.announce.length === 0) return out;
  requireAttributes(p.attributes, p.family);
  // MP_REACH_NLRI leads (RFC 7606 §5.1); NEXT_HOP is left out (RFC 4760 §3).
  const head = mpReachValue(AFI_IPV6, SAFI_UNICAST, p.attributes.mpReach!.nextHops, new Uint8Array(0));
  const rest = attributePieces(p.attributes, ctx, { skipMp: true, skipNextHop: true });
  const restLen = rest.reduce((n, x) => n + pieceLength(x), 0);
  const restBytes = new Uint8Array(restLen);
  rest.reduce((o, x) => writePiece(restBytes, o, x), 0);
  chunkPrefixes(p.announce, AFI_IPV6, max - HEADER_LENGTH - 4 - 4 - head.length - restLen, (field) => {
    const mpLen = head.length + field.length;
    const alen = 4 + mpLen + restLen;
    const buf = allocMessage(TYPE_UPDATE, 4 + alen);
    putU16(buf, 21, alen);
    buf[23] = MP_FLAGS_EXTENDED;
    buf[24] = 14;
    putU16(buf, 25, mpLen);
    buf.set(head, 27);
    buf.set(field, 27 + head.length);
    buf.set(restBytes, 27 + mpLen);
    out.push(buf);
  });
  return out;
}

/** RFC 4724 §2: an empty UPDATE for IPv4 unicast; an empty MP_UNREACH_NLRI for other families. */
export function encodeEndOfRib(family: Family, _ctx: CodecContext): Buffer {
  if (family === 'ipv4-unicast') return allocMessage(TYPE_UPDATE, 4);
  if (family !== 'ipv6-unicast') throw new EncodeError(`no End-of-RIB for family ${String(family)}`);
  const buf = allocMessage(TYPE_UPDATE, 4 + 6);
  putU16(buf, 21, 6);
  buf.set([0x80, 15, 3, 0, AFI_IPV6, SAFI_UNICAST], 23);
  return buf;
}
