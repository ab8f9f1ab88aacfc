// `bgpfo validate`: any file of ours (daemon config, topology, scenario), the kind it took the file for, every
// problem at once, warnings on success, and --json on success and on failure.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guessKind, UnknownFileKind } from '../../../src/cli/validate';
import { run } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const AA4 = join(ROOT, 'topologies', 'four-tunnel-active-active.yaml');
const SCENARIO = join(ROOT, 'topologies', 'scenarios', 'aa4-drain.yaml');
const R1 = join(ROOT, 'topologies', 'four-tunnel-active-active', 'nodes', 'r1', 'bgpfo.yaml');

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bgpfo-validate-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('the kind of file', () => {
  test('is told by its top-level keys', () => {
    expect(guessKind('router: {}\nneighbors: []\n', 'f')).toBe('config');
    expect(guessKind('lab: x\nmode: active-active\nonprem: {}\nfar: {}\n', 'f')).toBe('topology');
    expect(guessKind('scenario: x\ntopology: ../t.yaml\nsteps: []\n', 'f')).toBe('scenario');
    expect(guessKind('name: aa4\ntopology: { nodes: {} }\n', 'f')).toBe('containerlab');
    // A typo in one key does not change the verdict; YAML errors do not stop the guess.
    expect(guessKind('lab: x\nmoed: a\nonprem: {}\nfar: {}\n', 'f')).toBe('topology');
    expect(guessKind('router: {asn: 1\nneighbors: [\n', 'f')).toBe('config');
  });

  test('an empty file, a list or a stranger is refused with the kinds it could be', () => {
    expect(() => guessKind('', 'f')).toThrow(UnknownFileKind);
    expect(() => guessKind('- a\n', 'f')).toThrow('the file is not a mapping of keys');
    expect(() => guessKind('foo: 1\nbar: 2\n', 'f')).toThrow(/none of its keys \(foo, bar\) belongs to a file of ours.*--kind config\|topology\|scenario\|containerlab/);
  });
});

describe('bgpfo validate', () => {
  test('a topology, a scenario and a daemon config: OK with the kind and what the file holds', async () => {
    expect(await run(['validate', AA4])).toEqual({ code: 0, out: `OK: ${AA4}: topology: lab aa4, active-active, 10 nodes, 4 tunnels, 10 BGP sessions\n`, err: '' });
    const s = await run(['validate', SCENARIO]);
    expect(s).toMatchObject({ code: 0, err: '' });
    expect(s.out).toMatch(/^OK: .*aa4-drain\.yaml: scenario: scenario aa4-drain on lab \w+ \(\d+ steps, 2 traffic stream\(s\)\)\n$/);
    expect(await run(['validate', R1])).toEqual({ code: 0, out: `OK: ${R1}: daemon config: 4 neighbor(s), 0 originated prefix(es)\n`, err: '' });
  });

  test('a topology warning is printed after OK (exit 0)', async () => {
    const text = (await import('node:fs')).readFileSync(AA4, 'utf8').replace('asn: 65010', 'asn: 64500');
    const f = file('topo.yaml', text);
    const r = await run(['validate', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK: .*: topology: /);
    expect(r.out).toMatch(/\nwarning: topo\.yaml:\d+: onprem\.asn: AS 64500 is reserved for documentation \(RFC 5398\)/);
  });

  test('a broken topology: every problem, then the kind it was checked as (exit 1)', async () => {
    const f = file('topo.yaml', 'lab: t\nmode: active-both\ntunnel: { type: wireguard }\nisps: []\nonprem: {}\nfar: {}\n');
    const r = await run(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/:2: mode: expected active-active or active-passive/);
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.at(-1)).toBe(`${f}: ${lines.length - 1} problems, checked as a topology (--kind config|scenario|containerlab to check it as another kind)`);
  });

  test('a rendered containerlab file: checked as containerlab would (schema, links, binds)', async () => {
    const clab = join(ROOT, 'topologies', 'four-tunnel-active-active.clab.yml');
    expect(await run(['validate', clab])).toEqual({ code: 0, out: `OK: ${clab}: containerlab file: lab aa4, 10 nodes, 13 links\n`, err: '' });
    const bad = file('x.clab.yml', readFileSync(clab, 'utf8').replace('kind: linux', 'kind: linx'));
    const r = await run(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^.*x\.clab\.yml: schema: \/topology\/nodes\/[\w-]+\/kind must be equal to one of the allowed values\n/);
    expect(r.err).toMatch(/checked as a containerlab file/);
  });

  test('--kind checks the file as the kind named', async () => {
    const r = await run(['validate', '--kind', 'config', AA4]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown key "mode"/);
    expect(r.err).toMatch(/checked as a daemon config \(--kind topology\|scenario/);
    expect((await run(['validate', '--kind', 'bogus', AA4])).code).toBe(2);
  });

  test('--json: {ok, kind, warnings, plan} on success; {error: {code, kind, issues}} on stdout and exit 1 on failure', async () => {
    const ok = await run(['validate', '--json', AA4]);
    expect(ok.code).toBe(0);
    const j = JSON.parse(ok.out) as { ok: boolean; kind: string; warnings: string[]; plan: { lab: string } };
    expect(j).toMatchObject({ ok: true, kind: 'topology', warnings: [], plan: { lab: 'aa4' } });

    const bad = file('bad.yaml', 'router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65a, holdtime: 3 }\n');
    const r = await run(['validate', '--json', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual({
      error: {
        code: 'ERR_CONFIG',
        message: expect.stringContaining('bad.yaml:3: neighbors[0].remote-asn'),
        file: bad,
        kind: 'config',
        issues: [
          { line: 3, path: 'neighbors[0].remote-asn', message: 'expected an AS number: an integer 1..4294967294 or asdot X.Y such as 1.10 (RFC 5396) (got "65a")' },
          { line: 3, path: 'neighbors[0].holdtime', message: 'unknown key "holdtime"; did you mean "hold-time"?' },
        ],
      },
    });
  });

  test('a missing file or a file of no known kind: one clear line, or JSON', async () => {
    const missing = join(dir, 'nope.yaml');
    expect(await run(['validate', missing])).toEqual({ code: 1, out: '', err: `error: ${missing}: cannot read the file: no such file\n` });
    expect(JSON.parse((await run(['validate', '--json', missing])).out).error.code).toBe('ERR_FILE_UNREADABLE');
    const stranger = file('x.yaml', 'foo: 1\n');
    const r = await run(['validate', '--json', stranger]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'ERR_FILE_KIND', message: expect.stringContaining('none of its keys (foo)') });
  });
});
