// Adj-RIB-Out: grouping by attribute set, no re-sending of unchanged routes, withdrawals, refresh, reset.

import fc from 'fast-check';
import { AFI_IPV6, SAFI_UNICAST } from '../../../src/bgp/types';
import type { ExportFilter } from '../../../src/rib/adj-rib-out';
import { AdjRibOut, ExportBatch } from '../../../src/rib/adj-rib-out';
import { LocRib } from '../../../src/rib/loc-rib';
import { attrs, localPeer, peer } from './helpers';

/** Sends every best path's attributes unchanged, except to the peer it came from. */
const passThrough = (self: string): ExportFilter => ({ exportRoute: (_p, best) => (best.peer.key === self ? undefined : best.attrs) });

function setup() {
  const rib = new LocRib(localPeer);
  const out = new AdjRibOut('lan', passThrough('lan'));
  const sync = () => out.applyChanges(rib.drainChanges());
  return { rib, out, sync };
}

describe('AdjRibOut', () => {
  it('packs N prefixes with one attribute set into one batch', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    for (let i = 0; i < 1000; i++) rib.upsert(isp, `10.${i >> 8}.${i & 255}.0/24`, attrs());
    sync();
    const batches = out.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0].family).toBe('ipv4-unicast');
    expect(batches[0].attributes).toBe(attrs());
    expect(batches[0].announce).toHaveLength(1000);
    expect(batches[0].withdraw).toEqual([]);
    expect(out.advertisedCount).toBe(1000);
  });

  it('groups by attribute set and puts withdrawals first', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    rib.upsert(isp, '10.1.0.0/16', attrs([65100]));
    rib.upsert(isp, '10.2.0.0/16', attrs([65100, 65200]));
    rib.upsert(isp, '10.3.0.0/16', attrs([65100]));
    sync();
    expect(out.flush().map((b) => b.announce)).toEqual([['10.1.0.0/16', '10.3.0.0/16'], ['10.2.0.0/16']]);
    rib.withdraw(isp.key, '10.2.0.0/16');
    rib.upsert(isp, '10.4.0.0/16', attrs([65100]));
    sync();
    expect(out.flush()).toEqual([
      { family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.2.0.0/16'] },
      { family: 'ipv4-unicast', attributes: attrs([65100]), announce: ['10.4.0.0/16'], withdraw: [] },
    ]);
  });

  it('re-sends only what changed', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    rib.upsert(isp, '10.1.0.0/16', attrs());
    rib.upsert(isp, '10.2.0.0/16', attrs());
    sync();
    out.flush();
    expect(out.flush()).toEqual([]);
    // A path change that exports the same attributes: nothing to send.
    const twin = peer({ routerId: '0.0.0.1' });
    rib.upsert(twin, '10.1.0.0/16', attrs());
    sync();
    expect(out.flush()).toEqual([]);
    // A real change for one prefix: only that prefix goes out.
    rib.upsert(isp, '10.2.0.0/16', attrs([65100, 65300]));
    sync();
    expect(out.flush().map((b) => b.announce)).toEqual([['10.2.0.0/16']]);
  });

  it('does not withdraw what it never sent, and a flap inside one batch sends nothing', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    rib.upsert(isp, '10.1.0.0/16', attrs());
    sync();
    rib.withdraw(isp.key, '10.1.0.0/16');
    sync();
    expect(out.flush()).toEqual([]);
    out.setDesired('10.5.0.0/16', undefined);
    expect(out.flush()).toEqual([]);
  });

  it('never sends a route back to the peer it came from', () => {
    const rib = new LocRib(localPeer);
    const lan = peer({ key: 'lan' });
    const out = new AdjRibOut('lan', passThrough('lan'));
    rib.upsert(lan, '10.1.0.0/16', attrs());
    out.applyChanges(rib.drainChanges());
    expect(out.flush()).toEqual([]);
  });

  it('resendAll re-announces everything (route refresh); sessionDown makes the next flush a full table', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    rib.upsert(isp, '10.1.0.0/16', attrs());
    rib.upsert(isp, '10.2.0.0/16', attrs());
    sync();
    out.flush();
    out.resendAll();
    expect(out.flush().flatMap((b) => b.announce)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(out.flush()).toEqual([]);
    out.sessionDown();
    expect(out.advertisedCount).toBe(0);
    rib.withdraw(isp.key, '10.2.0.0/16');
    sync();
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: attrs(), announce: ['10.1.0.0/16'], withdraw: [] }]);
  });

  it('rebuild computes the desired state from the whole Loc-RIB, sending only differences', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    rib.upsert(isp, '10.1.0.0/16', attrs());
    rib.upsert(isp, '10.2.0.0/16', attrs());
    sync();
    out.flush();
    // A new exporter that hides 10.2/16 and rewrites nothing else.
    out.rebuild(rib, { exportRoute: (p, best) => (p === '10.2.0.0/16' ? undefined : best.attrs) });
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.2.0.0/16'] }]);
  });

  it('rebuild holds back only exportable prefixes the forwarding plane lacks, and never holds a withdrawal', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    for (const p of ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']) rib.upsert(isp, p, attrs());
    sync();
    out.flush();
    const asked: string[] = [];
    const notForwarded = new Set(['10.2.0.0/16', '10.3.0.0/16']);
    // 10.3/16 stops being exportable while the kernel does not hold it yet: withdrawn at once, not held.
    const held = out.rebuild(rib, { exportRoute: (p, best) => (p === '10.3.0.0/16' ? undefined : best.attrs) }, (p) => {
      asked.push(p);
      return notForwarded.has(p);
    });
    expect(held).toEqual(['10.2.0.0/16']);
    expect(asked).not.toContain('10.3.0.0/16');
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.3.0.0/16'] }]);
    expect(out.advertised('10.2.0.0/16')).toBe(attrs());
  });

  it('an exporter of our own routes only is not asked about learned ones, and withdraws a prefix a learned path took', () => {
    const rib = new LocRib(localPeer);
    const asked: string[] = [];
    const ownOnly: ExportFilter = {
      exportRoute: (p, best) => {
        asked.push(p);
        return best.peer.local ? best.attrs : undefined;
      },
      exportsLearned: false,
    };
    const out = new AdjRibOut('spoke', ownOnly);
    const isp = peer();
    rib.upsert(localPeer, '10.200.0.0/16', attrs());
    for (let i = 0; i < 50; i++) rib.upsert(isp, `10.128.${i}.0/24`, attrs([65100]));
    rib.drainChanges();
    out.rebuild(rib);
    expect(asked).toEqual(['10.200.0.0/16']);
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: attrs(), announce: ['10.200.0.0/16'], withdraw: [] }]);
    asked.length = 0;
    rib.upsert(isp, '10.128.99.0/24', attrs([65100]));
    out.applyChanges(rib.drainChanges());
    expect(asked).toEqual([]);
    // We stop originating the prefix and it is now only learned: the peer must lose it.
    rib.withdraw(localPeer.key, '10.200.0.0/16');
    rib.upsert(isp, '10.200.0.0/16', attrs([65100]));
    out.applyChanges(rib.drainChanges());
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.200.0.0/16'] }]);
    // A rebuild of a peer that had it: withdrawn too.
    rib.upsert(localPeer, '10.201.0.0/16', attrs());
    rib.drainChanges();
    out.rebuild(rib);
    out.flush();
    rib.withdraw(localPeer.key, '10.201.0.0/16');
    rib.upsert(isp, '10.201.0.0/16', attrs([65100]));
    out.rebuild(rib);
    expect(out.flush()).toEqual([{ family: 'ipv4-unicast', attributes: {}, announce: [], withdraw: ['10.201.0.0/16'] }]);
  });

  it('flush(limit) hands out the work in pieces', () => {
    const { rib, out, sync } = setup();
    const isp = peer();
    for (let i = 0; i < 10; i++) rib.upsert(isp, `10.${i}.0.0/16`, attrs());
    sync();
    expect(out.flush(4)[0].announce).toHaveLength(4);
    expect(out.pendingCount).toBe(6);
    expect(out.flush()[0].announce).toHaveLength(6);
  });

  it('IPv6 batches carry the next hop in MP_REACH for the packer', () => {
    const { rib, out, sync } = setup();
    rib.upsert(peer(), '2001:db8:1::/48', attrs([65100], { nextHop: '2001:db8::1' }));
    sync();
    const [b] = out.flush();
    expect(b.family).toBe('ipv6-unicast');
    expect(b.attributes.nextHop).toBeUndefined();
    expect(b.attributes.mpReach).toEqual({ afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: ['2001:db8::1'], nlri: [] });
    expect(b.announce).toEqual(['2001:db8:1::/48']);
  });

  it('a batch sorted once gives every session what filtering each change per session gave it', () => {
    const ownOnly = (self: string): ExportFilter => ({ exportRoute: (_p, best) => (best.peer.key !== self && best.peer.local ? best.attrs : undefined), exportsLearned: false });
    const arbOp = fc.record({
      who: fc.constantFrom('local', 'a', 'b'),
      prefix: fc.integer({ min: 0, max: 7 }).map((i) => `10.${i}.0.0/16`),
      withdraw: fc.boolean(),
      set: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(arbOp, { maxLength: 8 }), { maxLength: 6 }), (rounds) => {
        const rib = new LocRib(localPeer);
        const peers = { local: localPeer, a: peer({ key: 'a' }), b: peer({ key: 'b' }) };
        const sets = [attrs([65100]), attrs([65100, 65200]), attrs([65300, 65300, 65300])];
        const pairs = [
          [new AdjRibOut('a', passThrough('a')), new AdjRibOut('a', passThrough('a'))],
          [new AdjRibOut('b', ownOnly('b')), new AdjRibOut('b', ownOnly('b'))],
        ] as const;
        for (const ops of rounds) {
          for (const op of ops) {
            if (op.withdraw) rib.withdraw(peers[op.who].key, op.prefix);
            else rib.upsert(peers[op.who], op.prefix, sets[op.set]!);
          }
          const changes = rib.drainChanges();
          const batch = new ExportBatch(changes);
          for (const [each, sorted] of pairs) {
            each.applyChanges(changes);
            sorted.applyBatch(batch);
            expect(sorted.flush()).toEqual(each.flush());
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
