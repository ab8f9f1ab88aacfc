// The instance lock with real flock(2) locks in a temp dir: a second taker is refused with a one-line error naming
// the holder, a release or a kill -9 of the holder frees the lock, a crashed holder's record is taken over and
// logged, the FIB's identity, and startDaemon refusing before it touches the control socket.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { ControlClient } from '../../../src/api/client';
import { fibIdentity, HeldLock, InstanceLock, InstanceLocked, pidAlive, type InstanceRecord } from '../../../src/daemon/instance-lock';
import { startDaemon } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { config, silent } from './helpers';

const REPO = resolve(__dirname, '..', '..', '..');

let dir: string;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-lock-'));
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { log: pino.Logger; lines: () => { level: number; msg: string; [k: string]: unknown }[] } {
  const raw: string[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void raw.push(l) });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

function record(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return { pid: process.pid, config: '/etc/bgpfo/a.yaml', socket: '/run/bgpfo/a.sock', since: new Date().toISOString(), ...over };
}

/** A pid that was just used and is gone. */
async function deadPid(): Promise<number> {
  const c = spawn('true');
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

async function take(path: string, rec = record(), log = silent, waitMs?: number): Promise<HeldLock> {
  const h = await HeldLock.acquire(path, 'control socket /x.sock', 'stop it first', rec, log, waitMs);
  cleanups.push(() => h.release());
  return h;
}

describe('HeldLock', () => {
  test('a second taker is refused with one line naming the holder; nothing is written over its record', async () => {
    const path = join(dir, 'a.lock');
    await take(path);
    const before = readFileSync(path, 'utf8');
    const err = await HeldLock.acquire(path, 'control socket /x.sock', 'stop it first', record({ pid: 1, config: '/other.yaml' }), silent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstanceLocked);
    const e = err as InstanceLocked;
    expect(e.code).toBe('ERR_DAEMON_RUNNING');
    expect(e.holder?.pid).toBe(process.pid);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain(`pid ${process.pid}, config /etc/bgpfo/a.yaml, socket /run/bgpfo/a.sock`);
    expect(e.message).toContain('control socket /x.sock');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/Nothing was changed; stop it first$/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  test('release frees the lock and clears the record; a new taker finds no previous holder', async () => {
    const path = join(dir, 'a.lock');
    const h = await take(path);
    await h.release();
    await h.release(); // idempotent
    expect(readFileSync(path, 'utf8')).toBe('');
    const again = await take(path, record({ config: '/etc/bgpfo/b.yaml' }));
    expect(again.previous).toBeNull();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, config: '/etc/bgpfo/b.yaml' });
  });

  test('a record left by a holder that did not stop cleanly is reported as the previous holder', async () => {
    const path = join(dir, 'a.lock');
    const gone = await deadPid();
    writeFileSync(path, JSON.stringify(record({ pid: gone, config: '/etc/bgpfo/crashed.yaml' })));
    const h = await take(path);
    expect(h.previous).toMatchObject({ pid: gone, config: '/etc/bgpfo/crashed.yaml' });
  });

  test('an empty record under a held lock (the holder has not written yet) is waited for, then reported as unknown', async () => {
    const path = join(dir, 'a.lock');
    await take(path);
    writeFileSync(path, '');
    const t0 = Date.now();
    const e = (await HeldLock.acquire(path, 'control socket /x.sock', 'stop it first', record(), silent, 300).catch((x: unknown) => x)) as InstanceLocked;
    expect(e).toBeInstanceOf(InstanceLocked);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(e.holder).toBeNull();
    expect(e.message).toContain('a process that did not say who it is');
  });

  test('kill -9 of the holding process frees the lock: the next taker gets it and names the dead one', async () => {
    const path = join(dir, 'k.lock');
    // Another Node process takes the lock through the same module (TypeScript via tsx), then is killed with SIGKILL.
    const script = `
      const { HeldLock } = require(${JSON.stringify(join(REPO, 'src/daemon/instance-lock.ts'))});
      const pino = require('pino');
      HeldLock.acquire(${JSON.stringify(path)}, 'x', 'y', { pid: process.pid, socket: '/k.sock', config: '/k.yaml', since: 'then' }, pino({ level: 'silent' }))
        .then(() => { process.stdout.write('held\\n'); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ['--require', join(REPO, 'node_modules/tsx/dist/cjs/index.cjs'), '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((res, rej) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('held')) res();
      });
      child.once('exit', (code) => rej(new Error(`child exited ${code}: ${err}`)));
    });
    // While it lives: refused, naming it.
    const refused = (await HeldLock.acquire(path, 'x', 'y', record(), silent).catch((x: unknown) => x)) as InstanceLocked;
    expect(refused).toBeInstanceOf(InstanceLocked);
    expect(refused.holder?.pid).toBe(child.pid);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(pidAlive(child.pid!)).toBe(false);
    const h = await take(path);
    expect(h.previous).toMatchObject({ pid: child.pid, config: '/k.yaml' });
  }, 30_000);
});

describe('InstanceLock', () => {
  function cfg(socket: string, fib = '{ mode: kernel, table: 254, protocol: 201 }') {
    return config(`
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: ${socket} }
fib: ${fib}
neighbors: []
`);
  }
  const lockDir = () => join(dir, 'locks');

  test('socket and FIB locked; a second daemon with the same config is refused on the socket, with another socket on the FIB', async () => {
    const { log, lines } = capture();
    const first = await InstanceLock.acquire({ config: cfg(join(dir, 's1', 'a.sock')), configPath: 'a.yaml', kernelFib: true, logger: log, lockDir: lockDir() });
    cleanups.push(() => first.release());
    expect(first.paths).toEqual([join(dir, 's1', 'a.sock.lock'), join(lockDir(), `${fibIdentity({ table: 254, protocol: 201 }).key}.lock`)]);
    expect(lines().find((l) => l.msg.startsWith('instance locks held'))?.msg).toContain('table 254, protocol 201');

    const same = (await InstanceLock.acquire({ config: cfg(join(dir, 's1', 'a.sock')), configPath: 'a.yaml', kernelFib: true, logger: silent, lockDir: lockDir() }).catch((e: unknown) => e)) as InstanceLocked;
    expect(same).toBeInstanceOf(InstanceLocked);
    expect(same.what).toBe(`control socket ${join(dir, 's1', 'a.sock')}`);
    expect(same.message).toContain(`config ${resolve('a.yaml')}`);

    const otherSocket = join(dir, 's2', 'b.sock');
    const fibErr = (await InstanceLock.acquire({ config: cfg(otherSocket), kernelFib: true, logger: silent, lockDir: lockDir() }).catch((e: unknown) => e)) as InstanceLocked;
    expect(fibErr).toBeInstanceOf(InstanceLocked);
    expect(fibErr.what).toMatch(/^kernel FIB \(netns of the daemon, table 254, protocol 201\)$/);
    expect(fibErr.message).toContain(`socket ${join(dir, 's1', 'a.sock')}`);
    // The refused one let go of the socket lock it had taken: that socket is free.
    const b = await InstanceLock.acquire({ config: cfg(otherSocket), kernelFib: false, logger: silent, lockDir: lockDir() });
    cleanups.push(() => b.release());
    expect(b.paths).toEqual([`${otherSocket}.lock`]);
  });

  test('another table or protocol is another FIB', async () => {
    const a = await InstanceLock.acquire({ config: cfg(join(dir, 'a.sock')), kernelFib: true, logger: silent, lockDir: lockDir() });
    cleanups.push(() => a.release());
    const b = await InstanceLock.acquire({ config: cfg(join(dir, 'b.sock'), '{ mode: kernel, table: 100, protocol: 201 }'), kernelFib: true, logger: silent, lockDir: lockDir() });
    cleanups.push(() => b.release());
    const c = await InstanceLock.acquire({ config: cfg(join(dir, 'c.sock'), '{ mode: kernel, table: 254, protocol: 202 }'), kernelFib: true, logger: silent, lockDir: lockDir() });
    cleanups.push(() => c.release());
    expect(new Set([...a.paths, ...b.paths, ...c.paths]).size).toBe(6);
  });

  test('a crashed daemon\'s locks are taken over and the log says so', async () => {
    const gone = await deadPid();
    const socket = join(dir, 'a.sock');
    const stale = record({ pid: gone, config: '/etc/bgpfo/old.yaml', socket });
    const fibPath = join(lockDir(), `${fibIdentity({ table: 254, protocol: 201 }).key}.lock`);
    require('node:fs').mkdirSync(lockDir(), { recursive: true });
    writeFileSync(`${socket}.lock`, JSON.stringify(stale));
    writeFileSync(fibPath, JSON.stringify(stale));
    const { log, lines } = capture();
    const l = await InstanceLock.acquire({ config: cfg(socket), kernelFib: true, logger: log, lockDir: lockDir() });
    cleanups.push(() => l.release());
    const warns = lines().filter((x) => x.level === 40);
    expect(warns).toHaveLength(2);
    for (const w of warns) {
      expect(w.msg).toContain(`taken over from pid ${gone} (config /etc/bgpfo/old.yaml`);
      expect(w.msg).toContain('no longer running');
    }
  });
});

describe('fibIdentity', () => {
  test('the netns is known by inode: this process\'s own, or a named one; an unknown name falls back to the name', () => {
    const own = fibIdentity({ table: 254, protocol: 201 });
    expect(own.key).toMatch(/^fib-netns\d+-table254-proto201$/);
    expect(own.label).toBe('kernel FIB (netns of the daemon, table 254, protocol 201)');
    expect(fibIdentity({ table: 254, protocol: 201, netns: 'no-such-ns-10b' }).key).toBe('fib-netns-no-such-ns-10b-table254-proto201');
    expect(fibIdentity({ table: 254, protocol: 201, netns: '../evil' }).key).toBe('fib-netns-.._evil-table254-proto201');
  });
});

describe('startDaemon', () => {
  test('a second daemon on the same socket is refused before it touches anything; the first keeps its socket', async () => {
    const socket = join(dir, 'ctl.sock');
    const yaml = `
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: ${socket} }
neighbors: []
`;
    const first = await startDaemon(config(yaml), silent, { clock: new FakeClock(), bgpPort: false, configPath: '/etc/bgpfo/first.yaml', lockDir: join(dir, 'locks') });
    cleanups.push(() => first.shutdown());
    const err = (await startDaemon(config(yaml), silent, { clock: new FakeClock(), bgpPort: false, configPath: '/etc/bgpfo/second.yaml', lockDir: join(dir, 'locks') }).catch(
      (e: unknown) => e,
    )) as InstanceLocked;
    expect(err).toBeInstanceOf(InstanceLocked);
    expect(err.message).toContain(`pid ${process.pid}, config /etc/bgpfo/first.yaml, socket ${socket}`);
    expect(existsSync(socket)).toBe(true);
    expect((await new ControlClient({ socketPath: socket }).status()).router.pid).toBe(process.pid);
    await first.shutdown();
    // Stopped: the lock is free again and a new daemon starts.
    const next = await startDaemon(config(yaml), silent, { clock: new FakeClock(), bgpPort: false, lockDir: join(dir, 'locks') });
    cleanups.push(() => next.shutdown());
  });
});
