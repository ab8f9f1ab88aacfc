// Operator views: prefix order (numeric, IPv4 first), limited selection without a full sort, longest match,
// NOTIFICATION names and last-error lines, AS_PATH and community rendering.

import { internAttrs } from '../../../src/rib/attrs';
import { attrsView, compareKeys, lastErrorText, longestMatch, notificationText, prefixSortKey, selectPrefixes } from '../../../src/daemon/views';

const ORDERED = ['0.0.0.0/0', '9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '10.0.2.0/24', '10.0.10.0/24', '192.168.0.0/16', '::/0', '2001:db8::/32', '2001:db8:0:2::/64', '2001:db8:0:10::/64'];

test('prefixes sort numerically, IPv4 before IPv6, shorter first at the same address', () => {
  const shuffled = [...ORDERED].reverse();
  expect(shuffled.sort((a, b) => compareKeys(prefixSortKey(a), prefixSortKey(b)))).toEqual(ORDERED);
});

test('selection with a limit keeps the first prefixes in order and counts all matches', () => {
  const input = [...ORDERED].reverse();
  expect(selectPrefixes({ limit: 3 }, () => input, () => true)).toEqual({ prefixes: ORDERED.slice(0, 3), total: ORDERED.length });
  expect(selectPrefixes({}, () => input, () => true).prefixes).toEqual(ORDERED);
  expect(selectPrefixes({ limit: 0 }, () => input, () => true)).toEqual({ prefixes: [], total: ORDERED.length });
  const has = (p: string) => ORDERED.includes(p);
  expect(selectPrefixes({ prefix: '10.0.0.0/16', match: 'exact' }, () => input, has).prefixes).toEqual(['10.0.0.0/16']);
  expect(selectPrefixes({ prefix: '10.0.3.0/24', match: 'exact' }, () => input, has)).toEqual({ prefixes: [], total: 0 });
  expect(selectPrefixes({ prefix: '10.0.2.77/32', match: 'longest' }, () => input, has).prefixes).toEqual(['10.0.2.0/24']);
  expect(longestMatch('2001:db8:0:3::1/128', has)).toBe('2001:db8::/32');
  expect(longestMatch('11.0.0.1/32', (p) => p === '10.0.0.0/8')).toBeUndefined();
});

test('NOTIFICATIONs and last errors read like the RFC names them', () => {
  expect(notificationText({ code: 6, subcode: 2, shutdownMessage: 'maintenance' })).toBe('Cease/Administrative Shutdown (6/2) "maintenance"');
  expect(notificationText({ code: 2, subcode: 2 })).toBe('OPEN Message Error/Bad Peer AS (2/2)');
  expect(notificationText({ code: 9, subcode: 1 })).toBe('error code 9 (9/1)');
  const n = (code: number, subcode: number) => ({ type: 'notification' as const, code, subcode, data: new Uint8Array(0) });
  expect(lastErrorText({ at: 0, state: 'Established', reason: 'hold-timer-expired', message: 'hold timer expired', notificationSent: n(4, 0) })).toBe('hold timer expired');
  expect(lastErrorText({ at: 0, state: 'Established', reason: 'notification-received', message: 'x', notificationReceived: n(6, 4) })).toBe(
    'NOTIFICATION received: Cease/Administrative Reset (6/4)',
  );
  expect(lastErrorText({ at: 0, state: 'OpenSent', reason: 'protocol-error', message: 'peer AS 1 is not the configured 2', notificationSent: n(2, 2) })).toBe(
    'peer AS 1 is not the configured 2; NOTIFICATION sent: OPEN Message Error/Bad Peer AS (2/2)',
  );
  expect(lastErrorText({ at: 0, state: 'Connect', reason: 'tcp-connection-failed', message: 'TCP connection failed: ECONNREFUSED' })).toBe('TCP connection failed: ECONNREFUSED');
});

test('paths show AS sets and confederations, communities as ASN:VALUE', () => {
  const a = internAttrs({
    origin: 2,
    asPath: [
      { type: 2, asns: [64512, 64513] },
      { type: 1, asns: [1, 2] },
      { type: 3, asns: [65100] },
    ],
    nextHop: '192.0.2.1',
    med: 5,
    communities: [(65000 << 16) + 100],
    largeCommunities: [[65000, 1, 2]],
  });
  expect(attrsView('tun-a1', '169.254.21.1', a)).toEqual({
    peer: 'tun-a1',
    peerAddress: '169.254.21.1',
    nextHop: '192.0.2.1',
    asPath: [64512, 64513, '{1,2}', '(65100)'],
    origin: 'incomplete',
    med: 5,
    communities: ['65000:100'],
    largeCommunities: ['65000:1:2'],
  });
});
