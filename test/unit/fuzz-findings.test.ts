// Replays every fuzzer finding (test/fixtures/fuzz/TARGET/*) and the fixtures each target is seeded from through
// the target's own check (fuzz/targets/*.js, here on the TypeScript sources): a finding that comes back fails here.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TARGETS = ['bgp-decode', 'framer', 'bfd-decode', 'config-load', 'topology-load'];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const checkOf = (t: string) => (require(join(ROOT, 'fuzz', 'targets', `${t}.js`)) as { check: (d: Buffer) => void }).check;

const findings = TARGETS.flatMap((t) => {
  const dir = join(ROOT, 'test', 'fixtures', 'fuzz', t);
  return existsSync(dir) ? readdirSync(dir).map((f) => [t, f, join(dir, f)] as const) : [];
});

test.each(findings)('%s finding %s stays fixed', (t, _f, path) => {
  expect(() => checkOf(t)(readFileSync(path))).not.toThrow();
});

test('every BGP fixture passes the bgp-decode and framer checks in every context', () => {
  const decode = checkOf('bgp-decode');
  const framer = checkOf('framer');
  for (const sub of ['rfc', 'malformed']) {
    const dir = join(ROOT, 'test', 'fixtures', 'bgp', sub);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const hex = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hex: string[] }).hex.map((l) => l.split('#')[0]!.replace(/\s+/g, '')).join('');
      const bytes = Buffer.from(hex, 'hex');
      for (let ctx = 0; ctx < 16; ctx++) expect(() => decode(Buffer.concat([Buffer.of(ctx), bytes]))).not.toThrow();
      expect(() => framer(Buffer.concat([Buffer.of(0, 3, 30, 100, 200), bytes, bytes]))).not.toThrow();
    }
  }
});

test('the shipped topologies pass the topology-load check', () => {
  const check = checkOf('topology-load');
  for (const f of readdirSync(join(ROOT, 'topologies')).filter((x) => x.endsWith('.yaml'))) {
    expect(() => check(readFileSync(join(ROOT, 'topologies', f)))).not.toThrow();
  }
});
