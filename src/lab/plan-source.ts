// The plan a lab realizes: the topology file's, with the lab's own overrides (another lab name so two copies
// can run at once, veth tunnels for fast runs, another daemon standing in on the routers or gateways).

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { buildPlan, loadTopology, parseTopology, TopologyError, type Plan } from '../orchestrator';
import type { Daemon } from '../orchestrator/topology/types';

export const DAEMONS: readonly Daemon[] = ['bgpfo', 'bird', 'frr'];

export interface LabPlanOptions {
  /** Lab name instead of the file's `lab` (1..8 of a-z, 0-9, -): names namespaces and tunnel interfaces. */
  name?: string;
  /** Tunnel type instead of the file's (`veth` for fast runs; `ipsec` cannot run here). */
  tunnelType?: 'wireguard' | 'veth';
  /** Daemon on the on-prem routers instead of bgpfo (a stand-in to compare with). */
  routerDaemon?: Daemon;
  /** Daemon on the far gateways instead of the file's. */
  farDaemon?: Daemon;
  /** 'off': no BFD or probe on any session, whatever the topology says (only the hold timer detects). */
  liveness?: 'off';
}

/**
 * Loads the topology, applies name and tunnel overrides at the YAML level (so the planner still checks them
 * and reports lines), builds the plan, then swaps daemons. Throws TopologyError.
 */
export function loadLabPlan(file: string, opts: LabPlanOptions = {}): Plan {
  let topology;
  if (opts.name === undefined && opts.tunnelType === undefined) topology = loadTopology(file);
  else {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TopologyError(file, [{ line: 0, path: '', message: `cannot read the topology file: ${(e as Error).message}` }]);
    }
    const doc = parseDocument(text);
    if (opts.name !== undefined) doc.setIn(['lab'], opts.name);
    if (opts.tunnelType !== undefined) {
      doc.setIn(['tunnel', 'type'], opts.tunnelType);
      // The MTU default depends on the type; a fixed one written for WireGuard would be wrong for veth.
      if (doc.hasIn(['tunnel', 'mtu'])) doc.deleteIn(['tunnel', 'mtu']);
    }
    topology = parseTopology(String(doc), file);
  }
  return withoutLiveness(withDaemons(buildPlan(topology), opts), opts);
}

/** A copy of the plan with liveness off on every session end (the renderers then configure no BFD or probe). */
export function withoutLiveness(plan: Plan, opts: Pick<LabPlanOptions, 'liveness'>): Plan {
  if (opts.liveness !== 'off') return plan;
  const copy: Plan = JSON.parse(JSON.stringify(plan)) as Plan;
  for (const s of copy.sessions) {
    s.a.liveness = 'none';
    s.b.liveness = 'none';
  }
  return copy;
}

/** A copy of the plan whose routers and/or gateways run another daemon (the renderers follow node.runs). */
export function withDaemons(plan: Plan, opts: Pick<LabPlanOptions, 'routerDaemon' | 'farDaemon'>): Plan {
  if (!opts.routerDaemon && !opts.farDaemon) return plan;
  const copy: Plan = JSON.parse(JSON.stringify(plan)) as Plan;
  for (const n of copy.nodes) {
    if (n.role === 'onprem-router' && opts.routerDaemon) n.runs = opts.routerDaemon;
    if (n.role === 'far-gateway' && opts.farDaemon) n.runs = opts.farDaemon;
  }
  return copy;
}
