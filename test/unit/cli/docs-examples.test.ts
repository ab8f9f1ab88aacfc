// Examples in the docs that a reader will try: they must give what the docs say they give.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { parseTopology } from '../../../src/orchestrator/topology/load';
import { TopologyError } from '../../../src/orchestrator/topology/errors';

const ROOT = join(__dirname, '..', '..', '..');

test('docs/topology.md: the interface-length example reproduces its message word for word', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'topology.md'), 'utf8');
  const m = /It comes from this file[\s\S]*?```yaml\n([\s\S]*?)```\s*`bgpfo validate topo\.yaml` answers `([\s\S]*?)`\./.exec(doc);
  expect(m).not.toBeNull();
  const [, yaml, answer] = m!;
  let message = '';
  try {
    buildPlan(parseTopology(yaml!, 'topo.yaml'));
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    message = (e as TopologyError).message;
  }
  expect(message).toBe(answer!.replace(/\s*\n\s*/g, ' '));
});

test('README: commands that need root say "as root", not sudo (root has no sudo on a fresh Debian)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  expect(readme).not.toMatch(/^sudo /m);
});
