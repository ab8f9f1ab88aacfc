// Reads a topology file: YAML syntax -> schema -> defaults and cross-field rules, every problem mapped back
// to its line through the document's node ranges (yaml's LineCounter). Throws TopologyError with all of them.

import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, TopologyError, type TopologyIssue } from './errors';
import { lineAt, normalizeTopology } from './normalize';
import { knownKeysAt, topologySchema } from './schema';
import type { Topology, TopologySource } from './types';

/**
 * Records the line of every value (and, under "path#key", of every key) in the document. A key with an
 * empty value points at the key's own line.
 */
function collectLines(root: unknown, lc: LineCounter): Record<string, number> {
  const lines: Record<string, number> = {};
  const lineOf = (n: unknown) => ((n as Node | null)?.range ? lc.linePos((n as Node).range![0]).line : 0);
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const p = [...path, key];
        lines[`${formatPath(p)}#key`] = lineOf(pair.key);
        lines[formatPath(p)] = lineOf(pair.value) || lineOf(pair.key);
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        lines[formatPath([...path, i])] = lineOf(item);
        walk(item, [...path, i]);
      });
    }
  };
  lines[''] = lineOf(root) || 1;
  walk(root, []);
  return lines;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function unknownKey(key: string, known: string[]): { message: string; fix: string } {
  const close = known.map((k) => ({ k, d: levenshtein(key, k) })).filter((x) => x.d <= Math.max(2, Math.floor(x.k.length / 3))).sort((a, b) => a.d - b.d)[0];
  return {
    message: `unknown key "${key}"`,
    fix: close ? `did you mean "${close.k}"?` : known.length ? `use one of ${known.join(', ')}` : 'remove it',
  };
}

function describeInput(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Wording for zod's own issues that our fields do not word themselves. */
const defaultError = (iss: z.core.$ZodRawIssue): string | undefined =>
  iss.code === 'invalid_type' ? `expected ${iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`}` : undefined;

function zodIssues(issues: z.core.$ZodIssue[], source: TopologySource): TopologyIssue[] {
  const out: TopologyIssue[] = [];
  for (const iss of issues) {
    const path = iss.path as (string | number)[];
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        const p = [...path, key];
        out.push({ line: source.lines[`${formatPath(p)}#key`] ?? lineAt(source, path), path: formatPath(p), ...unknownKey(key, knownKeysAt(path)) });
      }
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    if (input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_value' || iss.code === 'invalid_union')) {
      // A missing key points at the line of the mapping that should hold it.
      const parent = path.slice(0, -1);
      const field = String(path[path.length - 1] ?? '');
      const line = source.lines[`${formatPath(parent)}#key`] ?? lineAt(source, parent);
      out.push({ line, path: formatPath(path), message: 'required but missing', fix: `add ${field}: (${iss.message})` });
      continue;
    }
    const message = iss.message.startsWith('expected') && input !== undefined && !iss.message.includes('(got ') ? `${iss.message} (got ${describeInput(input)})` : iss.message;
    out.push({ line: lineAt(source, path), path: formatPath(path), message });
  }
  return out.filter((o, i) => out.findIndex((p) => p.path === o.path && p.message === o.message) === i);
}

/** An empty value (`key:` with nothing after it) means "not set", like an absent key. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** Parses and validates topology text; `fileName` names the file in messages. Throws TopologyError. */
export function parseTopology(text: string, fileName: string): Topology {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TopologyError(
      fileName,
      doc.errors.map((e) => ({
        line: lc.linePos(e.pos[0]).line,
        path: '',
        message: e.code === 'DUPLICATE_KEY' ? 'duplicate key' : `YAML syntax: ${e.message.split('\n')[0]}`,
        fix: e.code === 'DUPLICATE_KEY' ? 'each key may appear once per mapping; remove or merge the second one' : undefined,
      })),
    );
  }
  const source: TopologySource = { file: fileName, lines: collectLines(doc.contents, lc) };
  const data = dropNulls(doc.toJS({ maxAliasCount: 100 }));
  if (data === undefined || data === null) {
    throw new TopologyError(fileName, [{ line: 1, path: '', message: 'the file is empty', fix: 'start from one of the files in topologies/' }]);
  }
  const parsed = topologySchema.safeParse(data, { reportInput: true, error: defaultError });
  if (!parsed.success) throw new TopologyError(fileName, zodIssues(parsed.error.issues, source));
  const { topology, errors } = normalizeTopology(parsed.data, source);
  if (errors.length > 0) throw new TopologyError(fileName, errors);
  return topology;
}

/** Reads and validates a topology file. Throws TopologyError (code 'ERR_TOPOLOGY'). */
export function loadTopology(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new TopologyError(path, [{ line: 0, path: '', message: `cannot read the topology file: ${why}` }]);
  }
  return parseTopology(text, path);
}
