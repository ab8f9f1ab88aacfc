// The lab state file: every namespace, process and outside file a `lab up` made, written before each step
// acts (atomically, by rename), so `lab down` can remove all of it even after a crash mid-way.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../orchestrator';
import type { Daemon } from '../orchestrator/topology/types';
import { LabError } from './errors';

export const STATE_FORMAT = 'bgpfo-lab-state/1';

/** Where labs keep their state: $BGPFO_LAB_ROOT, else /run/bgpfo-lab (tmpfs: gone after a reboot, as namespaces are). */
export function labRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BGPFO_LAB_ROOT || '/run/bgpfo-lab';
}

export function labDir(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labRoot(env), lab);
}

export type ProcessRole = 'daemon' | 'wireguard' | 'traffic';

export interface LabProcess {
  node: string;
  /** "bird", "bgpfo", "frr-bgpd", "wg-aa4-t1o"... unique per node. */
  name: string;
  role: ProcessRole;
  argv: string[];
  pid: number;
  /** /proc start time: a pid reused by another process after a crash is never killed. */
  startTime: number;
  log: string;
  /** Set by `lab fault stop NODE`; `start` clears it. */
  stopped?: boolean;
}

export interface LabFault {
  kind: 'blackhole' | 'loss' | 'isp-down';
  /** Tunnel name, or ISP name for isp-down. */
  target: string;
  percent?: number;
}

export interface LabState {
  format: typeof STATE_FORMAT;
  lab: string;
  /** The topology file (absolute) and the options it was realized with. */
  topologyFile: string;
  options: { tunnelType: string; daemons: Record<string, Daemon | 'none'> };
  createdAt: string;
  phase: 'creating' | 'up' | 'failed';
  /** The realized plan (with any daemon overrides), so status/fault/exec need no topology file. */
  plan: Plan;
  namespaces: string[];
  processes: LabProcess[];
  /** Files and directories made outside the lab directory (FRR pathspaces, WireGuard sockets). */
  outsideFiles: string[];
  faults: LabFault[];
}

const stateError = (message: string) => new LabError('ERR_LAB_STATE', message);

export function statePath(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labDir(lab, env), 'state.json');
}

/** Writes the state atomically (tmp + rename): a crash leaves the old or the new file, never half of one. */
export function saveState(state: LabState, env: NodeJS.ProcessEnv = process.env): void {
  const dir = labDir(state.lab, env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = statePath(state.lab, env);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The state of lab `lab`, or undefined when there is none. Throws LabError ERR_LAB_STATE when it cannot be read. */
export function loadState(lab: string, env: NodeJS.ProcessEnv = process.env): LabState | undefined {
  const file = statePath(lab, env);
  if (!existsSync(file)) return undefined;
  let s: LabState;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch (e) {
    throw stateError(`cannot read the state of lab ${lab} (${file}): ${(e as Error).message}`);
  }
  if (s.format !== STATE_FORMAT) throw stateError(`${file} is format ${String(s.format)}, expected ${STATE_FORMAT}`);
  return s;
}

/** The state of `lab`, or an error that lists the labs that do exist. */
export function requireState(lab: string, env: NodeJS.ProcessEnv = process.env): LabState {
  const s = loadState(lab, env);
  if (!s) {
    const labs = listLabs(env);
    throw stateError(`no lab named ${lab} is up${labs.length ? ` (labs up: ${labs.join(', ')})` : ' (no lab is up)'}`);
  }
  return s;
}

/** Names of the labs that have a state file. */
export function listLabs(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = labRoot(env);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'state.json')))
    .sort();
}

/** The lab a command means: the one named, else the only one up; otherwise an error saying which exist. */
export function resolveLab(name: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (name) return name;
  const labs = listLabs(env);
  if (labs.length === 1) return labs[0];
  throw stateError(labs.length === 0 ? 'no lab is up' : `several labs are up (${labs.join(', ')}); name one`);
}
