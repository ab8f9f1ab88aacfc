// Line numbers for a parsed YAML document: the line of every value and key by field path, so schema and
// cross-reference errors can say "file:12: steps[3].fault.blackhole: ...". Shared by the scenario loader.

import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { formatPath } from '../orchestrator/topology/errors';

/** path -> line of its value; "path#key" -> line of its key; "" -> the document. */
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

/** The line of a path, else of its nearest ancestor that has one. */
export function lineOfPath(lines: Record<string, number>, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const l = lines[formatPath(path.slice(0, n))];
    if (l) return l;
  }
  return 1;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** "did you mean X?" for a mistyped word, or a list of what is allowed. */
export function suggest(word: string, known: readonly string[]): string {
  const close = known
    .map((k) => ({ k, d: editDistance(word, k) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return close ? `did you mean "${close.k}"?` : `use one of ${known.join(', ')}`;
}
