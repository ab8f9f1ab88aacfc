// Reads and validates the daemon's YAML config: YAML syntax -> schema -> cross-field checks, every error
// mapped back to its line through the document's node ranges (yaml's LineCounter).

import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { closestKey, dropNulls, editDistance, parseYaml, sourceIssues, unreadableReason, zodWording } from '../util/yaml-source';
import { keepAsdotText } from '../util/asn';
import { buildConfig } from './build';
import { crossIssuesDespite } from '../util/partial-check';
import { CONFIG_PRUNING } from './pruning';
import { ConfigError, formatPath, type ConfigIssue } from './errors';
import { configSchema, knownKeysAt } from './schema';
import type { DaemonConfig } from './types';

/**
 * The line of the node at `path`, or of the deepest ancestor that exists (a missing key points at its parent).
 * Walks the document itself: the config, unlike a topology, keeps no line table (collectLines) after loading.
 */
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

/** Config's own closeness: case-insensitive, and a key that is a prefix of a known one (or the reverse) is close. */
function keyDistance(key: string, known: string): number {
  return Math.min(editDistance(key.toLowerCase(), known), known.startsWith(key) || key.startsWith(known) ? 1 : 99);
}

function unknownKeyMessage(key: string, known: string[]): string {
  const close = closestKey(key, known, keyDistance);
  const hint = close ? `; did you mean "${close}"?` : known.length ? `; expected one of ${known.join(', ')}` : '';
  return `unknown key "${key}"${hint}`;
}

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
  return sourceIssues(expandUnions(issues), {
    lineOf: (path) => lineOf(doc, lc, path),
    unknownKey: (path, key) => ({ line: lineOf(doc, lc, path, key), path: formatPath([...path, key]), message: unknownKeyMessage(key, knownKeysAt(path)) }),
    // A missing field points at the mapping that should hold it (lineOf stops at the deepest ancestor there is).
    missing: (path, iss) =>
      iss.code === 'invalid_type' || iss.code === 'invalid_union' ? { line: lineOf(doc, lc, path), path: formatPath(path), message: `required, ${iss.message}` } : undefined,
  });
}

/** The keys whose value is an AS number (asdot `1.10` must not become the float 1.1). */
const ASN_KEYS: ReadonlySet<string> = new Set(['asn', 'remote-asn']);

/** Parses and validates config text; `fileName` is used in error messages. Throws ConfigError. */
export function parseConfig(text: string, fileName: string): DaemonConfig {
  const { doc, lc, errors } = parseYaml(text);
  if (errors.length > 0) {
    throw new ConfigError(
      fileName,
      errors.map((e) => ({ line: e.line, path: '', message: e.duplicateKey ? 'duplicate key: each key may appear once per mapping' : e.message })),
    );
  }
  keepAsdotText(doc, ASN_KEYS);
  let data: unknown;
  try {
    data = dropNulls(doc.toJS({ maxAliasCount: 1000 }));
  } catch (e) {
    throw new ConfigError(fileName, [{ line: 0, path: '', message: `YAML: ${(e as Error).message}` }]);
  }
  if (data === undefined || data === null) {
    throw new ConfigError(fileName, [{ line: 1, path: '', message: 'the file is empty; expected at least router: and neighbors:' }]);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true, error: zodWording });
  if (!parsed.success) {
    // Every problem at once: the cross-field checks also run on the fields the schema did accept.
    const cross = crossIssuesDespite(configSchema, data, parsed.error.issues, (raw) => buildConfig(raw).issues, CONFIG_PRUNING);
    const all = [...zodIssues(parsed.error.issues, doc, lc), ...cross.map((i) => ({ line: lineOf(doc, lc, i.path), path: formatPath(i.path), message: i.message }))];
    throw new ConfigError(fileName, all.filter((o, i) => all.findIndex((p) => p.path === o.path && p.message === o.message) === i));
  }
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
    throw new ConfigError(path, [{ line: 0, path: '', message: `cannot read the config file: ${unreadableReason(e)}` }]);
  }
  return parseConfig(text, path);
}
