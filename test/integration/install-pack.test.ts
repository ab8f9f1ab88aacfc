// The install path: `npm pack` builds dist/ (prepack) into a tarball of bin, dist, docs, topologies and LICENSE;
// `npm install -g` of it into a temp prefix gives a working `bgpfo` that validates, starts a daemon, reloads it
// (`bgpfo reload`, as the unit's ExecReload does) and stops it; the systemd unit rendered with that bgpfo on PATH
// runs the installed path and passes `systemd-analyze verify` (its man: link too, once man/bgpfo.1 ships).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(300_000);

const REPO = join(__dirname, '..', '..');
let tmp: string;
let prefix: string;
let bin: string;
let tarball: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bgpfo-install-'));
  // Pack from a copy: prepack rebuilds dist/, which must not disturb the work tree's own build.
  const src = join(tmp, 'src-copy');
  for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md', 'bin', 'src', 'docs', 'topologies', 'man']) {
    if (existsSync(join(REPO, p))) cpSync(join(REPO, p), join(src, p), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: src, encoding: 'utf8' });
  tarball = join(tmp, out.trim().split('\n').pop()!);
  prefix = join(tmp, 'prefix');
  // Dependencies come from the npm cache that setup filled (no registry round trip when they are there).
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: tmp, encoding: 'utf8' });
  bin = join(prefix, 'bin', 'bgpfo');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('the tarball holds what a user needs and nothing of the sources or tests', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/bgpfo', 'dist/cli/main.js', 'dist/bfd/worker.js', 'docs/operations.md', 'docs/openapi.yaml', 'docs/grafana-dashboard.json', 'topologies/four-tunnel-active-active.yaml']) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(readFileSync(join(prefix, 'lib', 'node_modules', 'bgpfo', 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');
});

test('the kernel FIB\'s netlink helper is built into the package and runs where it is installed', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  expect(files).toContain('package/dist/native/bgpfo-netlink');
  const helper = join(prefix, 'lib', 'node_modules', 'bgpfo', 'dist', 'native', 'bgpfo-netlink');
  // --probe opens a netlink socket and exits: what the installed daemon's FIB checks before choosing this writer.
  expect(spawnSync(helper, ['--probe'], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
  // The installed code finds it where the build put it (dist/fib -> dist/native).
  const lookup = execFileSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(join(prefix, 'lib', 'node_modules', 'bgpfo', 'dist', 'fib', 'netlink-writer.js'))}).findNetlinkHelper()))`], {
    encoding: 'utf8',
    env: { ...process.env, BGPFO_NETLINK_HELPER: '' },
  });
  expect(realpathSync(JSON.parse(lookup).path)).toBe(realpathSync(helper));
});

test('the installed bgpfo runs: version, validate, and a daemon that reloads and stops', async () => {
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
  expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  const sock = join(tmp, 'ctl.sock');
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const cfg = join(tmp, 'bgpfo.yaml');
  const yaml = (prepend: number) =>
    `router: { asn: 65001, router-id: 10.0.0.1, listen: [127.0.0.1], port: ${port} }\nfib: { mode: none }\ncontrol: { socket: ${sock} }\n` +
    `neighbors: [{ name: p1, address: 127.0.0.9, remote-asn: 65002, prepend: ${prepend} }]\n`;
  writeFileSync(cfg, yaml(0));
  expect(execFileSync(bin, ['validate', cfg], { encoding: 'utf8' })).toContain('OK');
  const d = spawn(bin, ['daemon', '--config', cfg, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  d.stdout.on('data', (c: Buffer) => (log += c));
  d.stderr.on('data', (c: Buffer) => (log += c));
  const exited = new Promise<number | null>((r) => d.on('exit', (code) => r(code)));
  try {
    let status = '';
    for (let i = 0; i < 100 && !status.includes('p1'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = spawnSync(bin, ['status', '-s', sock], { encoding: 'utf8' }).stdout;
    }
    expect(status).toContain('p1');
    writeFileSync(cfg, yaml(2));
    const reload = spawnSync(bin, ['reload', '--config', cfg], { encoding: 'utf8' });
    expect({ code: reload.status, out: reload.stdout }).toEqual({ code: 0, out: expect.stringContaining('reload applied') });
  } finally {
    d.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(existsSync(sock)).toBe(false);
  expect(log).not.toMatch(/"level":(50|60)/);
});

test('the rendered unit runs the installed bgpfo and passes systemd-analyze verify', () => {
  const out = join(tmp, 'render');
  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
  execFileSync('bgpfo', ['render', join(REPO, 'topologies', 'four-tunnel-active-active.yaml'), '--out', out, '--keys', 'placeholder'], { env, encoding: 'utf8' });
  const unitFile = join(out, 'nodes', 'r1', 'bgpfo.service');
  const unit = readFileSync(unitFile, 'utf8');
  expect(unit).toContain(`ExecStart=${bin} daemon --config /etc/bgpfo/bgpfo.yaml`);
  expect(unit).toContain(`ExecReload=${bin} reload --config /etc/bgpfo/bgpfo.yaml`);
  // Every Documentation= link exists: the docs shipped in the package, and the man page when the package has one.
  const docs = /^Documentation=(.*)$/m.exec(unit)![1].split(' ');
  expect(docs[0]).toBe('man:bgpfo(1)');
  const pkg = realpathSync(join(prefix, 'lib', 'node_modules', 'bgpfo'));
  for (const d of docs.slice(1)) {
    expect(d.startsWith(`file://${pkg}/docs/`)).toBe(true);
    expect(existsSync(d.slice('file://'.length))).toBe(true);
  }
  const manDir = join(prefix, 'share', 'man');
  const hasMan = existsSync(join(manDir, 'man1', 'bgpfo.1'));
  // systemd-analyze runs `man` for man: links; without a man page in the package that check is skipped (not faked).
  if (!hasMan) expect(existsSync(join(REPO, 'man', 'bgpfo.1'))).toBe(false);
  const r = spawnSync('systemd-analyze', ['verify', `--man=${hasMan ? 'yes' : 'no'}`, unitFile], { env: { ...env, MANPATH: manDir }, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  // The check can fail: a unit whose ExecStart is not installed is refused.
  writeFileSync(join(tmp, 'broken.service'), unit.replaceAll(bin, join(prefix, 'bin', 'not-installed')));
  expect(spawnSync('systemd-analyze', ['verify', '--man=no', join(tmp, 'broken.service')], { encoding: 'utf8' }).status).not.toBe(0);
  expect(readdirSync(join(out, 'nodes')).length).toBeGreaterThan(0);
});
