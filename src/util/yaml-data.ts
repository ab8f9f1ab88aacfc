// Turns an operator's YAML file into plain data safely: bounded reads, aliases resolved with their line (unresolved,
// cyclic, "billion laughs" expansion), keys as own properties (`__proto__` is just an unknown key), linear time.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** Config and topology files larger than this are refused before parsing (a real one is a few kB). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** Values an alias may add to the data in total: far above any honest use, far below an exponential blow-up. */
export const MAX_ALIAS_EXPANSION = 10_000;

/** A problem that stops the file from becoming data: with its line (0 when not tied to one). */
export interface YamlDataError {
  line: number;
  message: string;
}

/**
 * `s` for an error message: JSON-escaped (control characters, quotes, newlines visible) and cut to `max`
 * characters with the count of what was left out, so a 20 MB line or binary junk never comes back whole.
 */
export function quote(s: string, max = 60): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const escaped = JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${escaped.slice(0, -1)}…" (${s.length - max} more characters)` : escaped;
}

/**
 * A message for a terminal: control characters escaped (\u0000), and cut at `max` characters. The loaders pass every
 * issue through it, so a message built anywhere (a schema field quoting its input) cannot echo raw or huge input.
 */
export function safeText(s: string, max = 400): string {
  // eslint-disable-next-line no-control-regex
  const escaped = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]|\n|\t/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}… (${escaped.length - max} more characters)` : escaped;
}

function megabytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Reads at most `maxBytes` (+1 to notice more) from `path` as UTF-8: a huge file, /dev/zero or an endless pipe
 * is refused instead of filling memory. Throws an Error whose message names the limit; fs errors pass through.
 */
export function readBoundedText(path: string, maxBytes: number = MAX_INPUT_BYTES, what = 'file'): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`is a directory, not a ${what}`), { code: 'EISDIR' });
    if (st.isFile() && st.size > maxBytes) {
      throw new Error(`the ${what} is ${megabytes(st.size)}; bgpfo reads at most ${megabytes(maxBytes)} (is this the right file?)`);
    }
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let have = 0;
    for (;;) {
      const n = readSync(fd, buf, have, buf.length - have, null);
      if (n === 0) break;
      have += n;
      if (have > maxBytes) throw new Error(`the ${what} is larger than ${megabytes(maxBytes)}, the most bgpfo reads (is this the right file?)`);
    }
    return buf.toString('utf8', 0, have);
  } finally {
    closeSync(fd);
  }
}

/** The size check for text handed over directly (an API reload, a test). */
export function tooLarge(text: string, maxBytes: number = MAX_INPUT_BYTES, what = 'file'): YamlDataError | null {
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > maxBytes ? { line: 0, message: `the ${what} is ${megabytes(bytes)}; bgpfo reads at most ${megabytes(maxBytes)}` } : null;
}

/** Sets `key` as an own, enumerable property: never the prototype, whatever the key is called. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The document's contents as plain data, the way doc.toJS() would give them, except that: an empty value
 * (`key:`) leaves the key out ("not set") unless `keepNulls`; keys are always own properties; aliases are expanded within
 * MAX_ALIAS_EXPANSION values; an unresolved alias, an alias inside the node it names, a non-scalar key, or an
 * unsupported tag is an error at its line. One pass over the nodes: linear in the size of the file.
 */
export function yamlToData(doc: Document, lc: LineCounter, keepNulls = false): { data: unknown; errors: YamlDataError[] } {
  const errors: YamlDataError[] = [];
  const anchors = new Map<string, Node>();
  const active = new Set<Node>();
  let expanded = 0;
  let expanding = 0;
  let stopped = false;
  let outerAlias: unknown = null;
  const lineOf = (n: unknown) => ((n as Node | null)?.range ? lc.linePos((n as Node).range![0]).line : 0);
  const fail = (n: unknown, message: string) => {
    errors.push({ line: lineOf(n), message });
    stopped = true;
    return undefined;
  };

  const convert = (node: unknown): unknown => {
    if (stopped) return undefined;
    if (node === null || node === undefined) return null;
    if (expanding > 0 && ++expanded > MAX_ALIAS_EXPANSION) {
      // Point at the alias the operator wrote, not at the anchored node deep inside the expansion.
      return fail(outerAlias, `aliases expand to more than ${MAX_ALIAS_EXPANSION} values (a "billion laughs" file?); write the values out instead`);
    }
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return fail(node, `alias ${quote('*' + node.source, 40)} names no anchor defined before it; define the anchor (&name) first, or write the value out`);
      if (active.has(target)) return fail(node, `alias ${quote('*' + node.source, 40)} is inside the node it names (a cycle); remove it`);
      if (expanding === 0) outerAlias = node;
      expanding++;
      try {
        return convert(target);
      } finally {
        expanding--;
      }
    }
    const anchor = (node as Node).anchor;
    if (anchor && expanding === 0) anchors.set(anchor, node as Node);
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      if (typeof v === 'bigint') return Number(v);
      return fail(node, `unsupported YAML value${node.tag ? ` with tag ${quote(node.tag, 40)}` : ''}; use a plain number, text or true/false`);
    }
    active.add(node as Node);
    try {
      if (isSeq(node)) {
        const out: unknown[] = [];
        for (const item of node.items) {
          const v = convert(item);
          if (stopped) return undefined;
          out.push(v);
        }
        return out;
      }
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const k = pair.key;
          const key = isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean') ? String(k.value) : undefined;
          if (key === undefined) return fail(k ?? node, 'a key must be a plain word, not a list, mapping or empty value');
          const v = convert(pair.value);
          if (stopped) return undefined;
          if (v !== null || keepNulls) setOwn(out, key, v);
        }
        return out;
      }
    } finally {
      active.delete(node as Node);
    }
    return fail(node, 'unsupported YAML node');
  };

  const data = convert(doc.contents);
  return { data: stopped ? undefined : data, errors };
}
