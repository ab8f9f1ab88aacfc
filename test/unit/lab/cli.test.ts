// The lab, plan, render, up and down commands in-process: output, errors and exit codes (nothing here needs
// root; what does is in test/integration/lab-*).

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { faultRequest } from '../../../src/cli/lab';
import { AA4, tempEnv } from './helpers';

async function run(args: string[], env: NodeJS.ProcessEnv = tempEnv()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('bgpfo plan / render', () => {
  it('plan prints the tables; --json the plan itself', async () => {
    const t = await run(['plan', AA4]);
    expect(t.code).toBe(0);
    expect(t.out).toContain('lab aa4 (four-tunnel-active-active.yaml): active-active, 4 wireguard tunnels');
    const j = await run(['plan', AA4, '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ format: 'bgpfo-plan/1', lab: 'aa4' });
  });

  it('plan of a broken file prints every problem with its line and exits 1', async () => {
    const r = await run(['plan', join(__dirname, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.yaml.*cannot read the topology file: no such file/);
  });

  it('render writes the files and says which hold keys', async () => {
    const out = join(tempEnv().BGPFO_LAB_ROOT!, 'render');
    try {
      const r = await run(['render', AA4, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^rendered \d+ files into .*render \(8 hold private keys: mode 0600, listed in .*\.gitignore\)/);
      expect(readFileSync(join(out, 'nodes', 'r1', 'wireguard', 'aa4-t1o.conf'), 'utf8')).toMatch(/^PrivateKey = [A-Za-z0-9+/]{43}=$/m);
      const p = await run(['render', AA4, '--out', join(out, 'p'), '--keys', 'placeholder']);
      expect(p.out).not.toContain('private keys');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bgpfo lab', () => {
  it('status with no lab up says so (exit 1)', async () => {
    const r = await run(['lab', 'status']);
    expect(r).toMatchObject({ code: 1, err: 'error: no lab is up\n' });
  });

  it('down needs a file or a name; a lab that is not up is reported, not an error', async () => {
    expect((await run(['lab', 'down'])).err).toContain('name the lab: bgpfo lab down LAB, bgpfo lab down FILE or bgpfo lab down --name LAB');
    const r = await run(['lab', 'down', '--name', 'zz']);
    expect(r).toMatchObject({ code: 0, out: 'lab zz is not up; nothing to remove\n' });
    // A bare word that is no file is a lab name, as lab status and lab fault take it (its topology file may be gone).
    expect(await run(['lab', 'down', 'zz'])).toMatchObject({ code: 0, out: 'lab zz is not up; nothing to remove\n' });
    expect((await run(['lab', 'down', join(__dirname, 'gone.yaml')])).err).toMatch(/gone\.yaml.*cannot read the topology file: no such file/);
  });

  it('up refuses a tunnel type the lab cannot run, as a usage error (exit 2)', async () => {
    const r = await run(['lab', 'up', AA4, '--tunnel', 'ipsec']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/argument 'ipsec' is invalid. Allowed choices are wireguard, veth/);
  });

  it('fault arguments: each action with its target; loss needs a percentage', () => {
    expect(faultRequest('blackhole', 't1')).toEqual({ kind: 'blackhole', tunnel: 't1' });
    expect(faultRequest('loss', 't2', '25')).toEqual({ kind: 'loss', tunnel: 't2', percent: 25 });
    expect(faultRequest('isp-down', 'isp1')).toEqual({ kind: 'isp-down', isp: 'isp1' });
    expect(faultRequest('stop', 'r1')).toEqual({ kind: 'stop', node: 'r1' });
    expect(() => faultRequest('loss', 't2')).toThrow('loss needs a percentage 0..100');
    expect(() => faultRequest('loss', 't2', '101')).toThrow('loss needs a percentage 0..100');
    expect(() => faultRequest('melt', 't2')).toThrow('unknown fault "melt"; one of blackhole, restore, loss, isp-down, isp-up, stop, start');
  });

  it('help lists the lab commands; traffic-agent stays hidden', async () => {
    const r = await run(['lab', '--help']);
    for (const c of ['up', 'down', 'status', 'fault', 'exec', 'traffic']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.out).not.toContain('traffic-agent');
  });
});

describe('bgpfo up / down', () => {
  it('refuses a node that is not a bgpfo router or gateway', async () => {
    const r = await run(['up', AA4, '--node', 'hq-lan', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('hq-lan is a lan-router');
  });

  it('down without a record has nothing to undo', async () => {
    const state = join(tempEnv().BGPFO_LAB_ROOT!, 'state');
    const r = await run(['down', AA4, '--node', 'r1', '--state-dir', state]);
    expect(r).toMatchObject({ code: 0, out: `r1 is not up here (no ${join(state, 'host-r1.json')}); nothing to undo\n` });
    expect(existsSync(state)).toBe(false);
  });
});
