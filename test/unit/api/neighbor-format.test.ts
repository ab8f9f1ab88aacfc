// The CLI's text for `bgpfo neighbor`, `adj-rib-out` and `clear`, and capability names: fixed inputs, exact text.

import type { AdjRibOutResponse, ClearResponse, NeighborDetail } from '../../../src/api/neighbor-types';
import { formatAdjRibOut, formatClear, formatNeighbor } from '../../../src/cli/neighbor-commands';
import { capabilityText } from '../../../src/daemon/neighbor-detail';

const counts = (n: number) => ({ open: 1, update: n, notification: 0, keepalive: 10, routeRefresh: 0, total: 11 + n });

const DETAIL: NeighborDetail = {
  name: 'gw1-isp1',
  session: { name: 'gw1-isp1', peer: '169.254.21.1', peerAsn: 65020, role: 'primary', state: 'Established', uptime: 75, families: ['ipv4-unicast'], prefixes: { received: 3, accepted: 2, advertised: 1 }, lastError: null, flaps: 1 },
  configured: { holdTime: 9, connectRetry: 5, passive: false, port: 179, families: ['ipv4-unicast'], gracefulRestart: true },
  negotiated: { holdTime: 9, keepalive: 3, families: ['ipv4-unicast'], peerAsn: 65020, peerRouterId: '10.0.0.2', fourOctetAs: true, extendedMessage: false, routeRefresh: true, gracefulRestart: { restartTime: 120, peerRestarting: false, families: [] }, peerCapabilities: ['route-refresh'] },
  connection: { localAddress: '169.254.21.2', localPort: 40000, remoteAddress: '169.254.21.1', remotePort: 179 },
  messages: { sent: counts(2), received: counts(3) },
  notifications: { lastSent: null, lastReceived: { text: 'Cease/Administrative Reset (6/4)', code: 6, subcode: 4, ageS: 80 } },
  lastError: { text: 'NOTIFICATION received: Cease/Administrative Reset (6/4)', reason: 'notification-received', state: 'Established', ageS: 80 },
  establishedTransitions: 2,
  handovers: 0,
  flaps: 1,
  downSinceS: null,
  connectRetryCounter: 0,
  failures: 1,
  idleHoldTimeS: 2,
};

test('a session moved by a collision handover says so on its state line', () => {
  expect(formatNeighbor({ ...DETAIL, establishedTransitions: 3, handovers: 1 }).split('\n')[1]).toBe(
    '  state Established, up 1m15s; established 3 time(s) (1 by a collision handover), 1 flap(s)',
  );
});

test('neighbor detail reads like vtysh, without the backoff line while Established', () => {
  expect(formatNeighbor(DETAIL)).toBe(
    [
      'neighbor gw1-isp1  169.254.21.1  AS 65020  primary',
      '  state Established, up 1m15s; established 2 time(s), 1 flap(s)',
      '  connection 169.254.21.2:40000 -> 169.254.21.1:179',
      '  configured: hold 9s, connect-retry 5s, port 179, ipv4-unicast, graceful-restart',
      '  negotiated: hold 9s, keepalive 3s, ipv4-unicast; peer router-id 10.0.0.2',
      '  session: 4-octet AS, route-refresh, graceful-restart 120s',
      '  peer capabilities: route-refresh',
      '  prefixes: 3 received, 2 accepted, 1 advertised',
      '',
      '  MESSAGES  OPEN  UPDATE  KEEPALIVE  NOTIFICATION  ROUTE-REFRESH  TOTAL',
      '  sent      1     2       10         0             0              13',
      '  received  1     3       10         0             0              14',
      '',
      '  last NOTIFICATION sent: none',
      '  last NOTIFICATION received: Cease/Administrative Reset (6/4), 1m20s ago',
      '  last error: NOTIFICATION received: Cease/Administrative Reset (6/4) (in Established, 1m20s ago)',
    ].join('\n'),
  );
  const down = formatNeighbor({ ...DETAIL, session: { ...DETAIL.session, state: 'Active', uptime: null }, negotiated: null, connection: null, downSinceS: 4 });
  expect(down).toContain('  state Active, down 4s;');
  expect(down).toContain('  1 consecutive failure(s): next attempt after 2s idle hold');
  expect(down).not.toContain('negotiated:');
});

test('adj-rib-out and clear', () => {
  const r: AdjRibOutResponse = {
    neighbor: 'gw1-isp1',
    total: 2,
    pending: 1,
    routes: [{ prefix: '10.10.0.0/16', path: { peer: 'gw1-isp1', nextHop: '169.254.21.2', asPath: [65010, 65010], origin: 'igp', communities: ['65535:0'] } }],
  };
  expect(formatAdjRibOut(r)).toBe(
    'advertised to gw1-isp1: 2 prefix(es) (1 more queued to be sent)\n\nPREFIX        NEXT HOP      AS PATH      MED  ORIGIN  COMMUNITIES\n10.10.0.0/16  169.254.21.2  65010 65010       igp     65535:0\n... 1 more (use --limit)',
  );
  expect(formatAdjRibOut({ neighbor: 'x', total: 0, pending: 0, routes: [] })).toBe('nothing advertised to x');
  const c: ClearResponse = { target: 'all', results: [{ neighbor: 'a', type: 'hard', actions: ['reset'], detail: 'sent' }, { neighbor: 'b', type: 'hard', actions: [], detail: 'skipped: b is Idle' }] };
  expect(formatClear(c)).toBe('a: hard reset - sent\nb: hard nothing done - skipped: b is Idle');
});

test('capability names', () => {
  expect(capabilityText({ code: 1, kind: 'multiprotocol', afi: 2, safi: 1 })).toBe('multiprotocol ipv6-unicast');
  expect(capabilityText({ code: 1, kind: 'multiprotocol', afi: 1, safi: 128 })).toBe('multiprotocol afi 1 safi 128');
  expect(capabilityText({ code: 64, kind: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] })).toBe(
    'graceful-restart time 120s R: ipv4-unicast (F)',
  );
  expect(capabilityText({ code: 73, kind: 'unknown', value: new Uint8Array() } as never)).toBe('capability 73');
});
