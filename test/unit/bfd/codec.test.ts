// BFD codec: decode, encode and round trip of captured FRR/BIRD packets and synthetic ones; malformed packets.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeControl, encodeControl } from '../../../src/bfd/codec';
import { BfdDecodeError } from '../../../src/bfd/errors';
import { BfdState, type BfdControlPacket } from '../../../src/bfd/packet';

const FIX = path.join(__dirname, '../../fixtures/bfd');
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Captured {
  label: string;
  packets: { src: string; sport: number; ttl: number; hex: string }[];
}
const captures: [string, Captured][] = readdirSync(path.join(FIX, 'captured'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(path.join(FIX, 'captured', f), 'utf8')) as Captured]);

describe('decode fields of real packets', () => {
  test('BIRD Down, no auth: 2040031882188d9a...', () => {
    expect(decodeControl(hex('2040031882188d9a00000000000f4240000186a000000000'))).toEqual({
      version: 1,
      diag: 0,
      state: BfdState.Down,
      poll: false,
      final: false,
      cpi: false,
      demand: false,
      multipoint: false,
      detectMult: 3,
      myDiscriminator: 0x82188d9a,
      yourDiscriminator: 0,
      desiredMinTxUs: 1_000_000, // slow rate while not Up (§6.8.3)
      requiredMinRxUs: 100_000,
      requiredMinEchoRxUs: 0,
    });
  });

  test('FRR Init with slow timers and echo RX 50 ms', () => {
    const p = decodeControl(hex('20800318518e42ca82188d9a000f4240000f42400000c350'));
    expect(p.state).toBe(BfdState.Init);
    expect([p.myDiscriminator, p.yourDiscriminator]).toEqual([0x518e42ca, 0x82188d9a]);
    expect([p.desiredMinTxUs, p.requiredMinRxUs, p.requiredMinEchoRxUs]).toEqual([1_000_000, 1_000_000, 50_000]);
  });

  test('BIRD Up with Poll, then with Final', () => {
    const poll = decodeControl(hex('20e0031882188d9a518e42ca000186a0000186a000000000'));
    expect([poll.state, poll.poll, poll.final, poll.desiredMinTxUs]).toEqual([BfdState.Up, true, false, 100_000]);
    const fin = decodeControl(hex('20d0031882188d9a518e42ca000186a0000186a000000000'));
    expect([fin.state, fin.poll, fin.final]).toEqual([BfdState.Up, false, true]);
  });

  test('FRR Down with diag 1 (Control Detection Time Expired)', () => {
    const p = captures.find(([f]) => f === 'frr-bird-ipv4.json')![1].packets.map((x) => decodeControl(hex(x.hex)));
    expect(p.some((x) => x.state === BfdState.Down && x.diag === 1)).toBe(true);
  });

  test('BIRD simple password section', () => {
    const p = decodeControl(hex('20440327bdedfd4c00000000000f4240000186a000000000010f07626770666f2d736563726574'));
    expect(p.auth).toEqual({ type: 1, keyId: 7, password: new Uint8Array(Buffer.from('bgpfo-secret')) });
  });

  test('BIRD meticulous keyed SHA1 section', () => {
    const p = decodeControl(
      hex('2044033466a9d77400000000000f4240000186a000000000051c070009fb116961ae4c52114710824e054c6470edfde9762f021d'),
    );
    expect(p.auth).toEqual({ type: 5, keyId: 7, sequence: 0x09fb1169, digest: hex('61ae4c52114710824e054c6470edfde9762f021d') });
  });

  test('every flag bit decodes to its own field', () => {
    const base = '20c00318518e42ca82188d9a000186a0000186a000000000';
    const flags: [number, keyof BfdControlPacket][] = [
      [0x20, 'poll'],
      [0x10, 'final'],
      [0x08, 'cpi'],
      [0x02, 'demand'],
    ];
    for (const [bit, field] of flags) {
      const b = hex(base);
      b[1] = 0xc0 | bit;
      const p = decodeControl(b);
      expect(p[field]).toBe(true);
      for (const [, other] of flags) if (other !== field) expect(p[other]).toBe(false);
    }
  });

  test('every diagnostic code 0..31 is carried', () => {
    for (let d = 0; d < 32; d++) {
      const b = hex('2040031882188d9a00000000000f4240000186a000000000');
      b[0] = 0x20 | d;
      expect(decodeControl(b).diag).toBe(d);
    }
  });

  test('bytes past Length are ignored (encapsulation padding)', () => {
    const p = decodeControl(hex('2040031882188d9a00000000000f4240000186a000000000deadbeef'));
    expect(p.myDiscriminator).toBe(0x82188d9a);
  });
});

describe('captured packets round trip: decode then encode gives the same bytes', () => {
  test.each(captures)('%s', (_file, cap) => {
    expect(cap.packets.length).toBeGreaterThan(10);
    for (const p of cap.packets) expect(toHex(encodeControl(decodeControl(hex(p.hex))))).toBe(p.hex);
  });

  test('FRR and BIRD transmit with TTL 255 (RFC 5881 §5), FRR from a port in 49152-65535', () => {
    for (const [, cap] of captures) for (const p of cap.packets) expect(p.ttl).toBe(255);
    const frr = captures.find(([f]) => f === 'frr-bird-ipv4.json')![1].packets.filter((p) => p.src === '10.99.0.1');
    expect(frr.length).toBeGreaterThan(0);
    for (const p of frr) expect(p.sport).toBeGreaterThanOrEqual(49152);
  });
});

describe('encode', () => {
  const up: BfdControlPacket = {
    version: 1,
    diag: 0,
    state: BfdState.Up,
    poll: true,
    final: false,
    cpi: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscriminator: 0x82188d9a,
    yourDiscriminator: 0x518e42ca,
    desiredMinTxUs: 100_000,
    requiredMinRxUs: 100_000,
    requiredMinEchoRxUs: 0,
  };

  test('builds BIRD’s Up+Poll byte for byte', () => {
    expect(toHex(encodeControl(up))).toBe('20e0031882188d9a518e42ca000186a0000186a000000000');
  });

  test('signs like BIRD: simple password', () => {
    const down = { ...up, state: BfdState.Down, poll: false, myDiscriminator: 0xbdedfd4c, yourDiscriminator: 0, desiredMinTxUs: 1_000_000 };
    expect(toHex(encodeControl(down, { type: 'simple', keyId: 7, secret: 'bgpfo-secret', sequence: 0 }))).toBe(
      '20440327bdedfd4c00000000000f4240000186a000000000010f07626770666f2d736563726574',
    );
  });

  test.each(['keyed-md5', 'meticulous-keyed-md5', 'keyed-sha1', 'meticulous-keyed-sha1'] as const)(
    'signs like BIRD: %s reproduces every captured packet',
    (type) => {
      const cap = captures.find(([f]) => f === `bird-auth-${type}.json`)![1];
      for (const p of cap.packets) {
        const d = decodeControl(hex(p.hex));
        const seq = (d.auth as { sequence: number }).sequence;
        expect(toHex(encodeControl(d, { type, keyId: 7, secret: 'bgpfo-secret', sequence: seq }))).toBe(p.hex);
      }
    },
  );
});

describe('malformed packets are rejected with the rule that says so', () => {
  const { cases } = JSON.parse(readFileSync(path.join(FIX, 'malformed.json'), 'utf8')) as {
    cases: { name: string; hex: string; code: string }[];
  };
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    let err: unknown;
    try {
      decodeControl(hex(c.hex));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BfdDecodeError);
    expect((err as BfdDecodeError).code).toBe(c.code);
    expect((err as BfdDecodeError).rule).toMatch(/^RFC 5880 §/);
  });

  test('Your Discriminator 0 is accepted in Down and AdminDown', () => {
    expect(decodeControl(hex('2040031882188d9a00000000000f4240000186a000000000')).state).toBe(BfdState.Down);
    expect(decodeControl(hex('2000031882188d9a00000000000f4240000186a000000000')).state).toBe(BfdState.AdminDown);
  });
});

describe('encodeControl never writes a simple-password section decodeControl rejects (issue 12 finding)', () => {
  const base = decodeControl(encodeControl({
    version: 1, diag: 0, state: 3, poll: false, final: false, cpi: false, demand: false, multipoint: false,
    detectMult: 3, myDiscriminator: 1, yourDiscriminator: 2, desiredMinTxUs: 300000, requiredMinRxUs: 300000, requiredMinEchoRxUs: 0,
  }));
  test.each([0, 17, 40])('a %i-byte password is refused', (n) => {
    expect(() => encodeControl({ ...base, auth: { type: 1, keyId: 1, password: new Uint8Array(n).fill(0x61) } })).toThrow(/1 to 16/);
  });
  test.each([1, 16])('a %i-byte password round-trips', (n) => {
    const pkt = { ...base, auth: { type: 1 as const, keyId: 1, password: new Uint8Array(n).fill(0x61) } };
    expect(decodeControl(encodeControl(pkt)).auth).toEqual(pkt.auth);
  });
});
