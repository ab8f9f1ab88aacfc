// Benchmark: what "forward before you advertise" costs. A neutral feeder (bench/feeder.ts) sends N prefixes to a
// middle router that re-advertises them to a downstream FRR; the middle is bgpfo (fib.advertise after-install, then
// at-once) and FRR 8.4 (bgp suppress-fib-pending on, then off) in the same run. Prints, from the first UPDATE
// written: all N in the middle's kernel, all N at the downstream peer, and how many reached the peer before the
// middle's kernel had them (sampled every 50 ms). Not a test.
//
//   sudo npx tsx bench/advertise-after-install.ts [N ...]        (default: 100000)
//   BENCH_MIDDLES=bgpfo-after,bgpfo-at-once,frr-suppress,frr     (the default: all four)

import { join } from 'node:path';
import { BgpfoDaemon, Frr, Lab, REPO } from '../test/integration/harness';
import type { Netns } from '../test/integration/harness';

const SRC_AS = 65100;
const MID_AS = 65200;
const DOWN_AS = 65300;

type Middle = 'bgpfo-after' | 'bgpfo-at-once' | 'frr-suppress' | 'frr';

interface Result {
  middle: Middle;
  n: number;
  kernelS: number;
  downstreamS: number;
  /** Most prefixes the downstream peer held beyond what the middle's kernel held, over the samples. */
  aheadMax: number;
}

async function count(ns: Netns, cmd: string): Promise<number> {
  return Number((await ns.exec(['sh', '-c', cmd]).catch(() => '0')).trim()) || 0;
}

async function runOne(n: number, middle: Middle): Promise<Result> {
  const lab = Lab.create(`baa${['bgpfo-after', 'bgpfo-at-once', 'frr-suppress', 'frr'].indexOf(middle)}`);
  try {
    const src = await lab.addNamespace('src');
    const mid = await lab.addNamespace('mid');
    const down = await lab.addNamespace('down');
    await lab.link({ ns: src, ifname: 'to-mid', v4: '10.0.0.1/30' }, { ns: mid, ifname: 'to-src', v4: '10.0.0.2/30' });
    await lab.link({ ns: mid, ifname: 'to-down', v4: '10.0.1.1/30' }, { ns: down, ifname: 'to-mid', v4: '10.0.1.2/30' });
    // The downstream peer: FRR without zebra's kernel work mattering (it counts what it received).
    const dfrr = await Frr.start(down, {
      bgpd: `hostname down
router bgp ${DOWN_AS}
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as ${MID_AS}
 address-family ipv4 unicast
  neighbor 10.0.1.1 activate
 exit-address-family
`,
    });
    const atDown = async () => (await dfrr.peers('ipv4'))['10.0.1.1']?.pfxRcd ?? 0;
    let kernelProto: string;
    if (middle.startsWith('frr')) {
      kernelProto = 'bgp';
      await Frr.start(mid, {
        bgpd: `hostname mid
router bgp ${MID_AS}
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
${middle === 'frr-suppress' ? ' bgp suppress-fib-pending\n' : ''} neighbor 10.0.0.1 remote-as ${SRC_AS}
 neighbor 10.0.1.2 remote-as ${DOWN_AS}
 address-family ipv4 unicast
  neighbor 10.0.0.1 activate
  neighbor 10.0.1.2 activate
 exit-address-family
`,
      });
    } else {
      kernelProto = '201';
      await BgpfoDaemon.start(mid, 'mid', {
        logLevel: 'warn',
        config: {
          router: { asn: MID_AS, 'router-id': '10.0.0.2' },
          fib: { mode: 'kernel', advertise: middle === 'bgpfo-after' ? 'after-install' : 'at-once' },
          neighbors: [
            { name: 'src', address: '10.0.0.1', 'local-address': '10.0.0.2', 'remote-asn': SRC_AS, families: ['ipv4-unicast'], import: { allow: ['0.0.0.0/0 le 32'], 'max-prefixes': 2_000_000 } },
            { name: 'down', address: '10.0.1.2', 'local-address': '10.0.1.1', 'remote-asn': DOWN_AS, families: ['ipv4-unicast'], export: { learned: ['0.0.0.0/0 le 32'] } },
          ],
        },
      });
    }
    // Both sessions up before the feeder starts.
    const t0 = Date.now();
    while ((await dfrr.peerState('10.0.1.1')) !== 'Established') {
      if (Date.now() - t0 > 60_000) throw new Error('downstream session not Established');
      await new Promise((r) => setTimeout(r, 200));
    }
    const feeder = src.spawn('feeder', [process.execPath, '--import', 'tsx', join(REPO, 'bench', 'feeder.ts'), '--peer', '10.0.0.2', '--local', '10.0.0.1', '--asn', String(SRC_AS), '--count', String(n)]);
    const first = () => Number(/first-update (\d+)/.exec(feeder.log())?.[1] ?? 0);
    let kernelS = 0;
    let downstreamS = 0;
    let aheadMax = 0;
    const deadline = Date.now() + 600_000;
    while (kernelS === 0 || downstreamS === 0) {
      // The downstream count first: a prefix it has that the kernel lacks when sampled right after was early.
      const d = await atDown();
      const k = await count(mid, `ip route show proto ${kernelProto} | wc -l`);
      const f = first();
      if (f) {
        aheadMax = Math.max(aheadMax, d - k);
        const s = (Date.now() - f) / 1000;
        if (!kernelS && k >= n) kernelS = s;
        if (!downstreamS && d >= n) downstreamS = s;
      }
      if (Date.now() > deadline) throw new Error(`${middle}: timed out (kernel ${k}/${n}, downstream ${d}/${n})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { middle, n, kernelS, downstreamS, aheadMax };
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const middles = (process.env.BENCH_MIDDLES ?? 'bgpfo-after,bgpfo-at-once,frr-suppress,frr').split(',') as Middle[];
  const results: Result[] = [];
  for (const n of sizes.length ? sizes : [100_000]) {
    for (const m of middles) {
      const r = await runOne(n, m);
      console.log(`${m.padEnd(14)} ${String(n).padStart(8)}: kernel ${r.kernelS.toFixed(2)} s, downstream ${r.downstreamS.toFixed(2)} s, ahead of the kernel at most ${r.aheadMax}`);
      results.push(r);
    }
  }
  console.log('\n| prefixes | middle | all in its kernel | all at the downstream peer | most advertised before installed |');
  console.log('|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.n.toLocaleString('en')} | ${r.middle} | ${r.kernelS.toFixed(2)} s | ${r.downstreamS.toFixed(2)} s | ${r.aheadMax.toLocaleString('en')} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
