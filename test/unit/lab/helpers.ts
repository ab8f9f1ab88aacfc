// Shared fixtures for the lab and host unit tests: the shipped topologies' plans and a temp lab root.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabPlan, type LabPlanOptions } from '../../../src/lab/plan-source';
import type { Plan } from '../../../src/orchestrator';

export const ROOT = join(__dirname, '..', '..', '..');
export const AA4 = join(ROOT, 'topologies', 'four-tunnel-active-active.yaml');
export const AP8 = join(ROOT, 'topologies', 'eight-tunnel-active-passive.yaml');
export const CGW = join(ROOT, 'topologies', 'cloud-gateway.yaml');

export function plan(file: string, opts: LabPlanOptions = {}): Plan {
  return loadLabPlan(file, opts);
}

/** An environment whose lab root is a fresh temp directory (state files never touch /run). */
export function tempEnv(): NodeJS.ProcessEnv {
  return { ...process.env, BGPFO_LAB_ROOT: mkdtempSync(join(tmpdir(), 'bgpfo-lab-unit-')) };
}
