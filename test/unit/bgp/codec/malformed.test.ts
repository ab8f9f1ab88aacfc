// Walks test/fixtures/bgp/malformed: every file names a malformed message and the outcome RFC 4271 /
// RFC 7606 prescribe for it, either a NOTIFICATION (code, subcode, data) or the RFC 7606 soft errors, and the
// rule that decided it.

import { decodeMessage, isEndOfRib } from '../../../../src/bgp/codec';
import { BgpMessageError } from '../../../../src/bgp/errors';
import type { UpdateMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT } from '../../../../src/bgp/types';
import { loadFolder, toPlain } from './fixtures';
import { bytesToHex, hexToBytes } from './hex';

interface Expect {
  notification?: { code: number; subcode: number; data?: string };
  softErrors?: { action: string; attrType: number }[];
  nlri?: string[];
  mpReachNlri?: string[];
  absent?: string[];
  attributes?: Record<string, unknown>;
  /** The rule the result must name (a substring of the reset's rule, or of the first soft error's). */
  rule?: string;
  /** isEndOfRib's answer for the decoded UPDATE (RFC 4724 §2). */
  endOfRib?: string | null;
}

const cases = loadFolder('malformed');

test('the folder holds at least 30 cases covering header, OPEN, UPDATE attributes and NLRI', () => {
  expect(cases.length).toBeGreaterThanOrEqual(30);
  const prefixes = new Set(cases.map((c) => c.file.split('-')[0]));
  for (const p of ['header', 'open', 'update', 'attr', 'taw', 'discard']) expect(prefixes).toContain(p);
});

test.each(cases.map((c) => [c.file, c] as const))('%s', (_name, c) => {
  const ctx = c.ctx ?? DEFAULT_CODEC_CONTEXT;
  const bytes = hexToBytes(c.hex);
  const want = c.expect as Expect;
  let result: unknown;
  try {
    result = decodeMessage(bytes, ctx);
  } catch (e) {
    result = e;
  }
  if (want.notification) {
    expect(result).toBeInstanceOf(BgpMessageError);
    const err = result as BgpMessageError;
    expect({ code: err.code, subcode: err.subcode }).toEqual({ code: want.notification.code, subcode: want.notification.subcode });
    expect(err.action).toBe('session-reset');
    expect(err.rule).toMatch(/^RFC \d+ §/);
    if (want.rule) expect(err.rule).toContain(want.rule);
    if (want.notification.data !== undefined) expect(bytesToHex(err.data)).toBe(want.notification.data);
    return;
  }
  if (result instanceof Error) throw result;
  const m = result as UpdateMessage;
  expect(m.type).toBe('update');
  expect((m.softErrors ?? []).map((s) => ({ action: s.action, attrType: s.attrType }))).toEqual(want.softErrors);
  for (const s of m.softErrors ?? []) {
    expect(s.reason.length).toBeGreaterThan(0);
    expect(s.rule).toMatch(/^RFC \d+ §/);
  }
  if (want.rule) expect(m.softErrors?.[0]?.rule).toContain(want.rule);
  if (want.endOfRib !== undefined) expect(isEndOfRib(m)).toBe(want.endOfRib);
  if (want.nlri) expect(m.nlri).toEqual(want.nlri);
  if (want.mpReachNlri) expect(m.attributes.mpReach?.nlri).toEqual(want.mpReachNlri);
  for (const k of want.absent ?? []) expect(m.attributes).not.toHaveProperty(k);
  if (want.attributes) expect(toPlain(m.attributes)).toMatchObject(want.attributes);
});
