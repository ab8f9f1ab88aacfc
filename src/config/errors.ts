// ConfigError: every problem in a config file, each naming the file, the line, the field path and what is expected.
// Stable error code 'ERR_CONFIG' so callers (CLI, daemon) can tell a bad file from a crash.

export interface ConfigIssue {
  /** 1-based line in the file; 0 when the problem is not tied to a line (e.g. unreadable file). */
  line: number;
  /** Field path such as "neighbors[1].remote-asn"; '' for the whole file. */
  path: string;
  message: string;
}

import { safeText } from '../util/yaml-data';

/** "neighbors[1].remote-asn" from ['neighbors', 1, 'remote-asn'] (shared by every YAML loader). */
export { formatPath } from '../util/yaml-source';

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${safeText(file, 200)}:${issue.line}` : safeText(file, 200);
  // Whatever built the message, the input it may quote comes back escaped and short.
  const message = safeText(issue.message);
  return issue.path ? `${where}: ${safeText(issue.path, 200)}: ${message}` : `${where}: ${message}`;
}

/** Issues spelled out in the error message. */
const MAX_SHOWN = 200;

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    const sorted = [...issues].sort((a, b) => a.line - b.line);
    // Every issue stays in .issues; the message shows the first ones (40,000 unknown keys need not print 40,000 lines).
    const shown = sorted.slice(0, MAX_SHOWN).map((i) => formatIssue(file, i));
    if (sorted.length > MAX_SHOWN) shown.push(`${file}: ... and ${sorted.length - MAX_SHOWN} more problems`);
    super(shown.join('\n'));
    this.name = 'ConfigError';
    this.file = file;
    this.issues = sorted;
  }
}
