// Neighbor detail, Adj-RIB-Out and clear over the control socket, against a scripted peer on loopback: the counters
// count what crossed the wire, hard reset sends Cease/Administrative Reset, soft in sends ROUTE-REFRESH (RFC 2918),
// soft out re-sends the Adj-RIB-Out; bad requests get 4xx answers that name the problem.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../../src/api/client';
import { ControlApiError } from '../../../src/api/errors';
import type { NotificationMessage } from '../../../src/bgp/types';
import { startDaemon, type Daemon } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { RawPeer, rawOpen, waitFor } from '../bgp/session-helpers';
import { announce4, config, silent } from './helpers';

let dir: string;
const toClose: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-nbr-'));
});
afterEach(async () => {
  for (const f of toClose.splice(0).reverse()) await f();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(port: number): Promise<RawPeer> {
  const s = net.connect({ host: '127.0.0.2', port, localAddress: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  const p = new RawPeer(s);
  toClose.push(() => p.destroy());
  return p;
}

async function established(daemon: Daemon, port: number): Promise<RawPeer> {
  const peer = await connect(port);
  await peer.next('open');
  peer.send(rawOpen('10.0.0.2', 65002, 30));
  peer.send({ type: 'keepalive' });
  await waitFor(() => daemon.speaker.neighbor('lo-peer')!.isUp, 'Established');
  await waitFor(() => peer.of('update').length >= 2, 'initial table and End-of-RIB');
  return peer;
}

async function start(): Promise<{ daemon: Daemon; port: number; client: ControlClient }> {
  const socket = join(dir, 'ctl.sock');
  const cfg = config(`
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16, 10.2.0.0/16]
control: { socket: ${socket} }
neighbors:
  - { name: lo-peer, address: 127.0.0.1, local-address: 127.0.0.2, remote-asn: 65002, passive: true, hold-time: 60 }
`);
  const daemon = await startDaemon(cfg, silent, { clock: new FakeClock(), bgpPort: 0 });
  toClose.push(() => daemon.shutdown());
  return { daemon, port: daemon.listener!.addressInfo()[0].port, client: new ControlClient({ socketPath: socket }) };
}

test('neighbor detail: negotiated hold time and capabilities, message counters, connection', async () => {
  const { daemon, port, client } = await start();
  const peer = await established(daemon, port);
  peer.send(announce4(['10.20.0.0/16'], [65002], '127.0.0.1'));
  await waitFor(() => daemon.speaker.neighbor('lo-peer')!.counts().accepted === 1, 'route accepted');

  const d = await client.neighbor('lo-peer');
  expect(d.session).toMatchObject({ name: 'lo-peer', state: 'Established', peerAsn: 65002 });
  expect(d.configured).toMatchObject({ holdTime: 60, passive: true, families: ['ipv4-unicast', 'ipv6-unicast'] });
  // The peer offered 30 s: the smaller hold time wins (RFC 4271 §4.2), keepalive a third of it.
  expect(d.negotiated).toMatchObject({ holdTime: 30, keepalive: 10, peerAsn: 65002, peerRouterId: '10.0.0.2', fourOctetAs: true, routeRefresh: true });
  expect(d.negotiated!.peerCapabilities).toEqual(['multiprotocol ipv4-unicast', 'multiprotocol ipv6-unicast', 'route-refresh', 'four-octet-as 65002']);
  expect(d.connection).toMatchObject({ localAddress: '127.0.0.2', localPort: port, remoteAddress: '127.0.0.1' });
  // What crossed the wire: our OPEN, KEEPALIVE, two originated prefixes in one UPDATE plus two End-of-RIBs...
  expect(peer.of('update').length).toBe(3);
  expect(d.messages.sent).toEqual({ open: 1, keepalive: 1, update: 3, notification: 0, routeRefresh: 0, total: 5 });
  // ... and the peer's OPEN, KEEPALIVE and one UPDATE.
  expect(d.messages.received).toEqual({ open: 1, update: 1, keepalive: 1, notification: 0, routeRefresh: 0, total: 3 });
  expect(d).toMatchObject({ establishedTransitions: 1, flaps: 0, lastError: null, downSinceS: null, notifications: { lastSent: null, lastReceived: null } });

  await expect(client.neighbor('nope')).rejects.toMatchObject({ status: 404, apiCode: 'unknown-neighbor' });
});

test('adj-rib-out shows the attributes as sent; exact and longest-match queries', async () => {
  const { daemon, port, client } = await start();
  await established(daemon, port);
  const r = await client.adjRibOut('lo-peer');
  expect(r.total).toBe(2);
  expect(r.pending).toBe(0);
  expect(r.routes.map((e) => e.prefix)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  // eBGP: our AS prepended, next hop self.
  expect(r.routes[0].path).toMatchObject({ asPath: [65001], nextHop: '127.0.0.2', origin: 'igp' });
  expect((await client.adjRibOut('lo-peer', { prefix: '10.2.3.4' })).routes.map((e) => e.prefix)).toEqual(['10.2.0.0/16']);
  expect((await client.adjRibOut('lo-peer', { limit: 1 })).routes).toHaveLength(1);
  await expect(client.adjRibOut('nope')).rejects.toMatchObject({ status: 404 });
});

test('clear --soft in sends ROUTE-REFRESH; --soft out re-sends what we advertise; the session stays up', async () => {
  const { daemon, port, client } = await start();
  const peer = await established(daemon, port);
  const r = await client.clear('lo-peer', 'soft-in');
  expect(r.results[0]).toMatchObject({ neighbor: 'lo-peer', actions: ['route-refresh'] });
  // One per negotiated family.
  await waitFor(() => peer.of('route-refresh').length === 2, 'ROUTE-REFRESH x2');
  expect(peer.of('route-refresh')).toEqual([expect.objectContaining({ afi: 1, safi: 1, subtype: 0 }), expect.objectContaining({ afi: 2, safi: 1, subtype: 0 })]);

  const before = peer.of('update').length;
  const o = await client.clear('lo-peer', 'soft-out');
  expect(o.results[0]).toMatchObject({ actions: ['resent'], detail: '2 advertised prefix(es) queued to be sent again' });
  await waitFor(() => peer.of('update').length > before, 'UPDATE re-sent');
  const again = peer.of('update').slice(before);
  expect(again.flatMap((u) => u.nlri).sort()).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  const d = await client.neighbor('lo-peer');
  expect(d.session.state).toBe('Established');
  expect(d.messages.sent.routeRefresh).toBe(2);
});

test('a hard clear sends Cease/Administrative Reset and the session comes back', async () => {
  const { daemon, port, client } = await start();
  const peer = await established(daemon, port);
  const r = await client.clear('lo-peer');
  expect(r.results[0]).toMatchObject({ type: 'hard', actions: ['reset'] });
  const n = (await peer.next('notification')) as NotificationMessage;
  expect(n).toMatchObject({ code: 6, subcode: 4 });
  await waitFor(() => !daemon.speaker.neighbor('lo-peer')!.isUp, 'down');
  const d = await client.neighbor('lo-peer');
  expect(d.notifications.lastSent).toMatchObject({ code: 6, subcode: 4, text: expect.stringContaining('Cease/Administrative Reset (6/4)') });
  // An operator's reset is not an error: nothing in lastError, the NOTIFICATION above says what happened.
  expect(d.lastError).toBeNull();
  expect(d.session.state).not.toBe('Established');
  expect(d.flaps).toBe(1);
  // Passive: it waits for the peer, which connects again.
  await established(daemon, port);
  const after = await client.neighbor('lo-peer');
  expect(after).toMatchObject({ establishedTransitions: 2, session: { state: 'Established' } });
});

test('clear refuses what it cannot do, with the reason', async () => {
  const { client } = await start();
  const e1 = await client.clear('lo-peer').catch((e: unknown) => e);
  expect(e1).toBeInstanceOf(ControlApiError);
  expect(e1).toMatchObject({ status: 409, apiCode: 'not-established', message: expect.stringContaining('lo-peer is Active') });
  await expect(client.clear('lo-peer', 'soft-in')).rejects.toMatchObject({ status: 409 });
  await expect(client.clear('ghost')).rejects.toMatchObject({ status: 404, message: expect.stringContaining('names: lo-peer') });
  await expect(client.post('/v1/neighbors/lo-peer/clear?type=sideways', {})).rejects.toMatchObject({ status: 400, apiCode: 'bad-clear-type' });
  await expect(client.get('/v1/neighbors/lo-peer/clear')).rejects.toMatchObject({ status: 405 });
  const all = await client.clear('all');
  expect(all.results[0]).toMatchObject({ neighbor: 'lo-peer', actions: [], detail: expect.stringContaining('skipped') });
});
