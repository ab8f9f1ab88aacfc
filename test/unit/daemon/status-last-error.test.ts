// Item 8 of the operator-experience issue: the status table's LAST ERROR column. A resolved connection collision
// (RFC 4271 §6.8) on an Established session is normal and not shown; every other error carries its age.

import type { SessionStatus, StatusResponse } from '../../../src/api/types';
import type { SessionOptions } from '../../../src/bgp/session';
import { formatStatus, lastErrorCell } from '../../../src/cli/format';
import { formatStatusTable } from '../../../src/cli/status-table';
import { Speaker, SpeakerStatus } from '../../../src/daemon';
import { FakeClock } from '../../../src/util/clock';
import { config, FakeSession, silent } from './helpers';

const COLLISION = 'connection collision resolution; NOTIFICATION sent: Cease/Connection Collision Resolution (6/7)';

function session(over: Partial<SessionStatus>): SessionStatus {
  return {
    name: 'tun-a1',
    peer: '169.254.0.1',
    peerAsn: 65002,
    role: 'primary',
    state: 'Established',
    uptime: 60,
    families: ['ipv4-unicast'],
    prefixes: { received: 1, accepted: 1, advertised: 1 },
    lastError: null,
    flaps: 0,
    ...over,
  };
}

test('a collision on an Established session is not an error; on a session that is down it is shown with its age', () => {
  expect(lastErrorCell(session({ lastError: COLLISION, lastErrorReason: 'collision', lastErrorAgeS: 12 }))).toBe('');
  expect(lastErrorCell(session({ state: 'Active', uptime: null, lastError: COLLISION, lastErrorReason: 'collision', lastErrorAgeS: 12 }))).toBe(`${COLLISION}, 12s ago`);
  expect(lastErrorCell(session({ lastError: 'hold timer expired', lastErrorReason: 'hold-timer-expired', lastErrorAgeS: 3725 }))).toBe('hold timer expired, 1h02m ago');
  // An older daemon without the age: the text alone.
  expect(lastErrorCell(session({ lastError: 'hold timer expired' }))).toBe('hold timer expired');
});

test('both table renderings use the same cell', () => {
  const s: StatusResponse = {
    router: { asn: 65001, routerId: '10.0.0.1', version: '0.1.0', pid: 1, uptime: 5, listen: [], locRibPrefixes: 0 },
    sessions: [session({ lastError: COLLISION, lastErrorReason: 'collision', lastErrorAgeS: 1 }), session({ name: 'tun-b1', state: 'Idle', uptime: null, lastError: 'hold timer expired', lastErrorReason: 'hold-timer-expired', lastErrorAgeS: 90 })],
  };
  for (const text of [formatStatus(s), formatStatusTable(s, { color: true })]) {
    expect(text).not.toContain('Collision');
    expect(text).toContain('hold timer expired, 1m30s ago');
  }
});

test('status gives the last error its reason and age from the session clock', () => {
  const clock = new FakeClock();
  const sessions = new Map<string, FakeSession>();
  const speaker = new Speaker(
    config(`
router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: tun-a1, address: 169.254.0.1, remote-asn: 65002 }
`),
    { logger: silent, clock, createSession: (o: SessionOptions) => sessions.set(o.name, new FakeSession(o)).get(o.name)! },
  );
  clock.advance(10_000);
  sessions.get('tun-a1')!.lastError = { at: 2_000, state: 'OpenSent', reason: 'collision', message: 'connection collision resolution' };
  const st = new SpeakerStatus(speaker, () => []).status();
  expect(st.sessions[0]).toMatchObject({ lastError: 'connection collision resolution', lastErrorReason: 'collision', lastErrorAgeS: 8 });
});
