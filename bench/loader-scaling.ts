// Benchmark: config loader time and heap against the number of keys (issue 12: 40,000 unknown keys took 22 s, a
// 10 MB config 9 s and 1 GB). Doubling N should roughly double the time (linear). Prints a table. Not a test.
//
//   npx tsx bench/loader-scaling.ts            (unknown keys 10k..80k; valid configs 5k..40k neighbors)

import { parseConfig } from '../src/config';
import { MAX_INPUT_BYTES } from '../src/util/yaml-source';

function unknownKeys(n: number): string {
  const keys = Array.from({ length: n }, (_, i) => `  junk-${i}: ${i}`).join('\n');
  return `router:\n  asn: 65001\n  router-id: 10.0.0.1\n${keys}\nneighbors:\n  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }\n`;
}

function neighbors(n: number): string {
  const list = Array.from({ length: n }, (_, i) => `  - { name: n${i}, address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, remote-asn: ${64512 + (i % 1000)} }`);
  return `router: { asn: 65001, router-id: 192.0.2.1 }\nneighbors:\n${list.join('\n')}\n`;
}

function measure(label: string, text: string): void {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  let outcome = 'ok';
  try {
    parseConfig(text, 'bench.yaml');
  } catch (e) {
    const m = (e as Error).message;
    outcome = m.includes('reads at most') ? 'refused: size' : `${m.split('\n').length} lines of errors`;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  console.log(`| ${label} | ${(Buffer.byteLength(text) / 1048576).toFixed(2)} MB | ${ms.toFixed(0)} ms | ${heapMb.toFixed(0)} MB | ${outcome} |`);
}

console.log(`limit ${MAX_INPUT_BYTES / 1048576} MB; node ${process.version}`);
console.log('| input | size | time | heap growth | outcome |\n|---|---|---|---|---|');
for (const n of [10000, 20000, 40000, 80000]) measure(`${n} unknown keys`, unknownKeys(n));
for (const n of [5000, 10000, 20000, 40000, 80000]) measure(`${n} neighbors`, neighbors(n));
