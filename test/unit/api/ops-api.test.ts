// The control API's write side and event stream against a fake provider: POST bodies checked, daemon error codes
// mapped to HTTP statuses the CLI reads, NDJSON streaming with replay and type filters; the completion scripts.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlApiError, ControlClient, EventBus, LineSplitter, startControlServer, type ControlServer, type OperationsProvider, type OpsEvent } from '../../../src/api';
import { bashScript, commandLevels } from '../../../src/cli/completion';
import { formatStatus } from '../../../src/cli/format';
import { buildProgram, main } from '../../../src/cli/main';
import { formatStatusTable, useColor } from '../../../src/cli/status-table';
import { FakeProvider, STATUS } from './fake-provider';

let dir: string;
let server: ControlServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-opsapi-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

class FakeOps implements OperationsProvider {
  readonly events = new EventBus();
  readonly calls: unknown[] = [];
  reloadError: (Error & { code?: string }) | undefined;
  async reload() {
    this.calls.push('reload');
    if (this.reloadError) throw this.reloadError;
    return { result: 'applied' as const, actions: ['neighbor x added'] };
  }
  async drain(req: Parameters<OperationsProvider['drain']>[0]) {
    this.calls.push(req);
    if (req.target === 'nope') throw Object.assign(new Error('no neighbor "nope"'), { code: 'ERR_UNKNOWN_TARGET' });
    return { target: req.target, neighbors: [req.target], traffic: 'skipped' as const, interfaces: [], waitedMs: 0, shutdown: [], detail: 'not waiting' };
  }
  async undrain(target: string) {
    this.calls.push({ undrain: target });
    return { target, neighbors: [target], restarted: [] };
  }
}

async function start(withOps = true) {
  const provider = new FakeProvider() as FakeProvider & { operations?: OperationsProvider };
  const ops = new FakeOps();
  if (withOps) provider.operations = ops;
  const socketPath = join(dir, 'ctl.sock');
  server = await startControlServer({ socketPath, provider });
  return { ops, client: new ControlClient({ socketPath }), socketPath };
}

function raw(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('POST /v1/reload, /v1/drain, /v1/undrain reach the provider with checked bodies', async () => {
  const { ops, client, socketPath } = await start();
  expect(await client.reload()).toEqual({ result: 'applied', actions: ['neighbor x added'] });
  expect(await client.drain({ target: 'tun-a1', timeoutS: 0, shutdown: true })).toMatchObject({ target: 'tun-a1', traffic: 'skipped' });
  expect(await client.undrain('tun-a1')).toEqual({ target: 'tun-a1', neighbors: ['tun-a1'], restarted: [] });
  expect(ops.calls).toEqual(['reload', { target: 'tun-a1', timeoutS: 0, shutdown: true }, { undrain: 'tun-a1' }]);

  expect(await raw(socketPath, 'POST', '/v1/drain', '{"timeoutS": 3}')).toEqual({
    status: 400,
    body: JSON.stringify({ error: { code: 'bad-request', message: 'target (a neighbor name, peer address, interface or "all") is required' } }),
  });
  expect((await raw(socketPath, 'POST', '/v1/drain', '{"target": "x", "timeoutS": -1}')).status).toBe(400);
  expect((await raw(socketPath, 'POST', '/v1/drain', 'not json')).status).toBe(400);
  expect((await raw(socketPath, 'GET', '/v1/reload')).status).toBe(405);
});

test('daemon errors keep their meaning: a refused config is 422 with its text, an unknown target 404', async () => {
  const { ops, client } = await start();
  ops.reloadError = Object.assign(new Error('bgpfo.yaml:3: router.asn: expected an integer'), { code: 'ERR_CONFIG' });
  const err = await client.reload().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ControlApiError);
  expect(err).toMatchObject({ status: 422, apiCode: 'config-error', message: 'bgpfo.yaml:3: router.asn: expected an integer' });
  await expect(client.drain({ target: 'nope' })).rejects.toMatchObject({ status: 404, apiCode: 'unknown-target' });
  ops.reloadError = new Error('boom');
  await expect(client.reload()).rejects.toMatchObject({ status: 500 });
});

test('GET /v1/events streams NDJSON as events happen; ?since replays kept ones, ?types filters', async () => {
  const { ops, client } = await start();
  ops.events.publish({ type: 'reload', result: 'unchanged', detail: [] });
  const live: OpsEvent[] = [];
  const s1 = client.events((e) => live.push(e));
  const replay: OpsEvent[] = [];
  const s2 = client.events((e) => replay.push(e), { since: 0, types: ['drain', 'reload'] });
  await Promise.all([s1.ready, s2.ready]);
  ops.events.publish({ type: 'session-state', neighbor: 'a', from: 'Idle', to: 'Connect' });
  ops.events.publish({ type: 'drain', target: 'a', neighbors: ['a'], phase: 'marked', detail: '' });
  for (let i = 0; i < 200 && (live.length < 2 || replay.length < 2); i++) await new Promise((r) => setTimeout(r, 5));
  s1.close();
  s2.close();
  expect(live.map((e) => [e.seq, e.type])).toEqual([
    [2, 'session-state'],
    [3, 'drain'],
  ]);
  expect(replay.map((e) => [e.seq, e.type])).toEqual([
    [1, 'reload'],
    [3, 'drain'],
  ]);
  expect(live[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
  await Promise.all([s1.done, s2.done]);
  expect(ops.events.subscribers).toBe(0); // closed streams unsubscribe
});

test('without operations the write endpoints and the stream are 404', async () => {
  const { client, socketPath } = await start(false);
  await expect(client.reload()).rejects.toMatchObject({ status: 404 });
  expect((await raw(socketPath, 'GET', '/v1/events')).status).toBe(404);
});

test('NDJSON lines split anywhere, multi-byte characters included', () => {
  const l = new LineSplitter();
  const text = Buffer.from('{"a":"é"}\n{"b":2}\n');
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) out.push(...l.push(text.subarray(i, i + 1)));
  expect(out).toEqual(['{"a":"é"}', '{"b":2}']);
});

describe('completion', () => {
  const program = () => buildProgram({ out: () => {}, err: () => {} });

  function complete(words: string[]): string[] {
    const file = join(dir, 'c.bash');
    writeFileSync(file, bashScript(program()));
    const line = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _bgpfo; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: dir });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean);
  }

  test('the levels come from the commander program itself', () => {
    const levels = commandLevels(program());
    const top = levels.find((l) => l.path === '')!;
    expect(top.commands.map((c) => c.name)).toEqual(expect.arrayContaining(['daemon', 'status', 'routes', 'validate', 'reload', 'drain', 'undrain', 'events', 'completion']));
    expect(levels.find((l) => l.path === ' drain')!.options.flatMap((o) => o.flags)).toEqual(expect.arrayContaining(['-t', '--timeout', '--shutdown', '--json']));
  });

  test('the bash script completes commands, subcommands and options, and paths after --config', () => {
    expect(complete(['bgpfo', 'dr'])).toEqual(expect.arrayContaining(['drain']));
    expect(complete(['bgpfo', 'dra'])).toEqual(['drain']);
    expect(complete(['bgpfo', 'drain', '--sh'])).toEqual(['--shutdown']);
    expect(complete(['bgpfo', 'status', '--socket', '/x', '--j'])).toEqual(['--json']);
    writeFileSync(join(dir, 'bgpfo.yaml'), '');
    expect(complete(['bgpfo', 'daemon', '--config', 'bgp'])).toEqual(['bgpfo.yaml']);
    if (levelsHave(' lab')) expect(complete(['bgpfo', 'lab', 'u']).length).toBeGreaterThan(0);
  });

  function levelsHave(path: string): boolean {
    return commandLevels(program()).some((l) => l.path === path);
  }

  test('bgpfo completion bash|zsh prints a script; another shell is a usage error', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), env: {} };
    expect(await main(['completion', 'bash'], io)).toBe(0);
    expect(out).toMatch(/^# bash completion for bgpfo/);
    expect(spawnSync('bash', ['-n'], { input: out }).status).toBe(0);
    out = '';
    expect(await main(['completion', 'zsh'], io)).toBe(0);
    expect(out).toMatch(/^#compdef bgpfo\n/);
    expect(out).toMatch(/'drain:move traffic off a tunnel/);
    expect(await main(['completion', 'tcsh'], io)).toBe(2);
    expect(err).toBe('error: unknown shell "tcsh": expected bash, zsh or fish\n');
  });
});

describe('status table', () => {
  test('colors only on a terminal, never with NO_COLOR or --no-color; FORCE_COLOR forces them', () => {
    expect(useColor({}, true, {})).toBe(true);
    expect(useColor({}, false, {})).toBe(false);
    expect(useColor({}, true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ color: false }, true, {})).toBe(false);
    expect(useColor({}, false, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor({}, true, { TERM: 'dumb' })).toBe(false);
  });

  test('plain, it is the classic table; in color the states are painted and the columns still line up', () => {
    expect(formatStatusTable(STATUS, { color: false })).toBe(formatStatus(STATUS));
    const colored = formatStatusTable(STATUS, { color: true });
    expect(colored).toContain('\x1b[32mEstablished\x1b[0m');
    expect(colored).toContain('\x1b[31mActive\x1b[0m');
    // Without the escape codes it is the plain table again.
    const plain = colored.split('\n').map((l) => l.replace(/\x1b\[\d+m/g, '')).join('\n');
    expect(plain).toBe(formatStatus(STATUS));
  });

  test('liveness, quality and drain columns appear when a session has them', () => {
    const s = structuredClone(STATUS);
    s.sessions[0].liveness = { mode: 'bfd', state: 'Up', txIntervalMs: 100, multiplier: 3 };
    s.sessions[0].quality = { lossPct: 0.5, rttMs: 12, samples: 50, windowMs: 10000, verdict: 'up' };
    s.sessions[1].drain = { target: 'all', since: 65, phase: 'down', shutdown: true };
    const lines = formatStatusTable(s, { color: false }).split('\n');
    expect(lines[3]).toMatch(/FLAPS\s+LIVENESS\s+QUALITY\s+DRAIN\s+LAST ERROR$/);
    expect(lines[4]).toMatch(/bfd Up 100ms x3\s+0.5% loss 12ms\s+-/);
    expect(lines[5]).toMatch(/-\s+-\s+drained \(all\) down, stopped 1m05s\s+hold timer expired$/);
  });
});
