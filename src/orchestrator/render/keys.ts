// WireGuard key sources: fresh X25519 pairs (node:crypto), pairs kept in a directory so a re-render keeps
// the keys a running tunnel uses, a deterministic fake for golden tests, and placeholders for committed files.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** Gives the key pair of one WireGuard interface, named "<node>/<ifname>". */
export interface KeySource {
  /** 'real' keys are secrets (the render directory gets a .gitignore); 'fake' ones are public test keys. */
  readonly kind: 'real' | 'fake' | 'placeholder';
  keyPair(id: string): KeyPair;
  /** A pre-shared secret both ends of tunnel `id` use (IPsec). */
  secret(id: string): string;
}

/** PKCS#8 DER prefix of an X25519 private key (RFC 8410 §7); the 32 raw bytes follow. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key of a raw 32-byte X25519 private key, both base64 as `wg` prints them. */
export function publicKeyOf(privateKeyB64: string): string {
  const raw = Buffer.from(privateKeyB64, 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key is 32 bytes in base64');
  const priv = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

function freshPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const priv = der.subarray(der.length - 32).toString('base64');
  return { privateKey: priv, publicKey: publicKeyOf(priv) };
}

/** New random keys for each interface (what `wg genkey` does), the same ones each time it is asked again. */
export function randomKeySource(): KeySource {
  // Both ends of a tunnel ask for the other's public key: one id must always give one pair.
  const pairs = new Map<string, KeyPair>();
  const secrets = new Map<string, string>();
  return {
    kind: 'real',
    keyPair(id: string): KeyPair {
      if (!pairs.has(id)) pairs.set(id, freshPair());
      return pairs.get(id)!;
    },
    secret(id: string): string {
      if (!secrets.has(id)) secrets.set(id, randomBytes(32).toString('base64'));
      return secrets.get(id)!;
    },
  };
}

/**
 * Keys stored as `<dir>/<node>/<ifname>.key` (mode 0600, directories 0700): read when present, generated
 * and written when not. Rendering again keeps every tunnel's keys, so peers need not be reconfigured.
 */
export function directoryKeySource(dir: string): KeySource {
  return {
    kind: 'real',
    keyPair(id: string): KeyPair {
      const file = join(dir, `${id}.key`);
      if (existsSync(file)) {
        const priv = readFileSync(file, 'utf8').trim();
        return { privateKey: priv, publicKey: publicKeyOf(priv) };
      }
      const pair = freshPair();
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, `${pair.privateKey}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return pair;
    },
    secret(id: string): string {
      const file = join(dir, 'psk', `${id}.psk`);
      if (existsSync(file)) return readFileSync(file, 'utf8').trim();
      const psk = randomBytes(32).toString('base64');
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, `${psk}\n`, { mode: 0o600 });
      return psk;
    },
  };
}

/** Deterministic valid keys derived from the id and a seed: for golden tests only, never for real tunnels. */
export function fakeKeySource(seed = 'bgpfo-test'): KeySource {
  return {
    kind: 'fake',
    keyPair(id: string): KeyPair {
      const raw = createHash('sha256').update(`${seed}:${id}`).digest();
      // Clamp as `wg genkey` does (RFC 7748 §5), so the key looks like any other.
      raw[0] &= 248;
      raw[31] = (raw[31] & 127) | 64;
      const priv = raw.toString('base64');
      return { privateKey: priv, publicKey: publicKeyOf(priv) };
    },
    secret: (id: string) => createHash('sha256').update(`${seed}:psk:${id}`).digest('base64'),
  };
}

export const PLACEHOLDER_PREFIX = '@BGPFO_';

/** Placeholders for files that are committed: `bgpfo render` puts real keys in a fresh output directory. */
export function placeholderKeySource(): KeySource {
  return {
    kind: 'placeholder',
    keyPair: (id: string) => ({ privateKey: `${PLACEHOLDER_PREFIX}PRIVATE_KEY(${id})@`, publicKey: `${PLACEHOLDER_PREFIX}PUBLIC_KEY(${id})@` }),
    secret: (id: string) => `${PLACEHOLDER_PREFIX}PSK(${id})@`,
  };
}
