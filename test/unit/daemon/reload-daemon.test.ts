// Operations of the whole daemon (scripted sessions, FakeClock, real control socket and CLI): `bgpfo reload` applies
// or refuses with the file's errors and exit 1, the event stream carries session changes and a failover, drain and
// undrain through the API show in status, and the metrics endpoint follows sessions as they fail and recover.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../../src/api/client';
import type { OpsEvent } from '../../../src/api/events';
import type { SessionOptions } from '../../../src/bgp/session';
import { main } from '../../../src/cli/main';
import { loadConfig } from '../../../src/config';
import { startDaemon, type Daemon } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { sample } from '../metrics/metrics.test';
import { announce4, FakeSession, silent } from './helpers';

let dir: string;
let daemon: Daemon | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-ops-'));
});
afterEach(async () => {
  await daemon?.shutdown();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function yaml(extra = ''): string {
  return `router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: ${join(dir, 'ctl.sock')} }
metrics: { listen: "127.0.0.1:9469" }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, families: [ipv4-unicast] }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, families: [ipv4-unicast] }
${extra}`;
}

async function start() {
  const file = join(dir, 'bgpfo.yaml');
  writeFileSync(file, yaml());
  const sessions = new Map<string, FakeSession>();
  const clock = new FakeClock();
  daemon = await startDaemon(loadConfig(file), silent, {
    clock,
    bgpPort: false,
    configPath: file,
    createSession: (o: SessionOptions) => {
      const s = new FakeSession(o);
      sessions.set(o.name, s);
      return s;
    },
    ops: { metricsPort: 0, defaultMetrics: false, drain: { resolveInterface: async () => undefined } },
  });
  const d = daemon;
  await d.speaker.settled();
  const socket = join(dir, 'ctl.sock');
  const cli = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await main([...args, '--socket', socket], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    return { code, out, err };
  };
  return { d, file, s: (n: string) => sessions.get(n)!, clock, client: new ControlClient({ socketPath: socket }), cli };
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !fn(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!fn()) throw new Error(`timed out waiting for ${what}`);
}

test('bgpfo reload: a new neighbor is applied; a broken file is refused with its errors (exit 1) and the daemon goes on', async () => {
  const t = await start();
  t.s('tun-a1').establish();
  writeFileSync(t.file, yaml() + '  - { name: tun-c1, address: 169.254.23.1, local-address: 169.254.23.2, remote-asn: 64513 }\n');
  const ok = await t.cli('reload');
  expect(ok).toEqual({ code: 0, err: '', out: 'reload applied:\n  neighbor tun-c1 added (169.254.23.1, AS 64513)\n' });
  expect((await t.client.status()).sessions.map((s) => s.name)).toEqual(['tun-a1', 'tun-b1', 'tun-c1']);

  writeFileSync(t.file, yaml() + '  - { name: tun-c1, address: 169.254.23.1, remote-asn: 64513, hold-time: 2 }\n');
  const bad = await t.cli('reload');
  expect(bad.code).toBe(1);
  expect(bad.out).toBe('');
  expect(bad.err).toBe(`reload refused, the daemon keeps its running config:\n${t.file}:8: neighbors[2].hold-time: hold-time 1 and 2 are not allowed: use 0 (no keepalives, no hold timer) or 3..65535 seconds (RFC 4271 §4.2)\n`);
  expect(t.d.speaker.neighbors.map((n) => n.name)).toEqual(['tun-a1', 'tun-b1', 'tun-c1']);
  expect(t.s('tun-a1').state).toBe('Established');
  expect((await t.client.status()).sessions[0].state).toBe('Established');
});

test('the event stream: session up and down, the failover it caused, a summary of best-path changes', async () => {
  const t = await start();
  const events: OpsEvent[] = [];
  const stream = t.client.events((e) => events.push(e));
  await stream.ready;
  t.s('tun-a1').establish();
  t.s('tun-b1').establish();
  t.s('tun-a1').emit('update', announce4(['10.50.0.0/16', '10.51.0.0/16'], [64512], '169.254.21.1'));
  t.s('tun-b1').emit('update', announce4(['10.50.0.0/16'], [64512], '169.254.22.1'));
  await t.d.speaker.settled();
  t.s('tun-a1').goDown({ reason: 'hold-timer-expired', message: 'hold timer expired' });
  await t.d.speaker.settled();
  t.clock.advance(1000); // the best-path summary window
  await until(() => events.some((e) => e.type === 'routes') && events.some((e) => e.type === 'failover'), 'events');
  stream.close();
  const types = events.map((e) => e.type);
  expect(types.filter((x) => x === 'session-up')).toHaveLength(2);
  expect(events.find((e) => e.type === 'session-down')).toMatchObject({ neighbor: 'tun-a1', reason: 'hold-timer-expired', message: 'hold timer expired' });
  // Both prefixes used tun-a1: 10.50 (in an ECMP pair) moved to tun-b1, a failover; 10.51 (tun-a1 alone) has no
  // path left, an outage.
  expect(events.filter((e) => e.type === 'failover')).toEqual([expect.objectContaining({ tunnel: 'tun-a1', reason: 'hold timer expired', prefixes: 1, durationMs: 0 })]);
  expect(events.filter((e) => e.type === 'outage')).toEqual([expect.objectContaining({ tunnel: 'tun-a1', reason: 'hold timer expired', prefixes: 1, sample: ['10.51.0.0/16'] })]);
  expect(events.find((e) => e.type === 'routes')).toMatchObject({ type: 'routes', windowMs: 1000 });
  expect(types.indexOf('session-down')).toBeLessThan(types.indexOf('failover'));
  // Numbered in order, replayable with ?since.
  expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
  const replay: OpsEvent[] = [];
  const again = t.client.events((e) => replay.push(e), { since: 0, types: ['failover'] });
  await until(() => replay.length === 1, 'the replay');
  again.close();
  expect(replay[0]).toEqual(events.find((e) => e.type === 'failover'));
});

test('a session without best paths going down is no failover', async () => {
  const t = await start();
  const events: OpsEvent[] = [];
  t.d.ops.events.subscribe((e) => events.push(e));
  t.s('tun-b1').establish();
  await t.d.speaker.settled();
  t.s('tun-b1').goDown({ message: 'TCP connection closed by peer' });
  await t.d.speaker.settled();
  t.clock.advance(5000);
  expect(events.map((e) => e.type).filter((x) => x !== 'routes')).toEqual(['session-up', 'session-down']);
});

test('drain and undrain through the CLI; status shows it; metrics follow sessions failing and recovering', async () => {
  const t = await start();
  t.s('tun-a1').establish();
  t.s('tun-b1').establish();
  await t.d.speaker.settled();
  const port = t.d.ops.metricsAddress!.port;
  let m = await scrape(port);
  expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(1);
  expect(sample(m, 'bgpfo_session_flaps_total', { neighbor: 'tun-a1' })).toBe(0);

  const d = await t.cli('drain', 'tun-a1', '--timeout', '0');
  expect(d.code).toBe(0);
  expect(d.out).toMatch(/drained tun-a1: tun-a1\n {2}advertisements: GRACEFUL_SHUTDOWN 65535:0 and 3 more prepends; learned routes at LOCAL_PREF 0\n {2}traffic: not waiting \(timeout 0\)\n$/);
  const st = await t.cli('status', '--no-color');
  expect(st.out).toMatch(/DRAIN/);
  expect(st.out).toMatch(/tun-a1 .* drained moved 0s/);
  expect((await t.client.status()).sessions[0].drain).toEqual({ target: 'tun-a1', since: 0, phase: 'moved', shutdown: false });
  m = await scrape(port);
  expect(sample(m, 'bgpfo_session_drained', { neighbor: 'tun-a1' })).toBe(1);

  t.s('tun-a1').goDown({ reason: 'hold-timer-expired', message: 'hold timer expired' });
  await t.d.speaker.settled();
  m = await scrape(port);
  expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(0);
  expect(sample(m, 'bgpfo_session_state', { neighbor: 'tun-a1', peer: '169.254.21.1' })).toBe(1);
  expect(sample(m, 'bgpfo_session_flaps_total', { neighbor: 'tun-a1' })).toBe(1);
  t.s('tun-a1').establish();
  await t.d.speaker.settled();
  m = await scrape(port);
  expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(1);

  expect((await t.cli('undrain', 'tun-a1')).out).toBe('undrained tun-a1: tun-a1\n');
  expect((await t.client.status()).sessions[0].drain).toBeUndefined();
  const unknown = await t.cli('drain', 'nope');
  expect(unknown.code).toBe(1);
  expect(unknown.err).toMatch(/^no neighbor, peer address or tunnel interface "nope"/);
});

test('graceful-restart shutdown closes the sessions without a NOTIFICATION', async () => {
  const t = await start();
  const abandoned: string[] = [];
  for (const n of t.d.speaker.neighbors) (n.session as FakeSession & { abandon(): void }).abandon = () => abandoned.push(n.name);
  await t.d.shutdown({ gracefulRestart: true });
  daemon = undefined;
  expect(abandoned).toEqual(['tun-a1', 'tun-b1']);
  expect(t.s('tun-a1').stops).toEqual([]);
});
