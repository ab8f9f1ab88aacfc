// TopologyError: every problem found in a topology file, each naming the file, line, field and the fix.
// Stable code 'ERR_TOPOLOGY' so the CLI can tell a bad file from a crash. Warnings share the issue shape.

export interface TopologyIssue {
  /** 1-based line in the file; 0 when not tied to a line (unreadable file, topology built in code). */
  line: number;
  /** Field path such as "onprem.routers[1].name"; '' for the whole file. */
  path: string;
  message: string;
  /** What to change, when the message alone does not say it. */
  fix?: string;
}

import { safeText } from '../../util/yaml-data';

/** "onprem.routers[1].name" from ['onprem', 'routers', 1, 'name'] (shared by every YAML loader). */
export { formatPath } from '../../util/yaml-source';

export function formatTopologyIssue(file: string, issue: TopologyIssue): string {
  const where = issue.line > 0 ? `${safeText(file, 200)}:${issue.line}` : safeText(file, 200);
  // Whatever built the message, the input it may quote comes back escaped and short.
  const body = safeText(issue.fix ? `${issue.message}; fix: ${issue.fix}` : issue.message);
  return issue.path ? `${where}: ${safeText(issue.path, 200)}: ${body}` : `${where}: ${body}`;
}

/** Issues spelled out in the error message. */
const MAX_SHOWN = 200;

export class TopologyError extends Error {
  readonly code = 'ERR_TOPOLOGY';
  readonly file: string;
  readonly issues: TopologyIssue[];
  constructor(file: string, issues: TopologyIssue[]) {
    const sorted = [...issues].sort((a, b) => a.line - b.line);
    // Every issue stays in .issues; the message shows the first ones (40,000 unknown keys need not print 40,000 lines).
    const shown = sorted.slice(0, MAX_SHOWN).map((i) => formatTopologyIssue(file, i));
    if (sorted.length > MAX_SHOWN) shown.push(`${file}: ... and ${sorted.length - MAX_SHOWN} more problems`);
    super(shown.join('\n'));
    this.name = 'TopologyError';
    this.file = file;
    this.issues = sorted;
  }
}
