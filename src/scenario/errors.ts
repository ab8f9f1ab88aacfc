// ScenarioError: every problem in a scenario file (file:line: field: message; fix: ...), the same shape as a
// topology's (src/orchestrator/topology/errors.ts), with the stable code 'ERR_SCENARIO' for the CLI.

import { formatTopologyIssue, type TopologyIssue } from '../orchestrator';

export type ScenarioIssue = TopologyIssue;

export class ScenarioError extends Error {
  readonly code = 'ERR_SCENARIO';
  readonly issues: ScenarioIssue[];
  constructor(
    readonly file: string,
    issues: ScenarioIssue[],
  ) {
    const sorted = [...issues].sort((a, b) => a.line - b.line);
    const shown = sorted.slice(0, 200).map((i) => formatTopologyIssue(file, i));
    if (sorted.length > 200) shown.push(`${file}: ... and ${sorted.length - 200} more problems`);
    super(shown.join('\n'));
    this.name = 'ScenarioError';
    this.issues = sorted;
  }
}

/** A scenario that could not run to the end (lab, engine or tool trouble), as opposed to a failed expectation. */
export class ScenarioRunError extends Error {
  readonly code = 'ERR_SCENARIO_RUN';
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioRunError';
  }
}
