// FSM timers on a FakeClock: IdleHold backoff (doubling, cap, reset after a stable session), jitter, restarts.

import { FsmHarness, peerOpen } from './fsm-harness';

const notif = { type: 'notification' as const, code: 6, subcode: 5, data: new Uint8Array(0) };

/** From Idle with a pending restart: wait for it, connect, get refused. Returns how long the restart took. */
function failOnce(h: FsmHarness): number {
  const start = h.clock.now();
  let waited = 0;
  while (h.name === 'Idle') {
    h.advance(100);
    waited += 100;
    if (waited > 10 * 60_000) throw new Error('no restart');
  }
  expect(h.name).toBe('Connect');
  h.fire({ type: 'Tcp_CR_Acked' });
  h.fire({ type: 'NotifMsg', notification: notif });
  expect(h.name).toBe('Idle');
  return h.timerStarts.filter((t) => t.timer === 'IdleHold' && t.at >= start).at(-1)!.ms;
}

describe('IdleHoldTimer backoff', () => {
  test('doubles on each consecutive failure from 1 s up to the 120 s cap', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    const holds = [h.timerStarts.at(-1)!.ms];
    for (let i = 0; i < 9; i++) holds.push(failOnce(h));
    expect(holds).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 120_000, 120_000, 120_000]);
    expect(h.state.failures).toBe(10);
  });

  test('the restart happens exactly when the IdleHoldTimer falls due', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    failOnce(h); // now waiting 2 s
    h.take();
    h.advance(1999);
    expect(h.name).toBe('Idle');
    h.advance(1);
    expect(h.name).toBe('Connect');
    expect(h.effects()).toEqual([{ type: 'connect' }]);
  });

  test('configurable bounds', () => {
    const h = new FsmHarness({ idleHold: { min: 0.5, max: 1.5 } }).to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    const holds = [h.timerStarts.at(-1)!.ms, failOnce(h), failOnce(h), failOnce(h)];
    expect(holds).toEqual([500, 1000, 1500, 1500]);
  });

  test('a session Established for the stable time resets the backoff', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    failOnce(h);
    failOnce(h); // next wait would be 8 s
    h.advance(4000);
    h.fire({ type: 'Tcp_CR_Acked' });
    h.fire({ type: 'BGPOpen', open: peerOpen() });
    h.fire({ type: 'KeepAliveMsg' });
    expect(h.name).toBe('Established');
    for (let i = 0; i < 2; i++) {
      h.advance(30_000);
      h.fire({ type: 'KeepAliveMsg' });
    }
    h.fire({ type: 'TcpConnectionFails' });
    expect(h.timerStarts.at(-1)).toMatchObject({ timer: 'IdleHold', ms: 1000 });
    expect(h.state.failures).toBe(1);
  });

  test('a session that did not stay up for the stable time keeps growing the backoff', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    failOnce(h);
    failOnce(h);
    h.advance(4000);
    h.fire({ type: 'Tcp_CR_Acked' });
    h.fire({ type: 'BGPOpen', open: peerOpen() });
    h.fire({ type: 'KeepAliveMsg' });
    h.advance(10_000);
    h.fire({ type: 'TcpConnectionFails' });
    expect(h.timerStarts.at(-1)).toMatchObject({ timer: 'IdleHold', ms: 8000 });
    expect(h.state.flaps).toBe(1);
  });

  test('ManualStart resets the backoff', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif });
    failOnce(h);
    failOnce(h);
    h.fire({ type: 'ManualStop' });
    h.fire({ type: 'ManualStart' });
    h.fire({ type: 'Tcp_CR_Acked' });
    h.fire({ type: 'NotifMsg', notification: notif });
    expect(h.timerStarts.at(-1)).toMatchObject({ timer: 'IdleHold', ms: 1000 });
  });

  test('a passive session restarts into Active after the IdleHoldTimer', () => {
    const h = new FsmHarness({ passive: true });
    h.fire({ type: 'ManualStart' });
    h.fire({ type: 'TcpConnectionConfirmed' });
    h.fire({ type: 'BGPOpen', open: peerOpen() });
    h.fire({ type: 'TcpConnectionFails' });
    expect(h.name).toBe('Idle');
    h.advance(1000);
    expect(h.name).toBe('Active');
    expect(h.take().filter((a) => a.type === 'connect')).toEqual([]);
  });
});

describe('jitter (RFC 4271 §10)', () => {
  test('ConnectRetry, Keepalive and IdleHold get a factor between 0.75 and 1; Hold never', () => {
    for (let seed = 1; seed < 40; seed++) {
      const h = new FsmHarness({ jitter: true }, seed).to('OpenSent');
      h.fire({ type: 'BGPOpen', open: peerOpen() });
      h.fire({ type: 'NotifMsg', notification: notif });
      const by = (t: string) => h.timerStarts.filter((x) => x.timer === t).map((x) => x.ms);
      for (const ms of by('ConnectRetry')) expect(ms).toBeGreaterThanOrEqual(3750), expect(ms).toBeLessThanOrEqual(5000);
      for (const ms of by('Keepalive')) expect(ms).toBeGreaterThanOrEqual(22_500), expect(ms).toBeLessThanOrEqual(30_000);
      for (const ms of by('IdleHold')) expect(ms).toBeGreaterThanOrEqual(750), expect(ms).toBeLessThanOrEqual(1000);
      expect(by('Hold')).toEqual([240_000, 90_000]);
    }
  });

  test('different seeds spread the timers; equal seeds replay equally', () => {
    const run = (seed: number) => {
      const h = new FsmHarness({ jitter: true }, seed);
      h.fire({ type: 'ManualStart' });
      return h.timerStarts[0]!.ms;
    };
    expect(run(7)).toBe(run(7));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map(run)).size).toBeGreaterThan(4);
  });
});
