// The shipped topologies and their committed renders: the renders are current (a fresh placeholder render
// is byte-identical; UPDATE_GOLDEN=1 rewrites them) and hold no key material.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { renderAll } from '../../../src/orchestrator/render/index';
import { loadTopology } from '../../../src/orchestrator/topology/load';
import { expectTree, readTree, ROOT, SHIPPED_ALL, tempDir } from './helpers';

const TOPOLOGIES = join(ROOT, 'topologies');
const out = tempDir('topo');
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(SHIPPED_ALL)('topologies/%s', (name) => {
  const plan = buildPlan(loadTopology(join(TOPOLOGIES, `${name}.yaml`)));

  it('has a committed render identical to a fresh one', () => {
    if (process.env.UPDATE_GOLDEN === '1') {
      renderAll(plan, join(TOPOLOGIES, name), { keys: 'placeholder', clabFile: join(TOPOLOGIES, `${name}.clab.yml`) });
    }
    renderAll(plan, join(out, name), { keys: 'placeholder', clabFile: join(out, `${name}.clab.yml`) });
    expectTree(join(out, name), join(TOPOLOGIES, name));
    expect(readFileSync(join(out, `${name}.clab.yml`), 'utf8')).toBe(readFileSync(join(TOPOLOGIES, `${name}.clab.yml`), 'utf8'));
  });

  it('commits no keys or secrets, only placeholders', () => {
    const files = readTree(join(TOPOLOGIES, name));
    const wg = [...files.entries()].filter(([p]) => p.includes('/wireguard/'));
    expect(wg.length).toBe(plan.tunnels.length * 2);
    for (const [, text] of files) {
      expect(text).not.toMatch(/(PrivateKey|PublicKey) = [A-Za-z0-9+/]{42,43}=/);
      expect(text).not.toMatch(/secret = "[^@]/);
    }
    for (const [, text] of wg) expect(text).toMatch(/^PrivateKey = @BGPFO_PRIVATE_KEY\([a-z0-9-]+\/[a-z0-9-]+\)@$/m);
  });
});
