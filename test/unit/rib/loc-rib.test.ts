// Loc-RIB: batching of changes, withdrawals, removePeer, origination, and order independence (property test).

import fc from 'fast-check';
import { Origin } from '../../../src/bgp/types';
import { LocRib } from '../../../src/rib/loc-rib';
import { ipv6WordsPrefix } from '../../../src/bgp/codec/nlri';

/** The words with the bits past `len` cleared, as a table holds a prefix. */
function masked(w: number[], len: number): [number, number, number, number] {
  return w.map((x, i) => (len >= 32 * (i + 1) ? x : len <= 32 * i ? 0 : (x & ~(0xffffffff >>> (len - 32 * i))) >>> 0)) as [number, number, number, number];
}
import type { Peer } from '../../../src/rib/path';
import { makePeer } from '../../../src/rib/path';
import { attrs, localPeer, peer } from './helpers';

describe('LocRib changes', () => {
  it('collects changes and drains them once per prefix', () => {
    let pendingCalls = 0;
    const rib = new LocRib(localPeer, { onPending: () => pendingCalls++ });
    const a = peer();
    rib.upsert(a, '10.0.0.0/24', attrs([65100, 1]));
    rib.upsert(a, '10.0.0.0/24', attrs([65100, 2]));
    rib.upsert(a, '10.0.1.0/24', attrs());
    expect(pendingCalls).toBe(1);
    expect(rib.pendingCount).toBe(2);
    const ch = rib.drainChanges();
    expect(ch.map((c) => c.prefix)).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(ch[0].oldBest).toBeUndefined();
    expect(ch[0].best?.attrs).toBe(attrs([65100, 2]));
    expect(ch[0].ecmp).toHaveLength(1);
    expect(ch[0].reason).toBe('only-path');
    expect(rib.drainChanges()).toEqual([]);
    rib.upsert(a, '10.0.2.0/24', attrs());
    expect(pendingCalls).toBe(2);
  });

  it('an IPv6 change gives back its prefix and its words, whatever the words (a high bit set, all ones)', () => {
    const v6 = fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 128 }));
    fc.assert(
      fc.property(fc.uniqueArray(v6, { minLength: 1, maxLength: 8, selector: ([w, len]) => ipv6WordsPrefix(...masked(w, len), len) }), (prefixes) => {
        const rib = new LocRib(localPeer);
        const a = peer();
        const want = new Map(prefixes.map(([w, len]) => [ipv6WordsPrefix(...masked(w, len), len), [...masked(w, len), len]]));
        for (const p of want.keys()) rib.upsert(a, p, attrs());
        const changes = rib.drainChanges();
        expect(changes.map((c) => c.prefix).sort()).toEqual([...want.keys()].sort());
        const out = new Uint32Array(5);
        for (const c of changes) {
          expect(c.ipv6WordsInto(out, 0)).toBe(true);
          expect([...out]).toEqual(want.get(c.prefix));
        }
      }),
    );
  });

  it('re-sending identical attributes is not a change', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    rib.upsert(a, '10.0.0.0/24', attrs());
    rib.drainChanges();
    rib.upsert(a, '10.0.0.0/24', attrs());
    expect(rib.pendingCount).toBe(0);
  });

  it('announce then withdraw inside one batch yields no change', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    rib.upsert(a, '10.0.0.0/24', attrs());
    expect(rib.withdraw(a.key, '10.0.0.0/24')).toBe(true);
    expect(rib.drainChanges()).toEqual([]);
    expect(rib.size).toBe(0);
  });

  it('drains in pieces when given a limit', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    for (let i = 0; i < 5; i++) rib.upsert(a, `10.0.${i}.0/24`, attrs());
    expect(rib.drainChanges(2)).toHaveLength(2);
    expect(rib.drainChanges(2)).toHaveLength(2);
    expect(rib.drainChanges(2)).toHaveLength(1);
    expect(rib.pendingCount).toBe(0);
  });

  it('reports old and new best when a better path arrives and when it leaves', () => {
    const rib = new LocRib(localPeer);
    const backup = peer({ routerId: '1.1.1.1' });
    const primary = peer({ routerId: '2.2.2.2' });
    rib.upsert(backup, '10.9.0.0/16', attrs([65100, 65100, 65100]));
    rib.drainChanges();
    rib.upsert(primary, '10.9.0.0/16', attrs([65100]));
    let [c] = rib.drainChanges();
    expect(c.oldBest?.peer).toBe(backup);
    expect(c.best?.peer).toBe(primary);
    expect(c.bestChanged).toBe(true);
    expect(c.reason).toBe('as-path-length');
    expect(c.tiers.map((t) => t.map((p) => p.peer.key))).toEqual([[primary.key], [backup.key]]);
    rib.withdraw(primary.key, '10.9.0.0/16');
    [c] = rib.drainChanges();
    expect(c.oldBest?.peer).toBe(primary);
    expect(c.best?.peer).toBe(backup);
    expect(c.oldTiers).toHaveLength(2);
    expect(c.tiers).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(c))).toEqual({ prefix: '10.9.0.0/16', reason: 'only-path', tiers: [[backup.key]], oldTiers: [[primary.key], [backup.key]] });
  });

  it('a change in a lower tier only is reported with bestChanged false', () => {
    const rib = new LocRib(localPeer);
    const primary = peer();
    const backup = peer();
    rib.upsert(primary, '10.9.0.0/16', attrs([65100]));
    rib.upsert(backup, '10.9.0.0/16', attrs([65100, 65100, 65100]));
    rib.drainChanges();
    rib.upsert(backup, '10.9.0.0/16', attrs([65100, 65100]));
    const [c] = rib.drainChanges();
    expect(c.bestChanged).toBe(false);
    expect(c.tiers[1][0].attrs).toBe(attrs([65100, 65100]));
  });

  it('removePeer withdraws everything the peer taught us, and only that', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    const b = peer();
    for (let i = 0; i < 100; i++) rib.upsert(a, `10.1.${i}.0/24`, attrs());
    for (let i = 0; i < 50; i++) rib.upsert(b, `10.1.${i}.0/24`, attrs([65100, 65100]));
    rib.upsert(b, '10.2.0.0/16', attrs());
    rib.drainChanges();
    expect(rib.removePeer(a.key)).toBe(100);
    const ch = rib.drainChanges();
    expect(ch).toHaveLength(100);
    expect(ch.filter((c) => c.best === undefined)).toHaveLength(50);
    expect(ch.filter((c) => c.best?.peer === b)).toHaveLength(50);
    expect(rib.size).toBe(51);
    for (const p of rib.prefixes()) expect(rib.get(p)!.paths.every((x) => x.peer !== a)).toBe(true);
    // The targeted form (prefixes known from the Adj-RIB-In) gives the same result.
    expect(rib.removePeer(b.key, ['10.1.0.0/24', '10.2.0.0/16', '10.3.0.0/16'])).toBe(2);
  });

  it('originated routes beat learned ones and can be withdrawn', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    rib.upsert(a, '10.50.0.0/16', attrs([65100], { localPref: 1000 }));
    rib.originate('10.50.0.0/16', { med: 5 });
    const v = rib.get('10.50.0.0/16')!;
    expect(v.best.peer.local).toBe(true);
    expect(v.best.attrs).toMatchObject({ origin: Origin.Igp, asPath: [], med: 5 });
    expect(v.reason).toBe('locally-originated');
    expect(rib.unoriginate('10.50.0.0/16')).toBe(true);
    expect(rib.best('10.50.0.0/16')?.peer).toBe(a);
    expect(rib.unoriginate('10.50.0.0/16')).toBe(false);
  });

  it('handles more paths than fit the tier bitmask', () => {
    const rib = new LocRib(localPeer, { maxPaths: 40 });
    const ps = Array.from({ length: 35 }, (_, i) => makePeer({ key: `p${i}`, address: `192.0.2.${i + 1}`, asn: 65100, routerId: `10.0.0.${i + 1}`, ebgp: true }));
    for (const p of ps) rib.upsert(p, '10.0.0.0/8', attrs());
    rib.upsert(ps[34], '10.0.0.0/8', attrs([65100, 65100]));
    const v = rib.get('10.0.0.0/8')!;
    expect(v.ecmp).toHaveLength(34);
    expect(v.tiers.map((t) => t.length)).toEqual([34, 1]);
    expect(v.tiers[1][0].peer).toBe(ps[34]);
    rib.drainChanges();
    rib.upsert(ps[34], '10.0.0.0/8', attrs());
    const [c] = rib.drainChanges();
    expect(c.ecmp).toHaveLength(35);
    expect(c.oldEcmp).toHaveLength(34);
  });

  it('upsert tells whether the peer is new for the prefix; pathFrom and pathsFrom find a peer\'s paths', () => {
    const rib = new LocRib(localPeer);
    const a = peer();
    const b = peer();
    expect(rib.upsert(a, '10.0.0.0/8', attrs())).toBe(true);
    expect(rib.upsert(a, '10.0.0.0/8', attrs([65100, 1]))).toBe(false);
    expect(rib.upsert(b, '10.0.0.0/8', attrs())).toBe(true);
    expect(rib.upsert(b, '10.0.0.0/8', attrs([65100, 2]))).toBe(false);
    expect(rib.upsert(b, '10.1.0.0/16', attrs())).toBe(true);
    expect(rib.pathFrom(a.key, '10.0.0.0/8')?.attrs).toBe(attrs([65100, 1]));
    expect(rib.pathFrom(a.key, '10.1.0.0/16')).toBeUndefined();
    expect([...rib.pathsFrom(b.key)].map(([p]) => p)).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
  });

  it('a peer whose session restarted (new Peer object, same key) replaces its old path', () => {
    const rib = new LocRib(localPeer);
    const info = { key: 'isp1', address: '192.0.2.1', asn: 65100, routerId: '1.1.1.1', ebgp: true };
    rib.upsert(makePeer(info), '10.0.0.0/8', attrs());
    rib.upsert(peer(), '10.0.0.0/8', attrs());
    rib.upsert(makePeer({ ...info, routerId: '1.1.1.2' }), '10.0.0.0/8', attrs());
    expect(rib.get('10.0.0.0/8')!.paths).toHaveLength(2);
  });
});

describe('LocRib order independence (property)', () => {
  const peers: Peer[] = [];
  for (let i = 0; i < 6; i++) {
    peers.push(
      makePeer({
        key: `p${i}`,
        address: `192.0.2.${10 - i}`,
        asn: i < 3 ? 65100 : 65200,
        routerId: `10.0.0.${(i * 7) % 5}`, // duplicates on purpose: the address must then decide
        ebgp: i !== 2,
      }),
    );
  }
  // Few distinct values so that ties (and hence the later steps, MED scoping and ECMP) are common.
  const arbPath = fc.record({
    peer: fc.integer({ min: 0, max: peers.length - 1 }),
    lp: fc.constantFrom(undefined, 100, 200),
    len: fc.integer({ min: 1, max: 2 }),
    origin: fc.constantFrom(Origin.Igp, Origin.Incomplete),
    med: fc.constantFrom(undefined, 10, 20),
  });
  const arbSet = fc.uniqueArray(arbPath, { selector: (p) => p.peer, minLength: 1, maxLength: peers.length });
  /** A set of paths and two arbitrary arrival orders of it. */
  const arbOrders = arbSet.chain((set) =>
    fc.tuple(
      fc.constant(set),
      fc.shuffledSubarray(set, { minLength: set.length, maxLength: set.length }),
      fc.shuffledSubarray(set, { minLength: set.length, maxLength: set.length }),
    ),
  );

  it('best path, ECMP set, tiers and reason do not depend on arrival order', () => {
    fc.assert(
      fc.property(arbOrders, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 4 }), ([set, order1, order2], relax, alwaysMed, maxPaths) => {
        const build = (order: typeof set) => {
          const rib = new LocRib(localPeer, { multipathRelax: relax, alwaysCompareMed: alwaysMed, maxPaths });
          for (const s of order) {
            const p = peers[s.peer];
            const path = Array.from({ length: s.len }, () => p.asn);
            rib.upsert(p, '10.0.0.0/8', attrs(path, { localPref: s.lp, origin: s.origin, med: s.med }));
          }
          const v = rib.get('10.0.0.0/8')!;
          return { best: v.best.peer.key, ecmp: v.ecmp.map((x) => x.peer.key), tiers: v.tiers.map((t) => t.map((x) => x.peer.key)), reason: v.reason };
        };
        const first = build(order1);
        expect(build(order2)).toEqual(first);
        expect(build([...order1].reverse())).toEqual(first);
        expect(first.ecmp.length).toBeLessThanOrEqual(maxPaths);
        expect(first.tiers.flat().sort()).toEqual(set.map((s) => peers[s.peer].key).sort());
      }),
      { numRuns: 1000 },
    );
  });

  it('withdrawing and re-adding paths in any order converges to the same result', () => {
    fc.assert(
      fc.property(arbSet, fc.nat(), (set, seed) => {
        const rib = new LocRib(localPeer);
        const ref = new LocRib(localPeer);
        for (const s of set) {
          const a = attrs(Array.from({ length: s.len }, () => peers[s.peer].asn), { localPref: s.lp, origin: s.origin, med: s.med });
          rib.upsert(peers[s.peer], '10.0.0.0/8', a);
          ref.upsert(peers[s.peer], '10.0.0.0/8', a);
        }
        const victim = set[seed % set.length];
        const victimAttrs = rib.get('10.0.0.0/8')!.paths.find((p) => p.peer === peers[victim.peer])!.attrs;
        rib.withdraw(peers[victim.peer].key, '10.0.0.0/8');
        rib.upsert(peers[victim.peer], '10.0.0.0/8', victimAttrs);
        const a = rib.get('10.0.0.0/8')!;
        const b = ref.get('10.0.0.0/8')!;
        expect(a.tiers.map((t) => t.map((p) => p.peer.key))).toEqual(b.tiers.map((t) => t.map((p) => p.peer.key)));
        expect(a.reason).toBe(b.reason);
      }),
      { numRuns: 300 },
    );
  });
});

describe('LocRib IPv6 changes', () => {
  it('keep their prefix when its entry is gone and reused before the text is read (the text is made on demand)', () => {
    const rib = new LocRib(localPeer);
    const isp = makePeer({ key: 'isp1', address: '192.0.2.1', asn: 65100, routerId: '10.0.0.1', ebgp: true });
    rib.upsert(isp, '2001:db8:1::/48', attrs([65100]));
    rib.drainChanges();
    rib.withdraw('isp1', '2001:db8:1::/48');
    const [gone] = rib.drainChanges();
    // The withdrawn entry's id is free: the next prefix takes it.
    rib.upsert(isp, 'fd00:ffff:1:2:3:4:5:6/128', attrs([65100]));
    const [added] = rib.drainChanges();
    expect([gone!.prefix, gone!.key, gone!.best]).toEqual(['2001:db8:1::/48', -1, undefined]);
    expect(added!.prefix).toBe('fd00:ffff:1:2:3:4:5:6/128');
  });
});

describe('LocRib pending changes (property)', () => {
  const peers = [
    makePeer({ key: 'isp1', address: '192.0.2.1', asn: 65100, routerId: '10.0.0.1', ebgp: true }),
    makePeer({ key: 'isp2', address: '192.0.2.5', asn: 65100, routerId: '10.0.0.2', ebgp: true }),
  ];
  const arbOp = fc.oneof(
    fc.record({ kind: fc.constant('upsert' as const), peer: fc.constantFrom(0, 1), prefix: fc.integer({ min: 0, max: 5 }), lp: fc.constantFrom(100, 200) }),
    fc.record({ kind: fc.constant('withdraw' as const), peer: fc.constantFrom(0, 1), prefix: fc.integer({ min: 0, max: 5 }), lp: fc.constant(0) }),
    fc.record({ kind: fc.constant('drain' as const), peer: fc.constant(0), prefix: fc.integer({ min: 1, max: 4 }), lp: fc.constant(0) }),
  );
  const name = (i: number) => (i === 5 ? '2001:db8::/32' : i === 4 ? '2001:db8:a:b:c:d:e:f0/124' : `10.0.${i}.0/24`);
  /** A prefix's state as the model sees it: "peer:lp" per path, sorted; '' for none. */
  const stateOf = (paths: Map<string, number> | undefined) => [...(paths ?? new Map<string, number>())].map(([k, lp]) => `${k}:${lp}`).sort().join(',');

  it('drains exactly the prefixes whose paths differ from the last drain, in first-touch order, with before and after', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 150 }), (ops) => {
        const rib = new LocRib(localPeer);
        const now = new Map<string, Map<string, number>>();
        // Per touched prefix, its state at the last drain; insertion order is first-touch order.
        let touched = new Map<string, string>();
        const drainModel = (limit: number) => {
          const taken = [...touched].slice(0, limit);
          for (const [p] of taken) touched.delete(p);
          return taken.filter(([p, before]) => before !== stateOf(now.get(p)));
        };
        const check = (limit: number) => {
          const expected = drainModel(limit);
          const got = rib.drainChanges(limit);
          expect(got.map((c) => c.prefix)).toEqual(expected.map(([p]) => p));
          for (let i = 0; i < got.length; i++) {
            const pathsOf = (tiers: readonly (readonly { peer: { key: string }; attrs: { localPref?: number } }[])[]) =>
              tiers.flat().map((p) => `${p.peer.key}:${p.attrs.localPref}`).sort().join(',');
            expect(pathsOf(got[i].oldTiers)).toBe(expected[i][1]);
            expect(pathsOf(got[i].tiers)).toBe(stateOf(now.get(got[i].prefix)));
            // The FIB looks the prefix up by this key: address * 64 + length for IPv4, -1 otherwise.
            const [addr, len] = got[i].prefix.split('/');
            const key = addr.includes(':') ? -1 : addr.split('.').reduce((a, o) => a * 256 + Number(o), 0) * 64 + Number(len);
            expect(got[i].key).toBe(key);
          }
        };
        for (const op of ops) {
          if (op.kind === 'drain') {
            check(op.prefix);
            continue;
          }
          const p = name(op.prefix);
          const peer = peers[op.peer];
          const before = stateOf(now.get(p));
          if (op.kind === 'upsert') {
            const had = now.get(p)?.has(peer.key) ?? false;
            expect(rib.upsert(peer, p, attrs([65100], { localPref: op.lp }))).toBe(!had);
            if (!now.has(p)) now.set(p, new Map());
            now.get(p)!.set(peer.key, op.lp);
          } else {
            expect(rib.withdraw(peer.key, p)).toBe(now.get(p)?.has(peer.key) ?? false);
            now.get(p)?.delete(peer.key);
          }
          if (before !== stateOf(now.get(p)) && !touched.has(p)) touched.set(p, before);
          expect(rib.pendingCount).toBe(touched.size);
          expect(rib.isPending(p)).toBe(touched.has(p));
          const routed = [...now].filter(([, m]) => m.size > 0).map(([q]) => q);
          expect(rib.size).toBe(routed.length);
          expect(new Set(rib.prefixes())).toEqual(new Set(routed));
        }
        check(Infinity);
        expect(rib.pendingCount).toBe(0);
        for (const p of touched.keys()) expect(rib.isPending(p)).toBe(false);
        touched = new Map();
      }),
      { numRuns: 300 },
    );
  });
});

describe('LocRib memory: shared entries', () => {
  const p1 = makePeer({ key: 'isp1', address: '192.0.2.1', asn: 65100, routerId: '10.0.0.1', ebgp: true });
  const p2 = makePeer({ key: 'isp2', address: '192.0.2.5', asn: 65100, routerId: '10.0.0.2', ebgp: true });

  it('prefixes with the same paths share one path object per peer and one ranking, whatever their number', () => {
    const rib = new LocRib(localPeer);
    const a1 = attrs([65100]);
    const a2 = attrs([65100, 65100]);
    for (let i = 0; i < 5000; i++) {
      rib.upsert(p1, `10.${i >> 8}.${i & 255}.0/24`, a1);
      rib.upsert(p2, `10.${i >> 8}.${i & 255}.0/24`, a2);
    }
    rib.drainChanges();
    // Two paths (one per peer) and the one ranking of {isp1, isp2}.
    expect(rib.memory).toMatchObject({ prefixes: 5000, sharedEntries: 3 });
    const x = rib.get('10.0.1.0/24')!;
    const y = rib.get('10.19.2.0/24')!;
    expect(x.best).toBe(y.best);
    expect(x.tiers.map((t) => t.map((p) => p.peer.key))).toEqual([['isp1'], ['isp2']]);
    expect(x.reason).toBe('as-path-length');
  });

  const arbOp = fc.record({
    peer: fc.constantFrom(0, 1, 2),
    prefix: fc.integer({ min: 0, max: 7 }).map((i) => `10.0.${i}.0/24`),
    withdraw: fc.boolean(),
    lp: fc.constantFrom(100, 200),
    drain: fc.boolean(),
  });

  it('agrees with a plain per-prefix model for any sequence, and holds no shared entry once everything is withdrawn', () => {
    const peers = [p1, p2, makePeer({ key: 'twin', address: '10.9.0.2', asn: 65001, routerId: '10.0.0.3', ebgp: false })];
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 120 }), (ops) => {
        const rib = new LocRib(localPeer);
        const model = new Map<string, Map<string, number>>();
        for (const op of ops) {
          const peer = peers[op.peer];
          if (op.withdraw) {
            rib.withdraw(peer.key, op.prefix);
            model.get(op.prefix)?.delete(peer.key);
          } else {
            rib.upsert(peer, op.prefix, attrs([65100], { localPref: op.lp }));
            if (!model.has(op.prefix)) model.set(op.prefix, new Map());
            model.get(op.prefix)!.set(peer.key, op.lp);
          }
          if (op.drain) rib.drainChanges();
        }
        for (const [prefix, paths] of model) {
          const v = rib.get(prefix);
          if (paths.size === 0) {
            expect(v).toBeUndefined();
            continue;
          }
          expect(new Map(v!.paths.map((p) => [p.peer.key, p.attrs.localPref]))).toEqual(paths);
          // The best path has the highest LOCAL_PREF (the one step that varies here).
          expect(v!.best.attrs.localPref).toBe(Math.max(...paths.values()));
        }
        expect(rib.size).toBe([...model.values()].filter((m) => m.size > 0).length);
        for (const peer of peers) rib.removePeer(peer.key);
        rib.drainChanges();
        expect(rib.size).toBe(0);
        expect(rib.pendingCount).toBe(0);
        expect(rib.memory.sharedEntries).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
