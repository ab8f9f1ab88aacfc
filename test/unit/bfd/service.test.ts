// BfdService on the main thread with a fake worker: reference counting, merged timers, delivery to every client,
// late subscribers, validation, and recovery when the worker dies.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { BfdService, type BfdStateEvent } from '../../../src/bfd/service';
import type { FromWorker, ToWorker } from '../../../src/bfd/protocol';

class FakeWorker extends EventEmitter {
  posted: ToWorker[] = [];
  postMessage(m: ToWorker): void {
    this.posted.push(m);
    if (m.op === 'shutdown') queueMicrotask(() => this.emit('exit', 0));
  }
  unref(): void {}
  terminate(): Promise<number> {
    this.emit('exit', 1);
    return Promise.resolve(1);
  }
  from(m: FromWorker): void {
    this.emit('message', m);
  }
}

async function started() {
  const workers: FakeWorker[] = [];
  const svc = new BfdService({
    spawn: () => {
      const w = new FakeWorker();
      workers.push(w);
      queueMicrotask(() => w.from({ op: 'ready' }));
      return w as unknown as Worker;
    },
  });
  await svc.start();
  return { svc, workers, w: workers[0]! };
}

const opts = { local: '10.0.0.1', peer: '10.0.0.2', desiredMinTxMs: 100, requiredMinRxMs: 100, multiplier: 3 };
const tick = () => new Promise((r) => setImmediate(r));

test('requestSession before start() throws', () => {
  expect(() => new BfdService().requestSession(opts, () => {})).toThrow(/before start/);
});

test('two clients of one session: one open, the fastest timers win, the last close ends it', async () => {
  const { svc, w } = await started();
  const h1 = svc.requestSession(opts, () => {});
  const h2 = svc.requestSession({ ...opts, peer: '10.0.0.2', desiredMinTxMs: 50, multiplier: 5 }, () => {});
  expect(w.posted.filter((m) => m.op === 'open')).toHaveLength(1);
  expect(w.posted.at(-1)).toEqual({ op: 'update', sid: 1, spec: expect.objectContaining({ desiredMinTxMs: 50, requiredMinRxMs: 100, multiplier: 3 }) });
  h2.update({ requiredMinRxMs: 30 });
  expect(w.posted.at(-1)).toMatchObject({ op: 'update', spec: { requiredMinRxMs: 30 } });
  h2.close();
  expect(w.posted.at(-1)).toMatchObject({ op: 'update', spec: { desiredMinTxMs: 100, requiredMinRxMs: 100 } });
  h2.close(); // twice is harmless
  const n = w.posted.length;
  h1.update({ desiredMinTxMs: 100 }); // no change: nothing sent
  expect(w.posted.length).toBe(n);
  h1.close();
  expect(w.posted.at(-1)).toEqual({ op: 'close', sid: 1 });
});

test('state changes reach every client; a late client gets the current state; current follows the detection time', async () => {
  const { svc, w } = await started();
  const a: BfdStateEvent[] = [];
  const b: BfdStateEvent[] = [];
  const ha = svc.requestSession(opts, (e) => a.push(e));
  w.from({ op: 'state', sid: 1, state: 'Up', diag: 0, detectionTimeMs: 3000, at: 123.5 });
  expect(a).toEqual([{ state: 'Up', diag: 0, diagText: 'No Diagnostic', detectionTimeMs: 3000, at: 123.5 }]);
  w.from({ op: 'detection-time', sid: 1, detectionTimeMs: 300 });
  expect(a).toHaveLength(1);
  expect(ha.current?.detectionTimeMs).toBe(300);
  svc.requestSession(opts, (e) => b.push(e));
  await tick();
  expect(b).toEqual([expect.objectContaining({ state: 'Up', detectionTimeMs: 300 })]);
  w.from({ op: 'state', sid: 1, state: 'Down', diag: 1, detectionTimeMs: 300, at: 200 });
  expect(a.at(-1)).toMatchObject({ state: 'Down', diag: 1, diagText: 'Control Detection Time Expired' });
  expect(b.at(-1)).toMatchObject({ state: 'Down', diag: 1 });
});

test('a throwing client does not stop delivery to the others', async () => {
  const { svc, w } = await started();
  const got: string[] = [];
  svc.requestSession(opts, () => {
    throw new Error('client bug');
  });
  svc.requestSession(opts, (e) => got.push(e.state));
  w.from({ op: 'state', sid: 1, state: 'Init', diag: 0, detectionTimeMs: 0, at: 1 });
  expect(got).toEqual(['Init']);
});

test('sessions differ by address and interface; addresses are compared in one spelling', async () => {
  const { svc, w } = await started();
  svc.requestSession({ ...opts, local: 'FD00::1', peer: 'fd00::2' }, () => {});
  svc.requestSession({ ...opts, local: 'fd00::1', peer: 'FD00::2' }, () => {});
  svc.requestSession({ ...opts, local: 'fe80::1', peer: 'fe80::2', ifname: 'wg0' }, () => {});
  svc.requestSession({ ...opts, local: 'fe80::1', peer: 'fe80::2', ifname: 'wg1' }, () => {});
  expect(w.posted.filter((m) => m.op === 'open')).toHaveLength(3);
});

test('invalid requests are refused', async () => {
  const { svc } = await started();
  expect(() => svc.requestSession({ ...opts, peer: 'fd00::2' }, () => {})).toThrow(/families/);
  expect(() => svc.requestSession({ ...opts, peer: 'host' }, () => {})).toThrow(/IP addresses/);
  expect(() => svc.requestSession({ ...opts, multiplier: 0 }, () => {})).toThrow(/multiplier/);
  expect(() => svc.requestSession({ ...opts, desiredMinTxMs: 0 }, () => {})).toThrow(/desiredMinTxMs/);
  expect(() => svc.requestSession({ ...opts, auth: { type: 'keyed-md5', keyId: 1, secret: '' } }, () => {})).toThrow(/secret/);
  svc.requestSession({ ...opts, auth: { type: 'keyed-md5', keyId: 1, secret: 'a' } }, () => {});
  expect(() => svc.requestSession({ ...opts, auth: { type: 'keyed-md5', keyId: 1, secret: 'b' } }, () => {})).toThrow(/other authentication/);
});

test('when the worker dies, Up sessions are reported Down and reopened in a new worker', async () => {
  const { svc, workers, w } = await started();
  const got: BfdStateEvent[] = [];
  svc.requestSession(opts, (e) => got.push(e));
  w.from({ op: 'state', sid: 1, state: 'Up', diag: 0, detectionTimeMs: 300, at: 1 });
  w.emit('exit', 1);
  expect(got.at(-1)).toMatchObject({ state: 'Down' });
  expect(workers).toHaveLength(2);
  expect(workers[1]!.posted).toEqual([{ op: 'open', sid: 1, spec: expect.objectContaining({ local: '10.0.0.1', peer: '10.0.0.2' }) }]);
});

test('stop() shuts the worker down and forgets every session', async () => {
  const { svc, w } = await started();
  svc.requestSession(opts, () => {});
  await svc.stop();
  expect(w.posted.at(-1)).toEqual({ op: 'shutdown' });
  expect(() => svc.requestSession(opts, () => {})).toThrow(/before start/);
});
