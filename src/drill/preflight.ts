// Whether a failover drill may start: the drilled neighbor must be up, the site's other tunnels (the other
// sessions to the same far AS) Established, healthy and not drained, and every prefix that uses the drilled
// tunnel must have another healthy path. Pure: decided from the daemon's status, routes and Adj-RIBs-In.

import type { AdjRibInResponse, RoutesResponse, SessionStatus, StatusResponse } from '../api/types';

export interface PreflightInput {
  status: StatusResponse;
  routes: RoutesResponse;
  /** Post-policy Adj-RIB-In of every Established neighbor other than the target. */
  adjRibIn: Map<string, AdjRibInResponse>;
  /** The neighbor to drill (name or peer address). */
  target: string;
  /** The other tunnels, by name; default: every other session to the target's peer AS. */
  peers?: string[];
  /** Start even if some other tunnel is down (never if a prefix would be left without a path). */
  allowDegraded?: boolean;
}

export interface PreflightResult {
  ok: boolean;
  target?: SessionStatus;
  peers: SessionStatus[];
  /** Prefixes carried over the target, and for each the healthy neighbors that also offer it. */
  prefixes: { prefix: string; alternatives: string[] }[];
  /** Why the drill must not start (empty when ok). */
  refusals: string[];
  /** Things worth knowing that do not stop it. */
  warnings: string[];
}

/** Healthy: Established, liveness (if any) up, not demoted, not drained. The reason when not. */
export function unhealthy(s: SessionStatus): string | undefined {
  if (s.state !== 'Established') return `${s.name} is ${s.state}${s.lastError ? ` (${s.lastError})` : ''}`;
  const v = s.liveness?.verdict;
  if (s.liveness && s.liveness.state !== 'up' && s.liveness.state !== 'Up') return `${s.name}: ${s.liveness.mode} ${s.liveness.state}${s.liveness.detail ? ` (${s.liveness.detail})` : ''}`;
  if (v && v !== 'up') return `${s.name} is ${v}${s.liveness?.verdictDetail ? ` (${s.liveness.verdictDetail})` : ''}`;
  if (s.drain) return `${s.name} is drained (${s.drain.target}, ${s.drain.phase})`;
  return undefined;
}

export function drillPreflight(i: PreflightInput): PreflightResult {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const target = i.status.sessions.find((s) => s.name === i.target || s.peer === i.target);
  if (!target) {
    return { ok: false, peers: [], prefixes: [], refusals: [`no neighbor ${i.target}; neighbors: ${i.status.sessions.map((s) => s.name).join(', ')}`], warnings };
  }
  const bad = unhealthy(target);
  if (bad) refusals.push(`the drilled neighbor is not healthy: ${bad}`);
  const drained = i.status.sessions.filter((s) => s.drain && s !== target);
  if (drained.length) refusals.push(`another drain is in place (${drained.map((s) => s.name).join(', ')}): one drill or maintenance at a time`);

  const peers = i.peers
    ? i.peers.map((p) => i.status.sessions.find((s) => s.name === p || s.peer === p)).filter((s): s is SessionStatus => Boolean(s))
    : i.status.sessions.filter((s) => s !== target && s.peerAsn === target.peerAsn);
  for (const p of i.peers ?? []) if (!i.status.sessions.some((s) => s.name === p || s.peer === p)) refusals.push(`no neighbor ${p} (--peer)`);
  if (peers.length === 0) refusals.push(`no other tunnel to AS ${target.peerAsn}: draining ${target.name} would leave no path at all`);
  const down = peers.map(unhealthy).filter((x): x is string => Boolean(x));
  if (down.length) (i.allowDegraded ? warnings : refusals).push(`${down.length} of the other ${peers.length} tunnel(s) not healthy: ${down.join('; ')}`);

  // Every prefix that uses the target needs another healthy neighbor that offers it.
  const healthy = new Set(i.status.sessions.filter((s) => s !== target && !unhealthy(s)).map((s) => s.name));
  const prefixes: PreflightResult['prefixes'] = [];
  for (const r of i.routes.routes) {
    if (!r.ecmp.some((p) => p.peer === target.name) && r.best.peer !== target.name) continue;
    const alternatives = [...i.adjRibIn].filter(([n, a]) => healthy.has(n) && a.routes.some((x) => x.prefix === r.prefix)).map(([n]) => n);
    prefixes.push({ prefix: r.prefix, alternatives });
  }
  const orphans = prefixes.filter((p) => p.alternatives.length === 0);
  if (orphans.length) refusals.push(`${orphans.length} prefix(es) would have no healthy path without ${target.name}: ${orphans.slice(0, 10).map((p) => p.prefix).join(', ')}${orphans.length > 10 ? ', ...' : ''}`);
  if (i.routes.total > i.routes.routes.length) warnings.push(`only ${i.routes.routes.length} of ${i.routes.total} routes were checked for another path`);
  if (prefixes.length === 0) warnings.push(`no route uses ${target.name} right now: the drill will show no traffic moving`);
  return { ok: refusals.length === 0, target, peers, prefixes, refusals, warnings };
}
