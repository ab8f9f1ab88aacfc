// Reconciliation with what the kernel really holds: adopt or remove a previous run's routes and
// nexthop objects of our protocol, re-create what went missing, never touch other protocols' state.

import type { KernelObject, KernelOp } from './dataplane';
import type { FibEngine } from './engine';
import { Tally } from './tally';
import type { ReconcileOptions, ReconcileReport } from './types';

function sortedIds(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

/** Reads the kernel, corrects the model's beliefs, writes what differs; see Fib.reconcile. */
export async function reconcileKernel(engine: FibEngine, options: ReconcileOptions): Promise<ReconcileReport> {
  const m = engine.model;
  const t = new Tally();
  const [objects, routes] = await Promise.all([engine.dp.readObjects(), engine.dp.readRoutes()]);
  const byId = new Map<number, KernelObject>();
  for (const o of objects) {
    byId.set(o.id, o);
    // Ids in our range already taken (by anyone) are never handed out.
    if (m.ids.contains(o.id)) m.ids.markUsed(o.id);
  }

  // Objects the model knows: present only if the kernel's object is ours and says the same thing.
  const known = new Set<number>();
  const claim = (id: number): KernelObject | undefined => {
    known.add(id);
    const o = byId.get(id);
    if (o && !o.ours) {
      t.error('FIB_ID_CONFLICT', `nexthop id ${id} in our range belongs to another protocol; not touching it`);
      return undefined;
    }
    return o;
  };
  for (const nh of m.nhs.values()) {
    const o = claim(nh.id);
    nh.present = o !== undefined && !o.group && !o.blackhole && o.gateway === nh.hop.gateway && o.ifname === nh.hop.ifname;
  }
  for (const g of m.groups.values()) {
    if (g.single) continue;
    const o = claim(g.id);
    g.present = o?.group !== undefined;
    g.members = o?.group ? sortedIds(o.group) : [];
  }
  for (const bh of m.blackholes.values()) bh.present = claim(bh.id)?.blackhole === true;
  for (const id of [...m.adoptable.keys()]) if (!byId.has(id)) m.adoptable.delete(id);
  let staleObjects = 0;
  for (const o of objects) {
    if (!o.ours || known.has(o.id) || m.adoptable.has(o.id)) continue;
    m.adoptable.set(o.id, o);
    staleObjects++;
  }

  // Routes: ours in the model are installed at whatever the kernel says (nothing, unless the kernel lists it); the
  // rest are stale. No set of a million prefix strings: the model's and the stale table's own entries are marked.
  for (const rid of m.routes.ids()) m.routes.setInstalled(rid, 0);
  let staleRoutes = 0;
  const staleBefore = m.stale.size;
  const inKernel = staleBefore > 0 ? new Set<string>() : undefined;
  for (const kr of routes) {
    inKernel?.add(kr.prefix + ' ' + kr.metric);
    const rid = m.routes.find(kr.prefix);
    if (rid >= 0 && kr.metric === engine.dp.metric) {
      m.routes.setInstalled(rid, kr.nhid === 0 ? -1 : kr.nhid);
    } else if (!m.stale.has(kr.prefix)) {
      m.stale.set(kr.prefix, { nhid: kr.nhid, metric: kr.metric, adopted: true });
      staleRoutes++;
    }
  }
  // Stale entries from an earlier reconcile that the kernel no longer lists are forgotten.
  if (inKernel) m.stale.retain((prefix, _nhid, metric, adopted) => adopted || inKernel.has(prefix + ' ' + metric));
  m.stale.clearMarks();

  const repaired = await engine.repair(t);
  if ((options.stale ?? 'remove') === 'remove') await sweepStale(engine, t);
  return { ...t.result(), kernelRoutes: routes.length, staleRoutes, staleObjects, repaired };
}

/**
 * Removes stale routes and unclaimed stale objects. Deleting an object takes every route using it
 * along inside the kernel, so only routes that point elsewhere are deleted one by one.
 */
export async function sweepStale(engine: FibEngine, t: Tally): Promise<void> {
  const m = engine.model;
  const routeOps: KernelOp[] = [];
  for (const [prefix, st] of m.stale.entries()) {
    if (st.nhid !== 0 && m.adoptable.has(st.nhid)) continue;
    routeOps.push({ kind: 'route-del', prefix, metric: st.metric });
    if (routeOps.length >= engine.routeBatchSize) await t.apply(engine.dp, 'routes', routeOps.splice(0));
  }
  await t.apply(engine.dp, 'routes', routeOps);
  m.stale.clear();
  const groups: KernelOp[] = [];
  const singles: KernelOp[] = [];
  for (const [id, o] of m.adoptable) {
    (o.group ? groups : singles).push({ kind: 'nh-del', id });
    m.ids.free(id);
  }
  m.adoptable.clear();
  // Groups before their members, so no group is ever left holding a deleted member.
  await t.apply(engine.dp, 'objects', [...groups, ...singles]);
}
