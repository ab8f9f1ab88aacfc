// ProbeRunner with a fake ping child and a FakeClock: lines become events, a dead or silent child is reported Down
// and restarted with backoff (1 s, 2 s, 4 s ...), stop() kills the process group and silences everything.

import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { ProbeRunner, silenceLimitMs, type ProbeChild, type ProbeStateChange } from '../../../src/health/probe-runner';
import type { ProbeSpec } from '../../../src/health/probe-spec';
import type { QualitySample } from '../../../src/health/types';
import { FakeClock } from '../../../src/util/clock';

class FakeChild extends EventEmitter implements ProbeChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  constructor(readonly pid: number) {
    super();
  }
  out(...lines: string[]): void {
    for (const l of lines) this.stdout.write(l + '\n');
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('close', code, signal);
  }
}

const flush = () => new Promise((r) => setImmediate(r));
const spec: ProbeSpec = { local: '10.0.0.1', peer: '10.0.0.2', intervalMs: 50, multiplier: 3 };
const reply = (seq: number) => `[1.0] 64 bytes from 10.0.0.2: icmp_seq=${seq} ttl=64 time=0.5 ms`;
const lost = (seq: number) => `[1.0] no answer yet for icmp_seq=${seq}`;

function setup(opts: { spawnThrows?: boolean } = {}) {
  const clock = new FakeClock();
  const children: FakeChild[] = [];
  const argvs: string[][] = [];
  const kills: [number, string][] = [];
  const states: ProbeStateChange[] = [];
  const samples: QualitySample[] = [];
  const pids: (number | undefined)[] = [];
  const logs: string[] = [];
  let nextPid = 100;
  const runner = new ProbeRunner(spec, {
    clock,
    epochOffset: 1_000_000,
    spawn: (argv) => {
      argvs.push(argv);
      if (opts.spawnThrows) throw new Error('spawn EAGAIN');
      const c = new FakeChild(nextPid++);
      children.push(c);
      return c;
    },
    killGroup: (pid, sig) => kills.push([pid, sig]),
    onState: (s) => states.push(s),
    onSample: (s) => samples.push(s),
    onChild: (pid) => pids.push(pid),
    onLog: (_l, m) => logs.push(m),
  });
  return { clock, children, argvs, kills, states, samples, pids, logs, runner };
}

test('starts ping with the documented command line and reports its pid', () => {
  const t = setup();
  t.runner.start();
  expect(t.argvs).toEqual([['ping', '-n', '-D', '-O', '-i', '0.05', '-I', '10.0.0.1', '10.0.0.2']]);
  expect(t.pids).toEqual([100]);
  expect(t.runner.pid).toBe(100);
});

test('lines from the child drive Up, Down and samples; event times are epoch = offset + clock', async () => {
  const t = setup();
  t.runner.start();
  t.clock.advance(150);
  t.children[0]!.out('PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 : 56(84) bytes of data.', reply(1), reply(2), reply(3));
  await flush();
  expect(t.states).toEqual([{ state: 'up', reason: 'probe-replies', detail: '3 consecutive replies (icmp_seq 1-3)', at: 1_000_150 }]);
  t.children[0]!.out(lost(4), lost(5), lost(6));
  await flush();
  expect(t.states.map((s) => s.state)).toEqual(['up', 'down']);
  expect(t.samples.map((s) => `${s.seq}${s.outcome[0]}`)).toEqual(['1r', '2r', '3r', '4l', '5l', '6l']);
});

test('a child that exits is Down at once (with its stderr), and restarted after 1 s, 2 s, 4 s; a stable child resets the backoff', async () => {
  const t = setup();
  t.runner.start();
  t.children[0]!.out(reply(1), reply(2), reply(3));
  await flush();
  t.children[0]!.stderr.write('ping: bind: Cannot assign requested address\n');
  await flush();
  t.children[0]!.exit(2);
  expect(t.states.at(-1)).toEqual({ state: 'down', reason: 'ping-exited', detail: 'ping exited (code 2): bind: Cannot assign requested address', at: 1_000_000 });
  expect(t.kills).toEqual([[100, 'SIGKILL']]); // the group goes too, whatever is left of it
  expect(t.pids).toEqual([100, undefined]);

  t.clock.advance(999);
  expect(t.children).toHaveLength(1);
  t.clock.advance(1);
  expect(t.children).toHaveLength(2);
  t.children[1]!.exit(null, 'SIGSEGV');
  expect(t.states).toHaveLength(2); // already Down: no second event
  t.clock.advance(1999);
  expect(t.children).toHaveLength(2);
  t.clock.advance(1);
  expect(t.children).toHaveLength(3);
  t.children[2]!.exit(1);
  t.clock.advance(4000);
  expect(t.children).toHaveLength(4);

  // This one lives 10 s (printing all along, so the watchdog stays quiet) before dying: the next restart is after
  // 1 s again, where the backoff would otherwise have reached 8 s.
  for (let i = 1; i <= 10; i++) {
    t.children[3]!.out(reply(i));
    await flush();
    t.clock.advance(1000);
  }
  expect(t.states.filter((s) => s.reason === 'ping-silent')).toEqual([]);
  t.children[3]!.exit(1);
  t.clock.advance(999);
  expect(t.children).toHaveLength(4);
  t.clock.advance(1);
  expect(t.children).toHaveLength(5);
});

test('a child that stays silent is killed as hung, reported Down and restarted', async () => {
  const t = setup();
  t.runner.start();
  t.children[0]!.out(reply(1), reply(2), reply(3));
  await flush();
  const limit = silenceLimitMs(spec);
  expect(limit).toBe(3000);
  // Lines keep the watchdog quiet...
  t.clock.advance(limit - 1);
  t.children[0]!.out(reply(4));
  await flush();
  t.clock.advance(limit - 1);
  expect(t.states.map((s) => s.state)).toEqual(['up']);
  // ...silence trips it.
  t.clock.advance(1);
  expect(t.states.at(-1)).toMatchObject({ state: 'down', reason: 'ping-silent' });
  expect(t.kills).toEqual([[100, 'SIGKILL']]);
  // The killed child's late exit and output change nothing.
  t.children[0]!.out(reply(5), reply(6), reply(7));
  t.children[0]!.exit(null, 'SIGKILL');
  await flush();
  expect(t.states.map((s) => s.state)).toEqual(['up', 'down']);
  t.clock.advance(1000);
  expect(t.children).toHaveLength(2);
});

test('stop() kills the process group; nothing is reported or restarted afterwards', async () => {
  const t = setup();
  t.runner.start();
  t.children[0]!.out(reply(1), reply(2));
  t.runner.stop();
  expect(t.kills).toEqual([[100, 'SIGKILL']]);
  t.children[0]!.exit(null, 'SIGKILL');
  await flush();
  t.clock.advance(60_000);
  expect(t.states).toEqual([]);
  expect(t.children).toHaveLength(1);
  expect(t.clock.pendingTimers()).toBe(0);
});

test('a spawn that throws is a Down and is retried with backoff', () => {
  const t = setup({ spawnThrows: true });
  t.runner.start();
  expect(t.states).toEqual([{ state: 'down', reason: 'ping-exited', detail: expect.stringContaining('spawn EAGAIN'), at: 1_000_000 }]);
  t.clock.advance(1000);
  expect(t.argvs).toHaveLength(2);
  t.clock.advance(2000);
  expect(t.argvs).toHaveLength(3);
  t.runner.stop();
});

test('a spawn error event (binary missing) is a Down', () => {
  const t = setup();
  t.runner.start();
  t.children[0]!.emit('error', Object.assign(new Error('spawn ping ENOENT'), { code: 'ENOENT' }));
  expect(t.states).toEqual([{ state: 'down', reason: 'ping-exited', detail: 'cannot start ping: spawn ping ENOENT', at: 1_000_000 }]);
  t.runner.stop();
});

test('the silence limit scales with slow probes', () => {
  expect(silenceLimitMs({ intervalMs: 1000, multiplier: 3 })).toBe(12_000);
  expect(silenceLimitMs({ intervalMs: 20_000, multiplier: 1 })).toBe(80_000);
});
