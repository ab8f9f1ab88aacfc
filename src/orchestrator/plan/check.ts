// Invariants of a finished plan, reported against the topology fields that caused them: interface names
// within IFNAMSIZ-1 (15) and unique (WireGuard's control socket is per name, machine-wide), unique
// addresses, router ids and neighbor names.

import { formatPath, type TopologyIssue } from '../topology/errors';
import { lineAt } from '../topology/normalize';
import type { Topology } from '../topology/types';
import { sessionsOf } from './sessions';
import type { Plan } from './types';

/** "node/ifname" -> the topology fields whose values make up that name. */
export type Blame = Record<string, (string | number)[][]>;

export const IFNAMSIZ_MAX = 15;
const IFNAME_RE = /^[A-Za-z0-9_.-]+$/;
/** The daemon's neighbor-name rule (docs/configuration.md). */
const NEIGHBOR_RE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

function valueAt(topology: Topology, path: (string | number)[]): string {
  // The file's own data (kebab-case keys, as the paths are written).
  let v: unknown = topology.source.data ?? topology;
  for (const p of path) v = v === undefined || v === null ? undefined : (v as Record<string | number, unknown>)[p];
  return typeof v === 'string' ? v : '';
}

export function checkPlan(plan: Plan, topology: Topology, blame: Blame): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const at = (path: (string | number)[], message: string, fix?: string) => issues.push({ line: lineAt(topology.source, path), path: formatPath(path), message, fix });

  // ---- Interface names ----
  const machineWide = new Map<string, string>();
  for (const node of plan.nodes) {
    const seen = new Set<string>();
    for (const i of node.interfaces) {
      const why = blame[`${node.name}/${i.name}`] ?? [['lab']];
      if (i.name.length > IFNAMSIZ_MAX) {
        const over = i.name.length - IFNAMSIZ_MAX;
        const fields = why.map((p) => `${formatPath(p)} ("${valueAt(topology, p)}")`).join(' or ');
        at(why[0], `interface name "${i.name}" on ${node.name} is ${i.name.length} characters; Linux allows ${IFNAMSIZ_MAX}`, `shorten ${fields} by ${over} character${over > 1 ? 's' : ''}`);
      } else if (!IFNAME_RE.test(i.name)) {
        at(why[0], `interface name "${i.name}" on ${node.name} has characters Linux tools reject`, 'use letters, digits and "-"');
      }
      if (seen.has(i.name)) at(why[0], `two interfaces named "${i.name}" on ${node.name}`, 'rename the node or ISP that repeats');
      seen.add(i.name);
      // wireguard-go keeps /var/run/wireguard/<ifname>.sock, shared by every namespace on the machine.
      if (i.kind === 'wireguard') {
        const prior = machineWide.get(i.name);
        if (prior) at(why[0], `WireGuard interface "${i.name}" exists on both ${prior} and ${node.name}; its control socket is machine-wide`, 'use a different lab name');
        machineWide.set(i.name, node.name);
      }
    }
  }

  // ---- Addresses: one owner each (the internet side may repeat an ISP gateway only on the internet node) ----
  const owners = new Map<string, string>();
  for (const node of plan.nodes) {
    for (const i of node.interfaces) {
      for (const a of i.addresses) {
        const ip = a.split('/')[0];
        const prior = owners.get(ip);
        if (prior && !(prior.startsWith('internet/') && node.name === 'internet')) {
          at([...topology.onprem.path], `address ${ip} is planned twice: ${prior} and ${node.name}/${i.name}`, 'give the uplinks distinct addresses');
        }
        owners.set(ip, `${node.name}/${i.name}`);
      }
    }
  }

  // ---- Router ids must differ between BGP speakers that peer (RFC 4271 §6.2 Bad BGP Identifier) ----
  const ids = new Map<string, string>();
  plan.nodes.forEach((n) => {
    if (!n.routerId) return;
    const prior = ids.get(n.routerId);
    if (prior) {
      const o = topology.onpremSites.find((s) => s.routers.some((x) => x.name === n.name));
      const f = topology.farSites.find((s) => s.gateways.some((x) => x.name === n.name));
      const path = o
        ? [...o.path, 'routers', o.routers.findIndex((x) => x.name === n.name), 'router-id']
        : f
          ? [...f.path, 'gateways', f.gateways.findIndex((x) => x.name === n.name), 'router-id']
          : [...topology.onprem.path];
      at(path, `router id ${n.routerId} is used by both ${prior} and ${n.name}`, 'give each router a unique router-id');
    }
    ids.set(n.routerId, n.name);
  });

  // ---- Neighbor names: unique per node and valid for the daemon's config ----
  for (const node of plan.nodes) {
    const names = new Set<string>();
    for (const { local } of sessionsOf(plan.sessions, node.name)) {
      if (!NEIGHBOR_RE.test(local.neighborName)) at(['lab'], `neighbor name "${local.neighborName}" on ${node.name} is not a valid bgpfo neighbor name`, 'shorten the node and ISP names');
      if (names.has(local.neighborName)) at([...topology.onprem.path], `two sessions on ${node.name} are both named "${local.neighborName}"`, 'rename the node or ISP whose name repeats');
      names.add(local.neighborName);
    }
  }
  return issues;
}
