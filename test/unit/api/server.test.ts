// Control API over a real Unix socket: endpoints, errors, socket permissions, stale sockets, client errors.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ControlApiError,
  ControlClient,
  ControlPermissionDenied,
  ControlSocketInUse,
  ControlTimeout,
  DaemonNotRunning,
  startControlServer,
  type ControlServer,
} from '../../../src/api';
import { FakeProvider, ROUTES, STATUS } from './fake-provider';

let dir: string;
const servers: ControlServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-api-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(provider = new FakeProvider(), socketPath = join(dir, 'run', 'bgpfo.sock'), group?: string) {
  const server = await startControlServer({ socketPath, provider, group });
  servers.push(server);
  return { server, provider, client: new ControlClient({ socketPath }) };
}

function raw(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Kills a child that listens on a socket with SIGKILL, leaving the socket file behind as a crash would. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  expect(existsSync(path)).toBe(true);
}

describe('endpoints', () => {
  test('GET /v1/status returns the provider status', async () => {
    const { client } = await start();
    expect(await client.status()).toEqual(STATUS);
  });

  test('GET /v1/routes passes prefix (exact or longest match) and limit to the provider', async () => {
    const { client, provider } = await start();
    expect(await client.routes()).toEqual(ROUTES);
    await client.routes({ prefix: '10.2.0.0/16' });
    await client.routes({ prefix: '10.2.3.4' });
    await client.routes({ prefix: '2001:DB8::/32', limit: 1 });
    expect(provider.queries.map((q) => q.query)).toEqual([
      {},
      { prefix: '10.2.0.0/16', match: 'exact' },
      { prefix: '10.2.3.4/32', match: 'longest' },
      { prefix: '2001:db8::/32', match: 'exact', limit: 1 },
    ]);
    expect((await client.routes({ limit: 1 })).routes).toHaveLength(1);
  });

  test('bad queries are 400 with a code and a message', async () => {
    const { client } = await start();
    await expect(client.routes({ prefix: 'nonsense' })).rejects.toMatchObject({ status: 400, apiCode: 'bad-prefix' });
    await expect(client.get('/v1/routes?limit=-1')).rejects.toMatchObject({ status: 400, apiCode: 'bad-limit' });
    await expect(client.get('/v1/neighbors/tun-a1/adj-rib-in?policy=both')).rejects.toMatchObject({ status: 400, apiCode: 'bad-policy' });
  });

  test('adj-rib-in: pre/post reach the provider; an unknown neighbor is 404', async () => {
    const { client, provider } = await start();
    const r = await client.adjRibIn('tun-a1', 'pre');
    expect(r.routes[1]).toMatchObject({ accepted: false, refusedBecause: 'default route' });
    await client.adjRibIn('tun-a1');
    expect(provider.queries.map((q) => q.policy)).toEqual(['pre', 'post']);
    const err = await client.adjRibIn('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlApiError);
    expect(err).toMatchObject({ status: 404, apiCode: 'unknown-neighbor', message: 'no neighbor named "nope"' });
  });

  test('unknown paths are 404, other methods 405; a provider error is a 500 and the server keeps serving', async () => {
    const { server, provider, client } = await start();
    const notFound = await raw(server.socketPath, 'GET', '/v2/status');
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body).error.code).toBe('not-found');
    expect((await raw(server.socketPath, 'POST', '/v1/status')).status).toBe(405);
    provider.failNext = true;
    await expect(client.status()).rejects.toMatchObject({ status: 500, message: 'provider exploded' });
    expect(await client.status()).toEqual(STATUS);
  });
});

describe('socket file', () => {
  test('the socket is 0660 and its new directory 0750, both with the configured group', async () => {
    const { server } = await start(new FakeProvider(), join(dir, 'a', 'b', 'bgpfo.sock'), '1');
    const sock = statSync(server.socketPath);
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o660);
    expect(sock.gid).toBe(1);
    const d = statSync(join(dir, 'a', 'b'));
    expect(d.mode & 0o777).toBe(0o750);
    expect(d.gid).toBe(1);
  });

  test('an unknown group is refused before anything is created', async () => {
    await expect(start(new FakeProvider(), join(dir, 'x', 's.sock'), 'no-such-group-bgpfo')).rejects.toThrow(/not a group on this host/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  test('close() removes the socket; the client then reports the daemon as not running', async () => {
    const { server, client } = await start();
    await servers.pop()!.close();
    expect(existsSync(server.socketPath)).toBe(false);
    const err = await client.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonNotRunning);
    expect((err as Error).message).toBe(
      `bgpfo daemon is not running (no control socket at ${server.socketPath}); start it with: bgpfo daemon --config FILE`,
    );
    expect((err as DaemonNotRunning).code).toBe('ERR_DAEMON_NOT_RUNNING');
  });

  test('a stale socket from a crashed daemon: the client says not running, a new server replaces it', async () => {
    const path = join(dir, 'stale.sock');
    await staleSocket(path);
    const err = await new ControlClient({ socketPath: path }).status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonNotRunning);
    expect((err as Error).message).toContain(`nothing is listening on ${path}`);
    const { client } = await start(new FakeProvider(), path);
    expect(await client.status()).toEqual(STATUS);
  });

  test('a live socket or a regular file at the path is never taken over', async () => {
    const { server } = await start();
    await expect(startControlServer({ socketPath: server.socketPath, provider: new FakeProvider() })).rejects.toThrow(ControlSocketInUse);
    const file = join(dir, 'file');
    writeFileSync(file, 'precious');
    await expect(startControlServer({ socketPath: file, provider: new FakeProvider() })).rejects.toThrow(/exists and is not a socket/);
  });

  test('a client that waits too long gets ControlTimeout', async () => {
    const provider = new FakeProvider();
    provider.stall = true;
    const { server } = await start(provider);
    const err = await new ControlClient({ socketPath: server.socketPath, timeoutMs: 50 }).status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlTimeout);
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('only root and the control group may connect (permission check by a non-root child)', async () => {
    chmodSync(dir, 0o755);
    const path = join(dir, 'run', 'bgpfo.sock');
    await start(new FakeProvider(), path, '1');
    // A tiny client run as "nobody": without the group it is refused; with gid 1 it gets through.
    const script = `require('net').connect(${JSON.stringify(path)}).on('connect', () => { console.log('ok'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const run = (gid: number) => spawnSync(process.execPath, ['-e', script], { uid: 65534, gid, encoding: 'utf8', cwd: '/' }).stdout.trim();
    expect(run(65534)).toBe('EACCES');
    expect(run(1)).toBe('ok');
  });

  test('EACCES from the socket becomes ControlPermissionDenied with advice', async () => {
    const err = new ControlClient({ socketPath: '/x' });
    // The mapping itself (the real EACCES case is covered above when run as root).
    const mapped = (err as unknown as { translate(e: NodeJS.ErrnoException): Error }).translate(Object.assign(new Error('x'), { code: 'EACCES' }));
    expect(mapped).toBeInstanceOf(ControlPermissionDenied);
    expect(mapped.message).toBe('permission denied on /x: run as root or as a member of the group set in control.group');
  });
});
