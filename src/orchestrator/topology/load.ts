// Reads a topology file: YAML syntax -> schema -> defaults and cross-field rules, every problem mapped back
// to its line through the document's node ranges (yaml's LineCounter). Throws TopologyError with all of them.

import { issuesWithFixes, parseYamlSource, readBoundedText, unreadableReason, zodWording } from '../../util/yaml-source';
import { keepAsdotText } from '../../util/asn';
import { crossIssuesDespite, parseFieldPath } from '../../util/partial-check';
import { TopologyError } from './errors';
import { normalizeTopology } from './normalize';
import { knownKeysAt, topologySchema } from './schema';
import type { Topology, TopologySource } from './types';

/** Parses and validates topology text; `fileName` names the file in messages. Throws TopologyError. */
export function parseTopology(text: string, fileName: string): Topology {
  const { data, lines, errors } = parseYamlSource(text, 'topology file', undefined, false, (doc) => keepAsdotText(doc, new Set(['asn'])));
  if (errors.length > 0) {
    throw new TopologyError(
      fileName,
      errors.map((e) => ({
        line: e.line,
        path: '',
        message: e.message,
        fix: e.duplicateKey ? 'each key may appear once per mapping; remove or merge the second one' : undefined,
      })),
    );
  }
  const source: TopologySource = { file: fileName, lines };
  if (data === undefined || data === null) {
    throw new TopologyError(fileName, [{ line: 1, path: '', message: 'the file is empty', fix: 'start from one of the files in topologies/' }]);
  }
  const parsed = topologySchema.safeParse(data, { reportInput: true, error: zodWording });
  if (!parsed.success) {
    // Every problem at once: the cross-field rules also run on the fields the schema did accept.
    const schemaIssues = issuesWithFixes(parsed.error.issues, source.lines, knownKeysAt);
    const cross = crossIssuesDespite(topologySchema, data, parsed.error.issues, (raw) =>
      normalizeTopology(raw, source).errors.map((issue) => ({ path: parseFieldPath(issue.path), message: issue.message, issue })),
    ).map((c) => c.issue);
    const known = new Set(schemaIssues.map((i) => `${i.path}\u0000${i.message}`));
    throw new TopologyError(fileName, [...schemaIssues, ...cross.filter((c) => !known.has(`${c.path}\u0000${c.message}`))]);
  }
  const { topology, errors: problems } = normalizeTopology(parsed.data, source);
  if (problems.length > 0) throw new TopologyError(fileName, problems);
  return topology;
}

/** Reads and validates a topology file. Throws TopologyError (code 'ERR_TOPOLOGY'). */
export function loadTopology(path: string): Topology {
  let text: string;
  try {
    text = readBoundedText(path, undefined, 'topology file');
  } catch (e) {
    throw new TopologyError(path, [{ line: 0, path: '', message: `cannot read the topology file: ${unreadableReason(e)}` }]);
  }
  return parseTopology(text, path);
}
