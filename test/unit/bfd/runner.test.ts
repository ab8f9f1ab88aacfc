// Two BFD session runners joined by an in-memory link on a FakeClock: handshake, jittered transmission,
// detection of a cut link within the detection time, recovery, and a timer change by Poll/Final.
import { FakeClock } from '../../../src/util/clock';
import { decodeControl } from '../../../src/bfd/codec';
import { BfdState } from '../../../src/bfd/packet';
import { BfdSessionRunner, type BfdRunnerChange } from '../../../src/bfd/runner';
import { resumePoint, type BfdSessionConfig } from '../../../src/bfd/session';
import { jitteredIntervalUs } from '../../../src/bfd/timers';
import fc from 'fast-check';

/** A deterministic PRNG so the jitter varies but the test is repeatable. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

function pair(cfgA: Partial<BfdSessionConfig> = {}, cfgB: Partial<BfdSessionConfig> = {}) {
  const clock = new FakeClock();
  const base: BfdSessionConfig = { desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3, passive: false };
  let linkUp = true;
  const sent = { a: [] as number[], b: [] as number[] };
  const changes = { a: [] as BfdRunnerChange[], b: [] as BfdRunnerChange[] };
  // eslint-disable-next-line prefer-const
  let a: BfdSessionRunner, b: BfdSessionRunner;
  const deliver = (to: () => BfdSessionRunner, log: number[]) => (bytes: Uint8Array) => {
    log.push(clock.now());
    if (linkUp) to().receive(decodeControl(bytes), bytes);
  };
  a = new BfdSessionRunner({ ...base, ...cfgA }, { clock, random: lcg(1), localDiscr: 0xa, transmit: deliver(() => b, sent.a), onStateChange: (c) => changes.a.push(c) });
  b = new BfdSessionRunner({ ...base, ...cfgB }, { clock, random: lcg(2), localDiscr: 0xb, transmit: deliver(() => a, sent.b), onStateChange: (c) => changes.b.push(c) });
  return { clock, a, b, sent, changes, cut: (up: boolean) => void (linkUp = !up) };
}

test('handshake: both Up within one slow interval, through Init', () => {
  const { clock, a, b, changes } = pair();
  a.start();
  b.start();
  clock.advance(1000);
  expect(a.session.sessionState).toBe(BfdState.Up);
  expect(b.session.sessionState).toBe(BfdState.Up);
  // whoever hears Down first goes to Init; the other jumps from Down to Up on that Init (§6.8.6)
  const paths = [changes.a, changes.b].map((c) => c.map((x) => x.to).join(',')).sort();
  expect(paths).toEqual([`${BfdState.Init},${BfdState.Up}`, `${BfdState.Up}`]);
});

test('Up: packets every 37.5-50 ms (50 ms less 0-25 % jitter), the Poll after Up settled', () => {
  const { clock, a, b, sent } = pair();
  a.start();
  b.start();
  clock.advance(2000);
  expect(a.session.poll).toBeNull();
  const from = sent.a.length;
  clock.advance(2000);
  const times = sent.a.slice(from);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  expect(gaps.length).toBeGreaterThan(35);
  for (const g of gaps) {
    expect(g).toBeGreaterThanOrEqual(37.5);
    expect(g).toBeLessThanOrEqual(50);
  }
  expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(3); // really jittered
});

test('a cut link brings both Down with diag 1 within the 150 ms detection time, and they come back', () => {
  const { clock, a, b, changes, cut } = pair();
  a.start();
  b.start();
  clock.advance(2000);
  cut(true);
  const at = clock.now();
  clock.advance(200);
  for (const side of [changes.a, changes.b]) {
    const down = side.find((c) => c.to === BfdState.Down)!;
    expect(down.diag).toBe(1);
    // the last packet arrived at most one interval before the cut: Down after (100, 150] ms
    expect(down.at - at).toBeGreaterThan(100);
    expect(down.at - at).toBeLessThanOrEqual(150);
    expect(down.detectionTimeUs).toBe(150_000);
  }
  expect(a.session.desiredMinTxUs).toBe(1_000_000);
  cut(false);
  clock.advance(2500);
  expect([a.session.sessionState, b.session.sessionState]).toEqual([BfdState.Up, BfdState.Up]);
});

test('peer stops (AdminDown): the other side goes Down with diag 3 at once', () => {
  const { clock, a, b, changes } = pair();
  a.start();
  b.start();
  clock.advance(2000);
  const t = clock.now();
  a.adminDown();
  expect(changes.b.at(-1)).toMatchObject({ to: BfdState.Down, diag: 3, at: t });
});

test('timer change while Up goes through Poll/Final and both sides end on the new interval', () => {
  const { clock, a, b, sent } = pair({}, {});
  a.start();
  b.start();
  clock.advance(2000);
  a.changeTimers(200_000, 200_000, 3);
  expect(a.session.poll).not.toBeNull();
  clock.advance(100);
  expect(a.session.poll).toBeNull();
  clock.advance(1000); // let B's interval follow our larger RequiredMinRx
  const from = sent.b.length;
  clock.advance(2000);
  const bGaps = sent.b.slice(from).slice(1).map((t, i) => t - sent.b[from + i]!);
  for (const g of bGaps) expect(g).toBeGreaterThanOrEqual(150);
  expect(b.session.sessionState).toBe(BfdState.Up);
  expect(a.session.sessionState).toBe(BfdState.Up);
});

test('stop() cancels every timer', () => {
  const { clock, a, b } = pair();
  a.start();
  b.start();
  clock.advance(2000);
  a.stop();
  b.stop();
  expect(clock.pendingTimers()).toBe(0);
});

describe('jitter (§6.8.7)', () => {
  test('75-100 % of the interval, 75-90 % when Detect Mult is 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 10_000_000 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 }), (iv, r, mult) => {
        const j = jitteredIntervalUs(iv, mult, r);
        expect(j).toBeGreaterThanOrEqual(Math.floor(iv * 0.75));
        expect(j).toBeLessThanOrEqual(mult === 1 ? iv * 0.9 : iv);
      }),
    );
  });
});

describe('resuming in a new process', () => {
  test('a session resumed after a 60 ms pause carries on: the peer sees no state change, Poll-free, same discriminators', () => {
    const { clock, a, b, changes } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    const r = resumePoint(a.session)!;
    expect(r).toMatchObject({ sessionState: BfdState.Up, remoteDiscr: 0xb, txDesiredMinTxUs: 50_000, rxRequiredMinRxUs: 50_000 });
    a.stop(); // the process died
    clock.advance(60);
    const sent: number[] = [];
    const a2Changes: BfdRunnerChange[] = [];
    const a2 = new BfdSessionRunner(
      { desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3, passive: false },
      { clock, random: lcg(9), localDiscr: 0xa, resume: r, transmit: (bytes) => (sent.push(clock.now()), b.receive(decodeControl(bytes), bytes)), onStateChange: (c) => a2Changes.push(c) },
    );
    // b must now talk to a2 (the test's link delivers to `a`): rewire by replacing the receive target
    (a as unknown as { receive: BfdSessionRunner['receive'] }).receive = (p, raw) => a2.receive(p, raw);
    const bChangesBefore = changes.b.length;
    a2.start();
    expect(sent).toEqual([clock.now()]); // speaks at once
    clock.advance(5000);
    expect(changes.b.length).toBe(bChangesBefore);
    expect(a2Changes).toEqual([]);
    expect(a2.session.sessionState).toBe(BfdState.Up);
    expect(a2.session.poll).toBeNull();
    expect(b.session.remoteDiscr).toBe(0xa);
  });

  test('a resumed session whose peer has gone goes Down one detection time after the resume', () => {
    const { clock, a, b } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    const r = resumePoint(a.session)!;
    a.stop();
    b.stop(); // and the peer is gone too
    const changes: BfdRunnerChange[] = [];
    const at = clock.now();
    const a2 = new BfdSessionRunner(
      { desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3, passive: false },
      { clock, localDiscr: 0xa, resume: r, transmit: () => {}, onStateChange: (c) => changes.push(c) },
    );
    a2.start();
    clock.advance(1000);
    expect(changes).toEqual([expect.objectContaining({ to: BfdState.Down, diag: 1, at: at + 150 })]);
  });

  test('nothing to resume while Down', () => {
    const { a } = pair();
    expect(resumePoint(a.session)).toBeNull();
  });
});

test('transmit lateness: zero on time, the delay when the clock fires late', () => {
  const base = new FakeClock();
  let delay = 0;
  const lateClock = { now: () => base.now(), setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms + delay) };
  const late: number[] = [];
  const r = new BfdSessionRunner(
    { desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3, passive: false },
    { clock: lateClock, random: lcg(3), localDiscr: 1, transmit: () => {}, onStateChange: () => {}, onTxLateness: (ms) => late.push(ms) },
  );
  r.start();
  base.advance(5000); // slow rate (1 s) while Down
  expect(late.length).toBeGreaterThanOrEqual(4);
  expect(Math.max(...late)).toBe(0);
  delay = 7;
  late.length = 0;
  base.advance(5000);
  expect(late.length).toBeGreaterThanOrEqual(4);
  // The first was scheduled before the delay began.
  expect(late[0]).toBe(0);
  for (const x of late.slice(1)) expect(x).toBeCloseTo(7, 6);
});
