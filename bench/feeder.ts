// A neutral BGP route source for benchmarks: pre-encodes N IPv4 /24 (or IPv6 /48) announcements, opens one eBGP
// session and writes them as fast as TCP takes them, so the receiver (bgpfo, FRR or BIRD) is what is being measured.
//
//   node --import tsx bench/feeder.ts --peer 10.0.0.2 --local 10.0.0.1 --asn 65100 --count 100000
//   node --import tsx bench/feeder.ts --family ipv6 --peer fd00::2 --local fd00::1 --router-id 10.0.0.1 ...
//     (IPv6: MP_REACH_NLRI with --local as the next hop, over an IPv6 session)
//   --order shuffled   the prefixes in a fixed pseudo-random order instead of prefix order (FRR sends its table in
//                      prefix order; a source that sends in hash order, as BIRD does, looks like this)
// Prints "first-update <epoch ms>" when the first UPDATE is written and "all-written <epoch ms>" after the last.

import { connect } from 'node:net';
import { decodeMessage, encodeEndOfRib, encodeMessage, Framer, packUpdates } from '../src/bgp/codec';
import { buildOpen } from '../src/bgp/capabilities';
import type { CodecContext, Family } from '../src/bgp/types';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`missing --${name}`);
  return fallback;
}

/** The i-th /24 of 16.0.0.0/4: distinct, enough for 1M. */
export function nthPrefix(i: number): string {
  return `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
}

/** The i-th /48 of 2a00::/16 (2a00:X:Y::/48, written as RFC 5952 would): distinct, enough for 1M and more. */
export function nthPrefix6(i: number): string {
  const hi = Math.floor(i / 65536) & 0xffff;
  const lo = i & 0xffff;
  if (hi === 0 && lo === 0) return '2a00::/48';
  return `2a00:${hi.toString(16)}:${lo.toString(16)}::/48`;
}

export const nthPrefixOf = (family: Family): ((i: number) => string) => (family === 'ipv6-unicast' ? nthPrefix6 : nthPrefix);

export type FeedOrder = 'sorted' | 'shuffled';

/** The order a BENCH_ORDER / --order value names; throws on anything else. */
export function feedOrder(value: string | undefined): FeedOrder {
  if (value === undefined || value === '' || value === 'sorted') return 'sorted';
  if (value === 'shuffled') return 'shuffled';
  throw new Error(`order "${value}": expected sorted or shuffled`);
}

/** The benchmark's N prefixes of a family, in prefix order or shuffled by a fixed seed (the same order every run). */
export function feedPrefixes(family: Family, count: number, order: FeedOrder): string[] {
  const prefixes = Array.from({ length: count }, (_, i) => nthPrefixOf(family)(i));
  if (order === 'shuffled') {
    let seed = 0x9e3779b9;
    for (let i = count - 1; i > 0; i--) {
      // xorshift32: enough to scatter neighbours, and reproducible.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const j = (seed >>> 0) % (i + 1);
      [prefixes[i], prefixes[j]] = [prefixes[j], prefixes[i]];
    }
  }
  return prefixes;
}

function main(): void {
  const peer = arg('peer');
  const local = arg('local');
  const asn = Number(arg('asn'));
  const count = Number(arg('count'));
  const family = arg('family', 'ipv4') === 'ipv6' ? 'ipv6-unicast' : 'ipv4-unicast';
  const routerId = arg('router-id', local);
  const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: true };
  const prefixes = feedPrefixes(family, count, feedOrder(arg('order', 'sorted')));
  const attributes =
    family === 'ipv6-unicast'
      ? { origin: 0, asPath: [{ type: 2 as const, asns: [asn] }], mpReach: { afi: 2, safi: 1, nextHops: [local], nlri: [] } }
      : { origin: 0, asPath: [{ type: 2 as const, asns: [asn] }], nextHop: local };
  const updates = packUpdates({ family, attributes, announce: prefixes, withdraw: [] }, ctx);
  process.stdout.write(`encoded ${count} ${family} prefixes in ${updates.length} UPDATEs\n`);
  const open = encodeMessage(
    buildOpen({ localAsn: asn, routerId, holdTime: 90, families: [family], extendedMessage: false } as Parameters<typeof buildOpen>[0]),
    ctx,
  );
  const keepalive = encodeMessage({ type: 'keepalive' }, ctx);
  const socket = connect({ host: peer, port: 179, localAddress: local });
  const framer = new Framer();
  let sent = false;
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(open));
  socket.on('data', (chunk) => {
    for (const raw of framer.push(chunk)) {
      const msg = decodeMessage(raw, ctx);
      if (msg.type === 'open') socket.write(keepalive);
      else if (msg.type === 'notification') {
        process.stdout.write(`notification ${msg.code}/${msg.subcode}\n`);
        process.exit(1);
      } else if (msg.type === 'keepalive' && !sent) {
        sent = true;
        setInterval(() => socket.write(keepalive), 10_000);
        void writeAll();
      }
    }
  });
  socket.on('error', (e) => {
    process.stdout.write(`error ${e.message}\n`);
    process.exit(1);
  });

  async function writeAll(): Promise<void> {
    process.stdout.write(`first-update ${Date.now()}\n`);
    for (const u of updates) {
      if (!socket.write(u)) await new Promise((r) => socket.once('drain', r));
    }
    socket.write(encodeEndOfRib(family, ctx));
    process.stdout.write(`all-written ${Date.now()}\n`);
  }
}

if (require.main === module) main();
