// control.group under systemd: RuntimeDirectory=bgpfo creates /run/bgpfo as root:root 0750 before the daemon runs.
// The daemon must give such a directory (ours alone) its group, leave shared directories alone, and refuse an
// unknown group before it binds anything; `bgpfo validate` reports the unknown group too.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlServer, type ControlServer } from '../../../src/api/server';
import { ensureSocketDir, UnknownControlGroup } from '../../../src/api/socket-file';
import { main } from '../../../src/cli/main';
import { parseConfig } from '../../../src/config';
import { startDaemon } from '../../../src/daemon';
import { FakeProvider } from './fake-provider';

let dir: string;
const servers: ControlServer[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-sockdir-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const root = process.getuid?.() === 0;
/** A group we may chown to: any when root (gid 1, "daemon"), else our own. */
const gid = root ? 1 : process.getgid!();

test('an existing directory of ours holding nothing else (systemd RuntimeDirectory) gets the group and 0750', async () => {
  const run = join(dir, 'run-bgpfo');
  mkdirSync(run, { mode: 0o700 });
  chmodSync(run, 0o700);
  const server = await startControlServer({ socketPath: join(run, 'bgpfo.sock'), provider: new FakeProvider(), group: String(gid) });
  servers.push(server);
  const st = statSync(run);
  expect(st.gid).toBe(gid);
  expect(st.mode & 0o777).toBe(0o750);
  expect(ensureSocketDir(join(run, 'bgpfo.sock'), gid)).toBe('unchanged');
});

test('a shared directory (other files in it) is never re-grouped or re-moded', () => {
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  writeFileSync(join(shared, 'someone-else'), '');
  const before = statSync(shared);
  expect(ensureSocketDir(join(shared, 'bgpfo.sock'), gid)).toBe('shared');
  const after = statSync(shared);
  expect([after.gid, after.mode]).toEqual([before.gid, before.mode]);
  // Without a group there is nothing to adjust.
  expect(ensureSocketDir(join(shared, 'bgpfo.sock'), undefined)).toBe('unchanged');
});

const asRoot = root ? test : test.skip;
asRoot('a member of the group can connect through a RuntimeDirectory-style root:root 0750 directory', async () => {
  chmodSync(dir, 0o755);
  const run = join(dir, 'run');
  mkdirSync(run);
  chmodSync(run, 0o750); // as systemd leaves it: root:root 0750
  const path = join(run, 'bgpfo.sock');
  servers.push(await startControlServer({ socketPath: path, provider: new FakeProvider(), group: '1' }));
  const script = `require('net').connect(${JSON.stringify(path)}).on('connect', () => { console.log('ok'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const as = (g: number) => spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: g, encoding: 'utf8', cwd: '/' }).stdout.trim();
  expect(as(1)).toBe('ok');
  expect(as(65534)).toBe('EACCES');
});

test('the daemon refuses an unknown group before it binds BGP or metrics, with a one-line error', async () => {
  const cfg = parseConfig(
    `
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: ${join(dir, 'ctl.sock')}, group: no-such-group-bgpfo }
neighbors: [{ name: p, address: 127.0.0.1, remote-asn: 65002 }]
`,
    'x.yaml',
  );
  // Anything bound would stay in use: check that port 0 binding never happened by giving it a port that is taken.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const err = await startDaemon(cfg, pino({ level: 'silent' }), { bgpPort: port }).catch((e: unknown) => e);
  blocker.close();
  // Not ERR_BGP_LISTEN (the port is taken): the group was checked first.
  expect(err).toBeInstanceOf(UnknownControlGroup);
  expect((err as UnknownControlGroup).code).toBe('ERR_CONTROL_GROUP');
  expect((err as Error).message).toBe('control.group "no-such-group-bgpfo" is not a group on this host: create it (groupadd no-such-group-bgpfo) or remove control.group (then only root can use the control socket)');
});

test('bgpfo validate reports an unknown control.group with the file name; the daemon command prints no stack trace', async () => {
  const file = join(dir, 'g.yaml');
  writeFileSync(file, `router: { asn: 65001, router-id: 10.0.0.1 }\ncontrol: { socket: ${join(dir, 's.sock')}, group: no-such-group-bgpfo }\nneighbors: [{ name: p, address: 127.0.0.1, remote-asn: 65002 }]\n`);
  let err = '';
  const code = await main(['validate', file], { out: () => undefined, err: (t) => (err += t) });
  expect(code).toBe(1);
  expect(err).toBe(`error: ${file}: control.group "no-such-group-bgpfo" is not a group on this host: create it (groupadd no-such-group-bgpfo) or remove control.group (then only root can use the control socket)\n`);
  let derr = '';
  expect(await main(['daemon', '--config', file], { out: () => undefined, err: (t) => (derr += t) })).toBe(1);
  expect(derr).not.toContain('    at ');
  expect(derr).toContain('is not a group on this host');
});
