// YAML input files that answer with lines: parse with a LineCounter, YAML syntax errors and duplicate keys at their
// lines, the line of every field path, and zod schema issues as "file:line: field: message" with "did you mean".

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

/** A field path as zod reports it: mapping keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** One problem in a file; each loader's own issue type has this shape (or this shape without `fix`). */
export interface SourceIssue {
  /** 1-based line in the file; 0 when not tied to a line. */
  line: number;
  /** Field path such as "neighbors[1].remote-asn"; '' for the whole file. */
  path: string;
  message: string;
  /** What to change, when the message alone does not say it. */
  fix?: string;
}

/** "neighbors[1].remote-asn" from ['neighbors', 1, 'remote-asn']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : (out ? '.' : '') + String(p);
  return out;
}

/** Why a file could not be read, in words for an error message. */
export function unreadableReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
}

/** A YAML syntax error or duplicate key; each loader words the duplicate key (and its fix) for its own files. */
export interface YamlSyntaxError {
  line: number;
  duplicateKey: boolean;
  /** "duplicate key", or "YAML syntax: " and the first line of the parser's message. */
  message: string;
}

export interface ParsedYaml {
  doc: Document;
  lc: LineCounter;
  /** When there are any, the document is not to be used. */
  errors: YamlSyntaxError[];
}

/** Parses one YAML document, counting lines; a key repeated in one mapping is an error, not "the last one wins". */
export function parseYaml(text: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => {
    const duplicateKey = e.code === 'DUPLICATE_KEY';
    return { line: lc.linePos(e.pos[0]).line, duplicateKey, message: duplicateKey ? 'duplicate key' : `YAML syntax: ${e.message.split('\n')[0]}` };
  });
  return { doc, lc, errors };
}

/** An empty value (`key:` with nothing after it) means "not set", as for an absent key. */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/**
 * The line of every value by formatted field path ("" is the document), and of every mapping key under
 * "path#key". A key with an empty value gives the key's line. Kept after parsing, so later stages can point at lines.
 */
export function collectLines(root: unknown, lc: LineCounter): Record<string, number> {
  const lines: Record<string, number> = {};
  const lineOf = (n: unknown) => ((n as Node | null)?.range ? lc.linePos((n as Node).range![0]).line : 0);
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const p = [...path, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)];
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

/** The line of `path` in collectLines' table, else of its nearest ancestor that has one; 0 when none does. */
export function lineOfPath(lines: Record<string, number>, path: FieldPath): number {
  for (let n = path.length; n >= 0; n--) {
    const line = lines[formatPath(path.slice(0, n))];
    if (line) return line;
  }
  return 0;
}

/** The line of the key that names `path` (not of its value), when the document has that key. */
export function lineOfKey(lines: Record<string, number>, path: FieldPath): number | undefined {
  return lines[`${formatPath(path)}#key`];
}

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The known key a mistyped one most likely meant (for "did you mean"), if any is close enough; `distance` may be looser. */
export function closestKey(key: string, known: readonly string[], distance: (key: string, known: string) => number = editDistance): string | undefined {
  return known
    .map((k) => ({ k, d: distance(key, k) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.k.length / 3)))
    .sort((a, b) => a.d - b.d)[0]?.k;
}

/** The fix for a mistyped word: "did you mean "X"?", or else the list of what is allowed. */
export function suggestKnown(word: string, known: readonly string[]): string {
  const close = closestKey(word, known);
  return close ? `did you mean "${close}"?` : `use one of ${known.join(', ')}`;
}

type AnyDef = {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
};
const defOf = (t: z.core.$ZodType) => t._zod.def as unknown as AnyDef;

/** Looks through optional/default/nullable/pipe wrappers, and picks the object branch of a union. */
function resolve(t: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  if (!t) return undefined;
  const def = defOf(t);
  if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) return resolve(def.innerType);
  if (def.type === 'pipe' && def.in) return resolve(def.in);
  if (def.type === 'union' && def.options) return def.options.map(resolve).find((o) => o && defOf(o).type === 'object');
  return t;
}

/** The keys an object schema accepts at a path (for "did you mean" on unknown keys); [] when unknown. */
export function schemaKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let s = resolve(schema);
  for (const key of path) {
    if (!s) return [];
    const def = defOf(s);
    if (def.type === 'object' && def.shape && typeof key === 'string') s = resolve(def.shape[key]);
    else if (def.type === 'array' && def.element && typeof key === 'number') s = resolve(def.element);
    else return [];
  }
  const def = s && defOf(s);
  return def && def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Pass as zod's `error` option: wording for zod's own issues that our fields do not word themselves. */
export const zodWording = (iss: z.core.$ZodRawIssue): string | undefined =>
  iss.code === 'invalid_type' ? `expected ${iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`}` : undefined;

function describeInput(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Where a loader places, and how it words, the issues whose wording is its own. */
export interface IssuePlacement {
  /** The line of the value at `path`, or of its nearest ancestor. */
  lineOf(path: FieldPath): number;
  /** The issue for `key` in the mapping at `path`, a key the schema does not know. */
  unknownKey(path: FieldPath, key: string): SourceIssue;
  /** The issue for a value that is absent (zod saw undefined); undefined to report it like any other issue. */
  missing(path: FieldPath, iss: z.core.$ZodIssue): SourceIssue | undefined;
}

/**
 * zod issues (parsed with `reportInput: true`) as file issues: "expected ..." messages say what was given, and a
 * union's one issue per failed branch at the same place is kept once.
 */
export function sourceIssues(issues: readonly z.core.$ZodIssue[], place: IssuePlacement): SourceIssue[] {
  const out: SourceIssue[] = [];
  for (const iss of issues) {
    const path = iss.path as (string | number)[];
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push(place.unknownKey(path, key));
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    const missing = input === undefined ? place.missing(path, iss) : undefined;
    if (missing) {
      out.push(missing);
      continue;
    }
    const got = iss.message.startsWith('expected') && input !== undefined && !iss.message.includes('(got ');
    out.push({ line: place.lineOf(path), path: formatPath(path), message: got ? `${iss.message} (got ${describeInput(input)})` : iss.message });
  }
  return out.filter((o, i) => out.findIndex((p) => p.path === o.path && p.message === o.message) === i);
}

const MISSING_CODES: ReadonlySet<string> = new Set(['invalid_type', 'invalid_value', 'invalid_union']);

/**
 * sourceIssues placed by collectLines' table, each with its fix: an unknown key at the key's own line ("did you
 * mean", or what is allowed), a missing field at the line of the key that should hold it ("add x:").
 */
export function issuesWithFixes(issues: readonly z.core.$ZodIssue[], lines: Record<string, number>, knownKeysAt: (path: FieldPath) => string[]): SourceIssue[] {
  return sourceIssues(issues, {
    lineOf: (path) => lineOfPath(lines, path),
    unknownKey: (path, key) => {
      const p = [...path, key];
      const known = knownKeysAt(path);
      return { line: lineOfKey(lines, p) ?? lineOfPath(lines, path), path: formatPath(p), message: `unknown key "${key}"`, fix: known.length ? suggestKnown(key, known) : 'remove it' };
    },
    missing: (path, iss) => {
      if (!MISSING_CODES.has(iss.code)) return undefined;
      const parent = path.slice(0, -1);
      const line = lineOfKey(lines, parent) ?? lineOfPath(lines, parent);
      return { line, path: formatPath(path), message: 'required but missing', fix: `add ${String(path[path.length - 1] ?? '')}: (${iss.message})` };
    },
  });
}
