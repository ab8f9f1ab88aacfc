// BFD authentication: building and verifying the authentication section, and the sequence-number window.
// RFC 5880 §6.7.2 (simple password), §6.7.3 (keyed/meticulous keyed MD5), §6.7.4 (keyed/meticulous keyed SHA1).

import { createHash, timingSafeEqual } from 'node:crypto';
import { BfdAuthError } from './errors';
import { BFD_MIN_LENGTH, DIGEST_LEN, type BfdAuthSection, type BfdControlPacket } from './packet';

export type BfdAuthName = 'simple' | 'keyed-md5' | 'meticulous-keyed-md5' | 'keyed-sha1' | 'meticulous-keyed-sha1';

export const AUTH_TYPE_CODES: Record<BfdAuthName, 1 | 2 | 3 | 4 | 5> = {
  simple: 1,
  'keyed-md5': 2,
  'meticulous-keyed-md5': 3,
  'keyed-sha1': 4,
  'meticulous-keyed-sha1': 5,
};

/** What a session authenticates with. One key: `secret` is the text of the password/key, as in FRR and BIRD configs. */
export interface BfdAuthConfig {
  type: BfdAuthName;
  /** Auth Key ID, 0-255. */
  keyId: number;
  /** 1-16 bytes (simple, MD5) or 1-20 bytes (SHA1) once UTF-8 encoded. */
  secret: string;
}

/** A config plus the sequence number to send (bfd.XmitAuthSeq). */
export interface BfdAuthSigner extends BfdAuthConfig {
  sequence: number;
}

/** bfd.AuthSeqKnown and bfd.RcvAuthSeq (§6.8.1). */
export interface BfdAuthSeqState {
  known: boolean;
  rcvSeq: number;
}

/** Throws if the secret cannot be carried by the auth type (checked when a session is requested). */
export function validateAuthConfig(cfg: BfdAuthConfig): void {
  const code = AUTH_TYPE_CODES[cfg.type];
  if (code === undefined) throw new RangeError(`unknown BFD auth type ${String(cfg.type)}`);
  if (!Number.isInteger(cfg.keyId) || cfg.keyId < 0 || cfg.keyId > 255) throw new RangeError('BFD auth keyId must be 0-255');
  const len = Buffer.byteLength(cfg.secret, 'utf8');
  const max = code === 1 || code === 2 || code === 3 ? 16 : 20;
  if (len < 1 || len > max) throw new RangeError(`BFD ${cfg.type} secret must be 1-${max} bytes, got ${len}`);
}

/** The key as it sits in the Auth Key/Digest field before hashing: padded with zeros (§6.7.3, §6.7.4). */
function paddedKey(type: number, secret: string): Uint8Array {
  const out = new Uint8Array(DIGEST_LEN[type]!);
  out.set(Buffer.from(secret, 'utf8').subarray(0, out.length));
  return out;
}

export function isMeticulous(type: number): boolean {
  return type === 3 || type === 5;
}

/** The section to write before hashing: for keyed types the digest field holds the padded key. */
export function authSectionWithKey(s: BfdAuthSigner): BfdAuthSection {
  const type = AUTH_TYPE_CODES[s.type];
  if (type === 1) return { type, keyId: s.keyId, password: new Uint8Array(Buffer.from(s.secret, 'utf8')) };
  return { type, keyId: s.keyId, sequence: s.sequence >>> 0, digest: paddedKey(type, s.secret) };
}

/** MD5 (types 2, 3) or SHA1 (types 4, 5) over the whole packet as given. */
export function digestOf(type: number, packet: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(type <= 3 ? 'md5' : 'sha1').update(packet).digest());
}

/**
 * Authenticate a received packet for a session (§6.8.6: "If the A bit is set, the packet MUST be
 * authenticated under the rules of section 6.7"). `raw` holds the packet as received (at least Length
 * bytes), `pkt` its decoding. Returns the new sequence state; throws BfdAuthError to discard.
 */
export function verifyAuth(
  raw: Uint8Array,
  pkt: BfdControlPacket,
  cfg: BfdAuthConfig | undefined,
  seq: BfdAuthSeqState,
): BfdAuthSeqState {
  const auth = pkt.auth;
  if (!cfg) {
    if (auth) throw new BfdAuthError('auth-unexpected', 'A bit set but no authentication is in use', 'RFC 5880 §6.8.6');
    return seq;
  }
  if (!auth) throw new BfdAuthError('auth-missing', 'A bit clear but authentication is in use', 'RFC 5880 §6.8.6');
  const type = AUTH_TYPE_CODES[cfg.type];
  const rule = type === 1 ? 'RFC 5880 §6.7.2' : type <= 3 ? 'RFC 5880 §6.7.3' : 'RFC 5880 §6.7.4';
  if (auth.type !== type) {
    throw new BfdAuthError('auth-type-mismatch', `Auth Type ${auth.type}, session uses ${type}`, rule);
  }
  if (auth.keyId !== cfg.keyId) throw new BfdAuthError('unknown-key-id', `Auth Key ID ${auth.keyId} is not configured`, rule);

  if (auth.type === 1) {
    const want = Buffer.from(cfg.secret, 'utf8');
    if (auth.password.length !== want.length || !timingSafeEqual(auth.password, want)) {
      throw new BfdAuthError('bad-password', 'password does not match', rule);
    }
    return seq;
  }

  // Window check first: it is cheap and a replay must be rejected even with a correct digest.
  if (seq.known) {
    const ahead = (auth.sequence - seq.rcvSeq) >>> 0; // 32-bit circular distance
    const lo = isMeticulous(auth.type) ? 1 : 0;
    if (ahead < lo || ahead > 3 * pkt.detectMult) {
      throw new BfdAuthError(
        'sequence-out-of-window',
        `sequence ${auth.sequence} outside ${(seq.rcvSeq + lo) >>> 0}..${(seq.rcvSeq + 3 * pkt.detectMult) >>> 0}`,
        rule,
      );
    }
  }
  const length = raw[3]!;
  const copy = new Uint8Array(length); // a real copy: raw may be a Buffer, whose slice() is a view
  copy.set(raw.subarray(0, length));
  copy.set(paddedKey(auth.type, cfg.secret), BFD_MIN_LENGTH + 8);
  const digest = digestOf(auth.type, copy);
  if (digest.length !== auth.digest.length || !timingSafeEqual(digest, auth.digest)) {
    throw new BfdAuthError('bad-digest', 'digest does not match: wrong key or altered packet', rule);
  }
  return { known: true, rcvSeq: auth.sequence };
}
