// Path Attributes encoded once per shared attribute set and reused by every session that sends it, with the
// session's own NEXT_HOP written over the cached one (a hub sends the same sets to hundreds of spokes).

import type { CodecContext, PathAttributes } from '../types';
import { ipv4Bytes } from './bytes';
import { encodeAttributes } from './attr-encode';

const TYPE_NEXT_HOP = 3;

interface Encoded {
  bytes: Uint8Array;
  /** Offset of NEXT_HOP's four value octets in `bytes`, or -1 when there is none. */
  nextHopAt: number;
}

/** Where NEXT_HOP's value starts in an encoded Path Attributes field (flags, type, length, value; RFC 4271 §4.3). */
function nextHopOffset(b: Uint8Array): number {
  let o = 0;
  while (o + 3 <= b.length) {
    const extended = (b[o] & 0x10) !== 0;
    const len = extended ? (b[o + 2] << 8) | b[o + 3] : b[o + 2];
    const value = o + (extended ? 4 : 3);
    if (b[o + 1] === TYPE_NEXT_HOP && len === 4) return value;
    o = value + len;
  }
  return -1;
}

/**
 * Encoded IPv4 Path Attributes (no MP_REACH/MP_UNREACH) of `attributes`, which are `shared` with the session's
 * NEXT_HOP in (src/rib/attrs.ts NEXT_HOP_SELF). Keyed by the shared set's identity and the context fields the
 * encoding reads, held weakly: sets no route uses any more go with their bytes.
 */
export class AttributeBytesCache {
  private readonly byShared = new WeakMap<object, Map<string, Encoded>>();

  encode(shared: object, attributes: PathAttributes, ctx: CodecContext): Uint8Array {
    const ctxKey = `${ctx.fourOctetAs ? 4 : 2}${ctx.ebgp ? 'e' : 'i'}`;
    let byCtx = this.byShared.get(shared);
    if (!byCtx) this.byShared.set(shared, (byCtx = new Map()));
    const hit = byCtx.get(ctxKey);
    if (!hit) {
      const bytes = encodeAttributes(attributes, ctx, { skipMp: true });
      byCtx.set(ctxKey, { bytes: bytes.slice(), nextHopAt: nextHopOffset(bytes) });
      return bytes;
    }
    const out = hit.bytes.slice();
    if (attributes.nextHop !== undefined && hit.nextHopAt >= 0) out.set(ipv4Bytes(attributes.nextHop, 'NEXT_HOP'), hit.nextHopAt);
    else if ((attributes.nextHop === undefined) !== (hit.nextHopAt < 0)) return encodeAttributes(attributes, ctx, { skipMp: true });
    return out;
  }
}
