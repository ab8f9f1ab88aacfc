// containerlab files: rendered ones (and the committed ones) pass our subset schema, containerlab's own
// schema when a copy is available, and the checks no schema makes; broken ones fail each check.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { checkClab } from '../../../src/orchestrator/render/clab-check';
import { renderAll } from '../../../src/orchestrator/render/index';
import { loadTopology } from '../../../src/orchestrator/topology/load';
import { FIXTURES, ROOT, SHIPPED_ALL, tempDir, VARIANTS } from './helpers';

/** containerlab's schemas/clab.schema.json, if a copy was provided (it is not part of this repository). */
const UPSTREAM_PATH = process.env.BGPFO_CLAB_SCHEMA ?? '/work/shared/schemas/clab.schema.json';
const upstream = existsSync(UPSTREAM_PATH) ? (JSON.parse(readFileSync(UPSTREAM_PATH, 'utf8')) as object) : undefined;

const out = tempDir('clab');
afterAll(() => rmSync(out, { recursive: true, force: true }));

function rendered(name: string, dir: string): { text: string; baseDir: string } {
  const plan = buildPlan(loadTopology(join(dir, `${name}.yaml`)));
  const r = renderAll(plan, join(out, name), { keys: 'placeholder' });
  return { text: readFileSync(r.clabFile, 'utf8'), baseDir: join(out, name) };
}

describe('rendered containerlab files validate', () => {
  it.each(SHIPPED_ALL)('committed topologies/%s.clab.yml', (name) => {
    const text = readFileSync(join(ROOT, 'topologies', `${name}.clab.yml`), 'utf8');
    expect(checkClab(text, { baseDir: join(ROOT, 'topologies'), upstreamSchema: upstream })).toEqual([]);
  });

  it.each([...SHIPPED_ALL.map((n) => [n, join(ROOT, 'topologies')]), ...VARIANTS.map((n) => [n, join(FIXTURES, 'topologies')])])('fresh render of %s', (name, dir) => {
    const { text, baseDir } = rendered(name, dir);
    expect(checkClab(text, { baseDir, upstreamSchema: upstream })).toEqual([]);
  });

  (upstream ? it : it.skip)('containerlab\'s own schema is really applied (an unknown top-level key fails it)', () => {
    const { baseDir } = rendered('four-tunnel-active-active', join(ROOT, 'topologies'));
    const problems = checkClab(stringify({ name: 'x', topology: { nodes: { a: { kind: 'linux', image: 'i' } }, links: [] }, bogus: 1 }), { baseDir, upstreamSchema: upstream });
    expect(problems.some((p) => p.startsWith('containerlab schema:'))).toBe(true);
  });
});

describe('broken containerlab files fail', () => {
  const { text, baseDir } = rendered('four-tunnel-active-active', join(ROOT, 'topologies'));
  const mutate = (fn: (doc: { name: string; topology: { nodes: Record<string, Record<string, unknown>>; links: { endpoints: string[] }[] } }) => void) => {
    const doc = parse(text);
    fn(doc);
    return checkClab(stringify(doc), { baseDir });
  };

  it('a link with three endpoints (containerlab\'s schema would let it pass)', () => {
    expect(mutate((d) => d.topology.links[0].endpoints.push('r1:extra'))).toEqual(['links[0]: 3 endpoints; a link joins exactly two']);
  });

  it('an endpoint on a node that does not exist', () => {
    expect(mutate((d) => (d.topology.links[0].endpoints[0] = 'ghost:eth1'))).toEqual(['links[0]: endpoint ghost:eth1 names no node in topology.nodes']);
  });

  it('an interface used by two links', () => {
    expect(mutate((d) => (d.topology.links[1].endpoints[0] = d.topology.links[0].endpoints[0]))).toEqual([
      `links[1]: endpoint ${parse(text).topology.links[0].endpoints[0]} is already used by links[0]`,
    ]);
  });

  it('an interface name over 15 characters, and eth0', () => {
    expect(mutate((d) => (d.topology.links[0].endpoints[0] = 'hq-h1:abcdefghijklmnop'))).toEqual(['links[0]: interface abcdefghijklmnop is 16 characters; Linux allows 15']);
    expect(mutate((d) => (d.topology.links[0].endpoints[0] = 'hq-h1:eth0'))).toEqual(["links[0]: hq-h1:eth0 uses eth0, containerlab's management interface"]);
  });

  it('a bound file that does not exist', () => {
    expect(mutate((d) => ((d.topology.nodes.r1.binds as string[])[0] = 'nodes/nope:/etc/x'))).toEqual([`nodes.r1.binds: nodes/nope does not exist (relative to ${baseDir})`]);
  });

  it('a key outside the subset we emit, and a node kind we never use', () => {
    expect(mutate((d) => (d.topology.nodes.r1.startup_config = 'x'))).toEqual(['schema: /topology/nodes/r1 must NOT have additional properties (startup_config)']);
    expect(mutate((d) => (d.topology.nodes.r1.kind = 'srl'))[0]).toMatch(/^schema: \/topology\/nodes\/r1\/kind must be equal to one of the allowed values/);
  });

  it('text that is not YAML', () => {
    expect(checkClab('name: [x', { baseDir })[0]).toMatch(/^YAML:/);
  });

  it('binds resolve against the clab file\'s directory', () => {
    expect(checkClab(text, { baseDir: out }).length).toBeGreaterThan(0);
  });
});
