// Export policy: what goes out (safe default, split horizon, NO_EXPORT) and how it is rewritten (prepend,
// NEXT_HOP, LOCAL_PREF, MED, communities), plus run-time changes flowing through the Adj-RIB-Out.

import { AsPathSegmentType, Origin } from '../../../src/bgp/types';
import type { NeighborPolicyConfig, RouterPolicyConfig } from '../../../src/policy/config';
import { ExportPolicy, prependAsPath } from '../../../src/policy/export';
import { buildNeighborPolicy, syncOriginated } from '../../../src/policy/index';
import { AdjRibOut } from '../../../src/rib/adj-rib-out';
import { COMMUNITY_GRACEFUL_SHUTDOWN, COMMUNITY_NO_EXPORT, internAttrs, NEXT_HOP_SELF, withNextHop } from '../../../src/rib/attrs';
import { LocRib } from '../../../src/rib/loc-rib';
import { Path } from '../../../src/rib/path';
import { attrs, LOCAL_ASN, localPeer, peer } from '../rib/helpers';

const router: RouterPolicyConfig = { asn: LOCAL_ASN, originate: ['10.1.0.0/16'] };
const nh = { ipv4: '198.51.100.1', ipv6: '2001:db8:ffff::1' };
const own = new Path(localPeer, internAttrs({ origin: Origin.Igp, asPath: [], med: 7 }));
const seq = (...asns: number[]) => [{ type: AsPathSegmentType.AsSequence, asns }];

function policy(over: Partial<NeighborPolicyConfig> = {}) {
  return new ExportPolicy({ name: 'isp1', remoteAsn: 65100, ...over }, router, nh);
}

describe('ExportPolicy on eBGP', () => {
  it('prepends our AS once for a primary, 1 + prepend for a backup (default 2) or as configured', () => {
    expect(policy().exportRoute('10.1.0.0/16', own)?.asPath).toEqual(seq(LOCAL_ASN));
    expect(policy({ role: 'backup' }).exportRoute('10.1.0.0/16', own)?.asPath).toEqual(seq(LOCAL_ASN, LOCAL_ASN, LOCAL_ASN));
    expect(policy({ role: 'backup', prepend: 0 }).exportRoute('10.1.0.0/16', own)?.asPath).toEqual(seq(LOCAL_ASN));
    expect(policy({ prepend: 1 }).exportRoute('10.1.0.0/16', own)?.asPath).toEqual(seq(LOCAL_ASN, LOCAL_ASN));
  });

  it('sets NEXT_HOP to our address of the family, strips LOCAL_PREF, keeps our own MED', () => {
    const a = policy().exportRoute('10.1.0.0/16', new Path(localPeer, internAttrs({ origin: Origin.Igp, asPath: [], med: 7, localPref: 300 })))!;
    expect(a.nextHop).toBe(nh.ipv4);
    expect(a.localPref).toBeUndefined();
    expect(a.med).toBe(7);
    expect(Object.isFrozen(a)).toBe(true);
    expect(policy().exportRoute('2001:db8:1::/48', own)?.nextHop).toBe(nh.ipv6);
    // Without a local address of the family, nothing of that family is sent.
    const v4only = new ExportPolicy({ name: 'isp1', remoteAsn: 65100 }, router, { ipv4: nh.ipv4 });
    expect(v4only.exportRoute('2001:db8:1::/48', own)).toBeUndefined();
    expect(v4only.explain('2001:db8:1::/48', own)).toMatch(/no local IPv6 address/);
  });

  it('exports learned routes only when an export learned filter names them, never to their source', () => {
    const far = new Path(peer({ key: 'far', asn: 65200 }), attrs([65200], { med: 40, localPref: 100 }));
    expect(policy().exportRoute('10.50.0.0/16', far)).toBeUndefined();
    const pol = policy({ export: { learned: ['10.50.0.0/16 le 24'] } });
    const a = pol.exportRoute('10.50.0.0/16', far)!;
    expect(a.asPath).toEqual(seq(LOCAL_ASN, 65200));
    expect(a.med).toBeUndefined(); // a learned MED does not cross into another AS
    expect(pol.exportRoute('10.60.0.0/16', far)).toBeUndefined();
    const back = new Path(peer({ key: 'isp1' }), attrs([65100]));
    expect(pol.exportRoute('10.50.0.0/16', back)).toBeUndefined();
    expect(pol.explain('10.50.0.0/16', back)).toBe('learned from this neighbor');
  });

  it('a configured MED goes on every route sent, originated or learned, replacing the route\'s own', () => {
    const pol = policy({ role: 'backup', export: { learned: ['10.50.0.0/16'], med: 200 } });
    expect(pol.exportRoute('10.1.0.0/16', own)?.med).toBe(200);
    const far = new Path(peer({ key: 'far', asn: 65200 }), attrs([65200], { med: 40 }));
    expect(pol.exportRoute('10.50.0.0/16', far)?.med).toBe(200);
    const ibgp = new ExportPolicy({ name: 'twin', remoteAsn: LOCAL_ASN, export: { med: 5 } }, router, nh);
    expect(ibgp.exportRoute('10.1.0.0/16', own)?.med).toBe(5);
  });

  it('honours NO_EXPORT and the export deny list', () => {
    const tagged = new Path(localPeer, internAttrs({ origin: Origin.Igp, asPath: [], communities: [COMMUNITY_NO_EXPORT] }));
    expect(policy().exportRoute('10.1.0.0/16', tagged)).toBeUndefined();
    expect(policy({ export: { deny: ['10.1.0.0/16'] } }).exportRoute('10.1.0.0/16', own)).toBeUndefined();
  });

  it('adds configured and dynamic communities and extra prepends (the drain knobs)', () => {
    const pol = policy({ export: { communities: [65001 * 65536 + 1], largeCommunities: [[LOCAL_ASN, 1, 1]] } });
    const before = pol.exportRoute('10.1.0.0/16', own)!;
    expect(before.communities).toEqual([65001 * 65536 + 1]);
    expect(before.largeCommunities).toEqual([[LOCAL_ASN, 1, 1]]);
    pol.setDynamic({ communities: [COMMUNITY_GRACEFUL_SHUTDOWN], extraPrepend: 2 });
    const after = pol.exportRoute('10.1.0.0/16', own)!;
    expect(after.communities).toEqual([65001 * 65536 + 1, COMMUNITY_GRACEFUL_SHUTDOWN]);
    expect(after.asPath).toEqual(seq(LOCAL_ASN, LOCAL_ASN, LOCAL_ASN));
    expect(pol.asnCopies).toBe(3);
    pol.setDynamic({ communities: [], extraPrepend: 0 });
    expect(pol.exportRoute('10.1.0.0/16', own)).toBe(before);
    expect(() => pol.setDynamic({ extraPrepend: -1 })).toThrow();
  });

  it('passes unknown transitive attributes on with Partial set and drops non-transitive ones', () => {
    const a = internAttrs({
      origin: Origin.Igp,
      asPath: [],
      unknown: [
        { flags: 0xc0, type: 99, value: new Uint8Array([1]) },
        { flags: 0x80, type: 98, value: new Uint8Array([2]) },
      ],
    });
    expect(policy().exportRoute('10.1.0.0/16', new Path(localPeer, a))?.unknown).toEqual([{ flags: 0xe0, type: 99, value: new Uint8Array([1]) }]);
  });
});

describe('ExportPolicy on iBGP', () => {
  const twin = () => new ExportPolicy({ name: 'twin', remoteAsn: LOCAL_ASN, role: 'backup', export: { learned: ['0.0.0.0/0 le 32'] } }, router, nh);

  it('does not prepend, sends LOCAL_PREF and MED, sets NEXT_HOP to self', () => {
    const far = new Path(peer({ key: 'isp1', asn: 65200 }), attrs([65200], { med: 40, localPref: 150 }));
    const a = twin().exportRoute('10.50.0.0/16', far)!;
    expect(a.asPath).toEqual(seq(65200));
    expect(a.localPref).toBe(150);
    expect(a.med).toBe(40);
    expect(a.nextHop).toBe(nh.ipv4);
    expect(twin().exportRoute('10.1.0.0/16', own)).toMatchObject({ asPath: [], localPref: 100 });
  });

  it('does not pass iBGP-learned routes to another iBGP peer', () => {
    const fromOtherTwin = new Path(peer({ key: 'twin2', asn: LOCAL_ASN, ebgp: false }), attrs([65200]));
    expect(twin().exportRoute('10.50.0.0/16', fromOtherTwin)).toBeUndefined();
  });
});

describe('prependAsPath', () => {
  it('merges into a leading AS_SEQUENCE and adds one before a leading AS_SET', () => {
    expect(prependAsPath(seq(2, 3), 1, 2)).toEqual(seq(1, 1, 2, 3));
    expect(prependAsPath([{ type: AsPathSegmentType.AsSet, asns: [5] }], 1, 1)).toEqual([...seq(1), { type: AsPathSegmentType.AsSet, asns: [5] }]);
    expect(prependAsPath(undefined, 1, 0)).toEqual([]);
  });
});

describe('export policy through the Adj-RIB-Out', () => {
  it('a drain (GRACEFUL_SHUTDOWN + prepends) re-sends every route once, in one batch', () => {
    const rib = new LocRib(localPeer);
    const prev = syncOriginated(rib, [], ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']);
    const { exportPolicy } = buildNeighborPolicy({ name: 'isp1', remoteAsn: 65100 }, { asn: LOCAL_ASN, originate: prev }, nh);
    const out = new AdjRibOut('isp1', exportPolicy);
    out.applyChanges(rib.drainChanges());
    const first = out.flush();
    expect(first).toHaveLength(1);
    expect(first[0].announce).toHaveLength(3);
    exportPolicy.setDynamic({ communities: [COMMUNITY_GRACEFUL_SHUTDOWN], extraPrepend: 3 });
    out.rebuild(rib);
    const drained = out.flush();
    expect(drained).toHaveLength(1);
    expect(drained[0].announce).toHaveLength(3);
    expect(drained[0].attributes.communities).toEqual([COMMUNITY_GRACEFUL_SHUTDOWN]);
    expect(drained[0].attributes.asPath).toEqual(seq(LOCAL_ASN, LOCAL_ASN, LOCAL_ASN, LOCAL_ASN));
    out.rebuild(rib);
    expect(out.flush()).toEqual([]);
    // Config reload drops one originated prefix: it is withdrawn.
    syncOriginated(rib, prev, ['10.1.0.0/16', '10.2.0.0/16']);
    out.applyChanges(rib.drainChanges());
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.3.0.0/16'] }]);
  });
});

describe('ExportPolicy templates shared between sessions (a hub sends the same routes to many spokes)', () => {
  const spoke = (i: number, over: Partial<NeighborPolicyConfig> = {}) =>
    new ExportPolicy({ name: `spoke${i}`, remoteAsn: 4200000000 + i, export: { learned: ['10.128.0.0/9 le 24'] }, ...over }, router, { ipv4: `10.70.0.${i}` });
  const learned = new Path(peer({ key: 'spoke9', asn: 4200000009 }), internAttrs({ origin: Origin.Igp, asPath: seq(4200000009), nextHop: '10.70.100.9' }));

  it('gives sessions that rewrite alike one attribute set, their own address only where NEXT_HOP_SELF stands', () => {
    const [a, b] = [spoke(1), spoke(2)];
    const ta = a.exportTemplate('10.128.9.0/24', learned)!;
    expect(b.exportTemplate('10.128.9.0/24', learned)).toBe(ta);
    expect(ta.nextHop).toBe(NEXT_HOP_SELF);
    expect(a.exportRoute('10.128.9.0/24', learned)?.nextHop).toBe('10.70.0.1');
    expect(b.exportRoute('10.128.9.0/24', learned)?.nextHop).toBe('10.70.0.2');
    expect(a.exportRoute('10.128.9.0/24', learned)).toBe(withNextHop(ta, '10.70.0.1'));
  });

  it('keeps sessions apart whose rewrite differs (prepend, MED, communities, a drain)', () => {
    const base = spoke(1).exportTemplate('10.128.9.0/24', learned)!;
    expect(spoke(2, { prepend: 2, role: 'backup' }).exportTemplate('10.128.9.0/24', learned)).not.toBe(base);
    expect(spoke(2, { export: { learned: ['10.128.0.0/9 le 24'], med: 200 } }).exportTemplate('10.128.9.0/24', learned)?.med).toBe(200);
    const drained = spoke(3);
    drained.setDynamic({ communities: [COMMUNITY_GRACEFUL_SHUTDOWN], extraPrepend: 2 });
    const t = drained.exportTemplate('10.128.9.0/24', learned)!;
    expect(t).not.toBe(base);
    expect(t.communities).toEqual([COMMUNITY_GRACEFUL_SHUTDOWN]);
    // Back to normal: the shared set again.
    drained.setDynamic({ communities: [], extraPrepend: 0 });
    expect(drained.exportTemplate('10.128.9.0/24', learned)).toBe(base);
  });

  it('Adj-RIB-Outs holding the same shared set send each session its own NEXT_HOP, and show it in their views', () => {
    const rib = new LocRib(localPeer);
    rib.upsert(learned.peer, '10.128.9.0/24', learned.attrs);
    rib.drainChanges();
    const outs = [spoke(1), spoke(2)].map((p) => {
      const out = new AdjRibOut(p.peerKey, { exportRoute: (pfx, best) => p.exportTemplate(pfx, best), nextHop: (f) => p.nextHopFor(f) });
      out.rebuild(rib);
      return out;
    });
    const sent = outs.map((o) => o.flush());
    expect(sent.map((b) => b[0].attributes.nextHop)).toEqual(['10.70.0.1', '10.70.0.2']);
    expect(sent[0][0].attributes.asPath).toEqual(seq(LOCAL_ASN, 4200000009));
    expect(outs[1].advertised('10.128.9.0/24')?.nextHop).toBe('10.70.0.2');
    expect([...outs[0].advertisedEntries()].map(([, a]) => a.nextHop)).toEqual(['10.70.0.1']);
    expect(outs[0].isAdvertised('10.128.9.0/24')).toBe(true);
  });
});
