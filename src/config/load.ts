// Reads and validates the daemon's YAML config: YAML syntax -> schema -> cross-field checks, every error
// mapped back to its line through the document's node ranges (yaml's LineCounter).

import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { buildConfig } from './build';
import { ConfigError, formatPath, type ConfigIssue } from './errors';
import { configSchema, knownKeysAt } from './schema';
import type { DaemonConfig } from './types';

/** The line of the node at `path`, or of the deepest ancestor that exists (a missing key points at its parent). */
function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[], keyName?: string): number {
  let node: unknown = doc.contents;
  let line = node && (node as Node).range ? lc.linePos((node as Node).range![0]).line : 1;
  const steps: PropertyKey[] = keyName === undefined ? [...path] : [...path, keyName];
  for (let i = 0; i < steps.length; i++) {
    const key = steps[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      // For an unknown key, point at the key itself; otherwise at the value (or the key when the value is empty).
      const keyNode = pair.key as Node | null;
      const valNode = pair.value as Node | null;
      const target = i === steps.length - 1 && keyName !== undefined ? keyNode : valNode?.range ? valNode : keyNode;
      if (target?.range) line = lc.linePos(target.range[0]).line;
      next = valNode;
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
      if (!next) break;
      if ((next as Node).range) line = lc.linePos((next as Node).range![0]).line;
    } else break;
    node = next;
  }
  return line;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function unknownKeyMessage(key: string, known: string[]): string {
  const close = known
    .map((k) => ({ k, d: Math.min(levenshtein(key.toLowerCase(), k), k.startsWith(key) || key.startsWith(k) ? 1 : 99) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  const hint = close ? `; did you mean "${close.k}"?` : known.length ? `; expected one of ${known.join(', ')}` : '';
  return `unknown key "${key}"${hint}`;
}

function describeInput(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Fallback wording for zod's own issues (our fields set their own "expected ..." messages). */
const defaultError = (iss: z.core.$ZodRawIssue): string | undefined => {
  if (iss.code === 'invalid_type') return `expected ${iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`}`;
  return undefined;
};

/**
 * A union whose input had the shape of exactly one branch (`quality: { window-s: x }` against `false | mapping`)
 * reports that branch's own issues, at their paths, instead of the union's summary.
 */
function expandUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const iss of issues) {
    if (iss.code === 'invalid_union' && Array.isArray(iss.errors)) {
      const shaped = iss.errors.filter((branch) => branch.some((b) => b.path.length > 0 || (b.code !== 'invalid_type' && b.code !== 'invalid_value')));
      if (shaped.length === 1) {
        out.push(...expandUnions(shaped[0]!.map((b) => ({ ...b, path: [...iss.path, ...b.path] }) as z.core.$ZodIssue)));
        continue;
      }
    }
    out.push(iss);
  }
  return out;
}

function zodIssues(issues: z.core.$ZodIssue[], doc: Document, lc: LineCounter): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of expandUnions(issues)) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        out.push({ line: lineOf(doc, lc, iss.path, key), path: formatPath([...iss.path, key]), message: unknownKeyMessage(key, knownKeysAt(iss.path)) });
      }
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    let message = iss.message;
    if (input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_union')) message = `required, ${message}`;
    else if (message.startsWith('expected') && input !== undefined && !message.includes('(got ')) message += ` (got ${describeInput(input)})`;
    out.push({ line: lineOf(doc, lc, iss.path), path: formatPath(iss.path), message });
  }
  // A union reports one issue per failed branch at the same place; keep the first.
  return out.filter((o, i) => out.findIndex((p) => p.path === o.path && p.message === o.message) === i);
}

/** An empty value (`key:` with nothing after it) means "not set", as for an absent key. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** Parses and validates config text; `fileName` is used in error messages. Throws ConfigError. */
export function parseConfig(text: string, fileName: string): DaemonConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      fileName,
      doc.errors.map((e) => ({
        line: lc.linePos(e.pos[0]).line,
        path: '',
        message: e.code === 'DUPLICATE_KEY' ? 'duplicate key: each key may appear once per mapping' : `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  let data: unknown;
  try {
    data = dropNulls(doc.toJS({ maxAliasCount: 1000 }));
  } catch (e) {
    throw new ConfigError(fileName, [{ line: 0, path: '', message: `YAML: ${(e as Error).message}` }]);
  }
  if (data === undefined || data === null) {
    throw new ConfigError(fileName, [{ line: 1, path: '', message: 'the file is empty; expected at least router: and neighbors:' }]);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true, error: defaultError });
  if (!parsed.success) throw new ConfigError(fileName, zodIssues(parsed.error.issues, doc, lc));
  const { config, issues } = buildConfig(parsed.data);
  if (issues.length > 0) {
    throw new ConfigError(fileName, issues.map((i) => ({ line: lineOf(doc, lc, i.path), path: formatPath(i.path), message: i.message })));
  }
  return config;
}

/** Reads `path` and parses it; errors name the file as given (like a compiler's). Throws ConfigError. */
export function loadConfig(path: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new ConfigError(path, [{ line: 0, path: '', message: `cannot read the config file: ${why}` }]);
  }
  return parseConfig(text, path);
}
