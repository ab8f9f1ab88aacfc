// Decision process: each step decides alone with its reason, MED scoping, AS_PATH length rules, ECMP and tiers.

import { AsPathSegmentType, Origin } from '../../../src/bgp/types';
import { asPathLength, internAttrs, neighborAs } from '../../../src/rib/attrs';
import type { BestReason, DecisionOptions } from '../../../src/rib/decision';
import fc from 'fast-check';
import { COMPARATORS, DEFAULT_DECISION_OPTIONS, rankByElimination, rankPaths } from '../../../src/rib/decision';
import { makePeer, Path } from '../../../src/rib/path';
import { attrs, localPeer, peer } from './helpers';

const opts = (o: Partial<DecisionOptions> = {}): DecisionOptions => ({ ...DEFAULT_DECISION_OPTIONS, ...o });

/**
 * Each case: the winner is better at exactly one step, equal before it, and WORSE at every later step,
 * so the case fails if the step were missing or ordered after a later one.
 */
const cases: { reason: BestReason; winner: () => Path; loser: () => Path }[] = [
  {
    reason: 'locally-originated',
    winner: () => new Path(localPeer, attrs([], { localPref: 100, origin: Origin.Incomplete, med: 500 })),
    loser: () => new Path(peer({ routerId: '1.1.1.1' }), attrs([65100], { localPref: 500 })),
  },
  {
    reason: 'local-pref',
    winner: () =>
      new Path(
        peer({ ebgp: false, routerId: '9.9.9.9', address: '192.0.2.200' }),
        attrs([65100, 65200, 65300], { localPref: 200, origin: Origin.Incomplete, med: 50 }),
      ),
    loser: () => new Path(peer({ routerId: '1.1.1.1', address: '192.0.2.1' }), attrs([65100], { localPref: 100, med: 0 })),
  },
  {
    reason: 'as-path-length',
    winner: () =>
      new Path(peer({ ebgp: false, routerId: '9.9.9.9', address: '192.0.2.200' }), attrs([65100], { origin: Origin.Incomplete, med: 50 })),
    loser: () => new Path(peer({ routerId: '1.1.1.1', address: '192.0.2.1' }), attrs([65100, 65100], { med: 0 })),
  },
  {
    reason: 'origin',
    winner: () => new Path(peer({ ebgp: false, routerId: '9.9.9.9', address: '192.0.2.200' }), attrs([65100], { origin: Origin.Egp, med: 50 })),
    loser: () => new Path(peer({ routerId: '1.1.1.1', address: '192.0.2.1' }), attrs([65100], { origin: Origin.Incomplete, med: 0 })),
  },
  {
    reason: 'med',
    winner: () => new Path(peer({ ebgp: false, routerId: '9.9.9.9', address: '192.0.2.200' }), attrs([65100], { med: 10 })),
    loser: () => new Path(peer({ routerId: '1.1.1.1', address: '192.0.2.1' }), attrs([65100], { med: 20 })),
  },
  {
    reason: 'ebgp-over-ibgp',
    winner: () => new Path(peer({ ebgp: true, routerId: '9.9.9.9', address: '192.0.2.200' }), attrs([65100])),
    loser: () => new Path(peer({ ebgp: false, routerId: '1.1.1.1', address: '192.0.2.1' }), attrs([65100])),
  },
  {
    reason: 'router-id',
    winner: () => new Path(peer({ routerId: '1.1.1.1', address: '192.0.2.200' }), attrs([65100])),
    loser: () => new Path(peer({ routerId: '9.9.9.9', address: '192.0.2.1' }), attrs([65100])),
  },
  {
    reason: 'peer-address',
    winner: () => new Path(peer({ routerId: '5.5.5.5', address: '192.0.2.9' }), attrs([65100])),
    loser: () => new Path(peer({ routerId: '5.5.5.5', address: '192.0.2.10' }), attrs([65100])),
  },
];

describe('decision process: each step decides alone', () => {
  it('covers every comparator plus only-path', () => {
    expect(cases.map((c) => c.reason)).toEqual(COMPARATORS.map((c) => c.reason));
  });

  for (const c of cases) {
    it(`${c.reason}: the winner wins in either order, with that reason`, () => {
      const w = c.winner();
      const l = c.loser();
      for (const order of [[w, l], [l, w]]) {
        const r = rankPaths(order, opts());
        expect(r.ordered[0]).toBe(w);
        expect(r.reason).toBe(c.reason);
      }
    });
  }

  it('only-path when there is one candidate', () => {
    const p = new Path(peer(), attrs());
    expect(rankPaths([p], opts())).toEqual({ ordered: [p], tierEnds: [1], reason: 'only-path' });
  });

  it('a missing LOCAL_PREF counts as 100', () => {
    const none = new Path(peer({ routerId: '1.1.1.1' }), attrs([65100]));
    const lp99 = new Path(peer({ routerId: '9.9.9.9' }), attrs([65100], { localPref: 99 }));
    const lp101 = new Path(peer({ routerId: '9.9.9.9' }), attrs([65100], { localPref: 101 }));
    expect(rankPaths([lp99, none], opts()).ordered[0]).toBe(none);
    expect(rankPaths([lp101, none], opts()).ordered[0]).toBe(lp101);
  });
});

describe('AS_PATH length and neighbour AS', () => {
  it('counts an AS_SET as one and confederation segments as zero', () => {
    const a = internAttrs({
      asPath: [
        { type: AsPathSegmentType.ConfedSequence, asns: [64512, 64513] },
        { type: AsPathSegmentType.AsSequence, asns: [65100, 65200] },
        { type: AsPathSegmentType.AsSet, asns: [1, 2, 3, 4] },
        { type: AsPathSegmentType.ConfedSet, asns: [64514] },
      ],
    });
    expect(asPathLength(a)).toBe(3);
    expect(neighborAs(a)).toBe(65100);
    expect(asPathLength(internAttrs({}))).toBe(0);
  });

  it('a path with a big AS_SET beats a longer sequence', () => {
    const set = new Path(
      peer({ routerId: '9.9.9.9' }),
      internAttrs({ origin: Origin.Igp, asPath: [{ type: AsPathSegmentType.AsSequence, asns: [65100] }, { type: AsPathSegmentType.AsSet, asns: [1, 2, 3, 4, 5] }] }),
    );
    const seq = new Path(peer({ routerId: '1.1.1.1' }), attrs([65100, 65200, 65300]));
    const r = rankPaths([seq, set], opts());
    expect(r.ordered[0]).toBe(set);
    expect(r.reason).toBe('as-path-length');
  });
});

describe('MED', () => {
  const fromA = () => new Path(peer({ routerId: '9.9.9.9' }), attrs([65100], { med: 10 }));
  const fromB = () => new Path(peer({ routerId: '1.1.1.1', asn: 65200 }), attrs([65200], { med: 50 }));

  it('is not compared between different neighbour ASes by default', () => {
    const a = fromA();
    const b = fromB();
    const r = rankPaths([a, b], opts());
    expect(r.ordered[0]).toBe(b);
    expect(r.reason).toBe('router-id');
  });

  it('is compared across ASes with always-compare-med', () => {
    const a = fromA();
    const b = fromB();
    const r = rankPaths([a, b], opts({ alwaysCompareMed: true }));
    expect(r.ordered[0]).toBe(a);
    expect(r.reason).toBe('med');
  });

  it('eliminates per neighbour AS regardless of arrival order (RFC 4271 §9.1.2.2 c)', () => {
    // Classic MED non-transitivity: A1(AS1, MED 10) beats A2(AS1, MED 20); B(AS2) is not comparable to either.
    const a1 = new Path(peer({ routerId: '3.3.3.3' }), attrs([65100], { med: 10 }));
    const a2 = new Path(peer({ routerId: '1.1.1.1' }), attrs([65100], { med: 20 }));
    const b = new Path(peer({ routerId: '2.2.2.2', asn: 65200 }), attrs([65200], { med: 0 }));
    const bests = new Set<Path>();
    for (const order of [[a1, a2, b], [a2, b, a1], [b, a1, a2], [b, a2, a1], [a1, b, a2], [a2, a1, b]]) {
      bests.add(rankPaths(order, opts()).ordered[0]);
    }
    // A2 is out at the MED step; of A1 and B the lower router id (B) wins.
    expect([...bests]).toEqual([b]);
  });
});

describe('ECMP set and tiers', () => {
  const eq = (rid: string, path = [65100], over = {}) => new Path(peer({ routerId: rid }), attrs(path, over));

  it('paths equal through eBGP-over-iBGP form the set, best first, the rest in tie-break order', () => {
    const c = eq('3.3.3.3');
    const a = eq('1.1.1.1');
    const b = eq('2.2.2.2');
    const r = rankPaths([c, a, b], opts());
    expect(r.ordered).toEqual([a, b, c]);
    expect(r.tierEnds).toEqual([3]);
    expect(r.reason).toBe('router-id');
  });

  it('max-paths caps the set; the rest falls to the next tier', () => {
    const ps = ['4.4.4.4', '1.1.1.1', '3.3.3.3', '2.2.2.2'].map((rid) => eq(rid));
    const r = rankPaths(ps, opts({ maxPaths: 2 }));
    expect(r.ordered.map((p) => p.peer.routerId)).toEqual(['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4']);
    expect(r.tierEnds).toEqual([2, 4]);
    expect(rankPaths(ps, opts({ maxPaths: 1 })).tierEnds).toEqual([1, 2, 3, 4]);
  });

  it('a prepended backup path is tier 1, after the primary ECMP pair', () => {
    const p1 = eq('2.2.2.2');
    const p2 = eq('3.3.3.3');
    const backup = eq('1.1.1.1', [65100, 65100, 65100]);
    const r = rankPaths([backup, p2, p1], opts());
    expect(r.ordered).toEqual([p1, p2, backup]);
    expect(r.tierEnds).toEqual([2, 3]);
    expect(r.reason).toBe('router-id');
  });

  it('paths differing before the eBGP step are not in the set', () => {
    const a = eq('1.1.1.1', [65100], { med: 0 });
    const b = eq('2.2.2.2', [65100], { med: 5 });
    const i = new Path(peer({ routerId: '0.0.0.9', ebgp: false }), attrs([65100]));
    const r = rankPaths([a, b, i], opts());
    expect(r.tierEnds[0]).toBe(1);
    expect(r.ordered).toEqual([a, i, b]);
  });

  it('requires the same neighbour AS unless multipath-relax', () => {
    const a = eq('1.1.1.1', [65100, 65300]);
    const b = new Path(peer({ routerId: '2.2.2.2', asn: 65200 }), attrs([65200, 65300]));
    expect(rankPaths([a, b], opts()).tierEnds).toEqual([1, 2]);
    const relaxed = rankPaths([a, b], opts({ multipathRelax: true }));
    expect(relaxed.tierEnds).toEqual([2]);
    expect(relaxed.ordered).toEqual([a, b]);
  });

  it('a locally originated best path is alone in its set', () => {
    const l = new Path(localPeer, attrs([]));
    const r = rankPaths([eq('1.1.1.1'), l, eq('2.2.2.2')], opts());
    expect(r.ordered[0]).toBe(l);
    expect(r.tierEnds).toEqual([1, 3]);
    expect(r.reason).toBe('locally-originated');
  });
});

describe('two-path shortcut', () => {
  it('ranks exactly like the general elimination', () => {
    const arbPeer = fc.record({
      routerId: fc.constantFrom('1.1.1.1', '2.2.2.2'),
      address: fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1'),
      asn: fc.constantFrom(65100, 65200),
      ebgp: fc.boolean(),
      local: fc.boolean(),
    });
    const arbAttrs = fc.record({
      lp: fc.constantFrom(undefined, 100, 200),
      len: fc.integer({ min: 0, max: 2 }),
      origin: fc.constantFrom(Origin.Igp, Origin.Incomplete),
      med: fc.constantFrom(undefined, 0, 10),
    });
    const arbOpts = fc.record({ maxPaths: fc.integer({ min: 1, max: 3 }), multipathRelax: fc.boolean(), alwaysCompareMed: fc.boolean() });
    let k = 0;
    const mk = (p: { routerId: string; address: string; asn: number; ebgp: boolean; local: boolean }, a: { lp?: number; len: number; origin: Origin; med?: number }) =>
      new Path(
        p.local ? localPeer : makePeer({ key: `k${k++}`, ...p }),
        attrs(Array.from({ length: a.len }, () => p.asn), { localPref: a.lp, origin: a.origin, med: a.med }),
      );
    fc.assert(
      fc.property(arbPeer, arbAttrs, arbPeer, arbAttrs, arbOpts, (p1, a1, p2, a2, o) => {
        fc.pre(!(p1.local && p2.local));
        const x = mk(p1, a1);
        const y = mk(p2, a2);
        expect(rankPaths([x, y], o)).toEqual(rankByElimination([x, y], o));
        expect(rankPaths([y, x], o)).toEqual(rankByElimination([x, y], o));
      }),
      { numRuns: 2000 },
    );
  });
});
