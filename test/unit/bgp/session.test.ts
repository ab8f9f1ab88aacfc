// Two BgpSession instances over real loopback TCP (IPv4 and IPv6), protocol timers on FakeClocks:
// establishment, UPDATE exchange, shutdown communication, hold timer expiry, reset, collision.

import { encodeMessage } from '../../../src/bgp/codec';
import type { BgpSession, DownInfo, EstablishedInfo } from '../../../src/bgp/session';
import type { Family, UpdateMessage } from '../../../src/bgp/types';
import { FakeClock } from '../../../src/util/clock';
import { Cleanup, Listener, session, waitFor, type Options } from './session-helpers';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface Recorder {
  established: EstablishedInfo[];
  down: DownInfo[];
  updates: UpdateMessage[];
  refresh: Family[];
  eor: Family[];
  states: string[];
}

function record(s: BgpSession): Recorder {
  const r: Recorder = { established: [], down: [], updates: [], refresh: [], eor: [], states: [] };
  s.on('established', (i) => r.established.push(i));
  s.on('down', (i) => r.down.push(i));
  s.on('update', (u) => r.updates.push(u));
  s.on('route-refresh', (f) => r.refresh.push(f));
  s.on('end-of-rib', (f) => r.eor.push(f));
  s.on('state', (from, to) => r.states.push(`${from}>${to}`));
  return r;
}

/** A (10.0.0.1, AS 65001) and B (10.0.0.2, AS 65002), each with its own listener handing connections over. */
async function pair(host: string, a: Partial<Options> = {}, b: Partial<Options> = {}) {
  const la = cleanup.add(await Listener.on(host), (l) => l.close());
  const lb = cleanup.add(await Listener.on(host), (l) => l.close());
  const A = cleanup.add(session({ name: 'A', peerAddress: host, port: lb.port, ...a }), (s) => s.stop());
  const B = cleanup.add(
    session({ name: 'B', peerAddress: host, port: la.port, localAsn: 65002, remoteAsn: 65001, routerId: '10.0.0.2', ...b }),
    (s) => s.stop(),
  );
  la.onConnection = (s) => A.acceptConnection(s);
  lb.onConnection = (s) => B.acceptConnection(s);
  return { A, B, la, lb, ra: record(A), rb: record(B) };
}

const update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' },
  nlri: ['198.51.100.0/24'],
};

describe.each(['127.0.0.1', '::1'])('over %s', (host) => {
  test('active meets passive: Established, UPDATE delivered, stop carries the shutdown message', async () => {
    const { A, B, la, lb, ra, rb } = await pair(host, {}, { passive: true });
    B.start();
    A.start();
    await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established');
    expect(la.accepted).toHaveLength(0); // the passive side never connected
    expect(lb.accepted).toHaveLength(1);
    expect(ra.established[0]).toMatchObject({ peerRouterId: '10.0.0.2', peerAsn: 65002, holdTime: 90, keepalive: 30, families: ['ipv4-unicast', 'ipv6-unicast'] });
    expect(ra.established[0]!.ctx).toEqual({ fourOctetAs: true, extendedMessage: true, ebgp: true });
    expect(rb.established[0]!.remotePort).toBe(ra.established[0]!.localPort);
    expect(A.info).toMatchObject({ state: 'Established', uptime: 0, peerRouterId: '10.0.0.2', flaps: 0 });

    expect(A.send([encodeMessage(update, ra.established[0]!.ctx)])).toBe(true);
    await waitFor(() => rb.updates.length === 1, 'UPDATE');
    expect(rb.updates[0]).toEqual(update);

    A.stop({ message: 'planned maintenance' });
    await waitFor(() => rb.down.length === 1, 'down at B');
    expect(rb.down[0]).toMatchObject({
      reason: 'notification-received',
      notificationReceived: { code: 6, subcode: 2, shutdownMessage: 'planned maintenance' },
    });
    expect(ra.down[0]).toMatchObject({ reason: 'manual-stop', notificationSent: { code: 6, subcode: 2, shutdownMessage: 'planned maintenance' } });
    expect(A.state).toBe('Idle');
    expect(B.info.lastError).toMatchObject({ reason: 'notification-received' });
    expect(B.info.flaps).toBe(1);
  });
});

test('the default shutdown message and route refresh / End-of-RIB', async () => {
  const { A, B, ra, rb } = await pair('127.0.0.1', { shutdownMessage: 'bye from A' }, { passive: true });
  B.start();
  A.start();
  await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established');
  expect(A.sendRouteRefresh('ipv6-unicast')).toBe(true);
  expect(B.sendEndOfRib('ipv6-unicast')).toBe(true);
  expect(B.sendEndOfRib('ipv4-unicast')).toBe(true);
  await waitFor(() => rb.refresh.length === 1 && ra.eor.length === 2, 'refresh and End-of-RIB');
  expect(rb.refresh).toEqual(['ipv6-unicast']);
  expect(ra.eor).toEqual(['ipv6-unicast', 'ipv4-unicast']);
  expect(ra.updates).toEqual([]);
  A.stop();
  await waitFor(() => rb.down.length === 1, 'down');
  expect(rb.down[0]!.notificationReceived?.shutdownMessage).toBe('bye from A');
});

test('hold timer: the side whose peer stopped sending KEEPALIVEs sends 4/0 after the hold time', async () => {
  const clockA = new FakeClock();
  const clockB = new FakeClock(); // never advanced: B sends no KEEPALIVE after the first
  const { A, B, ra, rb } = await pair('127.0.0.1', { clock: clockA, holdTime: 9 }, { clock: clockB, passive: true });
  B.start();
  A.start();
  await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established');
  expect(ra.established[0]!.holdTime).toBe(9);
  clockA.advance(8999);
  expect(A.state).toBe('Established');
  clockA.advance(1);
  expect(A.state).toBe('Idle');
  expect(ra.down[0]).toMatchObject({ reason: 'hold-timer-expired', notificationSent: { code: 4, subcode: 0 } });
  await waitFor(() => rb.down.length === 1, 'down at B');
  expect(rb.down[0]).toMatchObject({ reason: 'notification-received', notificationReceived: { code: 4, subcode: 0 } });
});

test('KEEPALIVEs keep the session up while both clocks run', async () => {
  const clock = new FakeClock();
  const { A, B } = await pair('127.0.0.1', { clock, holdTime: 9 }, { clock, passive: true });
  B.start();
  A.start();
  await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established');
  for (let i = 0; i < 10; i++) {
    // Each step lets the KEEPALIVEs of the last interval cross the loopback before time moves on.
    const before = A.info.uptime!;
    clock.advance(3000);
    await new Promise((r) => setTimeout(r, 20));
    expect(A.info.uptime).toBe(before + 3000);
  }
  expect(A.state).toBe('Established');
  expect(B.state).toBe('Established');
});

test('reset(): the NOTIFICATION reaches the peer, and the session comes back after the IdleHoldTimer', async () => {
  const clock = new FakeClock();
  const { A, B, ra, rb } = await pair('127.0.0.1', { clock }, { clock, passive: true });
  B.start();
  A.start();
  await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established');
  A.reset({ code: 6, subcode: 1 }); // max prefixes
  await waitFor(() => rb.down.length === 1, 'down at B');
  expect(rb.down[0]!.notificationReceived).toMatchObject({ code: 6, subcode: 1 });
  expect(ra.down[0]!.reason).toBe('automatic-stop');
  expect(A.state).toBe('Idle');
  clock.advance(1000); // both back off 1 s
  await waitFor(() => A.state === 'Established' && B.state === 'Established', 'Established again');
  expect(ra.established).toHaveLength(2);
  expect(A.info).toMatchObject({ flaps: 1, failures: 1 });
});

test('collision: both connect at once, exactly one session survives on one shared connection', async () => {
  for (let round = 0; round < 5; round++) {
    const clock = new FakeClock();
    const { A, B, la, lb, ra, rb } = await pair('127.0.0.1', { clock }, { clock });
    A.start();
    B.start();
    // If both connections were closed (a §6.8 race), the IdleHoldTimer brings them back.
    for (let i = 0; i < 20 && !(A.state === 'Established' && B.state === 'Established'); i++) {
      await waitFor(() => (A.state === 'Established' && B.state === 'Established') || (A.state === 'Idle' && B.state === 'Idle'), 'settled');
      if (A.state !== 'Established') clock.advance(120_000);
    }
    await waitFor(() => A.info.connections === 1 && B.info.connections === 1, 'one connection each');
    expect(A.state).toBe('Established');
    expect(B.state).toBe('Established');
    expect(la.accepted.length + lb.accepted.length).toBeGreaterThanOrEqual(2); // both really connected
    const a = ra.established.at(-1)!;
    const b = rb.established.at(-1)!;
    expect([a.localPort, a.remotePort]).toEqual([b.remotePort, b.localPort]);
    await cleanup.run();
  }
});
