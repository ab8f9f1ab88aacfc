// The committed generated files are current: man/bgpfo.1 (from the CLI program that --help prints) and
// schema/bgpfo-config.schema.json (from the config's zod schema), and the shipped example configs pass the schema.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { generatedFiles } from '../../../src/cli/generated';
import { undescribed } from '../../../src/config/json-schema';

const ROOT = join(__dirname, '..', '..', '..');

describe('generated files are up to date (npm run generate rewrites them)', () => {
  test.each(Object.keys(generatedFiles()))('%s', (path) => {
    const committed = readFileSync(join(ROOT, path), 'utf8');
    if (committed !== generatedFiles()[path]) throw new Error(`${path} is out of date: run npm run generate and commit it`);
  });

  test('the man page documents every visible command and option that --help shows', () => {
    const page = generatedFiles()['man/bgpfo.1']!;
    expect(page).toMatch(/^\.TH BGPFO 1 "" "bgpfo \d+\.\d+\.\d+" "User Commands"$/m);
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) expect(page).toContain(`.SH ${section}`);
    for (const cmd of ['daemon', 'status', 'validate', 'drain', 'events', 'lab up', 'scenario run', 'completion']) expect(page).toContain(`.B ${cmd.replace(/-/g, '\\-')}`);
    expect(page).toContain('\\-\\-log\\-format <format>');
    // Hidden internals stay out of it.
    expect(page).not.toContain('traffic\\-agent');
  });
});

describe('the config JSON Schema', () => {
  const schema = JSON.parse(generatedFiles()['schema/bgpfo-config.schema.json']!) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  /** The daemon configs we ship: the rendered ones under topologies/, and the documented full example. */
  function shippedConfigs(): string[] {
    const out: string[] = [join(ROOT, 'test', 'unit', 'config', 'fixtures', 'full.yaml')];
    const topologies = join(ROOT, 'topologies');
    for (const t of readdirSync(topologies, { withFileTypes: true })) {
      if (!t.isDirectory() || t.name === 'scenarios') continue;
      for (const node of readdirSync(join(topologies, t.name, 'nodes'))) {
        const f = join(topologies, t.name, 'nodes', node, 'bgpfo.yaml');
        if (existsSync(f)) out.push(f);
      }
    }
    return out;
  }

  test('every shipped example config validates against it', () => {
    const files = shippedConfigs();
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const ok = validate(parse(readFileSync(f, 'utf8')));
      if (!ok) throw new Error(`${f}: ${JSON.stringify(validate.errors)}`);
    }
  });

  test('every key has a description taken from docs/configuration.md (so the docs cover every key)', () => {
    expect(undescribed(schema as Record<string, unknown>)).toEqual([]);
    const hold = (schema as { properties: { neighbors: { items: { properties: Record<string, { description: string }> } } } }).properties.neighbors.items.properties['hold-time'];
    expect(hold.description).toMatch(/^Proposed hold time; .* Default: 90\.$/);
  });

  test('it refuses what the loader refuses by shape: unknown keys, wrong types, out-of-range numbers, bad enums', () => {
    const base = { router: { asn: 65001, 'router-id': '10.0.0.1' } };
    expect(validate(base)).toBe(true);
    expect(validate({ ...base, router: { ...base.router, asn: '1.10' } })).toBe(true);
    expect(validate({ ...base, routers: {} })).toBe(false);
    expect(validate({ ...base, neighbors: [{ name: 'a', address: '10.0.0.2', 'remote-asn': 65002, 'hold-time': 70000 }] })).toBe(false);
    expect(validate({ ...base, neighbors: [{ name: 'a', address: '10.0.0.2', 'remote-asn': 65002, role: 'standby' }] })).toBe(false);
    expect(validate({ ...base, neighbors: [{ name: 'a', address: '10.0.0.2' }] })).toBe(false);
    expect(validate({ ...base, fib: { mode: 'kernel', protocol: 2 } })).toBe(false);
  });
});
