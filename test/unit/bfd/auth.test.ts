// BFD authentication: every type verifies BIRD's packets, wrong keys and replays are rejected (RFC 5880 §6.7).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAuthConfig, verifyAuth, type BfdAuthConfig, type BfdAuthName } from '../../../src/bfd/auth';
import { decodeControl, encodeControl } from '../../../src/bfd/codec';
import { BfdAuthError } from '../../../src/bfd/errors';
import { BfdState, type BfdControlPacket } from '../../../src/bfd/packet';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const KEYED: BfdAuthName[] = ['keyed-md5', 'meticulous-keyed-md5', 'keyed-sha1', 'meticulous-keyed-sha1'];
const ALL: BfdAuthName[] = ['simple', ...KEYED];
const unknownSeq = { known: false, rcvSeq: 0 };

function captured(type: BfdAuthName) {
  const file = path.join(__dirname, `../../fixtures/bfd/captured/bird-auth-${type}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { packets: { src: string; hex: string }[] }).packets;
}

function authCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BfdAuthError) return e.code;
    throw e;
  }
  return undefined;
}

const pkt: BfdControlPacket = {
  version: 1,
  diag: 0,
  state: BfdState.Up,
  poll: false,
  final: false,
  cpi: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscriminator: 11,
  yourDiscriminator: 22,
  desiredMinTxUs: 100_000,
  requiredMinRxUs: 100_000,
  requiredMinEchoRxUs: 0,
};

function signed(cfg: BfdAuthConfig, sequence: number, p: BfdControlPacket = pkt) {
  const raw = encodeControl(p, { ...cfg, sequence });
  return { raw, pkt: decodeControl(raw) };
}

describe('BIRD’s authenticated packets verify with the right key', () => {
  test.each(ALL)('%s: every packet of one sender, in order, with the sequence state carried along', (type) => {
    const cfg = { type, keyId: 7, secret: 'bgpfo-secret' };
    const from = captured(type).filter((p) => p.src === '10.99.0.1');
    let seq = unknownSeq;
    for (const p of from) {
      const raw = hex(p.hex);
      seq = verifyAuth(raw, decodeControl(raw), cfg, seq);
    }
    if (type !== 'simple') expect(seq.known).toBe(true);
  });

  test.each(ALL)('%s: a wrong secret is rejected', (type) => {
    const raw = hex(captured(type)[0]!.hex);
    const code = authCode(() => verifyAuth(raw, decodeControl(raw), { type, keyId: 7, secret: 'bgpfo-secreT' }, unknownSeq));
    expect(code).toBe(type === 'simple' ? 'bad-password' : 'bad-digest');
  });

  test.each(ALL)('%s: another key id is rejected', (type) => {
    const raw = hex(captured(type)[0]!.hex);
    expect(authCode(() => verifyAuth(raw, decodeControl(raw), { type, keyId: 8, secret: 'bgpfo-secret' }, unknownSeq))).toBe(
      'unknown-key-id',
    );
  });
});

describe('own packets, each type', () => {
  test.each(ALL)('%s: signed then verified; a flipped bit in the body is rejected', (type) => {
    const cfg = { type, keyId: 1, secret: 'k3y' };
    const { raw, pkt: d } = signed(cfg, 1000);
    expect(verifyAuth(raw, d, cfg, unknownSeq)).toEqual(type === 'simple' ? unknownSeq : { known: true, rcvSeq: 1000 });
    if (type !== 'simple') {
      const bad = raw.slice();
      bad[12] ^= 0x01; // Desired Min TX, covered by the digest
      expect(authCode(() => verifyAuth(bad, decodeControl(bad), cfg, unknownSeq))).toBe('bad-digest');
    }
  });

  test('the MD5 and SHA1 families do not accept each other', () => {
    const { raw, pkt: d } = signed({ type: 'keyed-md5', keyId: 1, secret: 'k' }, 1);
    expect(authCode(() => verifyAuth(raw, d, { type: 'keyed-sha1', keyId: 1, secret: 'k' }, unknownSeq))).toBe('auth-type-mismatch');
    expect(authCode(() => verifyAuth(raw, d, { type: 'meticulous-keyed-md5', keyId: 1, secret: 'k' }, unknownSeq))).toBe(
      'auth-type-mismatch',
    );
  });

  test('A bit clear while authenticating, and A bit set while not (§6.8.6)', () => {
    const plain = encodeControl(pkt);
    expect(authCode(() => verifyAuth(plain, decodeControl(plain), { type: 'keyed-sha1', keyId: 1, secret: 'k' }, unknownSeq))).toBe(
      'auth-missing',
    );
    const { raw, pkt: d } = signed({ type: 'keyed-sha1', keyId: 1, secret: 'k' }, 1);
    expect(authCode(() => verifyAuth(raw, d, undefined, unknownSeq))).toBe('auth-unexpected');
    expect(verifyAuth(plain, decodeControl(plain), undefined, unknownSeq)).toBe(unknownSeq);
  });
});

describe('sequence numbers (§6.7.3, §6.7.4): window of 3 x Detect Mult', () => {
  const at = (rcvSeq: number) => ({ known: true, rcvSeq });
  const check = (type: BfdAuthName, rcv: number, seq: number, detectMult = 3) => {
    const cfg = { type, keyId: 1, secret: 'k' };
    const { raw, pkt: d } = signed(cfg, seq, { ...pkt, detectMult });
    return authCode(() => verifyAuth(raw, d, cfg, at(rcv)));
  };

  test.each(['keyed-md5', 'keyed-sha1'] as const)('%s: same number accepted (keyed allows it), older ones are replays', (type) => {
    expect(check(type, 100, 100)).toBeUndefined();
    expect(check(type, 100, 99)).toBe('sequence-out-of-window');
    expect(check(type, 100, 0)).toBe('sequence-out-of-window');
  });

  test.each(['meticulous-keyed-md5', 'meticulous-keyed-sha1'] as const)('%s: must strictly increase', (type) => {
    expect(check(type, 100, 100)).toBe('sequence-out-of-window');
    expect(check(type, 100, 99)).toBe('sequence-out-of-window');
    expect(check(type, 100, 101)).toBeUndefined();
  });

  test.each(KEYED)('%s: at most 3 x Detect Mult ahead', (type) => {
    expect(check(type, 100, 109)).toBeUndefined();
    expect(check(type, 100, 110)).toBe('sequence-out-of-window');
    expect(check(type, 100, 103, 1)).toBeUndefined();
    expect(check(type, 100, 104, 1)).toBe('sequence-out-of-window');
  });

  test.each(KEYED)('%s: the window wraps around 2^32', (type) => {
    expect(check(type, 0xfffffffe, 3)).toBeUndefined(); // 5 ahead
    expect(check(type, 2, 0xffffffff)).toBe('sequence-out-of-window'); // 3 behind
  });

  test('a replayed captured packet is rejected under meticulous keyed SHA1', () => {
    const cfg = { type: 'meticulous-keyed-sha1' as const, keyId: 7, secret: 'bgpfo-secret' };
    const raw = hex(captured('meticulous-keyed-sha1').find((p) => p.src === '10.99.0.1')!.hex);
    const d = decodeControl(raw);
    const after = verifyAuth(raw, d, cfg, unknownSeq);
    expect(authCode(() => verifyAuth(raw, d, cfg, after))).toBe('sequence-out-of-window');
  });

  test('unknown sequence state accepts any number and learns it', () => {
    const cfg = { type: 'meticulous-keyed-md5' as const, keyId: 1, secret: 'k' };
    const { raw, pkt: d } = signed(cfg, 0x80000000);
    expect(verifyAuth(raw, d, cfg, unknownSeq)).toEqual({ known: true, rcvSeq: 0x80000000 });
  });
});

test('secrets must fit their type', () => {
  expect(() => validateAuthConfig({ type: 'simple', keyId: 1, secret: '' })).toThrow();
  expect(() => validateAuthConfig({ type: 'keyed-md5', keyId: 1, secret: 'x'.repeat(17) })).toThrow();
  expect(() => validateAuthConfig({ type: 'keyed-sha1', keyId: 1, secret: 'x'.repeat(20) })).not.toThrow();
  expect(() => validateAuthConfig({ type: 'keyed-sha1', keyId: 256, secret: 'x' })).toThrow();
});
