// Blackholing a link with nftables inside a namespace: the link stays up (no carrier loss) but nothing passes,
// which is what a dead tunnel looks like and what hold timers and BFD must detect (lab-facts "Beware").

import type { Netns } from './lab';

function table(ifname: string): string {
  return `bgpfo_bh_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Drops every packet in and out of ifname in ns (its own nft table, so restore removes only this). */
export async function blackhole(ns: Netns, ifname: string): Promise<void> {
  const t = table(ifname);
  const rules = `table inet ${t} {
  chain bh_in { type filter hook input priority -300; policy accept; iifname "${ifname}" drop; }
  chain bh_out { type filter hook output priority -300; policy accept; oifname "${ifname}" drop; }
  chain bh_fwd { type filter hook forward priority -300; policy accept; iifname "${ifname}" drop; oifname "${ifname}" drop; }
}
`;
  await ns.exec(['nft', '-f', '-'], { input: rules });
}

/** Removes the blackhole of ifname (no-op when there is none). */
export async function restore(ns: Netns, ifname: string): Promise<void> {
  const r = await ns.execAny(['nft', 'delete', 'table', 'inet', table(ifname)]);
  if (r.code !== 0 && !/No such file or directory/.test(r.stderr)) throw new Error(`nft restore failed: ${r.stderr}`);
}
