// Property tests: encode/decode round trip of arbitrary valid messages, and robustness: arbitrary bytes
// and mutations of valid messages never make the decoder throw anything but BgpMessageError.

import * as fc from 'fast-check';
import { decodeMessage, decodeMessageUnguarded, EncodeError, encodeMessage, maxMessageLength } from '../../../../src/bgp/codec';
import { BgpMessageError } from '../../../../src/bgp/errors';
import type { BgpMessage, CodecContext } from '../../../../src/bgp/types';
import { ctxAndMessageArb, ctxArb } from './arbitraries';
import { toPlain } from './fixtures';

/** Encodes, skipping (fc.pre) the rare generated message that does not fit the context's maximum size. */
function encodeOrSkip(msg: BgpMessage, ctx: CodecContext): Buffer {
  try {
    return encodeMessage(msg, ctx);
  } catch (e) {
    if (e instanceof EncodeError && /exceeds|would be/.test(e.message)) fc.pre(false);
    throw e;
  }
}

test('decode(encode(m)) equals m for arbitrary valid messages, and re-encoding gives the same bytes', () => {
  fc.assert(
    fc.property(ctxAndMessageArb, ({ ctx, msg }) => {
      const bytes = encodeOrSkip(msg, ctx);
      expect(bytes.length).toBeLessThanOrEqual(maxMessageLength(ctx));
      const back = decodeMessageUnguarded(bytes, ctx);
      expect(toPlain(back)).toEqual(toPlain(msg));
      expect(encodeMessage(back, ctx).equals(bytes)).toBe(true);
    }),
    { numRuns: 1500 },
  );
});

/** Decodes; anything thrown other than BgpMessageError fails. A decoded message must also re-encode. */
function decodeSafely(bytes: Uint8Array, ctx: CodecContext): void {
  let msg: BgpMessage;
  try {
    msg = decodeMessageUnguarded(bytes, ctx);
  } catch (e) {
    if (e instanceof BgpMessageError) {
      expect(e.code).toBeGreaterThanOrEqual(1);
      expect(e.code).toBeLessThanOrEqual(7);
      return;
    }
    throw e;
  }
  try {
    encodeMessage(msg, ctx);
  } catch (e) {
    // Re-encoding may legitimately grow past the maximum (AS4_PATH added, Extended Length chosen).
    if (!(e instanceof EncodeError && /exceeds|would be/.test(e.message))) throw e;
  }
}

function frame(type: number, body: Uint8Array): Buffer {
  const h = Buffer.alloc(19, 0xff);
  h.writeUInt16BE(19 + body.length, 16);
  h[18] = type;
  return Buffer.concat([h, body]);
}

test('arbitrary bytes never throw anything but BgpMessageError', () => {
  fc.assert(
    fc.property(ctxArb, fc.uint8Array({ maxLength: 300 }), (ctx, bytes) => decodeSafely(bytes, ctx)),
    { numRuns: 3000 },
  );
});

test('arbitrary bodies behind a valid header (so every message decoder is reached) never throw anything else', () => {
  fc.assert(
    fc.property(ctxArb, fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 400 }), (ctx, type, body) => decodeSafely(frame(type, body), ctx)),
    { numRuns: 5000 },
  );
});

type Mutation = { kind: 'flip'; at: number; xor: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(msg: Buffer, ms: Mutation[], fixLength: boolean): Buffer {
  let b = Buffer.from(msg);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at] ^= m.xor;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
  }
  // Keeping marker and Length consistent sends the mutation past the header checks into the body decoders.
  if (fixLength && b.length >= 19) {
    b.fill(0xff, 0, 16);
    b.writeUInt16BE(b.length & 0xffff, 16);
  }
  return b;
}

test('mutations of valid messages never throw anything but BgpMessageError', () => {
  fc.assert(
    fc.property(ctxAndMessageArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), ({ ctx, msg }, ms, fix) => {
      let bytes: Buffer;
      try {
        bytes = encodeMessage(msg, ctx);
      } catch {
        return; // an oversized generated message: nothing to mutate
      }
      decodeSafely(mutate(bytes, ms, fix), ctx);
    }),
    { numRuns: 4000 },
  );
});

test('the public decodeMessage keeps the same contract', () => {
  fc.assert(
    fc.property(ctxArb, fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 200 }), (ctx, type, body) => {
      try {
        decodeMessage(frame(type, body), ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(BgpMessageError);
      }
    }),
    { numRuns: 1000 },
  );
});
