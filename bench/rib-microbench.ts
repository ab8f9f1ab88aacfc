// Micro-benchmark of the RIB path for a full table: 1M IPv4 prefixes through UPDATE -> import policy ->
// Adj-RIB-In -> Loc-RIB -> Adj-RIB-Out. Prints times and heap; asserts nothing (not a test).
//
// Run:  node --expose-gc --import tsx bench/rib-microbench.ts [prefixes=1000000] [prefixes-per-update=200]

import type { UpdateMessage } from '../src/bgp/types';
import { AsPathSegmentType, Origin } from '../src/bgp/types';
import { ImportPolicy } from '../src/policy/import';
import { ExportPolicy } from '../src/policy/export';
import { AdjRibIn } from '../src/rib/adj-rib-in';
import { AdjRibOut } from '../src/rib/adj-rib-out';
import { LocRib } from '../src/rib/loc-rib';
import { makeLocalPeer, makePeer } from '../src/rib/path';
import { updateToRoutes } from '../src/rib/update';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
/** Prefixes per UPDATE, i.e. per attribute set (BIRD packs about 800 /24s into a 4096-byte UPDATE). */
const PER_UPDATE = Number(process.argv[3] ?? 200);
const LOCAL_ASN = 65001;

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): string {
  gc?.();
  const m = process.memoryUsage();
  return `heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(m.rss / 2 ** 20).toFixed(0)} MB`;
}
/** Wall and CPU time (CPU time, user + system, is steadier on a shared machine), then the heap. */
function time<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  console.log(`${label.padEnd(44)} ${wall.toFixed(0).padStart(6)} ms (cpu ${cpu.toFixed(0).padStart(5)} ms)   ${heapMb()}`);
  return r;
}

/** The i-th prefix as the codec would produce it: 1M distinct /24s from 1.0.0.0. */
function prefixAt(i: number): string {
  return ((i >>> 16) + 1) + '.' + ((i >>> 8) & 255) + '.' + (i & 255) + '.0/24';
}

/** UPDATEs of one peer, built lazily like a decoder would: each with its own AS path (distinct sets). */
function* updates(peerAsn: number, prepend: number): Generator<UpdateMessage> {
  for (let start = 0; start < TOTAL; start += PER_UPDATE) {
    const nlri: string[] = [];
    for (let i = start; i < Math.min(TOTAL, start + PER_UPDATE); i++) nlri.push(prefixAt(i));
    const origin = start / PER_UPDATE;
    yield {
      type: 'update',
      withdrawn: [],
      nlri,
      attributes: {
        origin: Origin.Igp,
        asPath: [{ type: AsPathSegmentType.AsSequence, asns: [...new Array<number>(1 + prepend).fill(peerAsn), 4200000000 + (origin % 1000), 100000 + origin] }],
        nextHop: peerAsn === 65100 ? '192.0.2.1' : '192.0.2.5',
      },
    };
  }
}

function main(): void {
  console.log(`node ${process.version}; ${TOTAL} prefixes, ${PER_UPDATE} per UPDATE${gc ? '' : ' (run with --expose-gc for exact heap figures)'}`);
  console.log(`${'start'.padEnd(44)} ${''.padStart(24)}   ${heapMb()}`);
  const router = { asn: LOCAL_ASN, originate: ['10.1.0.0/16'] };
  const locRib = new LocRib(makeLocalPeer(LOCAL_ASN, '10.255.0.1'));
  const primary = makePeer({ key: 'isp1', address: '192.0.2.1', asn: 65100, routerId: '192.0.2.1', ebgp: true });
  const backup = makePeer({ key: 'isp2', address: '192.0.2.5', asn: 65100, routerId: '192.0.2.5', ebgp: true });
  const inA = new AdjRibIn(primary, locRib, new ImportPolicy({ name: 'isp1', remoteAsn: 65100, import: { maxPrefixes: 2_000_000 } }, router));
  const inB = new AdjRibIn(backup, locRib, new ImportPolicy({ name: 'isp2', remoteAsn: 65100 }, router));
  const twin = new AdjRibOut(
    'twin',
    new ExportPolicy({ name: 'twin', remoteAsn: LOCAL_ASN, export: { learned: ['0.0.0.0/0 le 32'] } }, router, { ipv4: '10.255.0.1' }),
  );

  time(`primary: ${TOTAL} upserts (update->policy->RIB)`, () => {
    for (const u of updates(65100, 0)) inA.applyAll(updateToRoutes(u));
  });
  const changes = time('primary: drainChanges', () => locRib.drainChanges());
  time('twin Adj-RIB-Out: applyChanges', () => twin.applyChanges(changes));
  changes.length = 0;
  const batches = time('twin Adj-RIB-Out: flush', () => twin.flush());
  console.log(`  -> ${batches.length} batches, ${batches.reduce((n, b) => n + b.announce.length, 0)} prefixes`);
  batches.length = 0;

  time(`backup (prepended): ${TOTAL} upserts`, () => {
    for (const u of updates(65100, 2)) inB.applyAll(updateToRoutes(u));
  });
  time('backup: drainChanges (tier-1 changes only)', () => locRib.drainChanges().length);

  time('primary session down: AdjRibIn.clear()', () => inA.clear());
  // The daemon drains in chunks so sockets and timers get turns; the first chunk is what moves traffic first.
  const CHUNK = 8192;
  let first = 0;
  let total = 0;
  let lastBest = '';
  time(`primary down: drain in chunks of ${CHUNK} -> twin`, () => {
    const t0 = performance.now();
    while (locRib.pendingCount > 0) {
      const chunk = locRib.drainChanges(CHUNK);
      if (total === 0) first = performance.now() - t0;
      total += chunk.length;
      lastBest = chunk[chunk.length - 1]?.best?.peer.key ?? lastBest;
      twin.applyChanges(chunk);
      twin.flush();
    }
  });
  console.log(`  -> ${total} changes, first chunk after ${first.toFixed(1)} ms, best now ${lastBest}`);
  console.log(`Loc-RIB ${locRib.size} prefixes; Adj-RIB-In (backup) pre ${inB.received()} post ${inB.accepted()}`);
}

main();
