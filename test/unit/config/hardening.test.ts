// Loaders under hostile input (issue 12): size limits, YAML alias errors/cycles/billion laughs with their line,
// prototype keys, linear time in the number of keys, inputs quoted back shortened and escaped. Config, topology, scenario.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config';
import { parseTopology, TopologyError } from '../../../src/orchestrator';
import { parseScenario } from '../../../src/scenario';
import { ScenarioError } from '../../../src/scenario/errors';
import { MAX_INPUT_BYTES, quote, readBoundedText } from '../../../src/util/yaml-source';

const MIN = `router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }
`;

/** The error thrown by `fn`, which must be one of the loaders' own errors (never a raw ReferenceError/RangeError). */
function loaderError(fn: () => unknown): ConfigError | TopologyError | ScenarioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TopologyError || e instanceof ScenarioError) return e;
    throw new Error(`not a loader error: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected the file to be refused');
}

const loaders: [string, (text: string) => unknown][] = [
  ['config', (t) => parseConfig(t, 'f.yaml')],
  ['topology', (t) => parseTopology(t, 'f.yaml')],
  ['scenario', (t) => parseScenario(t, 'f.yaml')],
];

describe.each(loaders)('%s loader: YAML aliases are errors at their line, never a stack trace', (_name, load) => {
  test('an unresolved alias', () => {
    const e = loaderError(() => load('lab: demo\nx: *nope\n'));
    expect(e.issues).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/alias "\*nope" names no anchor/) })]);
  });

  test('an alias inside the node it names (a cycle; was a stack overflow in dropNulls)', () => {
    const e = loaderError(() => load('lab: &l\n  self: *l\n'));
    expect(e.issues).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/cycle/) })]);
  });

  test('a billion-laughs file', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill('*' + prev).join(', ')}]`);
    }
    const e = loaderError(() => load(lines.join('\n') + '\n'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.message).toMatch(/billion laughs/);
    expect(e.issues[0]!.line).toBeGreaterThan(1);
  });

  test('a text larger than the limit is refused with the limit in the message', () => {
    const e = loaderError(() => load('# ' + 'x'.repeat(MAX_INPUT_BYTES) + '\n'));
    expect(e.message).toMatch(/bgpfo reads at most \d/);
  });

  test('binary junk comes back escaped and short', () => {
    const junk = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)).toString('latin1');
    const e = loaderError(() => load(`lab: ok\n"${'\u0001\u0007'.repeat(3000)}": 1\n${junk}`));
    // eslint-disable-next-line no-control-regex
    expect(e.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    for (const line of e.message.split('\n')) expect(line.length).toBeLessThan(400);
  });
});

describe('config loader', () => {
  test('__proto__ inside a neighbor is an unknown key, not a way to set passive and port', () => {
    const text = `${MIN}    __proto__: { passive: true, port: 1179 }\n`.replace('  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }\n', '  - name: tun-a1\n    address: 169.254.21.1\n    remote-asn: 64512\n');
    const e = loaderError(() => parseConfig(text, 'f.yaml')) as ConfigError;
    expect(e.issues).toEqual([expect.objectContaining({ line: 6, path: 'neighbors[0].__proto__', message: expect.stringMatching(/^unknown key "__proto__"/) })]);
  });

  test('constructor and prototype keys are unknown keys too', () => {
    const e = loaderError(() => parseConfig(`${MIN}constructor: 1\nprototype: 2\n`, 'f.yaml')) as ConfigError;
    expect(e.issues.map((i) => i.path)).toEqual(['constructor', 'prototype']);
  });

  test('40,000 unknown keys: one issue each, at its own line (linear time; figures in bench/loader-scaling.ts)', () => {
    const keys = Array.from({ length: 40000 }, (_, i) => `  junk-${i}: ${i}`).join('\n');
    const text = `router:\n  asn: 65001\n  router-id: 10.0.0.1\n${keys}\nneighbors:\n  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }\n`;
    const e = loaderError(() => parseConfig(text, 'f.yaml')) as ConfigError;
    expect(e.issues).toHaveLength(40000);
    expect(e.issues[0]).toEqual(expect.objectContaining({ line: 4, path: 'router.junk-0' }));
    expect(e.issues[39999]).toEqual(expect.objectContaining({ line: 40003, path: 'router.junk-39999' }));
  });

  test('a 20 MB value is quoted back shortened', () => {
    const huge = 'y'.repeat(3_000_000);
    const e = loaderError(() => parseConfig(`router: { asn: "${huge}", router-id: 10.0.0.1 }\nneighbors: []\n`, 'f.yaml'));
    expect(e.message.length).toBeLessThan(2000);
    expect(e.message).toMatch(/more characters/);
  });

  test('a huge key is quoted back shortened, in the path and the message', () => {
    const e = loaderError(() => parseConfig(`${MIN}${'k'.repeat(100000)}: 1\n`, 'f.yaml'));
    expect(e.message.length).toBeLessThan(1000);
  });

  describe('files', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bgpfo-hardening-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('a file over the limit is refused before it is read whole', () => {
      const f = join(dir, 'big.yaml');
      writeFileSync(f, Buffer.alloc(MAX_INPUT_BYTES + 10, 0x20));
      const e = loaderError(() => loadConfig(f));
      expect(e.message).toMatch(/big\.yaml: cannot read the config file: the config file is 4\.0 MB; bgpfo reads at most 4\.0 MB/);
    });

    test('an endless device is refused, not read forever', () => {
      expect(() => readBoundedText('/dev/zero', 1024)).toThrow(/larger than/);
      const e = loaderError(() => loadConfig('/dev/zero'));
      expect(e.message).toMatch(/the most bgpfo reads/);
    });

    test('a directory is refused with a reason', () => {
      const e = loaderError(() => loadConfig(dir));
      expect(e.message).toMatch(/directory/);
    });
  });
});

test('quote() escapes control characters and says how much it left out', () => {
  expect(quote('a\u0000b\nc')).toBe('"a\\u0000b\\nc"');
  expect(quote('x'.repeat(100), 10)).toBe('"xxxxxxxxxx…" (90 more characters)');
  expect(quote('\u009b')).toBe('"\\u009b"');
});
