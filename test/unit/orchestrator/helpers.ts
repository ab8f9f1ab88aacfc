// Shared fixtures for the orchestrator tests: a minimal valid topology text, edits of it, and error capture.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TopologyError } from '../../../src/orchestrator/topology/errors';

export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'orchestrator');
export const SHIPPED = ['four-tunnel-active-active', 'eight-tunnel-active-passive', 'cloud-gateway'] as const;
/** Shipped multi-site topologies with committed renders (hub-50-spokes is checked without one: 1,000 files). */
export const SHIPPED_MULTI = ['hub-10-dual-stack', 'multi-cloud'] as const;
export const SHIPPED_ALL = [...SHIPPED, ...SHIPPED_MULTI] as const;
export const VARIANTS = ['frr-bfd-ap', 'veth-bgpfo', 'ipsec-real-uplinks', 'hub-3-spokes'] as const;

/** A valid active/active topology, one field per line so tests can point at lines. */
export const BASE = `lab: t
mode: active-active
tunnel:
  type: wireguard
isps:
  - name: isp1
    role: primary
onprem:
  name: hq
  asn: 65010
  prefixes: [10.10.0.0/16]
  routers:
    - name: r1
    - name: r2
far:
  name: dc
  asn: 65020
  prefixes: [10.20.0.0/16]
  runs: bgpfo
  gateways:
    - name: gw1
    - name: gw2
`;

/** The TopologyError `fn` throws (fails the test when it throws nothing or something else). */
export function topologyError(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error('expected a TopologyError, but nothing was thrown');
}

/** Replaces the one line that starts with `from` (after indentation) with `to`. */
export function edit(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(from));
  if (i < 0) throw new Error(`no line starts with ${from}`);
  const indent = lines[i].length - lines[i].trimStart().length;
  lines.splice(i, 1, ...to.split('\n').map((l) => ' '.repeat(indent) + l));
  return lines.join('\n');
}

/** 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/** Every file under `dir` (relative path -> content), skipping `skip` top-level entries. */
export function readTree(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && skip.includes(entry.name)) continue;
      if (entry.isDirectory()) walk(path);
      else out.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return out;
}

/** Compares a rendered tree with a golden one; with UPDATE_GOLDEN=1 rewrites the golden instead. */
export function expectTree(actualDir: string, goldenDir: string) {
  const actual = readTree(actualDir);
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(goldenDir, { recursive: true, force: true });
    for (const [path, text] of actual) {
      mkdirSync(dirname(join(goldenDir, path)), { recursive: true });
      writeFileSync(join(goldenDir, path), text);
    }
    return;
  }
  const golden = readTree(goldenDir);
  expect([...actual.keys()].sort()).toEqual([...golden.keys()].sort());
  for (const [path, text] of actual) {
    if (text !== golden.get(path)) {
      // Name the file: a bare string diff of a 200-line config would not say which one.
      expect({ path, text }).toEqual({ path, text: golden.get(path) });
    }
  }
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `bgpfo-orch-${tag}-`));
}
