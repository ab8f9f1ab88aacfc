// Every problem at once: when the schema refuses some fields, the cross-field checks still run on what is left
// (the refused fields taken out), so `interval-ms: 5` does not hide a missing local-address or a bad BFD key.

import type { z } from 'zod';
import type { PathIssue } from './build';

type Path = (string | number)[];
type Container = Record<string, unknown> | unknown[];

/** Rounds of pruning before giving up (each round can only remove more, so a few suffice). */
const MAX_ROUNDS = 8;

function containerAt(root: unknown, path: Path): Container | undefined {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v !== null && typeof v === 'object' ? (v as Container) : undefined;
}

/**
 * Runs `check` (the cross-field checks, given schema-valid data) on `data` with the fields behind `issues` taken
 * out, repeating while the schema still refuses something. Neighbors that must go entirely are removed and the
 * paths of the remaining ones translated back to their index in the file. Issues that name a field that was taken
 * out of the same neighbor (or section) are dropped: they would be judged against a default, not the file.
 */
export function crossIssuesDespite<T>(schema: z.ZodType<T>, data: unknown, issues: readonly z.core.$ZodIssue[], check: (parsed: T) => PathIssue[]): PathIssue[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const cur = structuredClone(data) as Record<string, unknown>;
  // Current neighbor index -> the index in the file.
  let neighborIndex = Array.isArray(cur.neighbors) ? cur.neighbors.map((_, i) => i) : [];
  const toFile = (p: Path): Path => (p[0] === 'neighbors' && typeof p[1] === 'number' ? ['neighbors', neighborIndex[p[1]] ?? p[1], ...p.slice(2)] : p);
  const pruned: Path[] = [];
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const iss of pending) {
      const at = iss.path as Path;
      if (iss.code === 'unrecognized_keys') {
        const obj = containerAt(cur, at);
        if (obj && !Array.isArray(obj)) for (const k of iss.keys) delete obj[k];
        continue;
      }
      const stand = standIn(at);
      if (stand !== undefined) {
        const parent = containerAt(cur, at.slice(0, -1));
        if (parent && !Array.isArray(parent)) {
          parent[String(at[at.length - 1])] = stand;
          pruned.push(toFile(at));
          continue;
        }
      }
      // A missing value: the mapping that lacks it goes (a liveness block without its mode cannot be checked).
      let target = (iss as { input?: unknown }).input === undefined ? at.slice(0, -1) : [...at];
      // A bad element of a list other than neighbors takes its list out (indexes elsewhere stay those of the file).
      while (target.length > 0 && typeof target[target.length - 1] === 'number' && !(target.length === 2 && target[0] === 'neighbors')) target = target.slice(0, -1);
      if (target.length === 0) return [];
      if (target.length === 1 && target[0] === 'router') {
        cur.router = { asn: STAND_IN.asn, 'router-id': STAND_IN.routerId };
        pruned.push(['router', 'asn'], ['router', 'router-id']);
        continue;
      }
      const parent = containerAt(cur, target.slice(0, -1));
      const key = target[target.length - 1];
      if (!parent) continue;
      pruned.push(toFile(target));
      if (Array.isArray(parent) && typeof key === 'number') {
        if (key < parent.length) {
          parent.splice(key, 1);
          neighborIndex = neighborIndex.filter((_, i) => i !== key);
        }
      } else if (!Array.isArray(parent)) delete parent[String(key)];
    }
    const parsed = schema.safeParse(cur, { reportInput: true });
    if (parsed.success) return check(parsed.data).map((i) => ({ path: toFile(i.path as Path), message: renumber(i.message, neighborIndex) })).filter((i) => !judgedOnDefault(i, pruned));
    pending = parsed.error.issues;
  }
  return [];
}

/**
 * Values that stand in for a required field the schema refused, so the rest of its neighbor is still checked.
 * Issues that mention the field are dropped (judgedOnDefault), so a stand-in never shows in a message.
 */
const STAND_IN = { asn: 4294967293, routerId: '192.0.2.1', remoteAsn: 4294967294 } as const;

function standIn(path: Path): unknown {
  if (path.length === 2 && path[0] === 'router') return path[1] === 'asn' ? STAND_IN.asn : path[1] === 'router-id' ? STAND_IN.routerId : undefined;
  if (path.length !== 3 || path[0] !== 'neighbors' || typeof path[1] !== 'number') return undefined;
  const i = path[1];
  if (path[2] === 'name') return `unchecked-neighbor-${i}`;
  if (path[2] === 'address') return `2001:db8:ffff::${(i + 1).toString(16)}`;
  if (path[2] === 'remote-asn') return STAND_IN.remoteAsn;
  return undefined;
}

/** "(also neighbors[1])" in a message refers to the current index: give the file's. */
function renumber(message: string, neighborIndex: number[]): string {
  return message.replace(/neighbors\[(\d+)\]/g, (_, n: string) => `neighbors[${neighborIndex[Number(n)] ?? n}]`);
}

function judgedOnDefault(issue: { path: PropertyKey[] }, pruned: Path[]): boolean {
  const scope = (p: readonly PropertyKey[]) => (p[0] === 'neighbors' ? p.slice(0, 2) : p.slice(0, 1)).join('/');
  const ownScope = scope(issue.path);
  return pruned.some((p) => {
    if (scope(p) !== ownScope) return false;
    // Under a neighbor taken out entirely, or naming a field that was taken out.
    if (issue.path.length >= p.length && p.every((k, i) => issue.path[i] === k)) return true;
    const name = [...p].reverse().find((k) => typeof k === 'string');
    return typeof name === 'string' && new RegExp(`(^|[^a-z-])${name.replace(/[-]/g, '\\-')}([^a-z-]|$)`).test((issue as { message?: string }).message ?? '');
  });
}
