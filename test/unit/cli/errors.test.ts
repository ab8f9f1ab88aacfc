// Failures a script and a person can both read: --json errors on stdout with a non-zero exit, `bgpfo` alone,
// refused reloads said once, checked event types, sequence numbers for --since, errno in words, plan warnings.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, startControlServer, type ControlServer, type OperationsProvider } from '../../../src/api';
import { errnoMessage, errorJson } from '../../../src/cli/errors';
import { EVENT_TYPES } from '../../../src/cli/ops-commands';
import { FakeProvider } from '../api/fake-provider';
import { run } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const AA4 = join(ROOT, 'topologies', 'four-tunnel-active-active.yaml');

let dir: string;
let server: ControlServer | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bgpfo-clierr-'))));
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

class Ops implements OperationsProvider {
  readonly events = new EventBus();
  reloadError: (Error & { code?: string }) | undefined;
  async reload() {
    if (this.reloadError) throw this.reloadError;
    return { result: 'applied' as const, actions: ['neighbor x added'] };
  }
  async drain(): Promise<never> {
    throw new Error('not in this test');
  }
  async undrain(): Promise<never> {
    throw new Error('not in this test');
  }
}

async function daemon(): Promise<{ sock: string; ops: Ops }> {
  const provider = new FakeProvider() as FakeProvider & { operations?: OperationsProvider };
  const ops = new Ops();
  provider.operations = ops;
  server = await startControlServer({ socketPath: join(dir, 'ctl.sock'), provider });
  return { sock: server.socketPath, ops };
}

describe('exit codes', () => {
  test('bgpfo with no command prints the usage and exits 1 (as git does); --help exits 0', async () => {
    const r = await run([]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Usage: bgpfo \[options\] \[command\]/);
    expect((await run(['lab'])).code).toBe(1);
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['help'])).code).toBe(0);
  });
});

describe('--json on failure: one JSON object on stdout, non-zero exit', () => {
  test('status with no daemon', async () => {
    const sock = join(dir, 'none.sock');
    const r = await run(['status', '--json', '--socket', sock]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual({
      error: { code: 'ERR_DAEMON_NOT_RUNNING', message: `bgpfo daemon is not running (no control socket at ${sock}); start it with: bgpfo daemon --config FILE` },
    });
  });

  test('a refused reload: the config errors as issues, the daemon\'s code kept, the refusal said once', async () => {
    const { sock, ops } = await daemon();
    ops.reloadError = Object.assign(new Error('/etc/bgpfo/bgpfo.yaml:3: router.asn: expected an AS number\n/etc/bgpfo/bgpfo.yaml:9: neighbors[0].hold-time: expected 0 or 3..65535'), { code: 'ERR_CONFIG' });
    const j = await run(['reload', '--json', '-s', sock]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toEqual({
      error: {
        code: 'ERR_CONTROL_API',
        apiCode: expect.any(String),
        message: expect.stringMatching(/^reload refused, the daemon keeps its running config:\n\/etc\/bgpfo\/bgpfo\.yaml:3: /),
        file: '/etc/bgpfo/bgpfo.yaml',
        issues: [
          { line: 3, path: 'router.asn', message: 'expected an AS number' },
          { line: 9, path: 'neighbors[0].hold-time', message: 'expected 0 or 3..65535' },
        ],
      },
    });
    ops.reloadError = Object.assign(new Error('reload refused, the running config stays:\n  router.asn changed (65001 -> 65002): restart the daemon'), { code: 'ERR_RELOAD_REFUSED' });
    const t = await run(['reload', '-s', sock]);
    expect(t).toEqual({ code: 1, out: '', err: 'reload refused, the running config stays:\n  router.asn changed (65001 -> 65002): restart the daemon\n' });
  });

  test('a usage error', async () => {
    const r = await run(['routes', '--json', '--limit', 'many']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ error: { code: 'usage', message: 'expected a non-negative integer, got "many"' } });
  });
});

describe('events', () => {
  test('an unknown --type is refused at once with the list of types (the stream would stay silent)', async () => {
    const r = await run(['events', '--type', 'failover,bogus', '-s', join(dir, 'none.sock')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`unknown event type "bogus"; the types are ${EVENT_TYPES.join(', ')}`);
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['failover', 'session-up', 'session-down', 'drain', 'reload', 'demotion', 'liveness']));
  });

  test('each text line starts with its sequence number, the one --since takes', async () => {
    const { sock, ops } = await daemon();
    ops.events.publish({ type: 'reload', result: 'unchanged', detail: [] });
    ops.events.publish({ type: 'session-state', neighbor: 'tun-a1', from: 'Idle', to: 'Connect' });
    ops.events.publish({ type: 'drain', target: 'tun-a1', neighbors: ['tun-a1'], phase: 'marked', detail: '' });
    const r = await run(['events', '-s', sock, '--since', '1', '-n', '2']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#2  \d\d:\d\d:\d\d\.\d{3}  session-state +tun-a1: Idle -> Connect$/);
    expect(lines[1]).toMatch(/^#3  .* drain +drain tun-a1 \[tun-a1\] marked$/);
  });
});

describe('system call errors in words', () => {
  const errno = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: raw, ${syscall} '${path}'`), { code, syscall, path, errno: -13 });

  test('EACCES on scandir says what could not be done, why, and what to do', () => {
    expect(errnoMessage(errno('EACCES', 'scandir', '/run/bgpfo-lab'), false)).toBe('cannot list /run/bgpfo-lab: permission denied (run it as root, or as a member of the group that owns it)');
    expect(errnoMessage(errno('EACCES', 'scandir', '/run/bgpfo-lab'), true)).toBe('cannot list /run/bgpfo-lab: permission denied');
    expect(errnoMessage(errno('ENOENT', 'open', '/etc/bgpfo/x'))).toBe('cannot open /etc/bgpfo/x: no such file or directory');
    expect(errnoMessage(Object.assign(new Error('spawn ip ENOENT'), { code: 'ENOENT', syscall: 'spawn ip', path: 'ip' }))).toBe('cannot run ip: no such file or directory (the program is not installed or not on PATH)');
    expect(errnoMessage(new Error('plain'))).toBeUndefined();
    expect(errorJson(errno('EROFS', 'mkdir', '/run/x'))).toEqual({ error: { code: 'EROFS', message: 'cannot create the directory /run/x: read-only file system' } });
  });

  test('the CLI prints them so, on stderr or as JSON', async () => {
    // A lab root that is a file: listing it fails with ENOTDIR (as a non-root user gets EACCES on /run/bgpfo-lab).
    const notDir = join(dir, 'file');
    writeFileSync(notDir, '');
    expect(await run(['lab', 'status'], { BGPFO_LAB_ROOT: notDir })).toEqual({ code: 1, out: '', err: `error: cannot list ${notDir}: not a directory\n` });
    const j = await run(['lab', 'status', '--json'], { BGPFO_LAB_ROOT: notDir });
    expect(JSON.parse(j.out)).toEqual({ error: { code: 'ENOTDIR', message: `cannot list ${notDir}: not a directory` } });
  });
});

describe('render and up --dry-run', () => {
  test('render shows the plan\'s warnings (on stderr), not only in plan.json', async () => {
    const topo = join(dir, 'topo.yaml');
    writeFileSync(topo, readFileSync(AA4, 'utf8').replace('asn: 65010', 'asn: 64500'));
    const r = await run(['render', topo, '--out', join(dir, 'out'), '--keys', 'placeholder']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: topo\.yaml:\d+: onprem\.asn: AS 64500 is reserved for documentation/m);
  });

  test('up --dry-run that finds problems on this host exits 1 after listing them', async () => {
    const r = await run(['up', AA4, '--node', 'r1', '--dry-run', '--config-dir', join(dir, 'etc'), '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state')]);
    // This test machine has no interface named ib-r2 (the twin link), so there is at least that problem.
    expect(r.out).toMatch(/^# problem: r1 needs an interface named ib-r2/m);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: bgpfo up --node r1 would stop: \d+ problems? on this host/);
  });
});
