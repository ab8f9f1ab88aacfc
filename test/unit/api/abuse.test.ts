// The control API under abuse (issue 12): malformed requests are 4xx and never logged as daemon errors; event
// stream clients are capped and a client that stops reading is dropped cheaply once a bounded queue is full.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, startControlServer, type ControlServer, type OperationsProvider } from '../../../src/api';
import { MAX_SUBSCRIBERS, streamClients } from '../../../src/api/events-stream';
import { FakeProvider } from './fake-provider';

let dir: string;
let server: ControlServer | undefined;
const errors: unknown[] = [];
const logger = {
  error: (o: unknown) => errors.push(o),
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => logger,
} as never;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-abuse-'));
  errors.length = 0;
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const provider = new FakeProvider() as FakeProvider & { operations?: OperationsProvider };
  const events = new EventBus();
  provider.operations = { events, reload: async () => ({ result: 'unchanged', actions: [] }) } as unknown as OperationsProvider;
  const socketPath = join(dir, 'ctl.sock');
  server = await startControlServer({ socketPath, provider, logger });
  return { events, socketPath };
}

function raw(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw client that sends a request and never reads: the kernel buffers fill, then the daemon's queue. */
function stalledClient(socketPath: string, path = '/v1/events'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a malformed percent-escape is a 400, not an internal error', async () => {
  const { socketPath } = await start();
  const r = await raw(socketPath, 'GET', '/v1/neighbors/%E0%A4%A/adj-rib-in');
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body).error.code).toBe('bad-path');
  expect(errors).toEqual([]);
});

test('bad event stream queries are 400s', async () => {
  const { socketPath } = await start();
  expect((await raw(socketPath, 'GET', '/v1/events?since=-1')).status).toBe(400);
  expect((await raw(socketPath, 'GET', '/v1/events?types=%00%01')).status).toBe(400);
});

test('a client that disconnects mid-body is not logged as an error', async () => {
  const { socketPath } = await start();
  await new Promise<void>((resolve) => {
    const s = net.connect(socketPath, () => {
      s.write('POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"');
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 50);
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  expect(errors).toEqual([]);
});

test(`past ${MAX_SUBSCRIBERS} event clients a new one gets 503`, async () => {
  const { socketPath, events } = await start();
  const clients = await Promise.all(Array.from({ length: MAX_SUBSCRIBERS }, () => stalledClient(socketPath)));
  await until(() => streamClients(events) === MAX_SUBSCRIBERS);
  const r = await raw(socketPath, 'GET', '/v1/events');
  expect(r.status).toBe(503);
  expect(JSON.parse(r.body).error.code).toBe('too-many-subscribers');
  for (const c of clients) c.destroy();
  await until(() => streamClients(events) === 0);
});

test('non-reading clients are dropped once their queue is full; publishing never waits; readers keep up', async () => {
  const { socketPath, events } = await start();
  const stalled = await Promise.all(Array.from({ length: 20 }, () => stalledClient(socketPath)));
  // A reading client next to them.
  let read = 0;
  const reader = await new Promise<net.Socket>((resolve) => {
    const s = net.connect(socketPath, () => {
      s.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
      resolve(s);
    });
    s.on('data', (c) => (read += c.length));
  });
  await until(() => streamClients(events) === 21);
  const detail = ['x'.repeat(900)];
  for (let i = 0; i < 20000; i++) {
    events.publish({ type: 'reload', result: 'unchanged', detail });
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await until(() => streamClients(events) === 1, 20000);
  // The daemon closed them: a paused socket notices once it reads again.
  await Promise.all(stalled.map((s) => new Promise<void>((r) => s.once('close', () => r()).resume())));
  await until(() => read > 18_000_000, 20000);
  reader.destroy();
});
