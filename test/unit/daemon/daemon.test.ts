// The whole daemon over loopback with real BgpSessions (timers on a FakeClock): the listener hands a neighbor's
// connection to its session and refuses strangers, routes flow both ways, the control socket answers, and
// shutdown sends Cease/2 with the shutdown communication and removes the socket.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../../src/api/client';
import type { NotificationMessage } from '../../../src/bgp/types';
import { BgpListener, ListenError, startDaemon, type Daemon } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { RawPeer, rawOpen, waitFor } from '../bgp/session-helpers';
import { announce4, config, silent } from './helpers';

let dir: string;
const toClose: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-daemon-'));
});
afterEach(async () => {
  for (const f of toClose.splice(0).reverse()) await f();
  rmSync(dir, { recursive: true, force: true });
});

async function connectFrom(localAddress: string, host: string, port: number): Promise<RawPeer> {
  const s = net.connect({ host, port, localAddress });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  const p = new RawPeer(s);
  toClose.push(() => p.destroy());
  return p;
}

async function start(): Promise<{ daemon: Daemon; port: number; client: ControlClient }> {
  const socket = join(dir, 'ctl.sock');
  const cfg = config(`
router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: ${socket} }
neighbors:
  - { name: lo-peer, address: 127.0.0.1, local-address: 127.0.0.2, remote-asn: 65002, passive: true, shutdown-message: "see you" }
`);
  const daemon = await startDaemon(cfg, silent, { clock: new FakeClock(), bgpPort: 0 });
  toClose.push(() => daemon.shutdown());
  const [info] = daemon.listener!.addressInfo();
  expect(info.address).toBe('127.0.0.2'); // the default listen address: the neighbor's local-address
  return { daemon, port: info.port, client: new ControlClient({ socketPath: socket }) };
}

test('a configured neighbor peers through the listener; routes flow both ways; status over the control socket', async () => {
  const { daemon, port, client } = await start();
  const peer = await connectFrom('127.0.0.1', '127.0.0.2', port);
  await peer.next('open');
  peer.send(rawOpen('10.0.0.2', 65002));
  peer.send({ type: 'keepalive' });
  await waitFor(() => daemon.speaker.neighbor('lo-peer')!.isUp, 'Established');

  // Our originated prefix, then End-of-RIB.
  await waitFor(() => peer.of('update').length >= 2, 'initial table');
  const [first, eor] = peer.of('update');
  expect(first.nlri).toEqual(['10.1.0.0/16']);
  expect(first.attributes.nextHop).toBe('127.0.0.2');
  expect(eor).toEqual({ type: 'update', withdrawn: [], nlri: [], attributes: {} });

  peer.send(announce4(['10.20.0.0/16'], [65002], '127.0.0.1'));
  const status = await waitFor2(async () => {
    const s = await client.status();
    return s.sessions[0].prefixes.accepted === 1 ? s : undefined;
  });
  expect(status.router).toMatchObject({ asn: 65001, routerId: '10.0.0.1', listen: ['127.0.0.2'] });
  expect(status.sessions[0]).toMatchObject({ name: 'lo-peer', state: 'Established', peerRouterId: '10.0.0.2', prefixes: { received: 1, accepted: 1, advertised: 1 } });
  // The failover core's answer for the tunnel (no liveness configured: in service once the session is up).
  expect(status.sessions[0].failover).toEqual({ state: 'forwarding', reason: 'in service', fibIn: true });
  const routes = await client.routes({ prefix: '10.20.0.0/16' });
  expect(routes.routes[0]).toMatchObject({ prefix: '10.20.0.0/16', best: { peer: 'lo-peer', asPath: [65002] } });

  await daemon.shutdown();
  const n = (await peer.next('notification')) as NotificationMessage;
  expect(n).toMatchObject({ code: 6, subcode: 2, shutdownMessage: 'see you' });
  expect(existsSync(join(dir, 'ctl.sock'))).toBe(false);
  await waitFor(() => peer.closed, 'the connection to close');
});

test('a connection from an address that is not a neighbor is closed without a word', async () => {
  const { daemon, port } = await start();
  const stranger = await connectFrom('127.0.0.3', '127.0.0.2', port);
  await waitFor(() => stranger.closed, 'the stranger to be disconnected');
  expect(stranger.messages).toEqual([]);
  expect(daemon.speaker.neighbor('lo-peer')!.session.state).toBe('Active');
});

test('listener: an address not on this host is retried, not fatal; a taken port is a clear error', async () => {
  const l = await BgpListener.start({ addresses: ['192.0.2.55', '127.0.0.1'], port: 0, defaulted: false, logger: silent, onConnection: (s) => s.destroy() });
  toClose.push(() => l.close());
  expect(l.bound).toEqual(['127.0.0.1']);

  const taken = l.addressInfo()[0].port;
  const err = await BgpListener.start({ addresses: ['127.0.0.1'], port: taken, defaulted: false, logger: silent, onConnection: () => {} }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ListenError);
  expect((err as ListenError).message).toMatch(new RegExp(`cannot listen for BGP on 127\\.0\\.0\\.1:${taken}: EADDRINUSE \\(is another BGP daemon running`));
  expect((err as ListenError).code).toBe('ERR_BGP_LISTEN');
});

async function waitFor2<T>(fn: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
