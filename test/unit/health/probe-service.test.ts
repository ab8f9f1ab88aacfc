// ProbeService over a fake worker (messages, restart after a worker death, pid bookkeeping and group kills),
// ProbeEngine over a fake spawn, and the probe command line and its validation.

import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { ProbeEngine } from '../../../src/health/probe-engine';
import type { FromProbeWorker, ToProbeWorker } from '../../../src/health/probe-protocol';
import type { ProbeChild } from '../../../src/health/probe-runner';
import { ProbeService, type ProbeStateEvent } from '../../../src/health/probe-service';
import { pingArgv, validateProbeSpec, type ProbeSpec } from '../../../src/health/probe-spec';
import type { QualitySample } from '../../../src/health/types';
import { FakeClock } from '../../../src/util/clock';

class FakeWorker extends EventEmitter {
  readonly posted: ToProbeWorker[] = [];
  postMessage(msg: ToProbeWorker): void {
    this.posted.push(msg);
    if (msg.op === 'shutdown') queueMicrotask(() => this.emit('exit', 0));
  }
  unref(): void {}
  terminate(): Promise<number> {
    this.emit('exit', 1);
    return Promise.resolve(1);
  }
  send(msg: FromProbeWorker): void {
    this.emit('message', msg);
  }
}

const spec: ProbeSpec = { local: '10.0.0.1', peer: '10.0.0.2', intervalMs: 50, multiplier: 3 };

async function started() {
  const workers: FakeWorker[] = [];
  const killed: number[] = [];
  const warns: string[] = [];
  const svc = new ProbeService({
    spawn: () => {
      const w = new FakeWorker();
      workers.push(w);
      queueMicrotask(() => w.send({ op: 'ready' }));
      return w as unknown as Worker;
    },
    killGroup: (pid) => killed.push(pid),
    log: { warn: (_o, m) => warns.push(m) },
  });
  await svc.start();
  return { svc, workers, killed, warns };
}

describe('ProbeService', () => {
  test('opens a probe in the worker, delivers state with the detection time and samples; close() closes it', async () => {
    const { svc, workers } = await started();
    const events: ProbeStateEvent[] = [];
    const samples: QualitySample[] = [];
    const h = svc.requestProbe(spec, { onChange: (e) => events.push(e), onSample: (s) => samples.push(s) });
    expect(workers[0]!.posted).toEqual([{ op: 'open', id: 1, spec }]);
    workers[0]!.send({ op: 'sample', id: 1, sample: { seq: 1, outcome: 'reply', rttMs: 1, at: 5 } });
    workers[0]!.send({ op: 'state', id: 1, state: 'up', reason: 'probe-replies', detail: 'd', at: 6 });
    expect(samples).toHaveLength(1);
    expect(events).toEqual([{ state: 'up', reason: 'probe-replies', detail: 'd', at: 6, detectionTimeMs: 150 }]);
    expect(h.current?.state).toBe('up');
    h.close();
    h.close();
    expect(workers[0]!.posted.at(-1)).toEqual({ op: 'close', id: 1 });
    expect(workers[0]!.posted).toHaveLength(2);
    workers[0]!.send({ op: 'state', id: 1, state: 'down', reason: 'probe-timeout', detail: 'd', at: 7 });
    expect(events).toHaveLength(1);
    await svc.stop();
  });

  test('rejects bad requests and requests before start()', async () => {
    expect(() => new ProbeService().requestProbe(spec, { onChange: () => undefined })).toThrow(/before start/);
    const { svc } = await started();
    expect(() => svc.requestProbe({ ...spec, peer: 'fd00::2' }, { onChange: () => undefined })).toThrow(/different families/);
    await svc.stop();
  });

  test('tracks child pids; a dead worker: its pings are killed, probes reported Down and re-opened in a new worker', async () => {
    const { svc, workers, killed } = await started();
    const events: ProbeStateEvent[] = [];
    svc.requestProbe(spec, { onChange: (e) => events.push(e) });
    workers[0]!.send({ op: 'child', id: 1, pid: 4242 });
    workers[0]!.send({ op: 'state', id: 1, state: 'up', reason: 'probe-replies', detail: 'd', at: 1 });
    expect(svc.childPids()).toEqual([4242]);
    workers[0]!.emit('exit', 1);
    expect(killed).toEqual([4242]);
    expect(events.at(-1)).toMatchObject({ state: 'down', reason: 'worker-exited', detectionTimeMs: 150 });
    expect(workers).toHaveLength(2);
    expect(workers[1]!.posted).toEqual([{ op: 'open', id: 1, spec }]);
    // The old worker's late messages are ignored.
    workers[0]!.send({ op: 'state', id: 1, state: 'up', reason: 'probe-replies', detail: 'old', at: 2 });
    expect(events.at(-1)?.reason).toBe('worker-exited');
    await svc.stop();
  });

  test('stop(): shutdown to the worker; pids it reported gone are not killed, any left are', async () => {
    const { svc, workers, killed } = await started();
    svc.requestProbe(spec, { onChange: () => undefined });
    svc.requestProbe({ ...spec, peer: '10.0.0.3' }, { onChange: () => undefined });
    workers[0]!.send({ op: 'child', id: 1, pid: 11 });
    workers[0]!.send({ op: 'child', id: 2, pid: 12 });
    const w = workers[0]!;
    const origPost = w.postMessage.bind(w);
    // The worker reports child 11 gone while shutting down, but not 12.
    w.postMessage = (msg: ToProbeWorker) => {
      if (msg.op === 'shutdown') w.send({ op: 'child', id: 1, pid: null });
      origPost(msg);
    };
    await svc.stop();
    expect(w.posted.at(-1)).toEqual({ op: 'shutdown' });
    expect(killed).toEqual([12]);
    expect(svc.childPids()).toEqual([]);
  });

  test('a throwing client callback is logged, not fatal', async () => {
    const { svc, workers, warns } = await started();
    svc.requestProbe(spec, {
      onChange: () => {
        throw new Error('boom');
      },
    });
    workers[0]!.send({ op: 'state', id: 1, state: 'up', reason: 'probe-replies', detail: 'd', at: 1 });
    expect(warns).toEqual(['probe client callback threw']);
    await svc.stop();
  });
});

describe('ProbeEngine', () => {
  test('open/close/shutdown drive runners; messages carry the probe id', async () => {
    const posted: FromProbeWorker[] = [];
    const kills: number[] = [];
    const kids: (ProbeChild & EventEmitter & { stdout: PassThrough })[] = [];
    const engine = new ProbeEngine(new FakeClock(), (m) => posted.push(m), 0, {
      spawn: () => {
        const c = Object.assign(new EventEmitter(), { pid: 500 + kids.length, stdout: new PassThrough(), stderr: new PassThrough() });
        kids.push(c);
        return c;
      },
      killGroup: (pid) => kills.push(pid),
    });
    engine.handle({ op: 'open', id: 7, spec });
    engine.handle({ op: 'open', id: 7, spec }); // duplicate open ignored
    expect(kids).toHaveLength(1);
    kids[0]!.stdout.write('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.5 ms\n');
    await new Promise((r) => setImmediate(r));
    expect(posted).toEqual([
      { op: 'child', id: 7, pid: 500 },
      { op: 'sample', id: 7, sample: { seq: 1, outcome: 'reply', rttMs: 0.5, at: 0 } },
    ]);
    engine.handle({ op: 'open', id: 8, spec: { ...spec, peer: '10.0.0.3' } });
    engine.handle({ op: 'close', id: 7 });
    expect(kills).toEqual([500]);
    engine.handle({ op: 'shutdown' });
    expect(kills).toEqual([500, 501]);
    expect(posted.at(-1)).toEqual({ op: 'closed' });
  });
});

describe('probe command line', () => {
  test('IPv4, IPv6, link-local zones, a namespace, a ping path', () => {
    expect(pingArgv(spec)).toEqual(['ping', '-n', '-D', '-O', '-i', '0.05', '-I', '10.0.0.1', '10.0.0.2']);
    expect(pingArgv({ ...spec, local: 'fd00::1', peer: 'fd00::2', intervalMs: 1000 })).toEqual(['ping', '-n', '-D', '-O', '-i', '1', '-I', 'fd00::1', 'fd00::2']);
    expect(pingArgv({ ...spec, local: 'fe80::1', peer: 'fe80::2', ifname: 'wg0' }).slice(-3)).toEqual(['-I', 'fe80::1%wg0', 'fe80::2%wg0']);
    expect(pingArgv({ ...spec, local: 'fd00::1', peer: 'fd00::2', ifname: 'wg0' }).slice(-2)).toEqual(['fd00::1', 'fd00::2']);
    expect(pingArgv({ ...spec, netns: 'bgpfo-t-x-me', pingPath: '/usr/bin/ping' }).slice(0, 5)).toEqual(['ip', 'netns', 'exec', 'bgpfo-t-x-me', '/usr/bin/ping']);
  });

  test('validation', () => {
    expect(() => validateProbeSpec(spec)).not.toThrow();
    expect(() => validateProbeSpec({ ...spec, local: 'wg0' })).toThrow(/IP addresses/);
    expect(() => validateProbeSpec({ ...spec, intervalMs: 5 })).toThrow(/intervalMs/);
    expect(() => validateProbeSpec({ ...spec, intervalMs: 50.5 })).toThrow(/intervalMs/);
    expect(() => validateProbeSpec({ ...spec, multiplier: 0 })).toThrow(/multiplier/);
    expect(() => validateProbeSpec({ ...spec, ifname: 'a-very-long-interface' })).toThrow(/interface/);
    expect(() => validateProbeSpec({ ...spec, netns: 'bad name' })).toThrow(/namespace/);
  });
});
