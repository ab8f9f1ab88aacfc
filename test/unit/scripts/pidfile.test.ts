// scripts/lib/pidfile.sh: the pid file a killed dockerd leaves must not stop the next one from starting (it did:
// a landing CI found dockerd's pid reused by another process and Docker never came up), and a live daemon's must stay.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lib = join(__dirname, '../../../scripts/lib/pidfile.sh');

function clear(file: string, name: string): { status: number | null; out: string } {
  const r = spawnSync('bash', ['-c', 'source "$0" && clear_stale_pidfile "$1" "$2"', lib, file, name], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('clear_stale_pidfile', () => {
  let dir: string;
  let sleeper: ChildProcess;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpfo-pidfile-'));
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  });
  afterAll(() => {
    sleeper.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does nothing when there is no pid file', () => {
    expect(clear(join(dir, 'none.pid'), 'dockerd')).toEqual({ status: 0, out: '' });
  });

  it('removes a pid file whose pid now belongs to another program (a pid reused after the daemon was killed)', () => {
    const file = join(dir, 'reused.pid');
    writeFileSync(file, `${sleeper.pid}\n`);
    const r = clear(file, 'dockerd');
    expect(r.status).toBe(0);
    expect(r.out).toContain(`pid ${sleeper.pid} is not a running dockerd`);
    expect(existsSync(file)).toBe(false);
  });

  it('removes a pid file whose process is gone, and one that holds no pid', () => {
    const gone = spawnSync('true');
    const dead = join(dir, 'dead.pid');
    writeFileSync(dead, `${gone.pid}`);
    expect(clear(dead, 'dockerd').status).toBe(0);
    expect(existsSync(dead)).toBe(false);
    const junk = join(dir, 'junk.pid');
    writeFileSync(junk, 'not a pid');
    expect(clear(junk, 'dockerd').out).toContain('pid (none)');
    expect(existsSync(junk)).toBe(false);
  });

  it('keeps the pid file of a daemon that runs, and says so by its status', () => {
    const file = join(dir, 'live.pid');
    writeFileSync(file, `${sleeper.pid}`);
    expect(clear(file, 'sleep')).toEqual({ status: 1, out: '' });
    expect(existsSync(file)).toBe(true);
  });
});
