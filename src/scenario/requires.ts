// The features a scenario needs from bgpfo, checked before it runs against what the lab will really run (the
// rendered daemon configs of the on-prem routers): a scenario whose feature is missing says exactly what is
// missing and where, instead of failing later on a measurement that could never pass.

import { loadConfig, type DaemonConfig } from '../config';
import type { Plan, PlanNode } from '../orchestrator';
import type { Feature } from './types';

export interface MissingFeature {
  feature: Feature;
  /** What is missing, where, and what is needed. */
  detail: string;
}

type TunnelNeighbor = { node: PlanNode; neighbor: string; tunnel: string; wanted: 'bfd' | 'probe' | 'none' };

/** The tunnel neighbors of the on-prem routers that run bgpfo, with the liveness the plan wants for each. */
export function bgpfoTunnelNeighbors(plan: Plan): TunnelNeighbor[] {
  const out: TunnelNeighbor[] = [];
  for (const s of plan.sessions.filter((x) => x.kind === 'tunnel')) {
    for (const end of [s.a, s.b]) {
      const node = plan.nodes.find((n) => n.name === end.node)!;
      if (node.role === 'onprem-router' && node.runs === 'bgpfo') out.push({ node, neighbor: end.neighborName, tunnel: s.tunnel!, wanted: end.liveness });
    }
  }
  return out;
}

const list = (xs: TunnelNeighbor[]) => {
  const byNode = new Map<string, string[]>();
  for (const x of xs) byNode.set(x.node.name, [...(byNode.get(x.node.name) ?? []), x.neighbor]);
  return [...byNode].map(([n, ns]) => `${n}: ${ns.join(', ')}`).join('; ');
};

/**
 * Checks `features` against the configs (node -> its loaded bgpfo config, from `configOf`). `liveness: off` labs
 * need no liveness. Returns one entry per feature that is not there.
 */
export function missingFeatures(plan: Plan, features: Feature[], configOf: (node: string) => DaemonConfig | undefined): MissingFeature[] {
  const tn = bgpfoTunnelNeighbors(plan);
  const cfg = (x: TunnelNeighbor) => configOf(x.node.name)?.neighbors.find((n) => n.name === x.neighbor);
  const out: MissingFeature[] = [];
  const lv = plan.liveness;
  const where = 'the bgpfo configs the lab renders (src/orchestrator/render/bgpfo.ts)';
  for (const f of features) {
    if (tn.length === 0) {
      out.push({ feature: f, detail: `${f}: no on-prem router runs bgpfo in this lab, so there is nothing of bgpfo's to test` });
      continue;
    }
    if (f === 'liveness' || f === 'demotion' || f === 'steering') {
      const wanted = tn.filter((x) => x.wanted !== 'none');
      if (wanted.length === 0) {
        out.push({ feature: f, detail: `${f}: liveness is off for every tunnel of this lab` });
        continue;
      }
      const noLive = wanted.filter((x) => !cfg(x)?.liveness);
      if (noLive.length) {
        out.push({
          feature: f,
          detail: `${f}: the topology asks for ${lv.method.toUpperCase()} ${lv.intervalMs} ms x ${lv.multiplier} on the tunnels, but ${where} have no liveness: block for ${list(noLive)}; without it only the BGP hold timer detects a dead tunnel`,
        });
        continue;
      }
      if (f === 'demotion') {
        const off = wanted.filter((x) => cfg(x)?.liveness?.quality === false);
        if (off.length) out.push({ feature: f, detail: `demotion: liveness.quality is false for ${list(off)} in ${where}: a lossy tunnel is never demoted` });
      }
      if (f === 'steering') {
        const probe = wanted.filter((x) => cfg(x)?.liveness?.mode === 'probe');
        const off = probe.filter((x) => !cfg(x)?.liveness?.steering.moreSpecifics);
        if (probe.length === 0) out.push({ feature: f, detail: `steering: no tunnel runs probe liveness in ${where} (steering is for far sides without BFD)` });
        else if (off.length) out.push({ feature: f, detail: `steering: liveness.steering.more-specifics is off for ${list(off)} in ${where}: the far side keeps sending into a dead tunnel until its hold timer expires` });
      }
    }
    if (f === 'graceful-restart') {
      const routers = [...new Set(tn.map((x) => x.node.name))];
      const off: string[] = [];
      for (const r of routers) {
        const c = configOf(r);
        const n = c?.neighbors.filter((x) => !x.gracefulRestart.enabled).map((x) => x.name) ?? ['(no config)'];
        if (n.length) off.push(`${r}: ${n.join(', ')}`);
      }
      const far = plan.nodes.filter((n) => n.role === 'far-gateway' && n.runs === 'bgpfo');
      for (const g of far) {
        const n = configOf(g.name)?.neighbors.filter((x) => !x.gracefulRestart.enabled && plan.sessions.some((s) => s.kind === 'tunnel' && (s.a.neighborName === x.name || s.b.neighborName === x.name))).map((x) => x.name) ?? [];
        if (n.length) off.push(`${g.name} (helper): ${n.join(', ')}`);
      }
      if (off.length) out.push({ feature: f, detail: `graceful-restart: graceful-restart.enabled is not set for ${off.join('; ')} in ${where}: after a kill -9 the peers drop the router's routes at once and the restarted daemon flushes its kernel routes` });
    }
  }
  return out;
}

/** Loads a rendered config, or undefined when it cannot be read. */
export function readConfig(file: string | undefined): DaemonConfig | undefined {
  if (!file) return undefined;
  try {
    return loadConfig(file);
  } catch {
    return undefined;
  }
}
