// The bgpfo CLI in-process against a fake daemon: tables, --json, socket selection, exit codes, validate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer, type ControlServer } from '../../../src/api';
import { main } from '../../../src/cli/main';
import { duration, table } from '../../../src/cli/format';
import { FakeProvider, ROUTES, STATUS } from './fake-provider';

let dir: string;
let server: ControlServer | undefined;
let provider: FakeProvider;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-cli-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function daemon(): Promise<string> {
  provider = new FakeProvider();
  server = await startControlServer({ socketPath: join(dir, 'bgpfo.sock'), provider });
  return server.socketPath;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

const CONFIG = `router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
neighbors:
  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }
`;

describe('status', () => {
  test('prints a table with one row per session', async () => {
    const sock = await daemon();
    const r = await run(['status', '--socket', sock]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('bgpfo 0.1.0  AS 65001  router-id 10.0.0.1  up 1h02m  pid 4242');
    expect(lines[1]).toBe('1/2 sessions established');
    expect(lines[3]).toMatch(/^NAME\s+PEER\s+ASN\s+ROLE\s+STATE\s+UP\s+RCVD\s+ACCEPTED\s+ADV\s+FLAPS\s+LAST ERROR$/);
    expect(lines[4].split(/\s{2,}/)).toEqual(['tun-a1', '169.254.21.1', '64512', 'primary', 'Established', '1m01s', '12', '10', '2', '0']);
    expect(lines[5].split(/\s{2,}/)).toEqual(['tun-b1', '169.254.22.1', '64512', 'backup', 'Active', '-', '0', '0', '0', '3', 'hold timer expired']);
  });

  test('--json prints exactly the API answer', async () => {
    const sock = await daemon();
    const r = await run(['status', '--json', '-s', sock]);
    expect(JSON.parse(r.out)).toEqual(STATUS);
  });

  test('the socket comes from --config or $BGPFO_SOCKET when --socket is absent', async () => {
    const sock = await daemon();
    const cfg = join(dir, 'bgpfo.yaml');
    writeFileSync(cfg, `${CONFIG}control: { socket: ${sock} }\n`);
    expect((await run(['status', '--json', '--config', cfg])).code).toBe(0);
    expect((await run(['status', '--json'], { BGPFO_SOCKET: sock })).code).toBe(0);
  });

  test('no daemon: exit 1 and one line saying so and how to start it', async () => {
    const sock = join(dir, 'none.sock');
    const r = await run(['status', '--socket', sock]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`bgpfo daemon is not running (no control socket at ${sock}); start it with: bgpfo daemon --config FILE\n`);
  });
});

describe('routes and adj-rib-in', () => {
  test('routes: best marked *>, extra ECMP members *=, reason shown; prefix and limit passed on', async () => {
    const sock = await daemon();
    const r = await run(['routes', '10.2.0.0/16', '-s', sock, '--limit', '5']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[1].split(/\s{2,}/)).toEqual(['*>', '10.2.0.0/16', '169.254.21.1', 'tun-a1', '64512', '100', 'igp', 'peer-address']);
    expect(lines[2].trim().split(/\s{2,}/)).toEqual(['*=', '169.254.21.5', 'tun-a2', '64512', '100', 'igp', 'ecmp']);
    expect(lines[3].split(/\s{2,}/)).toEqual(['*>', '10.1.0.0/16', '-', 'local', '(empty)', 'igp', 'locally-originated']);
    expect(provider.queries[0].query).toEqual({ prefix: '10.2.0.0/16', match: 'exact', limit: 5 });
    expect(JSON.parse((await run(['routes', '--json', '-s', sock])).out)).toEqual({ ...ROUTES, routes: ROUTES.routes });
  });

  test('routes says how many more there are when the limit cut the list', async () => {
    const sock = await daemon();
    const r = await run(['routes', '-s', sock, '-n', '1']);
    expect(r.out).toContain('... 1 more (use --limit)');
  });

  test('a bad prefix or a bad limit is reported, not thrown', async () => {
    const sock = await daemon();
    const bad = await run(['routes', 'nonsense', '-s', sock]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('is not a prefix');
    const usage = await run(['routes', '-s', sock, '--limit', 'lots']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('expected a non-negative integer, got "lots"');
  });

  test('adj-rib-in --pre shows the import verdict; an unknown neighbor is a one-line error', async () => {
    const sock = await daemon();
    const r = await run(['adj-rib-in', 'tun-a1', '--pre', '-s', sock]);
    expect(r.out).toContain('routes from tun-a1, pre-policy');
    expect(r.out).toMatch(/0\.0\.0\.0\/0\s+169\.254\.21\.1\s+64512 3356\s+100\s+igp\s+refused: default route/);
    const u = await run(['adj-rib-in', 'nope', '-s', sock]);
    expect(u).toEqual({ code: 1, out: '', err: 'no neighbor named "nope"\n' });
  });
});

describe('validate', () => {
  test('a good file prints OK and exits 0; --json prints the effective config', async () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, CONFIG);
    expect(await run(['validate', f])).toEqual({ code: 0, out: `OK: ${f}: daemon config: 1 neighbor(s), 1 originated prefix(es)\n`, err: '' });
    const j = await run(['validate', '--json', f]);
    expect(JSON.parse(j.out)).toMatchObject({ ok: true, kind: 'config', warnings: [] });
    expect(JSON.parse(j.out).config.neighbors[0]).toMatchObject({ name: 'tun-a1', holdTime: 90, prepend: 0 });
  });

  test('a bad file prints every error with its line and exits 1', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, CONFIG.replace('remote-asn: 64512', 'remote-asn: 65a, holdtime: 2'));
    const r = await run(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `${f}:4: neighbors[0].remote-asn: expected an AS number: an integer 1..4294967294 or asdot X.Y such as 1.10 (RFC 5396) (got "65a")\n` +
        `${f}:4: neighbors[0].holdtime: unknown key "holdtime"; did you mean "hold-time"?\n` +
        `${f}: 2 problems, checked as a daemon config (--kind topology|scenario|containerlab to check it as another kind)\n`,
    );
  });
});

describe('usage', () => {
  test('unknown commands and missing arguments exit 2; --help and --version exit 0', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['validate'])).code).toBe(2);
    expect((await run(['daemon'])).err).toContain("required option '--config <file>' not specified");
    expect((await run(['daemon', '--config', 'x', '--log-level', 'loud'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/daemon[\s\S]*status[\s\S]*routes[\s\S]*validate/);
    expect((await run(['--version'])).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('daemon with a bad config reports it and exits 1 without starting', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'router: {}\n');
    const r = await run(['daemon', '--config', f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:1: router.asn: required`);
  });
});

describe('formatting helpers', () => {
  test('duration and table', () => {
    expect([0, 59, 60, 3599, 3600, 3725, 86399, 90061].map(duration)).toEqual(['0s', '59s', '1m00s', '59m59s', '1h00m', '1h02m', '23h59m', '1d01h']);
    expect(table([['a', 'bb', 'c'], ['ccc', 'd', '']])).toBe('a    bb  c\nccc  d');
  });
});
