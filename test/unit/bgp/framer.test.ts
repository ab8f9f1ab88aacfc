// Framer (src/bgp/framer.ts): a stream split at every byte offset or coalesced yields the same whole
// messages; header errors (RFC 4271 §6.1) are thrown with their NOTIFICATION code, subcode and data.

import * as fc from 'fast-check';
import { encodeEndOfRib, encodeMessage, packUpdates } from '../../../src/bgp/codec';
import { BgpMessageError } from '../../../src/bgp/errors';
import { Framer } from '../../../src/bgp/framer';
import { DEFAULT_CODEC_CONTEXT as ctx, MAX_EXTENDED_MESSAGE_LENGTH } from '../../../src/bgp/types';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function sampleMessages(): Buffer[] {
  const announce = Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 0xff}.0/24`);
  return [
    encodeMessage(
      { type: 'open', version: 4, myAsn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: [{ code: 2, kind: 'route-refresh' }] },
      ctx,
    ),
    encodeMessage({ type: 'keepalive' }, ctx),
    ...packUpdates(
      { family: 'ipv4-unicast', attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' }, announce, withdraw: [] },
      ctx,
    ),
    encodeEndOfRib('ipv4-unicast', ctx),
    encodeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }, ctx),
    encodeMessage({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0), shutdownMessage: 'bye' }, ctx),
  ];
}

const messages = sampleMessages();
const stream = Buffer.concat(messages);
const want = messages.map(hex);

function errorOf(fn: () => unknown): BgpMessageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpMessageError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

test('the sample stream has several messages, one of them longer than 1000 bytes', () => {
  expect(messages.length).toBeGreaterThanOrEqual(6);
  expect(Math.max(...messages.map((m) => m.length))).toBeGreaterThan(1000);
});

test('a stream split into two chunks at every byte offset yields the same messages', () => {
  for (let k = 0; k <= stream.length; k++) {
    const f = new Framer();
    const got = [...f.push(stream.subarray(0, k)), ...f.push(stream.subarray(k))];
    if (got.length !== want.length || got.some((m, i) => hex(m) !== want[i])) {
      throw new Error(`split at ${k}: got ${got.length} messages`);
    }
    expect(f.buffered).toBe(0);
  }
});

test('one byte at a time', () => {
  const f = new Framer();
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) got.push(...f.push(stream.subarray(i, i + 1)));
  expect(got.map(hex)).toEqual(want);
});

test('arbitrary splits into many chunks', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
      const f = new Framer();
      const got: Buffer[] = [];
      for (let i = 0; i + 1 < points.length; i++) got.push(...f.push(stream.subarray(points[i], points[i + 1])));
      expect(got.map(hex)).toEqual(want);
    }),
    { numRuns: 300 },
  );
});

test('coalesced messages come back as views of the chunk, without copying', () => {
  const chunk = Buffer.from(stream);
  const got = new Framer().push(chunk);
  expect(got.map(hex)).toEqual(want);
  for (const m of got) expect(m.buffer).toBe(chunk.buffer);
});

test('only a message spanning chunks is copied; the rest of the chunk stays zero-copy; Uint8Array chunks work', () => {
  const f = new Framer();
  const first = new Uint8Array(stream.subarray(0, 10));
  expect(f.push(first)).toEqual([]);
  expect(f.buffered).toBe(10);
  const rest = new Uint8Array(stream.subarray(10));
  const got = f.push(rest);
  expect(got.map(hex)).toEqual(want);
  expect(got[0].buffer).not.toBe(first.buffer);
  expect(got[1].buffer).toBe(rest.buffer);
});

test('a bad marker throws Connection Not Synchronized, even when it arrives split', () => {
  const bad = Buffer.from(messages[1]);
  bad[3] = 0x7f;
  const e = errorOf(() => new Framer().push(bad));
  expect([e.code, e.subcode]).toEqual([1, 1]);
  const f = new Framer();
  f.push(bad.subarray(0, 5));
  const e2 = errorOf(() => f.push(bad.subarray(5)));
  expect([e2.code, e2.subcode]).toEqual([1, 1]);
});

test('a length below 19 throws Bad Message Length with the length as data', () => {
  const bad = Buffer.from(messages[1]);
  bad.writeUInt16BE(18, 16);
  const e = errorOf(() => new Framer().push(bad));
  expect([e.code, e.subcode, hex(e.data)]).toEqual([1, 2, '0012']);
});

test('a length above the maximum throws, and the maximum is asked per message (RFC 8654)', () => {
  const big = packUpdates(
    {
      family: 'ipv4-unicast',
      attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' },
      announce: Array.from({ length: 2000 }, (_, i) => `10.${i >> 8}.${i & 0xff}.0/24`),
      withdraw: [],
    },
    { ...ctx, extendedMessage: true },
  )[0];
  expect(big.length).toBeGreaterThan(4096);
  const e = errorOf(() => new Framer().push(big));
  expect([e.code, e.subcode, e.data.length]).toEqual([1, 2, 2]);
  expect(Buffer.from(e.data).readUInt16BE(0)).toBe(big.length);

  let max = 4096;
  const f = new Framer(() => max);
  expect(f.push(messages[0]).length).toBe(1);
  max = MAX_EXTENDED_MESSAGE_LENGTH;
  expect(f.push(big).map(hex)).toEqual([hex(big)]);
});

describe('errors do not depend on TCP segmentation (issue 12 finding)', () => {
  // A complete KEEPALIVE, then a header whose marker is broken, then more bytes.
  const keepalive = encodeMessage({ type: 'keepalive' }, ctx);
  const badHeader = Buffer.from(keepalive);
  badHeader[0] = 0x00;
  const withTail = Buffer.concat([keepalive, keepalive, badHeader, keepalive]);

  /** Every message the framer delivers, then the error, pushing the chunks in order. */
  function run(chunks: Buffer[]): { messages: string[]; error: string | null } {
    const f = new Framer();
    const messages: string[] = [];
    for (const c of chunks) {
      let got: Buffer[];
      try {
        got = f.push(c);
      } catch (e) {
        return { messages, error: `${(e as BgpMessageError).code}/${(e as BgpMessageError).subcode}` };
      }
      messages.push(...got.map(hex));
      if (f.failed) return { messages, error: `${f.failed.code}/${f.failed.subcode}` };
    }
    return { messages, error: null };
  }

  test('one chunk: the complete KEEPALIVEs come first, then Connection Not Synchronized', () => {
    expect(run([withTail])).toEqual({ messages: [hex(keepalive), hex(keepalive)], error: '1/1' });
  });

  test('the same outcome for a split at every byte offset, and one byte at a time', () => {
    const whole = run([withTail]);
    for (let k = 0; k <= withTail.length; k++) {
      expect([k, run([withTail.subarray(0, k), withTail.subarray(k)])]).toEqual([k, whole]);
    }
    expect(run([...withTail].map((b) => Buffer.of(b)))).toEqual(whole);
  });

  test('a bad length behind a complete message is deferred the same way, and the dead framer keeps failing', () => {
    const badLen = Buffer.from(keepalive);
    badLen.writeUInt16BE(5000, 16);
    const f = new Framer();
    expect(f.push(Buffer.concat([keepalive, badLen])).map(hex)).toEqual([hex(keepalive)]);
    expect([f.failed?.code, f.failed?.subcode]).toEqual([1, 2]);
    const e = errorOf(() => f.push(keepalive));
    expect([e.code, e.subcode]).toEqual([1, 2]);
  });
});
