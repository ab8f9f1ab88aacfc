// The worker-side engine over an in-memory network on a FakeClock: sessions come Up, packets are demultiplexed by
// discriminator and source, strangers are discarded, listeners are shared and released, close() sends AdminDown.
import { FakeClock } from '../../../src/util/clock';
import { BfdEngine, type BfdNet } from '../../../src/bfd/engine';
import type { BfdSessionSpec, FromWorker } from '../../../src/bfd/protocol';
import { encodeControl } from '../../../src/bfd/codec';
import { BfdState } from '../../../src/bfd/packet';

class MemNet {
  listeners = new Map<string, (bytes: Uint8Array, from: string) => void>();
  opened = 0;
  closedTx = 0;
  cut = false;
  for(local: string): BfdNet {
    return {
      listen: (addr, _if, onPacket) => {
        expect(this.listeners.has(addr)).toBe(false);
        this.listeners.set(addr, onPacket);
        return { close: () => void this.listeners.delete(addr) };
      },
      openTx: () => {
        this.opened += 1;
        return {
          send: (bytes, peer) => {
            if (!this.cut) this.listeners.get(peer)?.(bytes, local);
          },
          close: () => void (this.closedTx += 1),
        };
      },
    };
  }
  inject(to: string, from: string, bytes: Uint8Array): void {
    this.listeners.get(to)!(bytes, from);
  }
}

function rng(seed: number) {
  let x = seed;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

const spec = (local: string, peer: string): BfdSessionSpec => ({ local, peer, desiredMinTxMs: 50, requiredMinRxMs: 50, multiplier: 3, passive: false });

function setup() {
  const clock = new FakeClock();
  const net = new MemNet();
  const outA: FromWorker[] = [];
  const outB: FromWorker[] = [];
  const a = new BfdEngine(net.for('10.0.0.1'), clock, (m) => outA.push(m), 0, rng(1));
  const b = new BfdEngine(net.for('10.0.0.2'), clock, (m) => outB.push(m), 0, rng(2));
  return { clock, net, a, b, outA, outB };
}
const states = (out: FromWorker[], sid: number) => out.flatMap((m) => (m.op === 'state' && m.sid === sid ? [m.state] : []));

test('two engines bring a session Up and report state changes with detection time', () => {
  const { clock, a, b, outA, outB } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2') });
  b.handle({ op: 'open', sid: 9, spec: spec('10.0.0.2', '10.0.0.1') });
  clock.advance(2000);
  expect(states(outA, 1).at(-1)).toBe('Up');
  expect(states(outB, 9).at(-1)).toBe('Up');
  expect(outA).toContainEqual({ op: 'detection-time', sid: 1, detectionTimeMs: 150 });
});

test('packets from a stranger or to an unknown discriminator are discarded without touching the session', () => {
  const { clock, net, a, b, outA } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2') });
  b.handle({ op: 'open', sid: 2, spec: spec('10.0.0.2', '10.0.0.1') });
  clock.advance(2000);
  const s = a.session(1)!;
  const forged = (your: number) =>
    encodeControl({
      version: 1, diag: 0, state: BfdState.AdminDown, poll: false, final: false, cpi: false, demand: false, multipoint: false,
      detectMult: 3, myDiscriminator: s.remoteDiscr, yourDiscriminator: your, desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, requiredMinEchoRxUs: 0,
    });
  // right discriminator, wrong source address (RFC 5881 §5: only the single-hop peer may speak)
  net.inject('10.0.0.1', '10.0.0.66', forged(s.localDiscr));
  // unknown discriminator from the right peer
  net.inject('10.0.0.1', '10.0.0.2', forged(0x12345678));
  // Your Discriminator 0 from a stranger
  net.inject('10.0.0.1', '10.0.0.66', forged(0));
  // garbage
  net.inject('10.0.0.1', '10.0.0.2', new Uint8Array([1, 2, 3]));
  expect(a.session(1)!.sessionState).toBe(BfdState.Up);
  const codes = outA.flatMap((m) => (m.op === 'discard' ? [m.code] : []));
  expect(codes).toEqual(['no-session', 'truncated']); // the second no-session within 5 s is counted, not reported
  expect(a.discards.get('-|no-session')).toBe(3);
  // the real peer's AdminDown is accepted (and, the memory link being instant, the handshake runs again at once)
  const before = outA.length;
  net.inject('10.0.0.1', '10.0.0.2', forged(s.localDiscr));
  expect(outA.slice(before).find((m) => m.op === 'state')).toMatchObject({ state: 'Down', diag: 3 });
});

test('sessions on one local address share a listener; closing releases it and tells the peer', () => {
  const { clock, net, a, b, outB } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2') });
  a.handle({ op: 'open', sid: 2, spec: spec('10.0.0.1', '10.0.0.3') });
  expect([...net.listeners.keys()]).toEqual(['10.0.0.1']);
  expect(net.opened).toBe(2); // one source port per session (RFC 5881 §4)
  b.handle({ op: 'open', sid: 7, spec: spec('10.0.0.2', '10.0.0.1') });
  clock.advance(2000);
  expect(states(outB, 7).at(-1)).toBe('Up');
  a.handle({ op: 'close', sid: 1 });
  expect(states(outB, 7).at(-1)).toBe('Down'); // AdminDown received: Neighbor Signaled Session Down
  expect(outB.filter((m) => m.op === 'state').at(-1)).toMatchObject({ diag: 3 });
  expect(net.listeners.has('10.0.0.1')).toBe(true);
  a.handle({ op: 'close', sid: 2 });
  expect(net.listeners.has('10.0.0.1')).toBe(false);
  expect(net.closedTx).toBe(2);
});

test('a second open for the same addresses is refused; shutdown closes everything', () => {
  const { clock, a, outA } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2') });
  a.handle({ op: 'open', sid: 2, spec: spec('10.0.0.1', '10.0.0.2') });
  expect(outA).toContainEqual(expect.objectContaining({ op: 'error', sid: 2, code: 'session-exists' }));
  a.handle({ op: 'shutdown' });
  expect(outA.at(-1)).toEqual({ op: 'closed' });
  expect(a.session(1)).toBeUndefined();
  expect(clock.pendingTimers()).toBe(0);
});

test('update changes the timers of a running session', () => {
  const { clock, a, b } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2') });
  b.handle({ op: 'open', sid: 2, spec: spec('10.0.0.2', '10.0.0.1') });
  clock.advance(2000);
  a.handle({ op: 'update', sid: 1, spec: { ...spec('10.0.0.1', '10.0.0.2'), desiredMinTxMs: 300, requiredMinRxMs: 300 } });
  clock.advance(1000);
  expect(a.session(1)).toMatchObject({ desiredMinTxUs: 300_000, poll: null, txDesiredMinTxUs: 300_000 });
  expect(b.session(2)!.remoteDesiredMinTxUs).toBe(300_000);
});

test('the daemon\'s discriminator is used; a session reopened with its resume point carries on; stats count and reset', () => {
  const { clock, net, a, b, outA, outB } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2'), localDiscr: 0x1234 });
  b.handle({ op: 'open', sid: 2, spec: spec('10.0.0.2', '10.0.0.1') });
  clock.advance(3000);
  expect(a.session(1)!.localDiscr).toBe(0x1234);
  expect(b.session(2)!.remoteDiscr).toBe(0x1234);
  // Every change of the resume point was reported; the last one is Up with B's discriminator.
  const points = outA.flatMap((m) => (m.op === 'resume-point' ? [m.resume] : []));
  const last = points.at(-1)!;
  expect(last).toMatchObject({ sessionState: BfdState.Up, remoteDiscr: b.session(2)!.localDiscr });
  const s1 = a.stats();
  expect(s1.sessions[0]).toMatchObject({ sid: 1, discarded: 0 });
  expect(s1.sessions[0]!.tx).toBeGreaterThan(50);
  expect(s1.sessions[0]!.rx).toBeGreaterThan(50);
  // Every periodic packet is measured (the ones sent at once on a state change or as a Final have no schedule).
  const periodic = s1.lateness.counts.reduce((x, y) => x + y, 0);
  expect(periodic).toBeGreaterThan(40);
  expect(periodic).toBeLessThan(s1.sessions[0]!.tx);
  expect(s1.lateness.maxMs).toBe(0); // a fake clock is never late
  expect(a.stats().lateness.counts.reduce((x, y) => x + y, 0)).toBe(0); // reset by the call

  // The process dies: its timers stop and its socket goes away, without a word to the peer.
  (a as unknown as { sessions: Map<number, { runner: { stop(): void } }> }).sessions.get(1)!.runner.stop();
  net.listeners.delete('10.0.0.1');
  const bBefore = states(outB, 2).length;
  clock.advance(30); // the restart's pause, under B's 150 ms detection time
  const outA2: FromWorker[] = [];
  const a2 = new BfdEngine(net.for('10.0.0.1'), clock, (m) => outA2.push(m), 0, rng(3));
  a2.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2'), localDiscr: 0x1234, resume: last });
  expect(a2.session(1)).toMatchObject({ localDiscr: 0x1234, sessionState: BfdState.Up });
  clock.advance(3000);
  expect(states(outB, 2).slice(bBefore)).toEqual([]); // B never noticed
  expect(states(outA2, 1)).toEqual([]); // and the new process reports no change either
  expect(a2.session(1)!.sessionState).toBe(BfdState.Up);
  expect(a2.stats().sessions[0]!.rx).toBeGreaterThan(50);
});

test('a resume point is ignored when the discriminator it belongs to is taken', () => {
  const { a } = setup();
  a.handle({ op: 'open', sid: 1, spec: spec('10.0.0.1', '10.0.0.2'), localDiscr: 7 });
  const resume = { sessionState: BfdState.Up as const, remoteDiscr: 9, remoteSessionState: BfdState.Up, remoteMinRxUs: 50_000, remoteDesiredMinTxUs: 50_000, remoteDetectMult: 3, remoteDemandMode: false, txDesiredMinTxUs: 50_000, rxRequiredMinRxUs: 50_000, xmitAuthSeq: 0 };
  a.handle({ op: 'open', sid: 2, spec: spec('10.0.0.1', '10.0.0.3'), localDiscr: 7, resume });
  expect(a.session(2)!.localDiscr).not.toBe(7);
  expect(a.session(2)!.sessionState).toBe(BfdState.Down);
});
