// BgpSession against a scripted raw BGP peer over loopback TCP: collision resolution both ways, every kind
// of error answered with its NOTIFICATION, refused connections, connect retries, backpressure and order.

import net from 'node:net';
import { encodeMessage } from '../../../src/bgp/codec';
import { SessionError, type BgpSession, type DownInfo } from '../../../src/bgp/session';
import type { UpdateMessage } from '../../../src/bgp/types';
import { FakeClock } from '../../../src/util/clock';
import { Cleanup, Listener, RawPeer, rawOpen, session, waitFor, type Options } from './session-helpers';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
const HOST = '127.0.0.1';

async function withListener(o: Partial<Options> = {}) {
  const la = cleanup.add(await Listener.on(HOST), (l) => l.close());
  const clock = new FakeClock();
  const A = cleanup.add(session({ peerAddress: HOST, port: 9, clock, ...o }), (s) => s.stop());
  la.onConnection = (s) => A.acceptConnection(s);
  const downs: DownInfo[] = [];
  A.on('down', (d) => downs.push(d));
  return { A, la, clock, downs };
}

/** A passive session and a raw peer connected to it, OPENs exchanged, Established. */
async function established(o: Partial<Options> = {}): Promise<{ A: BgpSession; raw: RawPeer; downs: DownInfo[]; clock: FakeClock }> {
  const { A, la, clock, downs } = await withListener({ passive: true, ...o });
  A.start();
  const raw = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
  await raw.next('open');
  raw.send(rawOpen('10.0.0.2'));
  await raw.next('keepalive');
  raw.send({ type: 'keepalive' });
  await waitFor(() => A.state === 'Established', 'Established');
  return { A, raw, downs, clock };
}

describe('collision resolution over TCP', () => {
  test.each([
    ['higher', '10.0.0.2', 'ours first', 'peer-initiated'],
    ['higher', '10.0.0.2', 'theirs first', 'peer-initiated'],
    ['lower', '9.0.0.1', 'ours first', 'ours'],
    ['lower', '9.0.0.1', 'theirs first', 'ours'],
  ] as const)('peer identifier %s (%s), OPEN on %s: the connection initiated by %s survives', async (_h, peerId, order, winner) => {
    // The winner's OPEN second: it goes on beside the loser (already sent our KEEPALIVE) until the peer answers
    // on it; the winner's OPEN first: the loser's OPEN gets Cease/7 at once.
    const rl = cleanup.add(await Listener.on(HOST), (l) => l.close());
    rl.onConnection = () => {};
    const { A, la } = await withListener({ port: rl.port });
    A.start();
    await waitFor(() => rl.accepted.length === 1, 'our connection');
    const ours = cleanup.add(new RawPeer(rl.accepted[0]!), (r) => r.destroy());
    const theirs = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
    await ours.next('open');
    await theirs.next('open');
    expect(A.info.connections).toBe(2);

    const [first, second] = order === 'ours first' ? [ours, theirs] : [theirs, ours];
    first.send(rawOpen(peerId));
    await first.next('keepalive');
    second.send(rawOpen(peerId));
    const [win, lose] = winner === 'ours' ? [ours, theirs] : [theirs, ours];
    if (second === win) {
      await win.next('keepalive');
      expect(lose.of('notification')).toEqual([]);
      win.send({ type: 'keepalive' }); // the peer keeps the winner
    }
    await lose.next('notification');
    expect(lose.of('notification')[0]).toMatchObject({ code: 6, subcode: 7 });
    await waitFor(() => lose.closed, 'loser closed');
    if (second !== win) {
      await win.next('keepalive');
      win.send({ type: 'keepalive' });
    }
    await waitFor(() => A.state === 'Established' && A.info.connections === 1, 'Established on one connection');
    expect(win.of('notification')).toEqual([]);
    expect(win.closed).toBe(false);
  });
});

describe('every error gets its NOTIFICATION', () => {
  test('a broken header once Established: 1/1, connection closed, down', async () => {
    const { A, raw, downs } = await established();
    raw.socket.write(Buffer.alloc(19, 0)); // marker of zeros
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 1, subcode: 1 });
    await waitFor(() => raw.closed, 'closed');
    expect(downs[0]).toMatchObject({ reason: 'protocol-error', notificationSent: { code: 1, subcode: 1 } });
    expect(A.state).toBe('Idle');
  });

  test('a malformed UPDATE (attribute length beyond the message): 3/1', async () => {
    const { raw, downs } = await established();
    const bad = Buffer.alloc(23, 0xff);
    bad.writeUInt16BE(23, 16);
    bad[18] = 2;
    bad.writeUInt16BE(0, 19); // no withdrawn routes
    bad.writeUInt16BE(200, 21); // 200 octets of attributes that are not there
    raw.socket.write(bad);
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 3, subcode: 1 });
    expect(downs[0]?.notificationSent).toMatchObject({ code: 3, subcode: 1 });
  });

  test('a KEEPALIVE before the OPEN: FSM error 5/1', async () => {
    const { A, la } = await withListener({ passive: true });
    A.start();
    const raw = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
    await raw.next('open');
    raw.send({ type: 'keepalive' });
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 5, subcode: 1 });
    await waitFor(() => raw.closed, 'closed');
    expect(A.info.lastError).toMatchObject({ reason: 'protocol-error', state: 'OpenSent' });
  });

  test('an OPEN from the wrong AS: 2/2', async () => {
    const { A, la } = await withListener({ passive: true });
    A.start();
    const raw = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
    await raw.next('open');
    raw.send(rawOpen('10.0.0.2', 65099));
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 2, subcode: 2 });
    expect(A.info.lastError?.notificationSent).toMatchObject({ code: 2, subcode: 2 });
  });

  test('hold time 1 in the OPEN: 2/6', async () => {
    const { A, la } = await withListener({ passive: true });
    A.start();
    const raw = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
    await raw.next('open');
    raw.send(rawOpen('10.0.0.2', 65002, 1));
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 2, subcode: 6 });
  });
});

describe('connections', () => {
  test('a stopped session refuses connections with Cease/5', async () => {
    const { la } = await withListener();
    const raw = cleanup.add(await RawPeer.connect(HOST, la.port), (r) => r.destroy());
    await raw.next('notification');
    expect(raw.of('notification')[0]).toMatchObject({ code: 6, subcode: 5 });
    await waitFor(() => raw.closed, 'closed');
  });

  test('a refused connect waits in Active and retries every ConnectRetryTime', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, HOST, () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r())); // nothing listens there now
    const { A, clock } = await withListener({ port });
    A.start();
    expect(A.state).toBe('Connect');
    await waitFor(() => A.state === 'Active', 'Active');
    expect(A.info.lastError?.message).toMatch(/ECONNREFUSED/);
    clock.advance(5000);
    expect(A.state).toBe('Connect');
    await waitFor(() => A.state === 'Active', 'Active again');
    expect(A.info.connectRetryCounter).toBe(2);
  });

  test('send() before Established throws a SessionError', () => {
    const A = session({ peerAddress: HOST });
    expect(() => A.send([])).toThrow(SessionError);
    expect(A.sendRouteRefresh('ipv4-unicast')).toBe(false);
  });
});

test('backpressure: send() reports a full socket, drain follows, nothing is lost or reordered', async () => {
  const { A, raw } = await established();
  const ctx = { fourOctetAs: true, extendedMessage: true, ebgp: true };
  const nlri = Array.from({ length: 900 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  const updateN = (med: number): UpdateMessage => ({
    type: 'update',
    withdrawn: [],
    attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1', med },
    nlri,
  });
  raw.socket.pause();
  let sent = 0;
  let drained = false;
  A.on('drain', () => void (drained = true));
  while (A.send([encodeMessage(updateN(sent), ctx)])) {
    sent++;
    if (sent > 20_000) throw new Error('the socket never filled');
  }
  sent++; // the write that returned false was queued, not refused
  expect(drained).toBe(false);
  raw.socket.resume();
  await waitFor(() => drained, 'drain', 10_000);
  await waitFor(() => raw.of('update').length === sent, 'all UPDATEs', 10_000);
  expect(raw.of('update').map((u) => u.attributes.med)).toEqual(Array.from({ length: sent }, (_, i) => i));
});
