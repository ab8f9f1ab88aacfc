// Reads and validates the daemon's YAML config: size, YAML syntax and aliases -> schema -> cross-field checks,
// every error mapped back to its line (util/yaml-source's line table), in time linear in the file.

import type { z } from 'zod';
import { closestKey, editDistance, lineOfKey, lineOfPath, parseYamlSource, quote, readBoundedText, sourceIssues, unreadableReason, zodWording } from '../util/yaml-source';
import { keepAsdotText } from '../util/asn';
import { buildConfig } from './build';
import { crossIssuesDespite } from '../util/partial-check';
import { CONFIG_PRUNING } from './pruning';
import { ConfigError, formatPath, type ConfigIssue } from './errors';
import { configSchema, knownKeysAt } from './schema';
import type { DaemonConfig } from './types';

/** Config's own closeness: case-insensitive, and a key that is a prefix of a known one (or the reverse) is close. */
function keyDistance(key: string, known: string): number {
  return Math.min(editDistance(key.toLowerCase(), known), known.startsWith(key) || key.startsWith(known) ? 1 : 99);
}

function unknownKeyMessage(key: string, known: string[]): string {
  const close = closestKey(key, known, keyDistance);
  const hint = close ? `; did you mean "${close}"?` : known.length ? `; expected one of ${known.join(', ')}` : '';
  return `unknown key ${quote(key)}${hint}`;
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

function zodIssues(issues: z.core.$ZodIssue[], lines: Record<string, number>): ConfigIssue[] {
  return sourceIssues(expandUnions(issues), {
    lineOf: (path) => lineOfPath(lines, path),
    unknownKey: (path, key) => ({ line: lineOfKey(lines, [...path, key]) ?? lineOfPath(lines, path), path: formatPath([...path, key]), message: unknownKeyMessage(key, knownKeysAt(path)) }),
    // A missing field points at the mapping that should hold it (the deepest ancestor there is).
    missing: (path, iss) =>
      iss.code === 'invalid_type' || iss.code === 'invalid_union' ? { line: lineOfPath(lines, path), path: formatPath(path), message: `required, ${iss.message}` } : undefined,
  });
}

/** Parses and validates config text; `fileName` is used in error messages. Throws ConfigError. */
/** The keys whose value is an AS number (asdot `1.10` must not become the float 1.1). */
const ASN_KEYS: ReadonlySet<string> = new Set(['asn', 'remote-asn']);

export function parseConfig(text: string, fileName: string): DaemonConfig {
  const { data, lines, errors } = parseYamlSource(text, 'config file', undefined, false, (doc) => keepAsdotText(doc, ASN_KEYS));
  if (errors.length > 0) {
    throw new ConfigError(
      fileName,
      errors.map((e) => ({ line: e.line, path: '', message: e.duplicateKey ? 'duplicate key: each key may appear once per mapping' : e.message })),
    );
  }
  if (data === undefined || data === null) {
    throw new ConfigError(fileName, [{ line: 1, path: '', message: 'the file is empty; expected at least router: and neighbors:' }]);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true, error: zodWording });
  if (!parsed.success) {
    // Every problem at once: the cross-field checks also run on the fields the schema did accept.
    const cross = crossIssuesDespite(configSchema, data, parsed.error.issues, (raw) => buildConfig(raw).issues, CONFIG_PRUNING);
    const all = [...zodIssues(parsed.error.issues, lines), ...cross.map((i) => ({ line: lineOfPath(lines, i.path as (string | number)[]), path: formatPath(i.path), message: i.message }))];
    const seen = new Set<string>();
    throw new ConfigError(fileName, all.filter((o) => !seen.has(`${o.path}\u0000${o.message}`) && seen.add(`${o.path}\u0000${o.message}`)));
  }
  const { config, issues } = buildConfig(parsed.data);
  if (issues.length > 0) {
    throw new ConfigError(fileName, issues.map((i) => ({ line: lineOfPath(lines, i.path as (string | number)[]), path: formatPath(i.path), message: i.message })));
  }
  return config;
}

/** Reads `path` and parses it; errors name the file as given (like a compiler's). Throws ConfigError. */
export function loadConfig(path: string): DaemonConfig {
  let text: string;
  try {
    text = readBoundedText(path, undefined, 'config file');
  } catch (e) {
    throw new ConfigError(path, [{ line: 0, path: '', message: `cannot read the config file: ${unreadableReason(e)}` }]);
  }
  return parseConfig(text, path);
}
