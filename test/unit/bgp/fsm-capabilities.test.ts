// Our OPEN and the negotiation of the peer's (src/bgp/capabilities.ts): families, 4-octet AS, hold time,
// extended message, route refresh, graceful restart, and the OPEN checks of RFC 4271 §6.2 / RFC 6286.

import { buildOpen, keepaliveFor, negotiate, routerIdToNumber, type LocalCapabilityConfig } from '../../../src/bgp/capabilities';
import type { Capability } from '../../../src/bgp/types';
import { peerOpen } from './fsm-harness';

const local: LocalCapabilityConfig = {
  localAsn: 65001,
  remoteAsn: 65002,
  routerId: '10.0.0.1',
  holdTime: 90,
  families: ['ipv4-unicast', 'ipv6-unicast'],
  extendedMessage: true,
};
const mp = (afi: number): Capability => ({ code: 1, kind: 'multiprotocol', afi, safi: 1 });

describe('buildOpen', () => {
  test('advertises our families, route refresh, extended message and the 4-octet AS', () => {
    expect(buildOpen(local)).toEqual({
      type: 'open',
      version: 4,
      myAsn: 65001,
      holdTime: 90,
      routerId: '10.0.0.1',
      capabilities: [
        mp(1),
        mp(2),
        { code: 2, kind: 'route-refresh' },
        { code: 6, kind: 'extended-message' },
        { code: 65, kind: 'four-octet-as', asn: 65001 },
      ],
    });
  });

  test('an AS above 65535 goes in the header as AS_TRANS', () => {
    const open = buildOpen({ ...local, localAsn: 4_200_000_001, extendedMessage: false });
    expect(open.myAsn).toBe(23456);
    expect(open.capabilities).toContainEqual({ code: 65, kind: 'four-octet-as', asn: 4_200_000_001 });
    expect(open.capabilities.some((c) => c.kind === 'extended-message')).toBe(false);
  });

  test('graceful restart lists every family with its forwarding bit', () => {
    const open = buildOpen({ ...local, gracefulRestart: { restartTime: 120, restarting: true, preserved: ['ipv6-unicast'] } });
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toEqual({
      code: 64,
      kind: 'graceful-restart',
      restarting: true,
      notification: false,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: false },
        { afi: 2, safi: 1, forwardingPreserved: true },
      ],
    });
  });

  test('graceful restart aware only (restart time 0) lists no family, so peers do not keep our routes when we die', () => {
    const open = buildOpen({ ...local, gracefulRestart: { restartTime: 0, restarting: false, preserved: [] } });
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toEqual({ code: 64, kind: 'graceful-restart', restarting: false, notification: false, restartTime: 0, families: [] });
  });
});

describe('negotiate', () => {
  test('families are the intersection; the session context follows both sides', () => {
    const r = negotiate(local, peerOpen({ capabilities: [mp(2), { code: 65, kind: 'four-octet-as', asn: 65002 }, { code: 6, kind: 'extended-message' }] }));
    expect(r).toMatchObject({
      ok: true,
      negotiated: { families: ['ipv6-unicast'], ctx: { fourOctetAs: true, extendedMessage: true, ebgp: true }, routeRefresh: false },
    });
  });

  test('no multiprotocol capability means IPv4 unicast only (RFC 4760)', () => {
    const r = negotiate(local, peerOpen({ capabilities: [] }));
    expect(r).toMatchObject({ ok: true, negotiated: { families: ['ipv4-unicast'], ctx: { fourOctetAs: false, extendedMessage: false } } });
  });

  test('extended message needs both sides', () => {
    const peer = peerOpen({ capabilities: [mp(1), { code: 6, kind: 'extended-message' }] });
    expect(negotiate({ ...local, extendedMessage: false }, peer)).toMatchObject({ negotiated: { ctx: { extendedMessage: false } } });
  });

  test('no family in common: Unsupported Capability carrying the capabilities we wanted', () => {
    const r = negotiate({ ...local, families: ['ipv6-unicast'] }, peerOpen());
    expect(r).toMatchObject({ ok: false, error: { code: 2, subcode: 7 } });
    if (!r.ok) expect([...r.error.data!]).toEqual([1, 4, 0, 2, 0, 1]);
  });

  test('iBGP session context', () => {
    const r = negotiate({ ...local, remoteAsn: 65001 }, peerOpen({ asn: 65001 }));
    expect(r).toMatchObject({ ok: true, negotiated: { ctx: { ebgp: false }, peerAsn: 65001 } });
  });

  test('graceful restart is negotiated only when both sides advertise it, and only for shared families', () => {
    const gr: Capability = {
      code: 64,
      kind: 'graceful-restart',
      restarting: true,
      notification: false,
      restartTime: 90,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: true },
      ],
    };
    const open = peerOpen({ capabilities: [mp(1), gr] });
    const without = negotiate(local, open);
    expect(without.ok).toBe(true);
    expect(without.ok && 'gracefulRestart' in without.negotiated).toBe(false);
    const withGr = { ...local, gracefulRestart: { restartTime: 120, restarting: false, preserved: [] } };
    expect(negotiate(withGr, open)).toMatchObject({
      ok: true,
      negotiated: { gracefulRestart: { restartTime: 90, restarting: true, families: [{ family: 'ipv4-unicast', forwardingPreserved: true }] } },
    });
  });

  test('the peer AS comes from the 4-octet capability when present', () => {
    expect(negotiate({ ...local, remoteAsn: 70000 }, peerOpen({ asn: 70000 }))).toMatchObject({ ok: true, negotiated: { peerAsn: 70000 } });
    expect(negotiate({ ...local, remoteAsn: 70000 }, peerOpen({ myAsn: 4464, capabilities: [] }))).toMatchObject({ ok: false, error: { subcode: 2 } });
  });

  test('malformed identifiers are refused', () => {
    for (const routerId of ['0.0.0.0', '1.2.3', '1.2.3.256', 'a.b.c.d']) {
      expect(negotiate(local, peerOpen({ routerId }))).toMatchObject({ ok: false, error: { code: 2, subcode: 3 } });
    }
  });
});

describe('helpers', () => {
  test('keepaliveFor: a third of the hold time, at least 1 s, never above it', () => {
    expect(keepaliveFor(90)).toBe(30);
    expect(keepaliveFor(3)).toBe(1);
    expect(keepaliveFor(4)).toBe(1);
    expect(keepaliveFor(0, 10)).toBe(0);
    expect(keepaliveFor(90, 10)).toBe(10);
    expect(keepaliveFor(90, 45)).toBe(30);
  });

  test('routerIdToNumber', () => {
    expect(routerIdToNumber('255.255.255.255')).toBe(0xffffffff);
    expect(routerIdToNumber('10.0.0.1')).toBe(0x0a000001);
    expect(routerIdToNumber('10.0.0')).toBeUndefined();
  });
});
