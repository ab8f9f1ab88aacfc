// Path attribute encoding (RFC 4271 §4.3, §5): MP_REACH/MP_UNREACH first (RFC 7606 §5.1), the rest in
// ascending type order; AS_TRANS + AS4_PATH/AS4_AGGREGATOR towards 2-octet peers (RFC 6793 §4.2.2).

import type { CodecContext, PathAttributes } from '../types';
import { AS_TRANS } from '../types';
import { EncodeError, addressBytes, checkUint, concatBytes, ipv4Bytes, putU16, putU32 } from './bytes';
import { encodeAsPath, needsAs4, withoutConfed } from './aspath';
import { encodePrefixes } from './nlri';

export interface AttributePiece {
  type: number;
  /**
   * Optional / Transitive / Partial bits, plus Extended Length when the attribute should always use
   * a 2-octet length; otherwise Extended Length is chosen from the value's size when writing.
   */
  flags: number;
  value: Uint8Array;
}

const WELL_KNOWN = 0x40;
const OPT_TRANSITIVE = 0xc0;
const OPT_NON_TRANSITIVE = 0x80;
const PARTIAL = 0x20;
const EXTENDED = 0x10;
/** MP attributes always get a 2-octet length, as FRR and BIRD send them: their size varies with the NLRI. */
const MP_FLAGS = OPT_NON_TRANSITIVE | EXTENDED;

/** Type codes that PathAttributes names; a RawAttribute must not reuse them. */
const MODELLED = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17, 18, 32]);

function u32Value(v: number, what: string): Uint8Array {
  const out = new Uint8Array(4);
  putU32(out, 0, checkUint(v, 32, what));
  return out;
}

function aggregatorValue(asn: number, address: string, asSize: 2 | 4): Uint8Array {
  const out = new Uint8Array(asSize + 4);
  if (asSize === 4) putU32(out, 0, asn);
  else putU16(out, 0, asn > 0xffff ? AS_TRANS : asn);
  out.set(ipv4Bytes(address, 'AGGREGATOR address'), asSize);
  return out;
}

/** The value of an MP_REACH_NLRI attribute around an already encoded NLRI field. */
export function mpReachValue(afi: number, safi: number, nextHops: readonly string[], nlri: Uint8Array): Uint8Array {
  const hops = nextHops.map((h) => addressBytes(h, 'MP_REACH_NLRI next hop'));
  const nh = concatBytes(hops);
  if (nh.length > 255) throw new EncodeError('MP_REACH_NLRI next hops exceed 255 octets');
  const out = new Uint8Array(5 + nh.length + nlri.length);
  putU16(out, 0, checkUint(afi, 16, 'AFI'));
  out[2] = checkUint(safi, 8, 'SAFI');
  out[3] = nh.length;
  out.set(nh, 4);
  // out[4 + nh.length] is the Reserved octet, zero.
  out.set(nlri, 5 + nh.length);
  return out;
}

export function mpUnreachValue(afi: number, safi: number, withdrawn: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + withdrawn.length);
  putU16(out, 0, checkUint(afi, 16, 'AFI'));
  out[2] = checkUint(safi, 8, 'SAFI');
  out.set(withdrawn, 3);
  return out;
}

export interface PieceOptions {
  /** Leave MP_REACH/MP_UNREACH out (the packer adds its own). */
  skipMp?: boolean;
  /** Leave NEXT_HOP out (IPv6-only UPDATEs, RFC 4760 §3 says it SHOULD NOT be sent). */
  skipNextHop?: boolean;
}

/** Every attribute of `a` in wire order, without headers. */
export function attributePieces(a: PathAttributes, ctx: CodecContext, opts: PieceOptions = {}): AttributePiece[] {
  const asSize: 2 | 4 = ctx.fourOctetAs ? 4 : 2;
  const mp: AttributePiece[] = [];
  const rest: AttributePiece[] = [];
  if (!opts.skipMp && a.mpReach) {
    const r = a.mpReach;
    mp.push({ type: 14, flags: MP_FLAGS, value: mpReachValue(r.afi, r.safi, r.nextHops, encodePrefixes(r.nlri, r.afi)) });
  }
  if (!opts.skipMp && a.mpUnreach) {
    const u = a.mpUnreach;
    // An empty MP_UNREACH_NLRI is the End-of-RIB marker, which both FRR and BIRD send in the short form.
    const flags = u.withdrawn.length > 0 ? MP_FLAGS : OPT_NON_TRANSITIVE;
    mp.push({ type: 15, flags, value: mpUnreachValue(u.afi, u.safi, encodePrefixes(u.withdrawn, u.afi)) });
  }
  if (a.origin !== undefined) {
    if (a.origin !== 0 && a.origin !== 1 && a.origin !== 2) throw new EncodeError(`ORIGIN ${a.origin} is not 0, 1 or 2`);
    rest.push({ type: 1, flags: WELL_KNOWN, value: Uint8Array.of(a.origin) });
  }
  let sendsAs4Path = false;
  if (a.asPath !== undefined) {
    rest.push({ type: 2, flags: WELL_KNOWN, value: encodeAsPath(a.asPath, asSize) });
    if (asSize === 2 && needsAs4(a.asPath)) {
      const as4 = withoutConfed(a.asPath);
      if (as4.some((s) => s.asns.length > 0)) {
        rest.push({ type: 17, flags: OPT_TRANSITIVE, value: encodeAsPath(as4, 4) });
        sendsAs4Path = true;
      }
    }
  }
  if (a.nextHop !== undefined && !opts.skipNextHop) {
    rest.push({ type: 3, flags: WELL_KNOWN, value: ipv4Bytes(a.nextHop, 'NEXT_HOP') });
  }
  if (a.med !== undefined) rest.push({ type: 4, flags: OPT_NON_TRANSITIVE, value: u32Value(a.med, 'MULTI_EXIT_DISC') });
  if (a.localPref !== undefined) rest.push({ type: 5, flags: WELL_KNOWN, value: u32Value(a.localPref, 'LOCAL_PREF') });
  if (a.atomicAggregate) rest.push({ type: 6, flags: WELL_KNOWN, value: new Uint8Array(0) });
  if (a.aggregator !== undefined) {
    const asn = checkUint(a.aggregator.asn, 32, 'AGGREGATOR AS');
    // RFC 6793 §4.2.3: a receiver ignores AS4_PATH when AGGREGATOR is not AS_TRANS. So whenever AS4_PATH goes out,
    // AGGREGATOR is AS_TRANS and AS4_AGGREGATOR carries the real AS, even one that fits in two octets (found by
    // fuzzing: a mappable aggregator made the receiver drop the 4-octet path).
    const viaAs4 = asSize === 2 && (asn > 0xffff || sendsAs4Path);
    rest.push({ type: 7, flags: OPT_TRANSITIVE, value: aggregatorValue(viaAs4 ? AS_TRANS : asn, a.aggregator.address, asSize) });
    if (viaAs4) rest.push({ type: 18, flags: OPT_TRANSITIVE, value: aggregatorValue(asn, a.aggregator.address, 4) });
  }
  if (a.communities !== undefined && a.communities.length > 0) {
    const v = new Uint8Array(a.communities.length * 4);
    a.communities.forEach((c, i) => putU32(v, i * 4, checkUint(c, 32, 'community')));
    rest.push({ type: 8, flags: OPT_TRANSITIVE, value: v });
  }
  // RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST are optional non-transitive and only meaningful inside the
  // AS, so they are written towards internal peers only (an external peer would discard them, RFC 7606 §7.9/7.10).
  if (!ctx.ebgp && a.originatorId !== undefined) rest.push({ type: 9, flags: OPT_NON_TRANSITIVE, value: ipv4Bytes(a.originatorId, 'ORIGINATOR_ID') });
  if (!ctx.ebgp && a.clusterList !== undefined && a.clusterList.length > 0) {
    rest.push({ type: 10, flags: OPT_NON_TRANSITIVE, value: concatBytes(a.clusterList.map((c) => ipv4Bytes(c, 'CLUSTER_LIST id'))) });
  }
  if (a.largeCommunities !== undefined && a.largeCommunities.length > 0) {
    const v = new Uint8Array(a.largeCommunities.length * 12);
    a.largeCommunities.forEach((c, i) => {
      for (let k = 0; k < 3; k++) putU32(v, i * 12 + k * 4, checkUint(c[k], 32, 'large community field'));
    });
    rest.push({ type: 32, flags: OPT_TRANSITIVE, value: v });
  }
  for (const u of a.unknown ?? []) {
    checkUint(u.type, 8, 'attribute type');
    if (MODELLED.has(u.type)) throw new EncodeError(`unknown attribute uses type ${u.type}, which PathAttributes models`);
    let flags = checkUint(u.flags, 8, 'attribute flags') & (OPT_TRANSITIVE | PARTIAL);
    // RFC 4271 §5: an optional transitive attribute we did not recognize is passed on with Partial set.
    if ((flags & OPT_TRANSITIVE) === OPT_TRANSITIVE) flags |= PARTIAL;
    rest.push({ type: u.type, flags, value: u.value });
  }
  // Stable sort: ascending type code (RFC 4271 §5 SHOULD), unknown attributes keep their order on ties.
  rest.sort((x, y) => x.type - y.type);
  return mp.concat(rest);
}

function extended(p: AttributePiece): boolean {
  return p.value.length > 255 || (p.flags & EXTENDED) !== 0;
}

export function pieceLength(p: AttributePiece): number {
  return (extended(p) ? 4 : 3) + p.value.length;
}

/** Writes one attribute with its header at `o`; returns the next offset. */
export function writePiece(buf: Uint8Array, o: number, p: AttributePiece): number {
  if (p.value.length > 0xffff) throw new EncodeError(`attribute ${p.type} value is ${p.value.length} octets`);
  const ext = extended(p);
  buf[o] = (p.flags & 0xe0) | (ext ? EXTENDED : 0);
  buf[o + 1] = p.type;
  if (ext) {
    putU16(buf, o + 2, p.value.length);
    o += 4;
  } else {
    buf[o + 2] = p.value.length;
    o += 3;
  }
  buf.set(p.value, o);
  return o + p.value.length;
}

/** The Path Attributes field. */
export function encodeAttributes(a: PathAttributes, ctx: CodecContext, opts: PieceOptions = {}): Uint8Array {
  const pieces = attributePieces(a, ctx, opts);
  const out = new Uint8Array(pieces.reduce((n, p) => n + pieceLength(p), 0));
  let o = 0;
  for (const p of pieces) o = writePiece(out, o, p);
  return out;
}
