// The speaker's wiring with scripted sessions: the export path (originated routes, prepend, next hops, families,
// End-of-RIB, backpressure), the import path (policy, treat-as-withdraw, max-prefix), ECMP and session loss.

import { canonicalAddress } from '../../../src/bgp/prefix';
import type { UpdateMessage } from '../../../src/bgp/types';
import { Speaker, SpeakerStatus } from '../../../src/daemon';
import type { RibChange } from '../../../src/rib';
import { announce4, announce6, asPathOf, config, fakeSessions, silent, withdraw4 } from './helpers';

const BASE = `
router: { asn: 65001, router-id: 10.0.0.1 }
rib: { keep-pre-policy: true }
originate: [10.1.0.0/16, "2001:db8:1::/48"]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512 }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, role: backup, local-pref: 100 }
  - { name: tun-v6, address: "fd00:23::1", local-address: "fd00:23::2", remote-asn: 64512 }
`;

function setup(yaml = BASE, budgets: { importBudget?: number; flushBudget?: number; drainBudget?: number } = {}) {
  const sessions = fakeSessions();
  const speaker = new Speaker(config(yaml), { logger: silent, createSession: sessions.create, ...budgets });
  const status = new SpeakerStatus(speaker, () => ['169.254.21.2']);
  const changes: RibChange[][] = [];
  speaker.on('rib-changes', (c) => changes.push([...c]));
  speaker.start();
  return { speaker, status, s: sessions.get, changes };
}

function asPathOfBest(speaker: Speaker, prefix: string): number[] {
  return (speaker.locRib.best(prefix)?.attrs.asPath ?? []).flatMap((x) => x.asns);
}

function isEor(u: UpdateMessage): boolean {
  return u.nlri.length === 0 && u.withdrawn.length === 0 && (Object.keys(u.attributes).length === 0 || u.attributes.mpUnreach?.withdrawn.length === 0);
}

describe('export path', () => {
  test('the initial table: originated prefixes with our AS, our address as next hop, then End-of-RIB per family', async () => {
    const { speaker, s } = setup();
    await speaker.settled();
    s('tun-a1').establish();
    await speaker.settled();
    const ups = s('tun-a1').updates();
    const ann = s('tun-a1').announced();
    expect(ann.map((a) => a.prefix)).toEqual(['10.1.0.0/16', '2001:db8:1::/48']);
    const v4 = ann[0].update;
    expect(asPathOf(v4)).toEqual([65001]);
    expect(v4.attributes.nextHop).toBe('169.254.21.2');
    expect(v4.attributes.localPref).toBeUndefined(); // never sent over eBGP
    // IPv6 over an IPv4 session: the IPv4-mapped local address (docs/configuration.md, next-hop-ipv6 unset).
    expect(ann[1].update.attributes.mpReach!.nextHops).toEqual([canonicalAddress('::ffff:169.254.21.2')]);
    // End-of-RIB for both families, after the routes.
    expect(ups.slice(-2).every(isEor)).toBe(true);
    expect(ups.slice(0, -2).some(isEor)).toBe(false);
  });

  test('a backup neighbor sees our ASN 1 + 2 times; next-hop-ipv6 replaces the mapped form', async () => {
    const yaml = BASE.replace('role: backup, local-pref: 100 }', 'role: backup, next-hop-ipv6: "2001:db8:ff::2" }');
    const { speaker, s } = setup(yaml);
    s('tun-b1').establish();
    await speaker.settled();
    const ann = s('tun-b1').announced();
    expect(ann.map((a) => asPathOf(a.update))).toEqual([
      [65001, 65001, 65001],
      [65001, 65001, 65001],
    ]);
    expect(ann[1].update.attributes.mpReach!.nextHops).toEqual(['2001:db8:ff::2']);
  });

  test('only negotiated families are sent; an IPv6 session has no IPv4 next hop, so IPv4 routes stay home', async () => {
    const { speaker, s } = setup();
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    s('tun-v6').establish();
    await speaker.settled();
    expect(s('tun-a1').announced().map((a) => a.prefix)).toEqual(['10.1.0.0/16']);
    expect(s('tun-a1').updates().filter(isEor)).toHaveLength(1);
    const v6 = s('tun-v6').announced();
    expect(v6.map((a) => a.prefix)).toEqual(['2001:db8:1::/48']);
    expect(v6[0].update.attributes.mpReach!.nextHops).toEqual(['fd00:23::2']);
  });

  test('without local-address the next hop is the address the TCP connection uses', async () => {
    const yaml = BASE.replace('local-address: 169.254.21.2, ', '');
    const { speaker, s, status } = setup(yaml);
    s('tun-a1').establish({ localAddress: '::ffff:169.254.21.9' });
    await speaker.settled();
    expect(s('tun-a1').announced()[0].update.attributes.nextHop).toBe('169.254.21.9');
    expect(status.status().sessions[0].localAddress).toBe('169.254.21.9');
  });

  test('backpressure: nothing more is written after send() reports a full buffer, until drain', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.0/24`);
    const yaml = BASE.replace('originate: [10.1.0.0/16, "2001:db8:1::/48"]', `originate: [${many.join(', ')}]`);
    // Small steps so the table needs several flushes.
    const { speaker, s } = setup(yaml, { flushBudget: 1000 });
    const a = s('tun-a1');
    a.writable = false;
    a.establish({ families: ['ipv4-unicast'] });
    await speaker.settled();
    expect(a.sendCalls).toBeGreaterThan(0);
    const callsWhenBlocked = a.sendCalls;
    const sentWhenBlocked = a.announced().length;
    expect(sentWhenBlocked).toBeLessThan(3000);
    expect(a.updates().some(isEor)).toBe(false);
    // Still blocked: further exports (a new Loc-RIB change) do not write.
    await speaker.settled();
    expect(a.sendCalls).toBe(callsWhenBlocked);

    a.writable = true;
    a.emit('drain');
    await speaker.settled();
    const prefixes = a.announced().map((x) => x.prefix);
    expect(prefixes).toHaveLength(3000);
    expect(new Set(prefixes).size).toBe(3000);
    const ups = a.updates();
    expect(isEor(ups[ups.length - 1])).toBe(true);
    expect(ups.filter(isEor)).toHaveLength(1);
  });

  test('learned routes go only where an export learned filter names them, never back to their source', async () => {
    const yaml = BASE.replace('remote-asn: 64512, role: backup, local-pref: 100 }', 'remote-asn: 64512, role: backup, export: { learned: ["10.0.0.0/8 le 24"] } }');
    const { speaker, s } = setup(yaml);
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    s('tun-b1').establish({ families: ['ipv4-unicast'] });
    s('tun-v6').establish();
    await speaker.settled();
    s('tun-a1').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await speaker.settled();
    const toB = s('tun-b1').announced().find((a) => a.prefix === '10.20.0.0/16');
    expect(toB).toBeDefined();
    expect(asPathOf(toB!.update)).toEqual([65001, 65001, 65001, 64512]);
    expect(toB!.update.attributes.nextHop).toBe('169.254.22.2');
    expect(s('tun-a1').announced().map((a) => a.prefix)).not.toContain('10.20.0.0/16');
    expect(s('tun-v6').announced().map((a) => a.prefix)).not.toContain('10.20.0.0/16');

    // The source loses the route: the re-advertisement is withdrawn.
    s('tun-a1').emit('update', withdraw4(['10.20.0.0/16']));
    await speaker.settled();
    expect(s('tun-b1').withdrawn()).toEqual(['10.20.0.0/16']);
  });
});

describe('import path', () => {
  test('UPDATEs reach the Loc-RIB through import policy; status counts received, accepted, advertised', async () => {
    const { speaker, s, status } = setup();
    s('tun-a1').establish();
    await speaker.settled();
    s('tun-a1').emit('update', announce4(['10.20.0.0/16', '0.0.0.0/0'], [64512], '169.254.21.1'));
    s('tun-a1').emit('update', announce6(['2001:db8:20::/48'], [64512], 'fd00:21::1'));
    await speaker.settled();

    const routes = status.routes({});
    expect(routes.routes.map((r) => r.prefix)).toEqual(['10.1.0.0/16', '10.20.0.0/16', '2001:db8:1::/48', '2001:db8:20::/48']);
    const r = routes.routes[1];
    expect(r).toMatchObject({ family: 'ipv4-unicast', reason: 'only-path', best: { peer: 'tun-a1', peerAddress: '169.254.21.1', nextHop: '169.254.21.1', asPath: [64512], localPref: 100, origin: 'igp' } });
    expect(routes.routes[0].best).toMatchObject({ peer: 'local', nextHop: null, asPath: [] });

    const a1 = status.status().sessions.find((x) => x.name === 'tun-a1')!;
    // The default route was received but refused (allow-default is off).
    expect(a1).toMatchObject({ state: 'Established', uptime: 5, holdTime: 90, prefixes: { received: 3, accepted: 2, advertised: 2 } });
    const pre = status.adjRibIn('tun-a1', 'pre', {})!;
    expect(pre.routes.find((x) => x.prefix === '0.0.0.0/0')).toMatchObject({ accepted: false, refusedBecause: expect.stringContaining('default route') });
    expect(status.adjRibIn('tun-a1', 'post', {})!.total).toBe(2);
    expect(status.adjRibIn('nope', 'post', {})).toBeNull();
  });

  test('with rib.keep-pre-policy false the pre-policy view says how to get it instead of showing nothing', async () => {
    const { speaker, s, status } = setup(BASE.replace('rib: { keep-pre-policy: true }', 'rib: { keep-pre-policy: false }'));
    s('tun-a1').establish();
    await speaker.settled();
    s('tun-a1').emit('update', announce4(['10.20.0.0/16', '0.0.0.0/0'], [64512], '169.254.21.1'));
    await speaker.settled();
    expect(() => status.adjRibIn('tun-a1', 'pre', {})).toThrow(/not kept: rib.keep-pre-policy is false.*Set rib.keep-pre-policy: true and restart/);
    expect(status.adjRibIn('tun-a1', 'post', {})!.routes.map((r) => r.prefix)).toEqual(['10.20.0.0/16']);
    // Without the copy, "received" counts what was accepted.
    expect(status.status().sessions.find((x) => x.name === 'tun-a1')!.prefixes).toMatchObject({ accepted: 1 });
  });

  test('an UPDATE with a treat-as-withdraw error withdraws what it announces (RFC 7606)', async () => {
    const { speaker, s } = setup();
    s('tun-a1').establish();
    s('tun-a1').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
    await speaker.settled();
    expect(speaker.locRib.get('10.20.0.0/16')).toBeDefined();
    const bad = announce4(['10.20.0.0/16'], [64512], '169.254.21.1');
    bad.softErrors = [{ action: 'treat-as-withdraw', attrType: 4, reason: 'MED length 3' }];
    s('tun-a1').emit('update', bad);
    await speaker.settled();
    expect(speaker.locRib.get('10.20.0.0/16')).toBeUndefined();
  });

  test('more accepted prefixes than max-prefixes resets the session with Cease/1 and drops its routes', async () => {
    const yaml = BASE.replace('remote-asn: 64512 }', 'remote-asn: 64512, import: { max-prefixes: 2 } }');
    const { speaker, s, status } = setup(yaml);
    s('tun-a1').establish();
    s('tun-a1').emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16'], [64512], '169.254.21.1'));
    s('tun-a1').emit('update', announce4(['10.22.0.0/16'], [64512], '169.254.21.1'));
    s('tun-a1').emit('update', announce4(['10.23.0.0/16'], [64512], '169.254.21.1'));
    await speaker.settled();
    const resets = s('tun-a1').resets;
    expect(resets).toHaveLength(1);
    // RFC 4486 §4: AFI 1, SAFI 1, the limit as 4 octets.
    expect(resets[0]).toMatchObject({ code: 6, subcode: 1, data: new Uint8Array([0, 1, 1, 0, 0, 0, 2]) });
    expect([...speaker.locRib.prefixes()]).toEqual(['10.1.0.0/16', '2001:db8:1::/48']);
    expect(status.status().sessions[0]).toMatchObject({ state: 'Idle', prefixes: { received: 0, accepted: 0 }, lastError: 'max-prefixes 2 exceeded (ipv4-unicast)' });
  });

  test('a burst of UPDATEs is applied in one slice: one Loc-RIB drain, re-exported in few packed messages', async () => {
    const yaml = BASE.replace('remote-asn: 64512, role: backup, local-pref: 100 }', 'remote-asn: 64512, role: backup, export: { learned: ["10.0.0.0/8 le 24"] } }');
    const { speaker, s, changes } = setup(yaml);
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    s('tun-b1').establish({ families: ['ipv4-unicast'] });
    await speaker.settled();
    changes.length = 0;
    const before = s('tun-b1').updates().length;
    for (let i = 0; i < 500; i++) s('tun-a1').emit('update', announce4([`10.${50 + (i >> 8)}.${i & 255}.0/24`], [64512], '169.254.21.1'));
    await speaker.settled();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toHaveLength(500);
    const sent = s('tun-b1').updates().slice(before);
    expect(sent.flatMap((u) => u.nlri)).toHaveLength(500);
    expect(sent.length).toBeLessThanOrEqual(2); // 500 prefixes, one attribute set: packed, not one UPDATE each
  });

  test('large bursts are cut into slices of the import budget, with exports between them', async () => {
    const { speaker, s, changes } = setup(BASE, { importBudget: 1000 });
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    await speaker.settled();
    changes.length = 0;
    const prefixes = Array.from({ length: 5000 }, (_, i) => `10.${60 + (i >> 8)}.${i & 255}.0/24`);
    for (let i = 0; i < prefixes.length; i += 100) s('tun-a1').emit('update', announce4(prefixes.slice(i, i + 100), [64512], '169.254.21.1'));
    await speaker.settled();
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(changes.flat()).toHaveLength(5000);
    expect(speaker.locRib.size).toBe(5002);
  });
});

describe('decision and session loss', () => {
  test('two sessions to the same far AS: the un-prepended path wins; equal paths form an ECMP set', async () => {
    const { speaker, s, status } = setup();
    s('tun-a1').establish({ families: ['ipv4-unicast'], peerRouterId: '10.9.0.1' });
    s('tun-b1').establish({ families: ['ipv4-unicast'], peerRouterId: '10.9.0.2' });
    s('tun-a1').emit('update', announce4(['10.30.0.0/16'], [64512], '169.254.21.1'));
    s('tun-b1').emit('update', announce4(['10.30.0.0/16'], [64512, 64512, 64512], '169.254.22.1'));
    s('tun-a1').emit('update', announce4(['10.31.0.0/16'], [64512], '169.254.21.1'));
    s('tun-b1').emit('update', announce4(['10.31.0.0/16'], [64512], '169.254.22.1'));
    await speaker.settled();
    const [r30, r31] = status.routes({ prefix: '10.30.0.0/16', match: 'exact' }).routes.concat(status.routes({ prefix: '10.31.0.0/16', match: 'exact' }).routes);
    expect(r30).toMatchObject({ reason: 'as-path-length', best: { peer: 'tun-a1' } });
    expect(r30.ecmp.map((p) => p.peer)).toEqual(['tun-a1']);
    expect(r31.ecmp.map((p) => p.peer).sort()).toEqual(['tun-a1', 'tun-b1']);
    // Longest match for an address inside.
    expect(status.routes({ prefix: '10.31.7.7/32', match: 'longest' }).routes.map((r) => r.prefix)).toEqual(['10.31.0.0/16']);
  });

  test('a session going down withdraws its routes; the FIB hook sees the change; backup takes over', async () => {
    const { speaker, s, changes } = setup();
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    s('tun-b1').establish({ families: ['ipv4-unicast'] });
    s('tun-a1').emit('update', announce4(['10.30.0.0/16', '10.32.0.0/16'], [64512], '169.254.21.1'));
    s('tun-b1').emit('update', announce4(['10.30.0.0/16'], [64512, 64512, 64512], '169.254.22.1'));
    await speaker.settled();
    changes.length = 0;
    s('tun-a1').goDown({ reason: 'hold-timer-expired', message: 'hold timer expired' });
    await speaker.settled();
    expect(speaker.locRib.get('10.32.0.0/16')).toBeUndefined();
    expect(speaker.locRib.best('10.30.0.0/16')?.peer.key).toBe('tun-b1');
    const flat = changes.flat();
    expect(flat.map((c) => c.prefix).sort()).toEqual(['10.30.0.0/16', '10.32.0.0/16']);
    expect(flat.find((c) => c.prefix === '10.30.0.0/16')).toMatchObject({ bestChanged: true });

    // Re-established: the initial table (and End-of-RIB) is sent again.
    const a = s('tun-a1');
    const before = a.updates().length;
    a.establish({ families: ['ipv4-unicast'] });
    await speaker.settled();
    const again = a.updates().slice(before);
    expect(again.flatMap((u) => u.nlri)).toEqual(['10.1.0.0/16']);
  });

  test('a lost session is announced first (peer-down), then its routes leave in slices', async () => {
    const { speaker, s, changes } = setup(BASE, { importBudget: 1000 });
    const events: string[] = [];
    speaker.on('peer-down', (name, info) => events.push(`down ${name} ${info.reason}`));
    speaker.on('rib-changes', (c) => events.push(`changes ${c.length}`));
    s('tun-a1').establish({ families: ['ipv4-unicast'] });
    const prefixes = Array.from({ length: 5000 }, (_, i) => `10.${60 + (i >> 8)}.${i & 255}.0/24`);
    for (let i = 0; i < prefixes.length; i += 500) s('tun-a1').emit('update', announce4(prefixes.slice(i, i + 500), [64512], '169.254.21.1'));
    await speaker.settled();
    events.length = 0;
    changes.length = 0;
    s('tun-a1').goDown();
    expect(events).toEqual(['down tun-a1 tcp-connection-failed']);
    await speaker.settled();
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(changes.flat().filter((c) => c.best === undefined)).toHaveLength(5000);
    expect(speaker.locRib.size).toBe(2);
  });

  test('a session that comes back while its old routes are still being withdrawn starts clean', async () => {
    const { speaker, s, status } = setup(BASE, { importBudget: 1000 });
    const a = s('tun-a1');
    a.establish({ families: ['ipv4-unicast'] });
    const prefixes = Array.from({ length: 5000 }, (_, i) => `10.${60 + (i >> 8)}.${i & 255}.0/24`);
    for (let i = 0; i < prefixes.length; i += 500) a.emit('update', announce4(prefixes.slice(i, i + 500), [64512], '169.254.21.1'));
    await speaker.settled();
    a.goDown();
    a.establish({ families: ['ipv4-unicast'] });
    // The new session re-announces a few of the old prefixes and one new one, with another AS path.
    a.emit('update', announce4([...prefixes.slice(-9), '10.99.0.0/16'], [64512, 64999], '169.254.21.1'));
    await speaker.settled();
    expect(speaker.locRib.size).toBe(12);
    expect(status.status().sessions[0].prefixes).toMatchObject({ received: 10, accepted: 10 });
    expect(asPathOfBest(speaker, prefixes[4999])).toEqual([64512, 64999]);
  });

  // A collision handover (src/bgp/fsm-peer.ts): the session moved to the connection the peer kept. For the peer it
  // is a new session; for everything here the same one goes on.
  const GR_AWARE_PEER = { restartTime: 0, restarting: false, families: [] };
  const handoverSetup = async () => {
    const r = setup();
    const events: string[] = [];
    r.speaker.on('peer-down', (name) => events.push(`down ${name}`));
    r.speaker.on('peer-up', (name) => events.push(`up ${name}`));
    const a = r.s('tun-a1');
    a.establish({ families: ['ipv4-unicast'], gracefulRestart: GR_AWARE_PEER });
    a.emit('update', announce4(['10.30.0.0/16', '10.31.0.0/16', '10.32.0.0/16'], [64512], '169.254.21.1'));
    await r.speaker.settled();
    r.changes.length = 0;
    events.length = 0;
    return { ...r, a, events };
  };

  test('a collision handover: no peer-down or peer-up; the old routes stay until the peer re-sends them, End-of-RIB takes the rest', async () => {
    const { speaker, changes, a, events } = await handoverSetup();
    const sentBefore = a.updates().length;
    a.establish({ families: ['ipv4-unicast'], gracefulRestart: GR_AWARE_PEER, handover: true });
    await speaker.settled();
    expect(events).toEqual([]);
    // Nothing withdrawn, nothing changed: the kernel and the other peers see nothing.
    expect(changes.flat()).toEqual([]);
    expect([...speaker.locRib.pathsFrom('tun-a1')].map(([p]) => p).sort()).toEqual(['10.30.0.0/16', '10.31.0.0/16', '10.32.0.0/16']);
    // The peer gets our whole table again on the new connection, with End-of-RIB.
    const again = a.updates().slice(sentBefore);
    expect(again.flatMap((u) => u.nlri)).toEqual(['10.1.0.0/16']);
    expect(again.at(-1)).toMatchObject({ nlri: [], withdrawn: [] });
    // It re-sends two of its three routes (one with a new path), then End-of-RIB: only the third goes.
    a.emit('update', announce4(['10.30.0.0/16'], [64512], '169.254.21.1'));
    a.emit('update', announce4(['10.31.0.0/16'], [64512, 64999], '169.254.21.1'));
    await speaker.settled();
    // The re-sent paths take the stale ones' place (the new session's paths), none is withdrawn.
    expect(changes.flat().map((c) => `${c.prefix} ${c.best ? 'kept' : 'gone'}`)).toEqual(['10.30.0.0/16 kept', '10.31.0.0/16 kept']);
    changes.length = 0;
    a.emit('end-of-rib', 'ipv4-unicast');
    await speaker.settled();
    expect(changes.flat().map((c) => `${c.prefix} ${c.best ? 'kept' : 'gone'}`)).toEqual(['10.32.0.0/16 gone']);
    expect(asPathOfBest(speaker, '10.31.0.0/16')).toEqual([64512, 64999]);
    expect(speaker.locRib.best('10.30.0.0/16')?.peer.key).toBe('tun-a1');
    expect(events).toEqual([]);
  });

  test('a handover to a peer that sends no End-of-RIB (no graceful-restart capability): its old routes go at once, as for any new session', async () => {
    const { speaker, a, events, changes } = await handoverSetup();
    a.establish({ families: ['ipv4-unicast'], handover: true });
    await speaker.settled();
    expect(events).toEqual([]);
    expect(changes.flat().map((c) => c.prefix).sort()).toEqual(['10.30.0.0/16', '10.31.0.0/16', '10.32.0.0/16']);
    expect(speaker.locRib.get('10.30.0.0/16')).toBeUndefined();
  });

  test('an established event marked handover on a neighbor that is not up is an ordinary peer-up', async () => {
    const { speaker, s } = setup();
    const events: string[] = [];
    speaker.on('peer-up', (name) => events.push(`up ${name}`));
    s('tun-b1').establish({ families: ['ipv4-unicast'], handover: true });
    await speaker.settled();
    expect(events).toEqual(['up tun-b1']);
  });

  test('stop() closes every session with its shutdown message, or the default one', async () => {
    const yaml = BASE.replace('role: backup, local-pref: 100 }', 'role: backup, shutdown-message: "moving to the other ISP" }');
    const { speaker, s } = setup(yaml);
    s('tun-a1').establish();
    await speaker.settled();
    speaker.stop();
    expect(s('tun-a1').stops).toEqual([{ message: 'bgpfo daemon shutting down' }]);
    expect(s('tun-b1').stops).toEqual([{ message: 'moving to the other ISP' }]);
  });
});

describe('inbound backpressure', () => {
  test('a full table arriving faster than it is processed pauses reading the session, and resumes it once processed', async () => {
    const { speaker, s } = setup();
    s('tun-a1').establish();
    await speaker.settled();
    // 60 UPDATEs of 1,000 prefixes arriving in one burst (as one TCP read decodes them): 60,000 unprocessed > 40,000.
    for (let u = 0; u < 60; u++) {
      const prefixes = Array.from({ length: 1000 }, (_, i) => `10.${100 + (u >> 2)}.${(u & 3) * 64 + (i >> 4)}.${(i & 15) * 16}/28`);
      s('tun-a1').emit('update', announce4(prefixes, [64512], '169.254.21.1'));
    }
    await speaker.settled();
    expect(s('tun-a1').pauses).toEqual([true, false]);
    expect(speaker.locRib.size).toBe(60_000 + 2); // and our two originated prefixes
  });
});
