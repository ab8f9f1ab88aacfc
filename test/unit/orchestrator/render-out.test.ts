// `bgpfo render --out DIR` refuses what it cannot create, at once (issue 12: `--out /proc/foo` spun at full CPU forever).

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { renderAll } from '../../../src/orchestrator/render/index';
import { loadTopology } from '../../../src/orchestrator/topology/load';
import { ROOT, tempDir } from './helpers';

const out = tempDir('render-out');
afterAll(() => rmSync(out, { recursive: true, force: true }));
const plan = buildPlan(loadTopology(join(ROOT, 'topologies', 'four-tunnel-active-active.yaml')));

test.each([
  ['/proc/bgpfo-render-test', /cannot create the output directory \/proc\/bgpfo-render-test/],
  ['/proc/self/bgpfo/x', /cannot create the output directory/],
])('%s is refused with the reason', (dir, want) => {
  expect(() => renderAll(plan, dir, { keys: 'placeholder' })).toThrow(want);
});

test('a path below a regular file is refused: the file is not a directory', () => {
  const file = join(out, 'file');
  writeFileSync(file, 'x');
  expect(() => renderAll(plan, join(file, 'sub'), { keys: 'placeholder' })).toThrow(/file is not a directory/);
});

test('a new nested directory is still created', () => {
  const r = renderAll(plan, join(out, 'a', 'b', 'c'), { keys: 'placeholder' });
  expect(r.files.length).toBeGreaterThan(5);
});
