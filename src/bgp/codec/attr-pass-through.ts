// Attributes bgpfo carries without interpreting, judged by RFC 7606 §7.13-7.16 before they are passed on:
// Extended Communities (RFC 4360), Traffic Engineering (RFC 5543), IPv6 Extended Communities (RFC 5701), ATTR_SET (RFC 6368 §5).

import { UpdateSubcode } from '../errors';

export interface PassThroughError {
  reason: string;
  rule: string;
  subcode: number;
}

/** RFC 5543 §3: one descriptor is at least Switching Cap, Encoding, 2 reserved octets and 8 bandwidths. */
const TE_DESCRIPTOR_MIN = 36;

/** Why the attribute of `type` in b[v, ve) is malformed, or null. */
export function checkPassThrough(type: number, b: Uint8Array, v: number, ve: number): PassThroughError | null {
  const len = ve - v;
  switch (type) {
    case 16: // RFC 7606 §7.14: a non-zero multiple of 8
      return len === 0 || len % 8 !== 0
        ? { reason: `EXTENDED COMMUNITIES length ${len}`, rule: 'RFC 7606 §7.14', subcode: UpdateSubcode.AttributeLengthError }
        : null;
    case 24: // RFC 7606 §7.13 leaves "malformed" to the implementation: too short for one descriptor.
      return len < TE_DESCRIPTOR_MIN
        ? { reason: `Traffic Engineering attribute of ${len} octets is shorter than one descriptor`, rule: 'RFC 7606 §7.13', subcode: UpdateSubcode.OptionalAttributeError }
        : null;
    case 25: // RFC 7606 §7.15: a non-zero multiple of 20
      return len === 0 || len % 20 !== 0
        ? { reason: `IPv6 Address Specific Extended Community length ${len}`, rule: 'RFC 7606 §7.15', subcode: UpdateSubcode.AttributeLengthError }
        : null;
    case 128:
      return checkAttrSet(b, v, ve);
    default:
      return null;
  }
}

/**
 * RFC 6368 §5 (action from RFC 7606 §7.16): malformed when shorter than the 4-octet Origin AS, when the
 * enclosed attributes do not frame exactly, or when they include MP_REACH_NLRI / MP_UNREACH_NLRI.
 */
function checkAttrSet(b: Uint8Array, v: number, ve: number): PassThroughError | null {
  const bad = (reason: string): PassThroughError => ({ reason: `ATTR_SET: ${reason}`, rule: 'RFC 7606 §7.16, RFC 6368 §5', subcode: UpdateSubcode.OptionalAttributeError });
  if (ve - v < 4) return bad(`${ve - v} octets, shorter than the Origin AS`);
  let p = v + 4;
  while (p < ve) {
    if (ve - p < 3) return bad('an enclosed attribute header is cut off');
    const ext = (b[p] & 0x10) !== 0;
    if (ext && ve - p < 4) return bad('an enclosed attribute header is cut off');
    const type = b[p + 1];
    const len = ext ? (b[p + 2] << 8) | b[p + 3] : b[p + 2];
    const end = p + (ext ? 4 : 3) + len;
    if (end > ve) return bad(`enclosed attribute ${type} overruns ATTR_SET`);
    if (type === 14 || type === 15) return bad(`encloses attribute ${type}`);
    p = end;
  }
  return null;
}
