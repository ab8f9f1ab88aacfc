// Test helpers for the JSON byte fixtures under test/fixtures/bgp: loading, turning {"hex": ".."}
// into bytes and back, so decoded messages compare with plain JSON expectations.

import * as fs from 'fs';
import * as path from 'path';
import type { CodecContext } from '../../../../src/bgp/types';

export const FIXTURES = path.join(__dirname, '../../../fixtures/bgp');

export interface JsonFixture {
  file: string;
  description: string;
  rfc: string;
  ctx?: CodecContext;
  hex: string[];
  message?: unknown;
  expect?: unknown;
}

export function loadFolder(dir: string): JsonFixture[] {
  const full = path.join(FIXTURES, dir);
  return fs
    .readdirSync(full)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...(JSON.parse(fs.readFileSync(path.join(full, f), 'utf8')) as Omit<JsonFixture, 'file'>) }));
}

/** Bytes become {hex}; everything else is copied as is. */
export function toPlain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { hex: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** The inverse of toPlain: {hex} objects become Uint8Array. */
export function fromPlain<T>(v: unknown): T {
  if (Array.isArray(v)) return v.map((x) => fromPlain(x)) as T;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'hex') return new Uint8Array(Buffer.from((v as { hex: string }).hex, 'hex')) as T;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromPlain(x);
    return out as T;
  }
  return v as T;
}
