// The liveness controller with scripted liveness and fake sessions on a FakeClock: sessions held until the tunnel is
// up, a dead tunnel's FIB-first teardown with Cease/10 (RFC 9384), dampened restarts, demotion out of the ECMP set with
// prepends, status, events, and the BFD hook that tells a peer's AdminDown from a failure (RFC 5882 §3.2).

import { CeaseSubcode } from '../../../src/bgp/errors';
import type { BfdRequestOptions, BfdSessionHandle, BfdStateEvent } from '../../../src/bfd/service';
import { createLivenessMonitor } from '../../../src/health';
import type { LivenessEvent } from '../../../src/health/types';
import type { ControlProvider } from '../../../src/api/types';
import { SpeakerStatus } from '../../../src/daemon';
import { withLivenessStatus } from '../../../src/daemon/liveness-status';
import { announce4, asPathOf } from './helpers';
import { livenessSetup } from './liveness-helpers';

const YAML = `
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - name: tun-a1
    address: 169.254.21.1
    local-address: 169.254.21.2
    remote-asn: 64512
    liveness: { mode: bfd, interval-ms: 50, quality: { window-s: 2, hold-down-s: 3, probe-interval-ms: 50 }, dampening: { initial-hold-ms: 1000, decay-s: 30 } }
  - name: tun-b1
    address: 169.254.22.1
    local-address: 169.254.22.2
    remote-asn: 64512
    liveness: { mode: bfd, interval-ms: 50, quality: { window-s: 2, hold-down-s: 3, probe-interval-ms: 50 } }
  - { name: plain, address: 169.254.23.1, local-address: 169.254.23.2, remote-asn: 64512 }
`;

const A = '169.254.21.1';
const B = '169.254.22.1';
const FAR = '10.50.0.0/16';

/** Both tunnels up, both sessions Established with FAR from each: an ECMP pair. */
async function upAndLearned() {
  const env = livenessSetup(YAML);
  const { speaker, s, tunnel } = env;
  tunnel(A).change('up');
  tunnel(B).change('up');
  s('tun-a1').establish();
  s('tun-b1').establish();
  s('tun-a1').emit('update', announce4([FAR], [64512], A));
  s('tun-b1').emit('update', announce4([FAR], [64512], B));
  await speaker.settled();
  expect(speaker.locRib.get(FAR)!.ecmp.map((p) => p.peer.key).sort()).toEqual(['tun-a1', 'tun-b1']);
  return env;
}

describe('sessions wait for the tunnel', () => {
  test('a neighbor with liveness stays Idle until its verdict is up; one without starts at once', async () => {
    const { s, tunnel, failover, fib, speaker } = livenessSetup(YAML);
    await speaker.settled();
    expect(s('plain').state).toBe('Active');
    expect(s('tun-a1').state).toBe('Idle');
    expect(failover.summary('tun-a1')).toMatchObject({ state: 'starting', reason: expect.stringContaining('held until liveness verifies') });
    expect(failover.state('plain')!.liveness).toBe('none');
    tunnel(A).change('down'); // starting in Down is no flap and starts nothing
    expect(s('tun-a1').state).toBe('Idle');
    tunnel(A).change('up');
    expect(s('tun-a1').state).toBe('Active');
    expect(s('tun-b1').state).toBe('Idle');
    expect(failover.state('tun-a1')!.liveness).toBe('up');
    // Never Established since the start: nothing to tell the FIB (its next hops join when routes come).
    expect(fib.calls).toEqual([]);
  });
});

describe('a dead tunnel', () => {
  test('the FIB first, then Cease/BFD Down (6/10), routes withdrawn, the session held in Idle', async () => {
    const env = await upAndLearned();
    const { speaker, s, tunnel, order, events } = env;
    const a = s('tun-a1');
    const reset = a.reset.bind(a);
    a.reset = (n) => (order.push(`reset ${n.code}/${n.subcode}`), reset(n));
    const stop = a.stop.bind(a);
    a.stop = (o) => (order.push('stop'), stop(o));
    order.length = 0;

    tunnel(A).change('down');
    expect(order).toEqual(['fib down tun-a1', 'reset 6/10', 'stop']);
    expect(a.resets[0]).toMatchObject({ code: 6, subcode: CeaseSubcode.BfdDown, message: 'tunnel down (BFD down: BFD session Down: Control Detection Time Expired)' });
    expect(a.state).toBe('Idle');
    await speaker.settled();
    expect(speaker.locRib.get(FAR)!.ecmp.map((p) => p.peer.key)).toEqual(['tun-b1']);
    expect(speaker.locRib.pathFrom('tun-a1', FAR)).toBeUndefined();
    expect(events.filter((e) => e.type === 'liveness').map((e) => (e as { state: string }).state)).toEqual(['up', 'up', 'down']);
    await new Promise((r) => setImmediate(r)); // the failover event waits for the FIB's promise
    expect(events.find((e) => e.type === 'failover')).toMatchObject({ type: 'failover', tunnel: 'tun-a1', prefixes: 1, reason: expect.stringContaining('BFD down') });
  });

  test('with the operations side attached, the failover is handed to it, timed from the detection', async () => {
    const { tunnel, controller, clock, events } = await upAndLearned();
    const calls: [string, string, number | undefined][] = [];
    controller.attach({ failovers: { failoverDetected: (n, r, at) => void calls.push([n, r, at]) } });
    clock.advance(5000);
    tunnel(A).change('down');
    expect(calls).toEqual([['tun-a1', 'BFD down: BFD session Down: Control Detection Time Expired', expect.any(Number)]]);
    expect(calls[0]![2]).toBeLessThanOrEqual(clock.now());
    expect(calls[0]![2]).toBeGreaterThan(clock.now() - 1000);
    await new Promise((r) => setImmediate(r));
    expect(events.some((e) => e.type === 'failover')).toBe(false); // not a second one of our own
  });

  test('flap dampening: back up, but held down for the hold-down; the session starts only when it ends', async () => {
    const { s, tunnel, clock, controller, fib } = await upAndLearned();
    tunnel(A).change('down');
    clock.advance(200);
    tunnel(A).change('up');
    expect(controller.verdict('tun-a1')).toMatchObject({ state: 'down', reason: 'dampened' });
    expect(controller.sessionStatus('tun-a1').liveness).toMatchObject({ state: 'up', verdict: 'down', reason: 'dampened', heldForS: 1, downs: 1 });
    expect(s('tun-a1').state).toBe('Idle');
    clock.advance(999);
    expect(s('tun-a1').state).toBe('Idle');
    clock.advance(1);
    expect(s('tun-a1').state).toBe('Active');
    // Out once; back in only when the restarted session's routes arrive (not scripted here).
    expect(fib.calls).toEqual(['down tun-a1']);
    // A second flap soon after doubles the hold-down.
    tunnel(A).change('down');
    tunnel(A).change('up');
    clock.advance(1999);
    expect(s('tun-a1').state).toBe('Idle');
    clock.advance(1);
    expect(s('tun-a1').state).toBe('Active');
  });

  test('a Down before the session was Established holds it in Idle again and publishes no failover', async () => {
    const { s, tunnel, events } = livenessSetup(YAML);
    tunnel(A).change('up');
    expect(s('tun-a1').state).toBe('Active');
    tunnel(A).change('down');
    expect(s('tun-a1').state).toBe('Idle');
    expect(s('tun-a1').flaps).toBe(0);
    expect(events.some((e) => e.type === 'failover')).toBe(false);
  });
});

describe('demotion', () => {
  test('a lossy tunnel leaves the ECMP set (LOCAL_PREF 1) and is prepended 3 more times; promoted after the hold-down', async () => {
    const { speaker, s, tunnel, controller, events } = await upAndLearned();
    const a = s('tun-a1');
    const before = a.announced().length;
    expect(asPathOf(a.announced().at(-1)!.update)).toEqual([65001]);

    tunnel(A).probe(1500, 5); // 20 % loss: above 5 % once past the settle time and 20 samples
    await speaker.settled();
    expect(controller.verdict('tun-a1')).toMatchObject({ state: 'demoted', reason: 'loss' });
    const r = speaker.locRib.get(FAR)!;
    expect(r.ecmp.map((p) => p.peer.key)).toEqual(['tun-b1']);
    expect(r.tiers.map((t) => t.map((p) => p.peer.key))).toEqual([['tun-b1'], ['tun-a1']]); // still the fallback
    expect(speaker.locRib.pathFrom('tun-a1', FAR)!.attrs.localPref).toBe(1);
    expect(a.announced().length).toBeGreaterThan(before);
    expect(asPathOf(a.announced().at(-1)!.update)).toEqual([65001, 65001, 65001, 65001]);
    expect(a.state).toBe('Established'); // demoted, not down
    const st = controller.sessionStatus('tun-a1');
    expect(st.liveness).toMatchObject({ mode: 'bfd', state: 'up', verdict: 'demoted', reason: 'loss', txIntervalMs: 50, rxIntervalMs: 50, multiplier: 3 });
    expect(st.quality).toMatchObject({ verdict: 'demoted', reason: 'loss', windowMs: 2000, rttMs: 2 });
    expect(st.quality!.lossPct).toBeGreaterThan(5);

    // New routes learned while demoted get the demoted LOCAL_PREF too.
    a.emit('update', announce4(['10.51.0.0/16'], [64512], A));
    await speaker.settled();
    expect(speaker.locRib.pathFrom('tun-a1', '10.51.0.0/16')!.attrs.localPref).toBe(1);

    tunnel(A).probe(2000); // the window clears below 5 %...
    expect(controller.verdict('tun-a1')!.state).toBe('demoted');
    tunnel(A).probe(3000); // ...and stays healthy for the 3 s hold-down
    await speaker.settled();
    expect(controller.verdict('tun-a1')!.state).toBe('up');
    expect(speaker.locRib.get(FAR)!.ecmp.map((p) => p.peer.key).sort()).toEqual(['tun-a1', 'tun-b1']);
    expect(speaker.locRib.pathFrom('tun-a1', FAR)!.attrs.localPref).toBe(100);
    expect(asPathOf(a.announced().at(-1)!.update)).toEqual([65001]);
    expect(events.filter((e) => e.type === 'demotion').map((e) => (e as { state: string }).state)).toEqual(['demoted', 'promoted']);
  });

  test('a demotion outlives a Down: the new session comes up demoted, its routes at LOCAL_PREF 1 from the start', async () => {
    const { speaker, s, tunnel, clock } = await upAndLearned();
    tunnel(A).probe(1500, 5);
    tunnel(A).change('down');
    clock.advance(100);
    tunnel(A).change('up');
    clock.advance(1000); // dampening hold
    expect(s('tun-a1').state).toBe('Active');
    s('tun-a1').establish();
    s('tun-a1').emit('update', announce4([FAR], [64512], A));
    await speaker.settled();
    expect(speaker.locRib.pathFrom('tun-a1', FAR)!.attrs.localPref).toBe(1);
    expect(asPathOf(s('tun-a1').announced().at(-1)!.update)).toEqual([65001, 65001, 65001, 65001]);
  });
});

describe('status', () => {
  test('the control API provider adds liveness and quality to the sessions and passes the rest through', async () => {
    const { speaker, controller, tunnel } = await upAndLearned();
    tunnel(A).probe(1000);
    const inner = new SpeakerStatus(speaker, () => []);
    const ops = {} as NonNullable<ControlProvider['operations']>;
    const p = withLivenessStatus(Object.assign(inner, { operations: ops }), controller);
    const st = await p.getStatus();
    const measured = (q: { samples: number } | undefined) => (q ? (q.samples > 0 ? 'measured' : 'nothing yet') : undefined);
    expect(st.sessions.map((x) => [x.name, x.liveness?.verdict, measured(x.quality)])).toEqual([
      ['tun-a1', 'up', 'measured'],
      ['tun-b1', 'up', 'nothing yet'], // its side probe has sent no sample
      ['plain', undefined, undefined],
    ]);
    expect((await p.getRoutes({ prefix: FAR })).routes[0]!.ecmp).toHaveLength(2);
    expect(p.operations).toBe(ops);
  });

  test('mode, state, timers and detection time, quality, verdict and reason per session; nothing for plain ones', async () => {
    const { tunnel, controller, clock } = await upAndLearned();
    tunnel(A).probe(1000);
    clock.advance(2000);
    const st = controller.sessionStatus('tun-a1');
    expect(st.liveness).toEqual({
      mode: 'bfd',
      state: 'up',
      txIntervalMs: 50,
      rxIntervalMs: 50,
      multiplier: 3,
      detectionTimeMs: 150,
      since: 3,
      detail: 'BFD session Up',
      downs: 0,
      verdict: 'up',
      reason: 'healthy',
      verdictDetail: 'BFD session Up',
    });
    expect(controller.sessionStatus('plain')).toEqual({});
  });
});

describe('the BFD hook (RFC 5882 §3.2)', () => {
  function fakeBfd() {
    let onChange: ((ev: BfdStateEvent) => void) | undefined;
    let current: BfdStateEvent | undefined;
    const source = {
      requestSession(_o: BfdRequestOptions, cb: (ev: BfdStateEvent) => void): BfdSessionHandle {
        onChange = cb;
        return { close: () => undefined, update: () => undefined, get current() { return current; } };
      },
    };
    const send = (ev: Omit<BfdStateEvent, 'diagText' | 'at'>) => {
      current = { ...ev, diagText: 'x', at: 1 };
      onChange!(current);
    };
    return { source, send, setCurrent: (c: Partial<BfdStateEvent>) => void (current = { ...current!, ...c }) };
  }

  test("a Down caused by the peer's AdminDown is not a failure; a detection timeout is", () => {
    const bfd = fakeBfd();
    const changes: LivenessEvent[] = [];
    createLivenessMonitor({ mode: 'bfd', local: '10.0.0.1', peer: '10.0.0.2', intervalMs: 100, multiplier: 3, qualityProbe: false }, { bfd: bfd.source }, { onChange: (e) => changes.push(e) });
    bfd.send({ state: 'Up', diag: 0, detectionTimeMs: 300, remoteState: 'Up' });
    bfd.send({ state: 'Down', diag: 3, detectionTimeMs: 300, remoteState: 'AdminDown' });
    expect(changes.map((c) => c.state)).toEqual(['up']);
    bfd.send({ state: 'Init', diag: 0, detectionTimeMs: 300, remoteState: 'Down' });
    bfd.send({ state: 'Up', diag: 0, detectionTimeMs: 300, remoteState: 'Init' });
    bfd.send({ state: 'Down', diag: 1, detectionTimeMs: 300, remoteState: 'Down' });
    bfd.send({ state: 'Up', diag: 0, detectionTimeMs: 300, remoteState: 'Up' });
    bfd.send({ state: 'Down', diag: 3, detectionTimeMs: 300, remoteState: 'Down' }); // the peer signalled Down: a failure
    expect(changes.map((c) => c.state)).toEqual(['up', 'down', 'up', 'down']);
  });

  test('current shows the detection time in force after the Poll/Final that follows Up', () => {
    const bfd = fakeBfd();
    const m = createLivenessMonitor({ mode: 'bfd', local: '10.0.0.1', peer: '10.0.0.2', intervalMs: 100, multiplier: 3, qualityProbe: false }, { bfd: bfd.source }, { onChange: () => undefined });
    bfd.send({ state: 'Up', diag: 0, detectionTimeMs: 3000, remoteState: 'Up' });
    expect(m.current?.detectionTimeMs).toBe(3000);
    bfd.setCurrent({ detectionTimeMs: 300 });
    expect(m.current?.detectionTimeMs).toBe(300);
  });
});
