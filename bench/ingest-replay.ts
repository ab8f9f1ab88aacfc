// Benchmark: the daemon's import path in-process, without sockets: N IPv4 /24s packed into UPDATEs as the feeder sends
// them, then decoded, split, run through import policy into the Adj-RIB-In and Loc-RIB, drained every 20 UPDATEs.
// Prints the fastest and median of 7 rounds. Not a test; for profiling (`node --cpu-prof`), not a comparison.
//
//   npx tsx bench/ingest-replay.ts [N=1000000]
//   BENCH_FAMILY=ipv6 npx tsx bench/ingest-replay.ts [N]     IPv6 /48s in MP_REACH_NLRI instead
//   BENCH_ORDER=shuffled                                     the prefixes in no order (bench/feeder.ts feedPrefixes)

import { decodeMessage, packUpdates } from '../src/bgp/codec';
import type { CodecContext, UpdateMessage } from '../src/bgp/types';
import { ImportPolicy } from '../src/policy/import';
import { AdjRibIn } from '../src/rib/adj-rib-in';
import { LocRib } from '../src/rib/loc-rib';
import { makeLocalPeer, makePeer } from '../src/rib/path';
import { updateToRoutes } from '../src/rib/update';
import { feedOrder, feedPrefixes } from './feeder';

const N = Number(process.argv[2] ?? 1_000_000);
const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: true };
const IPV6 = process.env.BENCH_FAMILY === 'ipv6';
const family = IPV6 ? 'ipv6-unicast' : 'ipv4-unicast';
const prefixes = feedPrefixes(family, N, feedOrder(process.env.BENCH_ORDER));
const asPath = [{ type: 2 as const, asns: [65100] }];
const updates = packUpdates(
  {
    family,
    attributes: IPV6 ? { origin: 0, asPath, mpReach: { afi: 2, safi: 1, nextHops: ['fd00::1'], nlri: [] } } : { origin: 0, asPath, nextHop: '10.0.0.1' },
    announce: prefixes,
    withdraw: [],
  },
  ctx,
);
const ms: number[] = [];
for (let round = 0; round < 7; round++) {
  const rib = new LocRib(makeLocalPeer(65200, '10.0.0.2'));
  const peer = makePeer({ key: 'src', address: '10.0.0.1', asn: 65100, routerId: '10.0.0.1', ebgp: true });
  const policy = new ImportPolicy({ name: 'src', remoteAsn: 65100, import: { allow: [IPV6 ? '::/0 le 128' : '0.0.0.0/0 le 32'], maxPrefixes: 2 * N } }, { asn: 65200, originate: [] });
  const adj = new AdjRibIn(peer, rib, policy);
  const t0 = performance.now();
  let i = 0;
  for (const u of updates) {
    adj.applyAll(updateToRoutes(decodeMessage(u, ctx) as UpdateMessage, { routerId: '10.0.0.2' }));
    if (++i % 20 === 0) rib.drainChanges();
  }
  rib.drainChanges();
  ms.push(performance.now() - t0);
  if (rib.size !== N) throw new Error(`Loc-RIB holds ${rib.size} of ${N}`);
}
ms.sort((a, b) => a - b);
console.log(`${N} ${family} prefixes (${feedOrder(process.env.BENCH_ORDER)}) in ${updates.length} UPDATEs: fastest ${ms[0].toFixed(0)} ms, median ${ms[3].toFixed(0)} ms (${((ms[3] * 1000) / N).toFixed(2)} us a prefix)`);
