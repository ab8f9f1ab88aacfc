// Property tests of the BFD codec: no input crashes the decoder, and valid packets round trip.
import fc from 'fast-check';
import { decodeControl, encodeControl } from '../../../src/bfd/codec';
import { BfdDecodeError } from '../../../src/bfd/errors';
import { BfdState, type BfdControlPacket } from '../../../src/bfd/packet';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

test('any bytes: either a packet or a BfdDecodeError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        const p = decodeControl(bytes);
        expect(p.version).toBe(1);
      } catch (e) {
        expect(e).toBeInstanceOf(BfdDecodeError);
      }
    }),
    { numRuns: 5000 },
  );
});

test('mutations of a valid authenticated packet never crash the decoder', () => {
  const good = encodeControl(
    {
      version: 1, diag: 0, state: BfdState.Up, poll: false, final: false, cpi: false, demand: false, multipoint: false,
      detectMult: 3, myDiscriminator: 1, yourDiscriminator: 2, desiredMinTxUs: 1, requiredMinRxUs: 1, requiredMinEchoRxUs: 0,
    },
    { type: 'keyed-sha1', keyId: 1, secret: 'k', sequence: 1 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(good.length), (muts, cut) => {
      const b = good.slice(0, Math.max(cut, 0) || good.length);
      for (const [i, v] of muts) if (i < b.length) b[i] = v;
      try {
        decodeControl(b);
      } catch (e) {
        expect(e).toBeInstanceOf(BfdDecodeError);
      }
    }),
    { numRuns: 5000 },
  );
});

test('every valid packet round trips through encode and decode', () => {
  const state = fc.constantFrom(BfdState.AdminDown, BfdState.Down, BfdState.Init, BfdState.Up);
  const auth = fc.oneof(
    fc.constant(undefined),
    fc.record({ type: fc.constant(1 as const), keyId: fc.integer({ min: 0, max: 255 }), password: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ type: fc.constantFrom(2 as const, 3 as const), keyId: fc.integer({ min: 0, max: 255 }), sequence: u32, digest: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    fc.record({ type: fc.constantFrom(4 as const, 5 as const), keyId: fc.integer({ min: 0, max: 255 }), sequence: u32, digest: fc.uint8Array({ minLength: 20, maxLength: 20 }) }),
  );
  const pkt = fc
    .record({
      diag: fc.integer({ min: 0, max: 31 }),
      state,
      pf: fc.constantFrom('', 'P', 'F'),
      cpi: fc.boolean(),
      demand: fc.boolean(),
      detectMult: fc.integer({ min: 1, max: 255 }),
      myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
      yourDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
      desiredMinTxUs: u32,
      requiredMinRxUs: u32,
      requiredMinEchoRxUs: u32,
      auth,
    })
    .map(({ pf, auth: a, ...r }): BfdControlPacket => ({ version: 1, multipoint: false, poll: pf === 'P', final: pf === 'F', ...r, ...(a ? { auth: a } : {}) }));
  fc.assert(
    fc.property(pkt, (p) => {
      expect(decodeControl(encodeControl(p))).toEqual(p);
    }),
    { numRuns: 2000 },
  );
});
