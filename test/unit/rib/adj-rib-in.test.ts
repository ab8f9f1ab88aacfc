// Adj-RIB-In: pre/post-policy copies, counts, refusals feeding the Loc-RIB, max-prefix signals (RFC 4486).

import fc from 'fast-check';
import { decodeMessage, encodeMessage, packUpdates } from '../../../src/bgp/codec';
import { canonicalPrefix } from '../../../src/bgp/prefix';
import type { Prefix, UpdateMessage } from '../../../src/bgp/types';
import { updateToRoutes } from '../../../src/rib/update';
import type { ImportFilter } from '../../../src/rib/adj-rib-in';
import { AdjRibIn } from '../../../src/rib/adj-rib-in';
import type { RouteAttrs } from '../../../src/rib/attrs';
import { internAttrs } from '../../../src/rib/attrs';
import { LocRib } from '../../../src/rib/loc-rib';
import { parsePrefixKey, prefixWords } from '../../../src/bgp/prefix-table';
import { ImportPolicy } from '../../../src/policy/import';
import { attrs, localPeer, peer } from './helpers';

/** Refuses prefixes under 10.99/16, sets LOCAL_PREF 150 on the rest. */
function testPolicy(over: Partial<ImportFilter> = {}): ImportFilter {
  return {
    importRoute: (p: Prefix, a: RouteAttrs) => (p.startsWith('10.99.') ? 'test refusal' : internAttrs({ ...a, localPref: 150 })),
    ...over,
  };
}

const v4 = (announce: Prefix[], withdraw: Prefix[] = [], a: RouteAttrs | undefined = attrs()) => ({
  family: 'ipv4-unicast' as const,
  attributes: a,
  announce,
  withdraw,
});

describe('AdjRibIn', () => {
  it('keeps pre- and post-policy copies and feeds accepted routes to the Loc-RIB', () => {
    const rib = new LocRib(localPeer);
    const refused: string[] = [];
    const p = peer();
    const adj = new AdjRibIn(p, rib, testPolicy(), { onRefuse: (pfx, why) => refused.push(`${pfx}: ${why}`) });
    expect(adj.apply(v4(['10.1.0.0/16', '10.99.0.0/24']))).toBeUndefined();
    expect(adj.prePolicy('10.1.0.0/16')).toBe(attrs());
    expect(adj.postPolicy('10.1.0.0/16')?.localPref).toBe(150);
    expect(adj.prePolicy('10.99.0.0/24')).toBe(attrs());
    expect(adj.postPolicy('10.99.0.0/24')).toBeUndefined();
    expect(adj.refusalReason('10.99.0.0/24')).toBe('test refusal');
    expect(refused).toEqual(['10.99.0.0/24: test refusal']);
    expect(adj.received()).toBe(2);
    expect(adj.accepted()).toBe(1);
    expect(adj.announcementsRefused).toBe(1);
    expect(rib.best('10.1.0.0/16')?.peer).toBe(p);
    expect(rib.best('10.99.0.0/24')).toBeUndefined();
    expect([...adj.entries('pre')].map(([pfx]) => pfx).sort()).toEqual(['10.1.0.0/16', '10.99.0.0/24']);
    expect([...adj.entries('post')]).toEqual([['10.1.0.0/16', adj.postPolicy('10.1.0.0/16')]]);
  });

  it('withdrawals remove from both copies and from the Loc-RIB', () => {
    const rib = new LocRib(localPeer);
    const adj = new AdjRibIn(peer(), rib, testPolicy());
    adj.apply(v4(['10.1.0.0/16', '10.2.0.0/16']));
    adj.apply(v4([], ['10.1.0.0/16', '10.7.0.0/16'], undefined));
    expect(adj.prePolicy('10.1.0.0/16')).toBeUndefined();
    expect(adj.accepted('ipv4-unicast')).toBe(1);
    expect(rib.size).toBe(1);
  });

  it('a re-announcement now refused withdraws the earlier accepted route', () => {
    const rib = new LocRib(localPeer);
    const adj = new AdjRibIn(peer(), rib, { importRoute: (_p, a) => (a.med === 666 ? 'evil MED' : a) });
    adj.apply(v4(['10.1.0.0/16']));
    adj.apply(v4(['10.1.0.0/16'], [], attrs([65100], { med: 666 })));
    expect(rib.size).toBe(0);
    expect(adj.accepted()).toBe(0);
    expect(adj.prePolicy('10.1.0.0/16')?.med).toBe(666);
  });

  it('can run without the pre-policy copy', () => {
    const adj = new AdjRibIn(peer(), new LocRib(localPeer), testPolicy(), { keepPrePolicy: false });
    adj.apply(v4(['10.1.0.0/16', '10.99.0.0/24']));
    expect(adj.keepsPrePolicy).toBe(false);
    expect(adj.received()).toBeUndefined();
    expect(adj.prePolicy('10.1.0.0/16')).toBeUndefined();
    expect(adj.accepted()).toBe(1);
    expect(adj.setPolicy(testPolicy())).toBe(false);
  });

  it('setPolicy re-evaluates the stored routes (soft reconfiguration inbound)', () => {
    const rib = new LocRib(localPeer);
    const adj = new AdjRibIn(peer(), rib, testPolicy());
    adj.apply(v4(['10.1.0.0/16', '10.99.0.0/24']));
    expect(adj.setPolicy({ importRoute: (p, a) => (p.startsWith('10.1.') ? 'now refused' : a) })).toBe(true);
    expect(rib.best('10.1.0.0/16')).toBeUndefined();
    expect(rib.best('10.99.0.0/24')?.attrs).toBe(attrs());
    expect(adj.accepted()).toBe(1);
  });

  it('clear() withdraws everything the peer taught us', () => {
    const rib = new LocRib(localPeer);
    const other = new AdjRibIn(peer(), rib, testPolicy());
    const adj = new AdjRibIn(peer(), rib, testPolicy());
    other.apply(v4(['10.1.0.0/16']));
    adj.apply(v4(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']));
    rib.drainChanges();
    adj.clear();
    expect(rib.size).toBe(1);
    expect(rib.drainChanges().map((c) => c.prefix).sort()).toEqual(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']);
    expect(adj.accepted()).toBe(0);
    expect(adj.received()).toBe(0);
  });

  it('signals max-prefix with the RFC 4486 Cease data and stops taking routes', () => {
    const rib = new LocRib(localPeer);
    const adj = new AdjRibIn(peer(), rib, testPolicy({ maxPrefixes: 3 }));
    expect(adj.apply(v4(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']))).toBeUndefined();
    // Refused routes do not count towards the limit.
    expect(adj.apply(v4(['10.99.1.0/24', '10.99.2.0/24']))).toBeUndefined();
    const s = adj.apply(v4(['10.4.0.0/16', '10.5.0.0/16']));
    expect(s).toMatchObject({ kind: 'max-prefix-exceeded', family: 'ipv4-unicast', accepted: 4, limit: 3 });
    if (s?.kind !== 'max-prefix-exceeded') throw new Error('unreachable');
    expect(s.notification.code).toBe(6);
    expect(s.notification.subcode).toBe(1);
    // AFI 1, SAFI 1, limit 3 as a 32-bit number.
    expect([...s.notification.data]).toEqual([0, 1, 1, 0, 0, 0, 3]);
    expect(rib.best('10.5.0.0/16')).toBeUndefined();
  });

  it('counts the limit per family and encodes the IPv6 AFI', () => {
    const adj = new AdjRibIn(peer(), new LocRib(localPeer), testPolicy({ maxPrefixes: 1 }));
    expect(adj.apply(v4(['10.1.0.0/16']))).toBeUndefined();
    const a6 = attrs([65100], { nextHop: '2001:db8::1' });
    expect(adj.apply({ family: 'ipv6-unicast', attributes: a6, announce: ['2001:db8:1::/48'], withdraw: [] })).toBeUndefined();
    const s = adj.applyAll([{ family: 'ipv6-unicast', attributes: a6, announce: ['2001:db8:2::/48'], withdraw: [] }]);
    expect(s?.kind).toBe('max-prefix-exceeded');
    if (s?.kind === 'max-prefix-exceeded') expect([...s.notification.data]).toEqual([0, 2, 1, 0, 0, 0, 1]);
  });

  it('warns once at the threshold and re-arms below it', () => {
    const adj = new AdjRibIn(peer(), new LocRib(localPeer), testPolicy({ maxPrefixes: 10, maxPrefixesWarning: 50 }));
    expect(adj.apply(v4(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16']))).toBeUndefined();
    expect(adj.apply(v4(['10.5.0.0/16']))).toEqual({ kind: 'max-prefix-warning', family: 'ipv4-unicast', accepted: 5, limit: 10, percent: 50 });
    expect(adj.apply(v4(['10.6.0.0/16']))).toBeUndefined();
    adj.apply(v4([], ['10.5.0.0/16', '10.6.0.0/16'], undefined));
    expect(adj.apply(v4(['10.5.0.0/16']))?.kind).toBe('max-prefix-warning');
  });
});

describe('Adj-RIB-In fed decoded UPDATEs (wire keys)', () => {
  const ctx = { fourOctetAs: true, extendedMessage: false, ebgp: true };
  const arbPrefix = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom(8, 16, 23, 24, 32)).map(([i, len]) => canonicalPrefix(`10.${i}.${i * 31}.${i * 11}/${len}`, false));
  const arbUpdate = fc.record({ announce: fc.uniqueArray(arbPrefix, { maxLength: 6 }), withdraw: fc.uniqueArray(arbPrefix, { maxLength: 6 }), lp: fc.constantFrom(100, 200) });

  it('ends in the state the same routes given as text reach, for any sequence of UPDATEs', () => {
    fc.assert(
      fc.property(fc.array(arbUpdate, { maxLength: 12 }), (updates) => {
        const viaWire = new LocRib(localPeer);
        const viaText = new LocRib(localPeer);
        const p = peer();
        const a = new AdjRibIn(p, viaWire, testPolicy());
        const b = new AdjRibIn(p, viaText, testPolicy());
        for (const u of updates) {
          const attributes = { origin: 0, asPath: [{ type: 2, asns: [65100] }], nextHop: '192.0.2.1', med: u.lp };
          const wire = packUpdates({ family: 'ipv4-unicast', attributes, announce: u.announce, withdraw: u.withdraw }, ctx);
          for (const bytes of wire) {
            const msg = decodeMessage(bytes, ctx) as UpdateMessage;
            const routes = updateToRoutes(msg);
            for (const r of routes) {
              if (r.announce.length > 0) expect(r.announceKeys).toHaveLength(r.announce.length);
              if (r.withdraw.length > 0) expect(r.withdrawKeys).toHaveLength(r.withdraw.length);
            }
            a.applyAll(routes);
            b.applyAll(routes.map(({ announceKeys: _a, withdrawKeys: _w, ...text }) => ({ ...text, announce: [...text.announce], withdraw: [...text.withdraw] })));
          }
        }
        const state = (rib: LocRib) => [...rib.prefixes()].sort().map((x) => `${x} ${rib.best(x)?.attrs.med}`);
        expect(state(viaWire)).toEqual(state(viaText));
        expect([...a.entries('pre')].map(([x, at]) => `${x} ${at.med}`).sort()).toEqual([...b.entries('pre')].map(([x, at]) => `${x} ${at.med}`).sort());
        expect(a.accepted()).toBe(b.accepted());
      }),
      { numRuns: 200 },
    );
  });
});

describe('Adj-RIB-In fed decoded IPv6 UPDATEs (wire words)', () => {
  const ctx = { fourOctetAs: true, extendedMessage: false, ebgp: true };
  const arbPrefix = fc
    .tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom(0, 32, 47, 48, 64, 127, 128))
    .map(([i, len]) => canonicalPrefix(`2001:db8:${i}:${i * 31}:${i}::${i * 11}/${len}`, false));
  const arbUpdate = fc.record({ announce: fc.uniqueArray(arbPrefix, { maxLength: 6 }), withdraw: fc.uniqueArray(arbPrefix, { maxLength: 6 }), med: fc.constantFrom(100, 200) });
  // A real import policy with IPv6 entries: its verdicts read each prefix from the bound words (importRef), not text.
  const policy = () =>
    new ImportPolicy(
      { name: 'p', remoteAsn: 65100, import: { allow: ['2001:db8::/32 le 128', '::/0'], deny: ['2001:db8:3::/48 le 64'], allowDefault: true } },
      { asn: 65200, originate: ['2001:db8:5:9b::/64'] },
    );

  it('ends in the state the same routes given as text reach, for any sequence of UPDATEs (policy included)', () => {
    fc.assert(
      fc.property(fc.array(arbUpdate, { maxLength: 12 }), (updates) => {
        const viaWire = new LocRib(localPeer);
        const viaText = new LocRib(localPeer);
        const p = peer();
        const a = new AdjRibIn(p, viaWire, policy());
        const b = new AdjRibIn(p, viaText, policy());
        for (const u of updates) {
          const attributes = { origin: 0, asPath: [{ type: 2, asns: [65100] }], med: u.med, mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [] } };
          for (const bytes of packUpdates({ family: 'ipv6-unicast', attributes, announce: u.announce, withdraw: u.withdraw }, ctx)) {
            const routes = updateToRoutes(decodeMessage(bytes, ctx) as UpdateMessage);
            for (const r of routes) {
              // The words are there, and say what the text says.
              for (const [list, words] of [[r.announce, r.announceWords6], [r.withdraw, r.withdrawWords6]] as const) {
                if (list.length === 0) continue;
                expect(words).toHaveLength(list.length * 5);
                list.forEach((x, i) => {
                  const len = parsePrefixKey(x);
                  expect([...prefixWords, len - 64]).toEqual([...words!.slice(i * 5, i * 5 + 5)]);
                });
              }
            }
            a.applyAll(routes);
            b.applyAll(routes.map(({ announceWords6: _a, withdrawWords6: _w, ...text }) => ({ ...text, announce: [...text.announce], withdraw: [...text.withdraw] })));
          }
        }
        const state = (rib: LocRib) => [...rib.prefixes()].sort().map((x) => `${x} ${rib.best(x)?.attrs.med}`);
        expect(state(viaWire)).toEqual(state(viaText));
        expect([...a.entries('pre')].map(([x, at]) => `${x} ${at.med}`).sort()).toEqual([...b.entries('pre')].map(([x, at]) => `${x} ${at.med}`).sort());
        expect([a.accepted(), a.announcementsRefused]).toEqual([b.accepted(), b.announcementsRefused]);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps no words when a family's list has two sources (MP_UNREACH and a treat-as-withdraw MP_REACH)", () => {
    // Both lists decoded from the wire (so each has its words), then put in one UPDATE with a treat-as-withdraw error.
    const attributes = { origin: 0, asPath: [{ type: 2, asns: [65100] }], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [] } };
    const [gone] = packUpdates({ family: 'ipv6-unicast', attributes, announce: [], withdraw: ['2001:db8:1::/48'] }, ctx).map((b) => decodeMessage(b, ctx) as UpdateMessage);
    const [came] = packUpdates({ family: 'ipv6-unicast', attributes, announce: ['2001:db8:2::/48'], withdraw: [] }, ctx).map((b) => decodeMessage(b, ctx) as UpdateMessage);
    const alone = updateToRoutes(gone)[0];
    expect(alone.withdrawWords6).toHaveLength(5);
    const msg: UpdateMessage = {
      ...came,
      attributes: { ...came.attributes, mpUnreach: gone.attributes.mpUnreach },
      softErrors: [{ action: 'treat-as-withdraw', reason: 'test' }] as UpdateMessage['softErrors'],
    };
    const [r] = updateToRoutes(msg);
    expect(r.withdraw).toEqual(['2001:db8:1::/48', '2001:db8:2::/48']);
    expect(r.withdrawWords6).toBeUndefined();
  });

  it("takes no wire form that is not the family's (an IPv4 list put in an IPv6 attribute by hand)", () => {
    const v4 = decodeMessage(
      encodeMessage({ type: 'update', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['10.1.0.0/16'] }, ctx),
      ctx,
    ) as UpdateMessage;
    const msg: UpdateMessage = { type: 'update', withdrawn: [], nlri: [], attributes: { origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: v4.nlri } } };
    const [r] = updateToRoutes(msg);
    expect(r.family).toBe('ipv6-unicast');
    expect(r.announceKeys).toBeUndefined();
    expect(r.announceWords6).toBeUndefined();
    expect(r.announce).toEqual(['10.1.0.0/16']);
  });
});

describe('the pre-policy copy', () => {
  it('holds exactly the last set each prefix was announced with, for any sequence (sets freed and reused)', () => {
    // Three attribute sets, so a set every prefix left is freed and its number reused by another: the copy's memo of
    // the last set looked up must never answer with a number that now belongs to a different set.
    const sets = [attrs([65100]), attrs([65100, 65200]), attrs([65300])];
    const arbPrefix = fc.integer({ min: 0, max: 9 }).map((i) => `10.${i}.0.0/16`);
    const arbOp = fc.record({ set: fc.integer({ min: 0, max: 2 }), announce: fc.uniqueArray(arbPrefix, { maxLength: 5 }), withdraw: fc.uniqueArray(arbPrefix, { maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 25 }), (ops) => {
        const adj = new AdjRibIn(peer(), new LocRib(localPeer), testPolicy());
        const model = new Map<string, RouteAttrs>();
        for (const op of ops) {
          adj.apply(v4(op.announce, op.withdraw, sets[op.set]));
          for (const p of op.withdraw) model.delete(p);
          for (const p of op.announce) model.set(p, sets[op.set]!);
        }
        const got = new Map([...adj.entries('pre')!]);
        expect([...got.keys()].sort()).toEqual([...model.keys()].sort());
        for (const [p, a] of model) expect(got.get(p)).toBe(a);
      }),
      { numRuns: 500 },
    );
  });

  it('gives back every route as received, under any policy and its changes, also where policy makes two sets one', () => {
    // Sets 0 and 1 differ only in LOCAL_PREF, which policy A overwrites: both become the same post-policy set, so the
    // Loc-RIB alone cannot tell which came in (the copy must hold those explicitly). Policy B keeps LOCAL_PREF and
    // refuses other prefixes; policy C refuses everything with set 2.
    const sets = [internAttrs({ ...attrs([65100]), localPref: 120 }), attrs([65100]), attrs([65300])];
    const policies: ImportFilter[] = [
      { importRoute: (p, a) => (p.startsWith('10.9.') ? 'A refuses 10.9' : internAttrs({ ...a, localPref: 150 })) },
      { importRoute: (p, a) => (p.startsWith('10.1.') || p.startsWith('10.3.') ? 'B refuses 10.1 and 10.3' : a) },
      { importRoute: (_p, a) => (a === sets[2] ? 'C refuses set 2' : internAttrs({ ...a, med: 5 })) },
    ];
    const arbPrefix = fc.integer({ min: 0, max: 9 }).map((i) => `10.${i}.0.0/16`);
    const arbOp = fc.oneof(
      fc.record({ set: fc.integer({ min: 0, max: 2 }), announce: fc.uniqueArray(arbPrefix, { maxLength: 5 }), withdraw: fc.uniqueArray(arbPrefix, { maxLength: 5 }) }),
      fc.record({ policy: fc.integer({ min: 0, max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.array(arbOp, { maxLength: 30 }), fc.boolean(), (first, ops, other) => {
        const rib = new LocRib(localPeer);
        const me = peer();
        // Another peer's paths for the same prefixes: the copy must tell our paths from theirs.
        if (other) {
          const them = new AdjRibIn(peer({ key: 'them', address: '192.0.2.9' }), rib, policies[1]!);
          them.apply(v4(['10.0.0.0/16', '10.2.0.0/16', '10.9.0.0/16'], [], sets[1]));
        }
        let policy = policies[first]!;
        const adj = new AdjRibIn(me, rib, policy);
        const model = new Map<string, RouteAttrs>();
        for (const op of ops) {
          if ('policy' in op) {
            policy = policies[op.policy]!;
            expect(adj.setPolicy(policy)).toBe(true);
            continue;
          }
          adj.apply(v4(op.announce, op.withdraw, sets[op.set]));
          for (const q of op.withdraw) model.delete(q);
          for (const q of op.announce) model.set(q, sets[op.set]!);
        }
        const got = new Map([...adj.entries('pre')]);
        expect([...got.keys()].sort()).toEqual([...model.keys()].sort());
        expect(adj.received()).toBe(model.size);
        let accepted = 0;
        for (let i = 0; i < 10; i++) {
          const q = `10.${i}.0.0/16`;
          const a = model.get(q);
          expect(got.get(q)).toBe(a);
          expect(adj.prePolicy(q)).toBe(a);
          const want = a === undefined ? undefined : policy.importRoute(q, a);
          const path = rib.pathFrom(me.key, q);
          if (typeof want === 'string' || want === undefined) {
            expect(path).toBeUndefined();
            if (a !== undefined) expect(adj.refusalReason(q)).toBe(want);
          } else {
            accepted++;
            expect(path?.peer).toBe(me);
            expect(path?.attrs).toBe(want);
          }
        }
        expect(adj.accepted()).toBe(accepted);
        adj.clear();
        expect([...rib.pathsFrom(me.key)]).toEqual([]);
        expect(adj.received()).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
