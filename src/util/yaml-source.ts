// YAML input files that answer with lines: parse with a LineCounter, YAML syntax errors and duplicate keys at their
// lines, the line of every field path, and zod schema issues as "file:line: field: message" with "did you mean".

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { quote, tooLarge, yamlToData, MAX_INPUT_BYTES } from './yaml-data';

export { quote, readBoundedText, safeText, MAX_INPUT_BYTES } from './yaml-data';

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

/** A key that can be printed as it is: short and without control characters. */
const PLAIN_KEY = /^[^\u0000-\u001f\u007f-\u009f]{1,64}$/;

/** "neighbors[1].remote-asn" from ['neighbors', 1, 'remote-asn']; a long or binary key is quoted and shortened. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else {
      const k = String(p);
      out += (out ? '.' : '') + (PLAIN_KEY.test(k) ? k : quote(k, 40));
    }
  }
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

/**
 * Keys repeated within one mapping, at the line of the repeat. yaml's own `uniqueKeys` check scans the mapping
 * for every key (quadratic: 40,000 keys took 22 s); a Set per mapping keeps this linear.
 */
function duplicateKeys(doc: Document, lc: LineCounter): YamlSyntaxError[] {
  const out: YamlSyntaxError[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && out.length < 20) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key;
        if (isScalar(k)) {
          const id = `${typeof k.value}:${String(k.value)}`;
          if (seen.has(id) && out.length < 20) out.push({ line: k.range ? lc.linePos(k.range[0]).line : 0, duplicateKey: true, message: 'duplicate key' });
          seen.add(id);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Parses one YAML document, counting lines; a key repeated in one mapping is an error, not "the last one wins". */
export function parseYaml(text: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  // The parser's own message can quote the input: only its first line, shortened and escaped.
  const errors = doc.errors.slice(0, 20).map((e) => ({
    line: lc.linePos(e.pos[0]).line,
    duplicateKey: false,
    message: `YAML syntax: ${quote(e.message.split('\n')[0] ?? '', 120).slice(1, -1)}`,
  }));
  return { doc, lc, errors: errors.length > 0 ? errors : duplicateKeys(doc, lc) };
}

/** What a loader gets from a YAML file: its data, the line of every field, or the errors that stop it. */
export interface YamlSource {
  /** The document as plain data (an empty value `key:` leaves the key out unless asked); undefined on errors. */
  data: unknown;
  /** collectLines' table: the line of every value and key. */
  lines: Record<string, number>;
  errors: YamlSyntaxError[];
}

/**
 * Size limit, YAML syntax, duplicate keys, then the data with aliases resolved (unresolved ones, cycles and
 * exponential expansion are errors at their lines), keys as own properties. Linear in the size of the text.
 */
export function parseYamlSource(text: string, what = 'file', maxBytes = MAX_INPUT_BYTES, keepNulls = false, prepare?: (doc: Document) => void): YamlSource {
  const big = tooLarge(text, maxBytes, what);
  if (big) return { data: undefined, lines: {}, errors: [{ line: 0, duplicateKey: false, message: big.message }] };
  const { doc, lc, errors } = parseYaml(text);
  if (errors.length > 0) return { data: undefined, lines: {}, errors };
  prepare?.(doc);
  const lines = collectLines(doc.contents, lc);
  const converted = yamlToData(doc, lc, keepNulls);
  const dataErrors = converted.errors.map((e) => ({ line: e.line, duplicateKey: false, message: `YAML: ${e.message}` }));
  return { data: converted.data, lines, errors: dataErrors };
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
  // A key far longer than every known one is close to none of them (and the distance would cost len x len).
  if (key.length > 3 * Math.max(0, ...known.map((k) => k.length)) + 2) return undefined;
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

/** What was given, for "expected ... (got X)": never the whole input, never raw control characters. */
export function describeInput(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return quote(v);
  return String(JSON.stringify(v));
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
  // Keep the first of identical issues, in linear time (a file with 40,000 unknown keys has 40,000 issues).
  const seen = new Set<string>();
  return out.filter((o) => {
    const k = `${o.path}\u0000${o.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
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
      return { line: lineOfKey(lines, p) ?? lineOfPath(lines, path), path: formatPath(p), message: `unknown key ${quote(key)}`, fix: known.length ? suggestKnown(key, known) : 'remove it' };
    },
    missing: (path, iss) => {
      if (!MISSING_CODES.has(iss.code)) return undefined;
      const parent = path.slice(0, -1);
      const line = lineOfKey(lines, parent) ?? lineOfPath(lines, parent);
      return { line, path: formatPath(path), message: 'required but missing', fix: `add ${String(path[path.length - 1] ?? '')}: (${iss.message})` };
    },
  });
}
