// Every problem at once: when the schema refuses some fields, the cross-field checks still run on what is left
// (the refused fields taken out), so `interval-ms: 5` does not hide a missing local-address or a bad BFD key.
// Used by the daemon config and the topology loaders.

import type { z } from 'zod';

type Path = (string | number)[];

/** A cross-field problem: where (as a field path) and what. */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
}
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

/** How a file's pruning works: stand-ins for required fields, and the one list whose elements may go alone. */
export interface PruneOptions {
  /** A value that passes the schema for a required field the schema refused (issues naming it are then dropped). */
  standIn?: (path: Path) => unknown;
  /** The top-level list whose bad elements are removed one by one (their siblings keep their index in the file). */
  list?: string;
}

/**
 * Runs `check` (the cross-field checks, given schema-valid data) on `data` with the fields behind `issues` taken
 * out, repeating while the schema still refuses something. Elements of `opts.list` that must go entirely are
 * removed and the paths of the remaining ones translated back to their index in the file. Issues that name a field
 * that was taken out of the same element (or section) are dropped: they would be judged against a default.
 */
export function crossIssuesDespite<T, I extends PathIssue>(
  schema: z.ZodType<T>,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
  check: (parsed: T) => I[],
  opts: PruneOptions = {},
): I[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const list = opts.list;
  const standInFor = opts.standIn ?? (() => undefined);
  const cur = structuredClone(data) as Record<string, unknown>;
  // Current index in the list -> the index in the file.
  let listIndex = list && Array.isArray(cur[list]) ? (cur[list] as unknown[]).map((_, i) => i) : [];
  const toFile = (p: Path): Path => (list && p[0] === list && typeof p[1] === 'number' ? [list, listIndex[p[1]] ?? p[1], ...p.slice(2)] : p);
  const pruned: Path[] = [];
  const put = (at: Path, value: unknown): boolean => {
    const parent = containerAt(cur, at.slice(0, -1));
    if (at.length === 0 || !parent || Array.isArray(parent)) return false;
    parent[String(at[at.length - 1])] = value;
    pruned.push(toFile(at));
    return true;
  };
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const iss of pending) {
      const at = iss.path as Path;
      if (iss.code === 'unrecognized_keys') {
        const obj = containerAt(cur, at);
        if (obj && !Array.isArray(obj)) for (const k of iss.keys) delete obj[k];
        continue;
      }
      const stand = standInFor(at);
      if (stand !== undefined && put(at, stand)) continue;
      // A missing value: the mapping that lacks it goes (a liveness block without its mode cannot be checked).
      let target = (iss as { input?: unknown }).input === undefined ? at.slice(0, -1) : [...at];
      // A bad element of another list takes its list out (indexes elsewhere stay those of the file).
      while (target.length > 0 && typeof target[target.length - 1] === 'number' && !(target.length === 2 && target[0] === list)) target = target.slice(0, -1);
      if (target.length === 0) return [];
      const standTarget = standInFor(target);
      if (standTarget !== undefined && put(target, standTarget)) continue;
      const parent = containerAt(cur, target.slice(0, -1));
      const key = target[target.length - 1];
      if (!parent) continue;
      pruned.push(toFile(target));
      if (Array.isArray(parent) && typeof key === 'number') {
        if (key < parent.length) {
          parent.splice(key, 1);
          listIndex = listIndex.filter((_, i) => i !== key);
        }
      } else if (!Array.isArray(parent)) delete parent[String(key)];
    }
    const parsed = schema.safeParse(cur, { reportInput: true });
    if (parsed.success) {
      return check(parsed.data)
        .map((i) => ({ ...i, path: toFile(i.path as Path), message: list ? renumber(i.message, list, listIndex) : i.message }))
        .filter((i) => !judgedOnDefault(i, pruned, list));
    }
    pending = parsed.error.issues;
  }
  return [];
}

/** "(also neighbors[1])" in a message refers to the current index: give the file's. */
function renumber(message: string, list: string, listIndex: number[]): string {
  return message.replace(new RegExp(`${list}\\[(\\d+)\\]`, 'g'), (_, n: string) => `${list}[${listIndex[Number(n)] ?? n}]`);
}

function judgedOnDefault(issue: { path: PropertyKey[] }, pruned: Path[], list: string | undefined): boolean {
  const scope = (p: readonly PropertyKey[]) => (list !== undefined && p[0] === list ? p.slice(0, 2) : p.slice(0, 1)).join('/');
  const ownScope = scope(issue.path);
  return pruned.some((p) => {
    if (scope(p) !== ownScope) return false;
    // Under a neighbor taken out entirely, or naming a field that was taken out.
    if (issue.path.length >= p.length && p.every((k, i) => issue.path[i] === k)) return true;
    const name = [...p].reverse().find((k) => typeof k === 'string');
    return typeof name === 'string' && new RegExp(`(^|[^a-z-])${name.replace(/[-]/g, '\\-')}([^a-z-]|$)`).test((issue as { message?: string }).message ?? '');
  });
}

/** ['onprem', 'routers', 1, 'name'] from "onprem.routers[1].name" (formatPath's inverse). */
export function parseFieldPath(text: string): Path {
  const out: Path = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
