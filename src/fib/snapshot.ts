// Read-only views of the FIB for status output and tests: groups with their active tier, next hops,
// and (optionally) every route's kernel nhid.

import type { Prefix } from '../bgp/types';
import type { FibModel } from './model';
import type { FibSnapshot, GroupSnapshot } from './types';

export function buildSnapshot(m: FibModel, options: { routes?: boolean }): FibSnapshot {
  const groups: GroupSnapshot[] = [];
  for (const g of m.groups.values()) {
    const active = g.single
      ? m.usable(g.tiers[0][0]) ? [g.tiers[0][0]] : []
      : g.activeTier < 0 ? [] : g.tiers[g.activeTier].filter((nh) => g.members.includes(nh.id));
    groups.push({
      id: g.id,
      kind: g.single ? 'single' : 'group',
      family: g.family,
      tiers: g.tiers.map((tier) => tier.map((nh) => ({ ...nh.hop }))),
      activeTier: g.single ? (active.length > 0 ? 0 : -1) : g.activeTier,
      active: active.map((nh) => ({ ...nh.hop })),
      routes: g.routes,
    });
  }
  let installed = 0;
  const routes = options.routes === false ? undefined : new Map<Prefix, { nhid: number; groupId: number }>();
  for (const rid of m.routes.ids()) {
    const nhid = m.routes.installed(rid);
    if (nhid > 0) installed++;
    routes?.set(m.routes.prefixOf(rid), { nhid: Math.max(0, nhid), groupId: m.routes.group(rid).id });
  }
  return {
    nexthops: [...m.nhs.values()].map((nh) => ({ id: nh.id, ...nh.hop, up: !m.down.has(nh.hop.tunnel), present: nh.present })),
    groups,
    routes,
    routeCount: m.routes.size,
    installedCount: installed,
    staleRoutes: m.stale.size,
    downTunnels: [...m.down].sort(),
  };
}
