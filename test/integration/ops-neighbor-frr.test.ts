// Neighbor detail, Adj-RIB-Out and clear against FRR 8.4 over two veth "tunnels": what `bgpfo neighbor` says was
// negotiated and counted matches FRR's own `show bgp neighbors json`; `advertised-routes` matches what FRR received;
// `clear --soft in` makes FRR count a ROUTE-REFRESH (RFC 2918) without a reset; `--soft out` re-sends our routes;
// a hard clear arrives at FRR as a NOTIFICATION and the session comes back.

import { bgpfoConfig, BgpfoDaemon, ensureBuilt, farBgpd, Frr, LINKS, OURS, twoLinkLab, US_ASN, waitFor, type TwoLinkLab } from './harness';
import type { AdjRibOutResponse, ClearResponse, NeighborDetail } from '../../src/api/neighbor-types';

jest.setTimeout(90_000);

/** bgpd's line for a NOTIFICATION it read, e.g. "%NOTIFICATION: received from neighbor 10.0.1.2 6/4 (Cease/Administrative Reset) ...". */
const FRR_NOTIFICATION = /NOTIFICATION(\(Hard Reset\))?: received from neighbor \S+ \d+\/\d+ .*/;

interface FrrNeighbor {
  bgpState: string;
  bgpTimerUpMsec?: number;
  bgpTimerHoldTimeMsecs?: number;
  messageStats: Record<string, number>;
}

describe('neighbor views and resets against FRR', () => {
  let t: TwoLinkLab;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;
  const frrNeighbor = async (addr: string) => (await frr.vtyshJson<Record<string, FrrNeighbor>>(`show bgp neighbors ${addr} json`))[addr];
  const detail = async (name: string) => JSON.parse(await bgpfo.cli(['neighbor', name, '--json'])) as NeighborDetail;

  beforeAll(async () => {
    ensureBuilt();
    t = await twoLinkLab('opsnb');
    frr = await Frr.start(t.far, { bgpd: farBgpd({ ipv6: false, prependOnB: false, multipathRelax: true, ecmp: true }) });
    const c = bgpfoConfig();
    c.neighbors = (c.neighbors as Record<string, unknown>[]).filter((n) => n.name === 'tun-a1' || n.name === 'tun-b1');
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: c });
    await waitFor(async () => (await frrNeighbor(LINKS.a.us4))?.bgpState === 'Established' && (await frrNeighbor(LINKS.b.us4))?.bgpState === 'Established', 30_000, {
      what: 'FRR: both sessions Established',
    });
    await waitFor(async () => (await bgpfo.routesJson(OURS.v4)) && (await frr.routes('ipv4'))[OURS.v4]?.length === 2, 20_000, { what: 'FRR to learn our prefix over both links' });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('detail: the negotiated hold time and the message counters agree with FRR', async () => {
    const d = await detail('tun-a1');
    const f = await frrNeighbor(LINKS.a.us4);
    expect(d.negotiated).toMatchObject({ holdTime: 3, keepalive: 1, peerAsn: 64512, fourOctetAs: true, routeRefresh: true, families: ['ipv4-unicast'] });
    expect(d.negotiated!.holdTime * 1000).toBe(f.bgpTimerHoldTimeMsecs);
    expect(d.negotiated!.peerCapabilities).toEqual(expect.arrayContaining(['route-refresh', 'multiprotocol ipv4-unicast', 'four-octet-as 64512']));
    expect(d.connection).toMatchObject({ localAddress: LINKS.a.us4, remoteAddress: LINKS.a.far4 });
    // OPENs and UPDATEs are settled (keepalives keep moving): what we sent is what FRR received, and back.
    const m = f.messageStats;
    // OPENs: a connection collision (both sides connect at once) sends more than the surviving session counts at FRR.
    expect(d.messages.sent.open).toBeGreaterThanOrEqual(m.opensRecv);
    expect(d.messages.received.open).toBeGreaterThanOrEqual(m.opensSent);
    expect([d.messages.sent.update, d.messages.received.update]).toEqual([m.updatesRecv, m.updatesSent]);
    expect([d.messages.sent.notification, d.messages.received.notification]).toEqual([0, 0]);
    expect(d.messages.received.keepalive).toBeGreaterThan(0);
    const text = await bgpfo.cli(['neighbor', 'tun-a1']);
    expect(text).toMatch(/^neighbor tun-a1 {2}10\.0\.1\.1 {2}AS 64512 {2}primary\n {2}state Established, up [\dhms]+; established 1 time\(s\), 0 flap\(s\)\n/);
    expect(text).toContain('  negotiated: hold 3s, keepalive 1s, ipv4-unicast; peer router-id 10.255.0.1');
  });

  test('adj-rib-out is what FRR received from us on each link (the backup link prepended)', async () => {
    const a = JSON.parse(await bgpfo.cli(['adj-rib-out', 'tun-a1', '--json'])) as AdjRibOutResponse;
    const b = JSON.parse(await bgpfo.cli(['adj-rib-out', 'tun-b1', '--json'])) as AdjRibOutResponse;
    expect(a.routes.map((r) => [r.prefix, r.path.nextHop, r.path.asPath])).toEqual([[OURS.v4, LINKS.a.us4, [US_ASN]]]);
    expect(b.routes.map((r) => [r.prefix, r.path.asPath])).toEqual([[OURS.v4, [US_ASN, US_ASN, US_ASN]]]);
    const seen = (await frr.routes('ipv4'))[OURS.v4];
    const viaA = seen.find((p) => p.nexthops.some((h) => h.ip === LINKS.a.us4))!;
    const viaB = seen.find((p) => p.nexthops.some((h) => h.ip === LINKS.b.us4))!;
    expect(viaA.path).toBe(a.routes[0].path.asPath.join(' '));
    expect(viaB.path).toBe(b.routes[0].path.asPath.join(' '));
  });

  test('clear --soft in: FRR receives a ROUTE-REFRESH and the session is not reset', async () => {
    const before = await frrNeighbor(LINKS.a.us4);
    const r = JSON.parse(await bgpfo.cli(['clear', 'tun-a1', '--soft', 'in', '--json'])) as ClearResponse;
    expect(r.results[0]).toMatchObject({ neighbor: 'tun-a1', type: 'soft-in', actions: ['route-refresh'] });
    await waitFor(async () => (await frrNeighbor(LINKS.a.us4)).messageStats.routeRefreshRecv === before.messageStats.routeRefreshRecv + 1, 10_000, { what: 'FRR to count our ROUTE-REFRESH' });
    // FRR answers with its routes again: more UPDATEs received, same session.
    await waitFor(async () => (await detail('tun-a1')).messages.received.update > before.messageStats.updatesSent, 10_000, { what: 'FRR to re-send its routes' });
    const d = await detail('tun-a1');
    expect(d).toMatchObject({ establishedTransitions: 1, flaps: 0 });
    expect((await frrNeighbor(LINKS.a.us4)).messageStats.notificationsRecv).toBe(before.messageStats.notificationsRecv);
  });

  test('clear --soft out: our routes go to FRR again without a reset', async () => {
    const before = (await frrNeighbor(LINKS.b.us4)).messageStats;
    const out = await bgpfo.cli(['clear', 'tun-b1', '--soft', 'out']);
    expect(out).toBe('tun-b1: soft-out resent - 1 advertised prefix(es) queued to be sent again\n');
    await waitFor(async () => (await frrNeighbor(LINKS.b.us4)).messageStats.updatesRecv > before.updatesRecv, 10_000, { what: 'FRR to receive the re-sent UPDATE' });
    expect((await detail('tun-b1')).flaps).toBe(0);
  });

  test('a hard clear: FRR gets Cease/Administrative Reset, the session comes back, detail shows what happened', async () => {
    const before = (await frrNeighbor(LINKS.a.us4)) as FrrNeighbor & { connectionsDropped: number };
    const logFrom = frr.log('bgpd').length;
    const out = await bgpfo.cli(['clear', 'tun-a1']);
    expect(out).toBe('tun-a1: hard reset - NOTIFICATION Cease/Administrative Reset (6/4) sent; the session starts again at once\n');
    // FRR logs the NOTIFICATION it read (bgp log-neighbor-changes), with our message (RFC 8203). Its own "last reset"
    // reason is no proof: our reconnect at once, which a busy FRR may handle as the peer restarting, overwrites it
    // ("NSF peer closed the session").
    const line = await waitFor(
      () => FRR_NOTIFICATION.exec(frr.log('bgpd').slice(logFrom).split('\n').filter((l) => l.includes(`neighbor ${LINKS.a.us4} `)).join('\n'))?.[0],
      10_000,
      { what: "FRR's log to show our NOTIFICATION received" },
    );
    expect(line).toMatch(/6\/4 \(Cease\/Administrative Reset\).*bgpfo clear: administrative reset/);
    await waitFor(async () => ((await frrNeighbor(LINKS.a.us4)) as FrrNeighbor & { connectionsDropped: number }).connectionsDropped === before.connectionsDropped + 1, 10_000, {
      what: 'FRR to drop the session once',
    });
    await waitFor(async () => (await detail('tun-a1')).session.state === 'Established', 30_000, { what: 'tun-a1 back up' });
    const d = await detail('tun-a1');
    expect(d).toMatchObject({ establishedTransitions: 2, flaps: 1, notifications: { lastSent: { code: 6, subcode: 4 } } });
    expect(d.notifications.lastSent!.text).toBe('Cease/Administrative Reset (6/4) "bgpfo clear: administrative reset"');
    // The other session never moved.
    expect(await detail('tun-b1')).toMatchObject({ establishedTransitions: 1, flaps: 0 });
  });
});
