// Shared by the scenario integration tests: one netns lab per test file, brought up from the first scenario that
// needs it, each shipped scenario run on it in turn (a run the machine disturbed, agents stalling, gets a second
// go), and the assertion that prints the whole summary when a scenario fails.

import { join } from 'node:path';
import { labDown } from '../../src/lab';
import type { Plan } from '../../src/orchestrator';
import { formatSummary, loadScenario, NetnsEngine, runScenario, type LoadedScenario, type ScenarioReport } from '../../src/scenario';
import { ensureBuilt, REPO } from './harness';

export const SCENARIO_DIR = join(REPO, 'topologies', 'scenarios');
export const REPORT_DIR = process.env.BGPFO_SCENARIO_REPORTS;

export class ScenarioLab {
  private constructor(
    readonly lab: string,
    private readonly made: NetnsEngine,
    private readonly upPlan: Plan,
  ) {}

  /** The plan the lab was brought up from. */
  plan(): Plan {
    return this.upPlan;
  }

  /** Brings the lab of `file` up (removing a copy left by a crashed run first). */
  static async up(file: string): Promise<ScenarioLab> {
    if (process.getuid?.() !== 0) throw new Error('the scenario integration tests need root (network namespaces)');
    ensureBuilt();
    const s = loadScenario(join(SCENARIO_DIR, file));
    const name = s.lab.name!;
    await labDown(name);
    const engine = new NetnsEngine({ topology: s.topology, lab: s.lab, sessionTimeoutMs: 60_000 });
    const progress: string[] = [];
    let plan: Plan;
    try {
      plan = await engine.up((l) => progress.push(l));
    } catch (e) {
      (e as Error).message += `\n${progress.join('\n')}`;
      throw e;
    }
    return new ScenarioLab(name, engine, plan);
  }

  /**
   * Runs a shipped scenario on this lab; once more if it failed while the machine disturbed the measurement (agents
   * stalled, the hypervisor took the CPUs, or every lost packet was lost inside a userspace WireGuard tunnel).
   */
  async run(file: string, opts: { stopOnMissing?: boolean } = {}): Promise<ScenarioReport> {
    const s: LoadedScenario = loadScenario(join(SCENARIO_DIR, file));
    const go = () =>
      runScenario(s, {
        engine: new NetnsEngine({ topology: s.topology, lab: s.lab, attach: this.lab }),
        stopOnMissing: opts.stopOnMissing ?? true,
        ...(REPORT_DIR ? { reportDir: join(REPORT_DIR, s.name) } : {}),
      });
    const first = await go();
    if (first.passed || !first.disturbed) return first;
    const why = [...new Set(first.checks.filter((c) => !c.ok && c.disturbed).map((c) => c.disturbed!))].join('; ');
    process.stderr.write(`${s.name}: failed while the machine disturbed the measurement (${why}); running it again\n${formatSummary(first)}\n`);
    return go();
  }

  async down(): Promise<void> {
    await this.made.down();
  }
}

/**
 * Passes when the scenario passed; otherwise fails showing what failed first (CI shows only the start of a failure),
 * then its whole summary (what was expected, measured, missing).
 */
export function expectPassed(r: ScenarioReport): void {
  const failed = [
    ...(r.error ? [`error: ${r.error.split('\n')[0]}`] : []),
    ...r.missing.map((m) => `missing: ${m.detail}`),
    ...r.checks.filter((c) => !c.ok).map((c) => `FAILED ${c.name} (line ${c.line}) ${c.check}: expected ${c.expected}; measured ${c.measured}${c.disturbed ? ` [${c.disturbed}]` : ''}`),
  ];
  expect({ scenario: r.scenario, result: r.passed ? 'passed' : `${failed.join('\n')}\n\n${formatSummary(r)}` }).toEqual({ scenario: r.scenario, result: 'passed' });
}
