// Pure encoder/decoder of BFD Control packets: the mandatory section and its authentication section.
// RFC 5880 §4.1-§4.4 (format), §6.8.6 (the reception checks that do not depend on a session).

import { BfdDecodeError } from './errors';
import { authSectionWithKey, digestOf, type BfdAuthSigner } from './auth';
import {
  AUTH_LEN,
  DIGEST_LEN,
  BFD_MIN_LENGTH,
  BFD_MIN_LENGTH_AUTH,
  BFD_VERSION,
  BfdState,
  type BfdAuthSection,
  type BfdControlPacket,
} from './packet';

function authSectionLength(auth: BfdAuthSection): number {
  return auth.type === 1 ? 3 + auth.password.length : AUTH_LEN[auth.type]!;
}

/**
 * Encode a Control packet. Without `sign`, `pkt.auth` (if any) is written as given, which is how
 * fixtures round-trip; with `sign`, the authentication section is built (password, or sequence
 * number and digest over the whole packet, §6.7) and replaces `pkt.auth`.
 */
export function encodeControl(pkt: BfdControlPacket, sign?: BfdAuthSigner): Uint8Array {
  const auth = sign ? authSectionWithKey(sign) : pkt.auth;
  // Never write what decodeControl (and every peer) rejects: RFC 5880 §4.2 allows 1 to 16 password octets.
  if (auth?.type === 1 && (auth.password.length < 1 || auth.password.length > 16)) {
    throw new RangeError(`BFD simple password of ${auth.password.length} bytes; RFC 5880 §4.2 allows 1 to 16`);
  }
  const length = BFD_MIN_LENGTH + (auth ? authSectionLength(auth) : 0);
  if (length > 255) throw new RangeError('BFD packet longer than 255 bytes');
  const buf = new Uint8Array(length);
  const dv = new DataView(buf.buffer);
  buf[0] = ((pkt.version & 0x07) << 5) | (pkt.diag & 0x1f);
  buf[1] =
    ((pkt.state & 0x03) << 6) |
    (pkt.poll ? 0x20 : 0) |
    (pkt.final ? 0x10 : 0) |
    (pkt.cpi ? 0x08 : 0) |
    (auth ? 0x04 : 0) |
    (pkt.demand ? 0x02 : 0) |
    (pkt.multipoint ? 0x01 : 0);
  buf[2] = pkt.detectMult & 0xff;
  buf[3] = length;
  dv.setUint32(4, pkt.myDiscriminator >>> 0);
  dv.setUint32(8, pkt.yourDiscriminator >>> 0);
  dv.setUint32(12, pkt.desiredMinTxUs >>> 0);
  dv.setUint32(16, pkt.requiredMinRxUs >>> 0);
  dv.setUint32(20, pkt.requiredMinEchoRxUs >>> 0);
  if (auth) {
    writeAuthSection(buf, auth);
    // Keyed types: the digest is computed over the packet with the key in the digest field (§6.7.3/§6.7.4).
    if (sign && auth.type !== 1) buf.set(digestOf(auth.type, buf), BFD_MIN_LENGTH + 8);
  }
  return buf;
}

function writeAuthSection(buf: Uint8Array, auth: BfdAuthSection): void {
  const o = BFD_MIN_LENGTH;
  buf[o] = auth.type;
  buf[o + 1] = authSectionLength(auth);
  buf[o + 2] = auth.keyId & 0xff;
  if (auth.type === 1) {
    buf.set(auth.password, o + 3);
    return;
  }
  buf[o + 3] = 0; // Reserved
  new DataView(buf.buffer, buf.byteOffset).setUint32(o + 4, auth.sequence >>> 0);
  buf.set(auth.digest.subarray(0, DIGEST_LEN[auth.type]!), o + 8);
}

/**
 * Decode a Control packet, applying every §6.8.6 check that needs no session state. Bytes past
 * Length are ignored (the encapsulation may pad). Throws BfdDecodeError: the packet must be discarded.
 */
export function decodeControl(bytes: Uint8Array): BfdControlPacket {
  if (bytes.length < BFD_MIN_LENGTH) {
    throw new BfdDecodeError('truncated', `BFD packet of ${bytes.length} bytes, at least 24 needed`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0]! >> 5;
  if (version !== BFD_VERSION) throw new BfdDecodeError('bad-version', `BFD version ${version}, expected 1`);
  const flags = bytes[1]!;
  const hasAuth = (flags & 0x04) !== 0;
  const length = bytes[3]!;
  const minLength = hasAuth ? BFD_MIN_LENGTH_AUTH : BFD_MIN_LENGTH;
  if (length < minLength) throw new BfdDecodeError('bad-length', `Length ${length} below the minimum ${minLength}`);
  if (length > bytes.length) {
    throw new BfdDecodeError('truncated', `Length ${length} exceeds the ${bytes.length} bytes received`);
  }
  const pkt: BfdControlPacket = {
    version,
    diag: bytes[0]! & 0x1f,
    state: (flags >> 6) as BfdState,
    poll: (flags & 0x20) !== 0,
    final: (flags & 0x10) !== 0,
    cpi: (flags & 0x08) !== 0,
    demand: (flags & 0x02) !== 0,
    multipoint: (flags & 0x01) !== 0,
    detectMult: bytes[2]!,
    myDiscriminator: dv.getUint32(4),
    yourDiscriminator: dv.getUint32(8),
    desiredMinTxUs: dv.getUint32(12),
    requiredMinRxUs: dv.getUint32(16),
    requiredMinEchoRxUs: dv.getUint32(20),
  };
  if (pkt.detectMult === 0) throw new BfdDecodeError('zero-detect-mult', 'Detect Mult is zero');
  if (pkt.multipoint) throw new BfdDecodeError('multipoint', 'Multipoint (M) bit is set');
  if (pkt.myDiscriminator === 0) throw new BfdDecodeError('zero-my-discriminator', 'My Discriminator is zero');
  if (pkt.yourDiscriminator === 0 && pkt.state !== BfdState.Down && pkt.state !== BfdState.AdminDown) {
    throw new BfdDecodeError('zero-your-discriminator', 'Your Discriminator is zero while State is Init or Up');
  }
  if (pkt.poll && pkt.final) throw new BfdDecodeError('poll-and-final', 'Poll and Final both set', 'RFC 5880 §4.1');
  if (hasAuth) pkt.auth = decodeAuthSection(bytes.subarray(0, length), dv);
  return pkt;
}

function decodeAuthSection(pkt: Uint8Array, dv: DataView): BfdAuthSection {
  const o = BFD_MIN_LENGTH;
  const type = pkt[o]!;
  const authLen = pkt[o + 1]!;
  // The section must exactly fill the rest of the packet: Length covers it (§4.1 "Length").
  if (o + authLen !== pkt.length) {
    throw new BfdDecodeError('bad-auth-length', `Auth Len ${authLen} does not fill Length ${pkt.length}`, 'RFC 5880 §4.1');
  }
  if (type === 1) {
    if (authLen < 4 || authLen > 19) {
      throw new BfdDecodeError('bad-auth-length', `simple password Auth Len ${authLen}, must be 4..19`, 'RFC 5880 §4.2');
    }
    return { type: 1, keyId: pkt[o + 2]!, password: copyBytes(pkt.subarray(o + 3, o + authLen)) };
  }
  if (type >= 2 && type <= 5) {
    if (authLen !== AUTH_LEN[type]) {
      const rule = type <= 3 ? 'RFC 5880 §4.3' : 'RFC 5880 §4.4';
      throw new BfdDecodeError('bad-auth-length', `Auth Len ${authLen} for Auth Type ${type}, must be ${AUTH_LEN[type]}`, rule);
    }
    return {
      type: type as 2 | 3 | 4 | 5,
      keyId: pkt[o + 2]!,
      sequence: dv.getUint32(o + 4),
      digest: copyBytes(pkt.subarray(o + 8, o + authLen)),
    };
  }
  throw new BfdDecodeError('bad-auth-type', `Auth Type ${type} is reserved`, 'RFC 5880 §4.1');
}

/** A copy that shares no memory with the input: Buffer#slice would return a view, and a caller may reuse its buffer. */
function copyBytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}
