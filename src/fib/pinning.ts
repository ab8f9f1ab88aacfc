// Repair as fast as failover: which prefixes may stay on a group holding a down tunnel although their tiers no longer
// list it (FibModel.pinned), and which must leave before the tunnel rejoins. Pure bookkeeping over the model.

import type { Prefix } from '../bgp/types';
import type { FibModel, GroupState } from './model';
import type { NormalTiers } from './tiers';

export class Pinning {
  /** pinnable() answers per group and tier list, valid while the set of down tunnels stays the same. */
  private cache = new WeakMap<GroupState, Map<NormalTiers, boolean>>();

  constructor(private readonly model: FibModel) {}

  /** The set of down tunnels changed: every cached answer may be wrong now. */
  downChanged(): void {
    this.cache = new WeakMap();
  }

  /**
   * True when group `g` forwards exactly as `norm` would: dropping from g the next hops of down tunnels that `norm`
   * does not list leaves norm's tiers. Such a prefix keeps pointing at g (no route write) while those tunnels are down.
   */
  pinnable(g: GroupState, norm: NormalTiers): boolean {
    if (g.single || this.model.down.size === 0 || g.family !== norm.family) return false;
    let byNorm = this.cache.get(g);
    if (!byNorm) this.cache.set(g, (byNorm = new Map()));
    const cached = byNorm.get(norm);
    if (cached !== undefined) return cached;
    const listed = new Set<string>();
    for (const tier of norm.tiers) for (const h of tier) listed.add(h.tunnel);
    const kept: string[] = [];
    let dropped = false;
    for (const tier of g.tiers) {
      const keys: string[] = [];
      for (const nh of tier) {
        if (this.model.down.has(nh.hop.tunnel) && !listed.has(nh.hop.tunnel)) dropped = true;
        else keys.push(nh.key);
      }
      if (keys.length > 0) kept.push(keys.join(','));
    }
    const ok = dropped && kept.join(' / ') === norm.key;
    byNorm.set(norm, ok);
    return ok;
  }

  /** Pinned prefixes on a group holding `tunnel` whose own tiers do not list it: they must leave before it rejoins. */
  leavingWith(tunnel: string): [Prefix, NormalTiers][] {
    const out: [Prefix, NormalTiers][] = [];
    for (const [prefix, norm] of this.model.pinned) {
      const g = this.model.routes.groupOf(prefix);
      if (!g || !g.tiers.some((tier) => tier.some((nh) => nh.hop.tunnel === tunnel))) continue;
      if (norm.tiers.some((tier) => tier.some((h) => h.tunnel === tunnel))) continue;
      out.push([prefix, norm]);
    }
    return out;
  }
}
