// Messages captured from real FRR 8.4 bgpd and BIRD 2.0.12 sessions (test/fixtures/bgp/captured, made by
// test/fixtures/bgp/capture/capture.sh): every one decodes, round-trips, and carries what the daemon was told to send.

import * as fs from 'fs';
import * as path from 'path';
import { decodeMessage, encodeMessage, isEndOfRib } from '../../../../src/bgp/codec';
import type { BgpMessage, CodecContext, NotificationMessage, OpenMessage, UpdateMessage } from '../../../../src/bgp/types';
import { FIXTURES, toPlain } from './fixtures';
import { bytesToHex, hexToBytes } from './hex';

interface Captured {
  file: string;
  bytes: Buffer;
  msg: BgpMessage;
}

function session(daemon: string, name: string): { ctx: CodecContext; messages: Captured[] } {
  const dir = path.join(FIXTURES, 'captured', daemon, name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8'));
  const ctx: CodecContext = { fourOctetAs: meta.fourOctetAs, extendedMessage: meta.extendedMessage, ebgp: true };
  const messages = fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.hex$/.test(f))
    .sort()
    .map((file) => {
      const bytes = hexToBytes(fs.readFileSync(path.join(dir, file), 'utf8'));
      return { file, bytes, msg: decodeMessage(bytes, ctx) };
    });
  return { ctx, messages };
}

const SESSIONS = ['frr', 'bird'].flatMap((d) => ['v4', 'as2', 'v6'].map((s) => [d, s] as const));

/** Unknown optional transitive attributes come back with Partial set after one hop through our encoder. */
function normalize(m: BgpMessage): unknown {
  if (m.type !== 'update' || !m.attributes.unknown) return toPlain(m);
  const unknown = m.attributes.unknown.map((u) => ({ ...u, flags: (u.flags & 0xc0) === 0xc0 ? u.flags | 0x20 : u.flags }));
  return toPlain({ ...m, attributes: { ...m.attributes, unknown } });
}

const updates = (ms: Captured[]) => ms.map((c) => c.msg).filter((m): m is UpdateMessage => m.type === 'update');
const announcing = (ms: Captured[], prefix: string) =>
  updates(ms).find((u) => u.nlri.includes(prefix) || (u.attributes.mpReach?.nlri ?? []).includes(prefix));

describe.each(SESSIONS)('%s %s session', (daemon, name) => {
  const { ctx, messages } = session(daemon, name);

  test('has OPEN, KEEPALIVE, UPDATEs, End-of-RIB and a NOTIFICATION', () => {
    const kinds = messages.map((c) => c.file.replace(/^\d\d-|\.hex$/g, ''));
    expect(kinds[0]).toBe('open');
    for (const k of ['keepalive', 'update', 'notification']) expect(kinds).toContain(k);
    expect(kinds.some((k) => k.startsWith('eor-'))).toBe(true);
  });

  test.each(messages.map((c) => [c.file, c] as const))('%s decodes to its kind and round-trips', (_f, c) => {
    const kind = c.file.replace(/^\d\d-|\.hex$/g, '');
    const eor = c.msg.type === 'update' ? isEndOfRib(c.msg) : null;
    if (kind.startsWith('eor-')) expect(eor).toBe(kind === 'eor-1-1' ? 'ipv4-unicast' : 'ipv6-unicast');
    else if (kind.startsWith('route-refresh')) expect(c.msg).toMatchObject({ type: 'route-refresh', subtype: Number(kind.slice(-1)) });
    else {
      expect(c.msg.type).toBe(kind);
      expect(eor).toBeNull();
    }
    if (c.msg.type === 'update') expect(c.msg.softErrors).toBeUndefined();
    const again = encodeMessage(c.msg, ctx);
    expect(normalize(decodeMessage(again, ctx))).toEqual(normalize(c.msg));
    // Byte-exact unless FRR made one of its own encoding choices: one capability per optional parameter,
    // AS_PATH/AS4_PATH always with Extended Length, AS4_PATH last; and we set Partial on OTC (unknown to us).
    const frrChoice = daemon === 'frr' && (c.msg.type === 'open' || (c.msg.type === 'update' && c.msg.attributes.asPath));
    if (!frrChoice) expect(bytesToHex(again)).toBe(bytesToHex(c.bytes));
  });
});

describe('FRR 8.4 content', () => {
  const v4 = session('frr', 'v4').messages;
  const as2 = session('frr', 'as2').messages;
  const v6 = session('frr', 'v6').messages;

  test('OPEN: AS_TRANS in My AS, the real AS in the capability, and its capabilities', () => {
    const open = v4[0].msg as OpenMessage;
    expect(open).toMatchObject({ myAsn: 23456, holdTime: 180, routerId: '10.200.1.1' });
    const kinds = open.capabilities.map((c) => c.kind);
    for (const k of ['multiprotocol', 'route-refresh', 'enhanced-route-refresh', 'extended-message', 'graceful-restart']) {
      expect(kinds).toContain(k);
    }
    expect(open.capabilities).toContainEqual({ code: 65, kind: 'four-octet-as', asn: 4200000001 });
    expect(open.capabilities.find((c) => c.kind === 'graceful-restart')).toMatchObject({ restartTime: 120 });
    // Add-path (69), FQDN (73), long-lived GR (71), role (9) and Cisco route refresh (128) stay raw.
    const unknown = open.capabilities.filter((c) => c.kind === 'unknown').map((c) => c.code);
    expect(unknown).toEqual(expect.arrayContaining([128, 9, 69, 73, 71]));
  });

  test('UPDATEs carry communities, large communities, MED, prepends, aggregates, OTC and the default route', () => {
    expect(announcing(v4, '10.10.0.0/16')?.attributes).toMatchObject({
      origin: 0,
      med: 50,
      nextHop: '10.200.1.1',
      communities: [65001 * 65536 + 100, 65001 * 65536 + 200, 0xffffff04],
      largeCommunities: [
        [4200000001, 1, 2],
        [4200000001, 3, 4],
      ],
      // RFC 9234 Only-to-Customer, added because the session has local-role provider: kept, transitive.
      unknown: [{ flags: 0xc0, type: 35, value: Uint8Array.of(0xfa, 0x56, 0xea, 0x01) }],
    });
    expect(announcing(v4, '10.20.0.0/24')?.attributes.asPath).toEqual([{ type: 2, asns: [4200000001, 4200000001, 4200000001] }]);
    expect(announcing(v4, '172.16.0.0/16')?.attributes).toMatchObject({
      atomicAggregate: true,
      aggregator: { asn: 4200000001, address: '10.200.1.1' },
    });
    expect(announcing(v4, '198.51.100.0/24')?.attributes.origin).toBe(2);
    expect(announcing(v4, '0.0.0.0/0')).toBeDefined();
  });

  test('enhanced route refresh answers with BoRR, the routes again, EoRR; then a withdrawal and a shutdown message', () => {
    const rr = v4.filter((c) => c.msg.type === 'route-refresh').map((c) => (c.msg as { subtype: number }).subtype);
    expect(rr).toEqual([1, 2]);
    expect(updates(v4).some((u) => u.withdrawn.includes('192.0.2.0/25'))).toBe(true);
    const n = v4[v4.length - 1].msg as NotificationMessage;
    expect(n).toMatchObject({ code: 6, subcode: 2, shutdownMessage: 'bgpfo codec capture: planned maintenance' });
  });

  test('towards a 2-octet peer: AS_TRANS on the wire, AS4_PATH / AS4_AGGREGATOR merged back', () => {
    const raw = as2.find((c) => c.msg.type === 'update' && (c.msg as UpdateMessage).nlri.includes('10.20.0.0/24'))!;
    // Bytes hold AS_TRANS (5ba0) in AS_PATH and an AS4_PATH (type 0x11, Extended Length flags 0xd0).
    expect(bytesToHex(raw.bytes)).toContain('5ba05ba05ba0');
    expect(bytesToHex(raw.bytes)).toContain('d011');
    expect((raw.msg as UpdateMessage).attributes.asPath).toEqual([{ type: 2, asns: [4200000001, 4200000001, 4200000001] }]);
    expect(announcing(as2, '172.16.0.0/16')?.attributes.aggregator).toEqual({ asn: 4200000001, address: '10.200.1.1' });
    expect(as2[as2.length - 1].msg).toMatchObject({ type: 'notification', code: 6, subcode: 4 });
  });

  test('IPv6: MP_REACH with global + link-local next hop, MP_UNREACH withdrawal, plain shutdown', () => {
    const u = announcing(v6, '2001:db8:100::/48')!;
    expect(u.attributes.mpReach?.nextHops[0]).toBe('2001:db8:c0de::1');
    expect(u.attributes.mpReach?.nextHops[1]).toMatch(/^fe80::/);
    expect(u.attributes.nextHop).toBeUndefined();
    expect(updates(v6).some((x) => (x.attributes.mpUnreach?.withdrawn ?? []).includes('2001:db8:200::/64'))).toBe(true);
    const n = v6[v6.length - 1].msg as NotificationMessage;
    expect(n).toMatchObject({ code: 6, subcode: 2 });
    expect(n.shutdownMessage).toBeUndefined();
  });
});

describe('BIRD 2 content', () => {
  const v4 = session('bird', 'v4').messages;
  const as2 = session('bird', 'as2').messages;
  const v6 = session('bird', 'v6').messages;

  test('OPEN', () => {
    const open = v4[0].msg as OpenMessage;
    expect(open).toMatchObject({ myAsn: 23456, holdTime: 240, routerId: '10.200.2.1' });
    expect(open.capabilities).toContainEqual({ code: 65, kind: 'four-octet-as', asn: 4200000010 });
    expect(open.capabilities).toContainEqual({ code: 6, kind: 'extended-message' });
    expect(open.capabilities).toContainEqual({ code: 70, kind: 'enhanced-route-refresh' });
  });

  test('UPDATEs: communities incl. NO_EXPORT, large communities, MED, prepends, INCOMPLETE, two prefixes in one', () => {
    expect(announcing(v4, '10.30.0.0/16')?.attributes).toMatchObject({
      med: 10,
      communities: [65010 * 65536 + 100, 0xffffff01],
      largeCommunities: [[4200000010, 1, 2]],
    });
    expect(announcing(v4, '10.31.1.0/24')?.attributes).toMatchObject({
      origin: 2,
      asPath: [{ type: 2, asns: [4200000010, 4200000010, 4200000010] }],
    });
    expect(announcing(v4, '203.0.113.0/24')?.attributes.largeCommunities).toEqual([
      [4200000010, 7, 7],
      [4200000010, 8, 8],
    ]);
    expect(announcing(v4, '10.32.0.0/12')?.nlri).toEqual(['10.32.0.0/12', '192.0.2.128/25']);
    const rr = v4.filter((c) => c.msg.type === 'route-refresh').map((c) => (c.msg as { subtype: number }).subtype);
    expect(rr).toEqual([1, 2]);
    expect(v4[v4.length - 1].msg).toMatchObject({ code: 6, subcode: 2, shutdownMessage: 'bgpfo codec capture: planned maintenance' });
  });

  test('2-octet peer: AS4_PATH merged', () => {
    const raw = as2.find((c) => c.msg.type === 'update' && (c.msg as UpdateMessage).nlri.includes('10.31.1.0/24'))!;
    expect(bytesToHex(raw.bytes)).toContain('5ba05ba05ba0');
    expect((raw.msg as UpdateMessage).attributes.asPath).toEqual([{ type: 2, asns: [4200000010, 4200000010, 4200000010] }]);
    expect(as2[as2.length - 1].msg).toMatchObject({ type: 'notification', code: 6, subcode: 4 });
  });

  test('IPv6 next hops, several prefixes per MP_REACH, MP_UNREACH withdrawal', () => {
    const u = announcing(v6, '2001:db8:500::/64')!;
    expect(u.attributes.mpReach).toMatchObject({ afi: 2, safi: 1, nlri: ['2001:db8:500::/64', '2001:db8:600::/64'] });
    expect(u.attributes.mpReach?.nextHops).toHaveLength(2);
    expect(u.attributes.mpReach?.nextHops[1]).toMatch(/^fe80::/);
    expect(announcing(v6, '2001:db8:400::/48')?.attributes.communities).toEqual([65010 * 65536 + 600]);
    expect(updates(v6).some((x) => (x.attributes.mpUnreach?.withdrawn ?? []).includes('2001:db8:600::/64'))).toBe(true);
  });
});
