// BfdService on the main thread with a fake worker: reference counting, merged timers, delivery to every client,
// late subscribers, validation, and recovery when the worker dies.
import type { BfdHost } from '../../../src/bfd/host';
import { BfdService, type BfdStateEvent } from '../../../src/bfd/service';
import type { FromWorker, ToWorker } from '../../../src/bfd/protocol';
import { BfdState } from '../../../src/bfd/packet';
import { emptyHistogram, record } from '../../../src/bfd/lateness';

let nextPid = 100;
class FakeHost implements BfdHost {
  readonly kind = 'process' as const;
  readonly pid = nextPid++;
  posted: ToWorker[] = [];
  private msg: ((m: FromWorker) => void)[] = [];
  private exit: ((code: number | null, signal: string | null) => void)[] = [];
  dead = false;
  post(m: ToWorker): void {
    if (this.dead) return;
    this.posted.push(m);
    if (m.op === 'shutdown') queueMicrotask(() => this.die(0, null));
  }
  onMessage(fn: (m: FromWorker) => void): void {
    this.msg.push(fn);
  }
  onExit(fn: (code: number | null, signal: string | null) => void): void {
    this.exit.push(fn);
  }
  kill(): void {
    this.die(null, 'SIGKILL');
  }
  die(code: number | null, signal: string | null): void {
    if (this.dead) return;
    this.dead = true;
    for (const f of this.exit) f(code, signal);
  }
  from(m: FromWorker): void {
    for (const f of this.msg) f(m);
  }
}

async function started(extra: { standby?: boolean; unavailableAfterMs?: number } = {}) {
  const workers: FakeHost[] = [];
  const svc = new BfdService({
    standby: false,
    ...extra,
    spawn: () => {
      const w = new FakeHost();
      workers.push(w);
      queueMicrotask(() => w.from({ op: 'ready', pid: w.pid }));
      return w;
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
  expect(w.posted[0]).toEqual({ op: 'open', sid: 1, spec: expect.objectContaining({ desiredMinTxMs: 100 }), localDiscr: expect.any(Number) });
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

test('stop() shuts the worker down and forgets every session', async () => {
  const { svc, w } = await started();
  svc.requestSession(opts, () => {});
  await svc.stop();
  expect(w.posted.at(-1)).toEqual({ op: 'shutdown' });
  expect(() => svc.requestSession(opts, () => {})).toThrow(/before start/);
});

const upResume = {
  sessionState: BfdState.Up as const,
  remoteDiscr: 0x77,
  remoteSessionState: BfdState.Up,
  remoteMinRxUs: 100_000,
  remoteDesiredMinTxUs: 100_000,
  remoteDetectMult: 3,
  remoteDemandMode: false,
  txDesiredMinTxUs: 100_000,
  rxRequiredMinRxUs: 100_000,
  xmitAuthSeq: 0,
};

test('when the BFD process dies, clients see no change: the new one resumes every session with the same discriminator', async () => {
  const { svc, workers, w } = await started();
  const got: BfdStateEvent[] = [];
  const h = svc.requestSession(opts, (e) => got.push(e));
  const open = w.posted[0] as Extract<ToWorker, { op: 'open' }>;
  w.from({ op: 'state', sid: 1, state: 'Up', diag: 0, detectionTimeMs: 300, at: 1 });
  w.from({ op: 'resume-point', sid: 1, resume: upResume });
  w.die(null, 'SIGKILL');
  expect(got.map((e) => e.state)).toEqual(['Up']); // no Down for the restart
  await tick();
  expect(workers).toHaveLength(2);
  expect(workers[1]!.posted).toEqual([{ op: 'open', sid: 1, spec: open.spec, localDiscr: open.localDiscr, resume: upResume }]);
  expect(h.current?.state).toBe('Up');
  expect(svc.status()).toMatchObject({ restarts: 1, pid: workers[1]!.pid, lastRestart: { signal: 'SIGKILL', code: null } });
  // Messages of the dead process no longer count; the new one's do.
  w.from({ op: 'state', sid: 1, state: 'Down', diag: 1, detectionTimeMs: 300, at: 2 });
  expect(got).toHaveLength(1);
  workers[1]!.from({ op: 'state', sid: 1, state: 'Down', diag: 3, detectionTimeMs: 300, at: 3 });
  expect(got.at(-1)).toMatchObject({ state: 'Down', diag: 3 });
  await svc.stop();
});

test('a session that was Down (no resume point) opens afresh; a closed one is not reopened', async () => {
  const { svc, workers, w } = await started();
  svc.requestSession(opts, () => {});
  const h2 = svc.requestSession({ ...opts, peer: '10.0.0.3' }, () => {});
  w.from({ op: 'resume-point', sid: 1, resume: upResume });
  w.from({ op: 'resume-point', sid: 1, resume: null });
  h2.close();
  w.die(1, null);
  await tick();
  expect(workers[1]!.posted).toEqual([{ op: 'open', sid: 1, spec: expect.objectContaining({ peer: '10.0.0.2' }), localDiscr: expect.any(Number) }]);
  await svc.stop();
});

test('with a standby the restart is a promotion: no process start between the crash and the resumed sessions', async () => {
  const { svc, workers, w } = await started({ standby: true });
  await tick();
  expect(workers).toHaveLength(2); // active + standby
  svc.requestSession(opts, () => {});
  expect(workers[1]!.posted).toEqual([]); // the standby holds nothing until promoted
  w.from({ op: 'resume-point', sid: 1, resume: upResume });
  w.die(null, 'SIGSEGV');
  // Synchronously, within the exit handler: the standby already has the session.
  expect(workers[1]!.posted).toEqual([expect.objectContaining({ op: 'open', sid: 1, resume: upResume })]);
  await tick();
  expect(workers).toHaveLength(3); // a new standby
  expect(svc.status()).toMatchObject({ pid: workers[1]!.pid, standbyPid: workers[2]!.pid, lastRestart: { gapMs: expect.any(Number) } });
  await svc.stop();
  expect(workers.every((x) => x.dead)).toBe(true);
});

test('keyed authentication resumes its transmit sequence from the last report plus the packets sent since', async () => {
  const { svc, workers, w } = await started();
  const auth = { type: 'meticulous-keyed-sha1' as const, keyId: 1, secret: 's' };
  svc.requestSession({ ...opts, auth }, () => {});
  w.from({ op: 'resume-point', sid: 1, resume: upResume });
  w.from({ op: 'stats', at: Date.now() - 1000, lateness: emptyHistogram(), sessions: [{ sid: 1, tx: 10, rx: 10, discarded: 0, lateMaxMs: 0, xmitAuthSeq: 5000 }], heapUsedBytes: 1 });
  w.die(1, null);
  await tick();
  const open = workers[1]!.posted[0] as Extract<ToWorker, { op: 'open' }>;
  // 1000 ms at 100 ms less 12.5 % average jitter: about 11 packets, within the 3 x 3 window the peer accepts.
  expect(open.resume!.xmitAuthSeq).toBeGreaterThanOrEqual(5010);
  expect(open.resume!.xmitAuthSeq).toBeLessThanOrEqual(5014);
  await svc.stop();
});

test('when no BFD process can run for too long, the sessions are reported Down and later start afresh', async () => {
  let n = 0;
  const workers: FakeHost[] = [];
  const svc = new BfdService({
    standby: false,
    unavailableAfterMs: 30,
    spawn: () => {
      const w = new FakeHost();
      workers.push(w);
      // The first starts; the next one dies before it is ready.
      if (n++ === 0) queueMicrotask(() => w.from({ op: 'ready', pid: w.pid }));
      else queueMicrotask(() => w.die(1, null));
      return w;
    },
  });
  await svc.start();
  const got: BfdStateEvent[] = [];
  svc.requestSession(opts, (e) => got.push(e));
  workers[0]!.from({ op: 'state', sid: 1, state: 'Up', diag: 0, detectionTimeMs: 300, at: 1 });
  workers[0]!.from({ op: 'resume-point', sid: 1, resume: upResume });
  workers[0]!.die(null, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 80));
  expect(got.map((e) => e.state)).toEqual(['Up', 'Down']);
  expect(got.at(-1)).toMatchObject({ diagText: 'BFD process not running' });
  await svc.stop();
});

test('status: lateness over the window and since start, packet counters across a restart, the process cost', async () => {
  const { svc, workers, w } = await started();
  svc.requestSession(opts, () => {});
  const h = emptyHistogram();
  for (let i = 0; i < 99; i++) record(h, 0.05);
  record(h, 40);
  w.from({ op: 'stats', at: 1000, lateness: h, sessions: [{ sid: 1, tx: 20, rx: 19, discarded: 1, lateMaxMs: 40 }], cpuUserUs: 300_000, cpuSystemUs: 200_000, rssBytes: 30e6, heapUsedBytes: 4e6 });
  let st = svc.status();
  expect(st.txLateness.recent).toMatchObject({ packets: 100, maxMs: 40 });
  expect(st.txLateness.recent!.p50Ms).toBeLessThanOrEqual(0.07);
  expect(st.txLateness.recent!.p99Ms).toBeLessThanOrEqual(0.07);
  expect(st.sessions[0]).toMatchObject({ state: 'Starting', tx: 20, rx: 19, discarded: 1, txLateMaxMs: 40, clients: 1 });
  expect(st.cost).toMatchObject({ cpuSeconds: 0.5, rssBytes: 30e6 });
  w.die(1, null);
  await tick();
  workers[1]!.from({ op: 'stats', at: 2000, lateness: emptyHistogram(), sessions: [{ sid: 1, tx: 3, rx: 2, discarded: 0, lateMaxMs: 0 }], cpuUserUs: 100_000, cpuSystemUs: 0, heapUsedBytes: 1 });
  st = svc.status();
  expect(st.sessions[0]).toMatchObject({ tx: 23, rx: 21, discarded: 1 });
  expect(st.cost.cpuSeconds).toBeCloseTo(0.6);
  expect(st.txLateness.total).toMatchObject({ packets: 100 });
  await svc.stop();
});
