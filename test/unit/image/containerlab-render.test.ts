// What running on real containers changed in the containerlab render and engine: sysctls set by the runtime (an
// unprivileged container cannot write /proc/sys) and skipped by setup.sh when already set, daemons killed by a
// pattern that never matches the shell running pkill, a render found from its clab file, exec lines split as
// containerlab splits them.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildPlan, loadTopology, renderAll } from '../../../src/orchestrator';
import { checkClab } from '../../../src/orchestrator/render/clab-check';
import { clabRender, CONTAINER_DAEMON } from '../../../src/scenario';
import { fakeKeySource } from '../../../src/orchestrator/render/keys';
import { splitWords } from '../../containerlab/clab';

const REPO = join(__dirname, '..', '..', '..');
const plan = buildPlan(loadTopology(join(REPO, 'topologies', 'four-tunnel-active-active.yaml')));

describe('containerlab render for unprivileged containers', () => {
  const out = mkdtempSync(join(tmpdir(), 'clab-render-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const r = renderAll(plan, join(out, 'aa4'), { keys: fakeKeySource(), clabFile: join(out, 'aa4.clab.yml') });
  const doc = parse(readFileSync(r.clabFile, 'utf8')) as { topology: { nodes: Record<string, { sysctls?: Record<string, string> }> } };

  it("lists each node's sysctls in the clab file, and passes the strict schema", () => {
    const r1 = doc.topology.nodes.r1!.sysctls!;
    expect(r1).toMatchObject({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.fib_multipath_hash_policy': '1' });
    // Each forwarding node hashes with a seed of its own (one kernel under all containers), the same on every render.
    const seeds = ['hq-lan', 'r1', 'r2'].map((n) => doc.topology.nodes[n]!.sysctls!['net.ipv4.fib_multipath_hash_seed']);
    expect(new Set(seeds).size).toBe(3);
    expect(seeds.every((x) => /^\d+$/.test(x!))).toBe(true);
    expect(doc.topology.nodes['hq-h1']!.sysctls).toBeUndefined();
    expect(checkClab(readFileSync(r.clabFile, 'utf8'), { baseDir: out })).toEqual([]);
  });

  it('setup.sh writes a sysctl only when the runtime has not set it', () => {
    const setup = readFileSync(join(out, 'aa4', 'nodes', 'r1', 'setup.sh'), 'utf8') as string;
    expect(setup).toContain('[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || sysctl -qw net.ipv4.ip_forward=1\n');
    expect(setup).not.toMatch(/^sysctl /m);
  });

  it('finds the plan of a render from its clab file, and says what to do with a file that is not one', () => {
    expect(clabRender(r.clabFile)).toMatchObject({ lab: 'aa4', renderDir: join(out, 'aa4') });
    const bad = join(out, 'other.clab.yml');
    writeFileSync(bad, 'name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      image: i\n      binds: [nowhere/nodes/a:/etc/x]\n  links: []\n');
    expect(() => clabRender(bad)).toThrow(/not a bgpfo render .*render the topology first: bgpfo render TOPOLOGY.yaml --out DIR/);
  });
});

describe('daemon control inside containers', () => {
  it("bgpfo's pkill pattern matches the daemon but not the shell that runs pkill", () => {
    const pattern = /"(.+)"/.exec(CONTAINER_DAEMON.bgpfo.kill)![1]!;
    const re = new RegExp(pattern);
    expect(re.test('node /opt/bgpfo/bin/bgpfo daemon --config /etc/bgpfo-lab/bgpfo.yaml')).toBe(true);
    expect(re.test(`sh -c ${CONTAINER_DAEMON.bgpfo.kill}`)).toBe(false);
  });

  it("splits exec lines the way containerlab does (shell words and quotes, no shell)", () => {
    expect(splitWords('sh /etc/bgpfo-lab/setup.sh')).toEqual(['sh', '/etc/bgpfo-lab/setup.sh']);
    expect(splitWords(`ash -c 'echo $$FOO' "a \\"b\\""`)).toEqual(['ash', '-c', 'echo $$FOO', 'a "b"']);
  });
});
