// The lab state file: atomic writes, readable errors, and which lab a command means when none is named.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listLabs, loadState, requireState, resolveLab, saveState, statePath, STATE_FORMAT, type LabState } from '../../../src/lab/state';
import { AA4, plan, tempEnv } from './helpers';

function state(lab: string): LabState {
  return { format: STATE_FORMAT, lab, topologyFile: AA4, options: { tunnelType: 'veth', daemons: {} }, createdAt: '2026-01-01T00:00:00Z', phase: 'up', plan: plan(AA4, { name: lab }), namespaces: [`bgpfo-${lab}-r1`], processes: [], outsideFiles: [], faults: [] };
}

describe('lab state', () => {
  it('round-trips, private to root, with no temp file left', () => {
    const env = tempEnv();
    saveState(state('one'), env);
    expect(loadState('one', env)).toEqual(state('one'));
    expect(existsSync(`${statePath('one', env)}.tmp`)).toBe(false);
    expect(statSync(statePath('one', env)).mode & 0o777).toBe(0o600);
  });

  it('a missing lab has no state; asking for it names the labs that are up', () => {
    const env = tempEnv();
    expect(loadState('none', env)).toBeUndefined();
    expect(() => requireState('none', env)).toThrow('no lab named none is up (no lab is up)');
    saveState(state('aa'), env);
    saveState(state('bb'), env);
    expect(() => requireState('none', env)).toThrow('no lab named none is up (labs up: aa, bb)');
  });

  it('a damaged state file is an error that names it', () => {
    const env = tempEnv();
    mkdirSync(join(env.BGPFO_LAB_ROOT!, 'bad'));
    writeFileSync(statePath('bad', env), '{"format":');
    expect(() => loadState('bad', env)).toThrow(/cannot read the state of lab bad/);
    writeFileSync(statePath('bad', env), JSON.stringify({ format: 'other/9' }));
    expect(() => loadState('bad', env)).toThrow(/format other\/9, expected bgpfo-lab-state\/1/);
  });

  it('with no name, the only lab up is meant; with several or none, an error says so', () => {
    const env = tempEnv();
    expect(() => resolveLab(undefined, env)).toThrow('no lab is up');
    saveState(state('aa'), env);
    expect(resolveLab(undefined, env)).toBe('aa');
    // A directory without state.json is not a lab.
    mkdirSync(join(env.BGPFO_LAB_ROOT!, 'junk'));
    saveState(state('bb'), env);
    expect(listLabs(env)).toEqual(['aa', 'bb']);
    expect(() => resolveLab(undefined, env)).toThrow('several labs are up (aa, bb); name one');
    expect(resolveLab('bb', env)).toBe('bb');
    expect(JSON.parse(readFileSync(statePath('bb', env), 'utf8')).lab).toBe('bb');
  });
});
