// Alerts: the command runs once per chosen event with the event JSON on stdin and BGPFO_* variables, the webhook
// gets the JSON by POST, failures and timeouts are logged and counted, and handle() never waits for either.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Alerter } from '../../../src/alerts';
import type { OpsEvent, OpsEventBody } from '../../../src/api/events';
import type { AlertsConfig } from '../../../src/config';

let dir: string;
let seq = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-alerts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ev = (b: OpsEventBody): OpsEvent => ({ ...b, seq: ++seq, time: '2025-01-01T00:00:00.000Z' }) as OpsEvent;
const FAILOVER: OpsEventBody = { type: 'failover', tunnel: 'tun-a1', reason: 'hold timer expired', prefixes: 3, durationMs: 120 };

function logger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function alerter(cfg: Partial<AlertsConfig>) {
  const { log, lines } = logger();
  const results: string[] = [];
  const a = new Alerter({
    config: { timeoutMs: 5000, events: ['failover', 'demotion', 'session-down', 'session-up'], ...cfg },
    logger: log,
    onResult: (channel, ok) => results.push(`${channel}:${ok ? 'ok' : 'failed'}`),
  });
  return { a, lines, results };
}

test('the command gets the event JSON on stdin and BGPFO_* in its environment, once per event', async () => {
  const cmd = `cat > "${dir}/event-$BGPFO_EVENT_SEQ.json"; echo "$BGPFO_EVENT_TYPE|$BGPFO_TUNNEL|$BGPFO_EVENT_SUMMARY" >> "${dir}/calls"`;
  const { a, results } = alerter({ command: cmd });
  const e = ev(FAILOVER);
  a.handle(e);
  a.handle(e); // the same event again (a second subscriber, a replay): no second alert
  a.handle(ev({ type: 'session-state', neighbor: 'tun-a1', from: 'Established', to: 'Idle' })); // not an alert type
  a.handle(ev({ type: 'session-down', neighbor: 'tun-a1', peer: '169.254.21.1', reason: 'hold-timer-expired', message: 'hold timer expired' }));
  await a.idle();
  expect(JSON.parse(readFileSync(join(dir, `event-${e.seq}.json`), 'utf8'))).toEqual(e);
  expect(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').sort()).toEqual([
    'failover|tun-a1|failover off tun-a1 (hold timer expired): 3 prefix(es) moved in 120 ms',
    'session-down|tun-a1|tun-a1 (169.254.21.1) down: hold timer expired',
  ]);
  expect(readdirSync(dir).filter((f) => f.startsWith('event-'))).toHaveLength(2);
  expect(results).toEqual(['command:ok', 'command:ok']);
});

test('an argv command runs without a shell; the event types can be chosen', async () => {
  const { a } = alerter({ command: ['/bin/sh', '-c', `cat > "${dir}/drain.json"`], events: ['drain'] });
  a.handle(ev(FAILOVER));
  a.handle(ev({ type: 'drain', target: 'all', neighbors: ['tun-a1'], phase: 'marked', detail: '' }));
  await a.idle();
  expect(JSON.parse(readFileSync(join(dir, 'drain.json'), 'utf8'))).toMatchObject({ type: 'drain', target: 'all' });
  expect(readdirSync(dir)).toEqual(['drain.json']);
});

test('handle() returns at once; a command that fails or hangs is logged, counted and killed at the timeout', async () => {
  const { a, lines, results } = alerter({ command: 'echo broken >&2; exit 3' });
  a.handle(ev(FAILOVER));
  await a.idle();
  expect(results).toEqual(['command:failed']);
  expect(lines.find((l) => l.msg === 'alert failed')).toMatchObject({ channel: 'command', type: 'failover', err: 'command exited with 3: broken' });

  const slow = alerter({ command: `sleep 30; touch "${dir}/finished"`, timeoutMs: 300 });
  let idle = false;
  slow.a.handle(ev(FAILOVER));
  const done = slow.a.idle().then(() => (idle = true));
  expect(idle).toBe(false); // handle() did not wait
  await done;
  expect(slow.results).toEqual(['command:failed']);
  expect(slow.lines.find((l) => l.msg === 'alert failed')).toMatchObject({ err: 'command did not finish within 300 ms (killed)' });
  expect(readdirSync(dir)).toEqual([]);
});

describe('webhook', () => {
  let server: Server;
  let bodies: { path: string; type: string; body: unknown }[];
  let status = 200;
  beforeEach(async () => {
    bodies = [];
    status = 200;
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push({ path: req.url ?? '', type: String(req.headers['content-type']), body: JSON.parse(text) });
        res.writeHead(status).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  test('the event is POSTed as JSON; an error status is a failure', async () => {
    const { a, results } = alerter({ url: url() });
    const e = ev({ type: 'demotion', tunnel: 'tun-b1', state: 'demoted', reason: 'loss', detail: '7% loss over 10 s' });
    a.handle(e);
    await a.idle();
    expect(bodies).toEqual([{ path: '/hook', type: 'application/json', body: e }]);
    status = 500;
    a.handle(ev(FAILOVER));
    await a.idle();
    expect(results).toEqual(['url:ok', 'url:failed']);
  });

  test('command and URL both get each event, once', async () => {
    const { a, results } = alerter({ url: url(), command: `cat >> "${dir}/events"` });
    a.handle(ev(FAILOVER));
    await a.idle();
    expect(bodies).toHaveLength(1);
    expect(readFileSync(join(dir, 'events'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(results.sort()).toEqual(['command:ok', 'url:ok']);
  });
});

test('no command and no URL: nothing is done', async () => {
  const { a, results } = alerter({});
  expect(a.enabled).toBe(false);
  a.handle(ev(FAILOVER));
  await a.idle();
  expect(results).toEqual([]);
});
