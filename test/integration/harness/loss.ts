// Random packet loss on a link with nftables inside a namespace: `numgen random mod 100 < N drop`. The machine has
// no netem (lab-facts), so this is how a tunnel that stays up but loses packets is made. Next to nft.ts (blackhole).

import type { Netns } from './lab';

function table(ifname: string): string {
  return `bgpfo_loss_${ifname.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export type LossDirection = 'in' | 'out' | 'both';

/**
 * Drops `percent` % of the packets through ifname in ns, each independently at random, in the given direction
 * ('in': received on ifname, 'out': sent out of it). A round trip through one 'both' side loses
 * 1 - (1 - p)^2 of the exchanges. Calling it again replaces the earlier setting.
 */
export async function randomLoss(ns: Netns, ifname: string, percent: number, direction: LossDirection = 'in'): Promise<void> {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`loss percent must be an integer 0..100, got ${percent}`);
  const t = table(ifname);
  const rule = (match: string) => `${match} "${ifname}" numgen random mod 100 < ${percent} drop`;
  const chains = [
    direction !== 'out' ? `  chain loss_in { type filter hook input priority -300; policy accept; ${rule('iifname')}; }` : '',
    direction !== 'out' ? `  chain loss_fwd_in { type filter hook forward priority -300; policy accept; ${rule('iifname')}; }` : '',
    direction !== 'in' ? `  chain loss_out { type filter hook output priority -300; policy accept; ${rule('oifname')}; }` : '',
    direction !== 'in' ? `  chain loss_fwd_out { type filter hook forward priority -300; policy accept; ${rule('oifname')}; }` : '',
  ].filter(Boolean);
  await stopLoss(ns, ifname);
  await ns.exec(['nft', '-f', '-'], { input: `table inet ${t} {\n${chains.join('\n')}\n}\n` });
}

/** Removes the loss on ifname (no-op when there is none). */
export async function stopLoss(ns: Netns, ifname: string): Promise<void> {
  const r = await ns.execAny(['nft', 'delete', 'table', 'inet', table(ifname)]);
  if (r.code !== 0 && !/No such file or directory/.test(r.stderr)) throw new Error(`nft loss removal failed: ${r.stderr}`);
}
