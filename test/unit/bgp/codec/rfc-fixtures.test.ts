// Byte fixtures built from the RFC packet diagrams (test/fixtures/bgp/rfc): each is decoded, encoded
// and round-tripped, so both directions of the codec agree with a hand-annotated wire image.

import { decodeMessage, encodeMessage, isEndOfRib } from '../../../../src/bgp/codec';
import type { BgpMessage, UpdateMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT } from '../../../../src/bgp/types';
import { fromPlain, loadFolder, toPlain } from './fixtures';
import { bytesToHex, hexToBytes } from './hex';

const fixtures = loadFolder('rfc');

test('the RFC fixture folder is populated', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(18);
});

describe.each(fixtures.map((f) => [f.file, f] as const))('%s', (_name, f) => {
  const ctx = f.ctx ?? DEFAULT_CODEC_CONTEXT;
  const bytes = hexToBytes(f.hex);

  test('decodes to the expected message', () => {
    expect(toPlain(decodeMessage(bytes, ctx))).toEqual(f.message);
  });

  test('encodes to the expected bytes', () => {
    expect(bytesToHex(encodeMessage(fromPlain<BgpMessage>(f.message), ctx))).toBe(bytesToHex(bytes));
  });

  test('round-trips bytes -> message -> bytes', () => {
    expect(bytesToHex(encodeMessage(decodeMessage(bytes, ctx), ctx))).toBe(bytesToHex(bytes));
  });
});

test('End-of-RIB fixtures are recognized, others are not', () => {
  for (const f of fixtures) {
    const m = decodeMessage(hexToBytes(f.hex), f.ctx ?? DEFAULT_CODEC_CONTEXT);
    if (m.type !== 'update') continue;
    const want = f.file === 'eor-ipv4.json' ? 'ipv4-unicast' : f.file === 'eor-ipv6.json' ? 'ipv6-unicast' : null;
    expect([f.file, isEndOfRib(m as UpdateMessage)]).toEqual([f.file, want]);
  }
});
