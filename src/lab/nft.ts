// nftables rules the lab uses inside a namespace: a blackhole (every packet in, out and through an interface
// dropped, the link itself staying up, as a dead tunnel looks), random loss (numgen, there is no netem here),
// and per-interface counters of one UDP port (how traffic spread over the tunnels). One table per purpose.

export type NftPurpose = 'blackhole' | 'loss';

/** nft table names allow letters, digits and "_". */
export function nftTable(purpose: NftPurpose | 'count', ifname = ''): string {
  return `bgpfo_lab_${purpose}${ifname ? `_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}` : ''}`;
}

/** `nft -f -` input dropping all of ifname's traffic (percent = 100) or a random share of it. */
export function dropRules(ifname: string, percent = 100): string {
  if (!(percent > 0 && percent <= 100) || !Number.isInteger(percent)) throw new Error(`loss must be an integer percentage 1..100, got ${percent}`);
  const purpose: NftPurpose = percent === 100 ? 'blackhole' : 'loss';
  const t = nftTable(purpose, ifname);
  const verdict = percent === 100 ? 'drop' : `numgen random mod 100 < ${percent} drop`;
  // Priority -300 runs before any filter a daemon might add; the chains only ever drop, never accept early.
  return [
    `table inet ${t} {`,
    `  chain drop_in { type filter hook input priority -300; policy accept; iifname "${ifname}" ${verdict}; }`,
    `  chain drop_out { type filter hook output priority -300; policy accept; oifname "${ifname}" ${verdict}; }`,
    `  chain drop_fwd { type filter hook forward priority -300; policy accept; iifname "${ifname}" ${verdict}; oifname "${ifname}" ${verdict}; }`,
    '}',
    '',
  ].join('\n');
}

/**
 * Counters of UDP packets to `port` forwarded into or out of each interface (rule comments name them
 * "<ifname>/out" and "<ifname>/in"), for measuring how flows spread over tunnels.
 */
export function countRules(ifnames: string[], port: number): string {
  const t = nftTable('count');
  const rules = ifnames.flatMap((i) => [`    oifname "${i}" udp dport ${port} counter comment "${i}/out"`, `    iifname "${i}" udp dport ${port} counter comment "${i}/in"`]);
  return [`table inet ${t} {`, '  chain count_fwd {', '    type filter hook forward priority -310; policy accept;', ...rules, '  }', '}', ''].join('\n');
}

/** Packet counts per rule comment from `nft -j list table inet T`. */
export function parseNftCounters(json: string): Map<string, number> {
  const out = new Map<string, number>();
  const doc = JSON.parse(json) as { nftables?: { rule?: { comment?: string; expr?: { counter?: { packets: number } }[] } }[] };
  for (const item of doc.nftables ?? []) {
    const r = item.rule;
    if (!r?.comment) continue;
    const c = r.expr?.find((e) => e.counter)?.counter;
    if (c) out.set(r.comment, c.packets);
  }
  return out;
}
