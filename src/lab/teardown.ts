// `lab down`: stops every process the state file names (checking pid and start time), kills whatever else runs
// in the lab's namespaces, deletes them and the files made outside the lab directory. Idempotent; never
// touches a namespace the lab did not record (or, without a state file, that its plan does not name).

import { existsSync, rmSync } from 'node:fs';
import type { Plan } from '../orchestrator';
import { LabError } from './errors';
import { listNamespaces, stopProcess, type Runner, systemRunner } from './exec';
import { labDir, loadState, type LabState } from './state';

export interface LabDownResult {
  lab: string;
  /** False when there was nothing at all to remove. */
  found: boolean;
  processes: number;
  namespaces: string[];
  files: string[];
}

/**
 * Removes lab `lab`. With no state file (deleted by hand) and a plan, removes the plan's namespaces that exist.
 * Errors in one part do not stop the others; the first is rethrown at the end.
 */
export async function labDown(lab: string, opts: { plan?: Plan; runner?: Runner; env?: NodeJS.ProcessEnv; state?: LabState } = {}): Promise<LabDownResult> {
  const runner = opts.runner ?? systemRunner;
  const env = opts.env ?? process.env;
  const state = opts.state ?? loadState(lab, env);
  const present = await listNamespaces(runner);
  const wanted = state ? state.namespaces : (opts.plan?.nodes.map((n) => n.namespace) ?? []);
  const namespaces = wanted.filter((n) => present.has(n));
  const dir = labDir(lab, env);
  const result: LabDownResult = { lab, found: false, processes: 0, namespaces: [], files: [] };
  const errors: Error[] = [];

  // Daemons first (their peers get a Cease while the tunnels still work), then wireguard-go and the rest.
  const procs = state?.processes ?? [];
  for (const group of [procs.filter((p) => p.role === 'daemon'), procs.filter((p) => p.role !== 'daemon')]) {
    await Promise.all(
      group.map(async (p) => {
        await stopProcess(p, 2000);
        result.processes++;
      }),
    );
  }
  for (const ns of namespaces) {
    // Whatever still runs inside (a daemon that forked, a `lab exec` left behind) would keep the namespace alive.
    const pids = (await runner.run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean);
    if (pids.length) await runner.run(['kill', '-9', ...pids]);
    const r = await runner.run(['ip', 'netns', 'del', ns]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) errors.push(new Error(`ip netns del ${ns}: ${r.stderr.trim()}`));
    else result.namespaces.push(ns);
  }
  for (const f of state?.outsideFiles ?? []) {
    if (!existsSync(f)) continue;
    try {
      rmSync(f, { recursive: true, force: true });
      result.files.push(f);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    result.files.push(dir);
  }
  result.found = Boolean(state) || result.namespaces.length > 0 || result.files.length > 0;
  if (errors.length) throw new LabError('ERR_LAB_DOWN', errors.map((e) => e.message).join('; '));
  return result;
}
