// Renders a containerlab topology (*.clab.yml) for a plan: one `linux` node per plan node with its rendered
// files bound in and setup.sh run by exec, and one link per veth pair. Tunnels other than veth run inside.

import { createHash } from 'node:crypto';
import type { Plan, PlanNode } from '../plan/types';
import { header, yamlScalar } from './text';

/** The images each kind of node runs; built from the Dockerfiles in images/ by `bgpfo image build` (docs/lab.md). */
export interface ClabImages {
  /** bgpfo on Node 20, wireguard-go, wireguard-tools, iproute2, nftables, ping (bgpfo nodes). */
  bgpfo: string;
  /** Debian's FRR 8.4 started by the image from the bound /etc/frr. */
  frr: string;
  /** BIRD 2 with wireguard-go and wireguard-tools. */
  bird: string;
  /** LAN hosts and the internet node: iproute2, nftables, ping. */
  host: string;
}

export const DEFAULT_IMAGES: ClabImages = {
  bgpfo: 'bgpfo:latest',
  frr: 'bgpfo-frr:8',
  bird: 'bgpfo-bird:2',
  host: 'bgpfo-host:latest',
};

/** Where a node's rendered files live inside its container. */
export const CLAB_CONFIG_DIR = '/etc/bgpfo-lab';

export interface ClabRenderOptions {
  images?: Partial<ClabImages>;
  /** Directory of each node's rendered files, relative to the .clab.yml file's directory. */
  nodeDir: (node: PlanNode) => string;
}

/**
 * The sysctls the runtime sets when it creates a node's container: the plan's, and for nodes that forward, a
 * multipath hash seed of their own (Linux 6.11+). Containers on one host share one kernel: with one seed, the LAN
 * router and the edge router behind it hash a flow alike and half the tunnels carry nothing (docs/lab.md, "ECMP in
 * one kernel"; the netns lab does the same).
 */
export function clabSysctls(plan: Plan, node: PlanNode): Record<string, string> {
  const out = { ...node.sysctls };
  if (node.sysctls['net.ipv4.ip_forward'] === '1') {
    out['net.ipv4.fib_multipath_hash_seed'] = String(createHash('sha256').update(`${plan.lab}/${node.name}`).digest().readUInt32BE(0) || 1);
  }
  return out;
}

/**
 * The capabilities a node needs beyond Docker's defaults when it does not run privileged (containerlab runs nodes
 * privileged; the label says what is enough): addresses, routes and nftables need NET_ADMIN, FRR's daemons refuse
 * to start without SYS_ADMIN. WireGuard nodes also need the /dev/net/tun device for wireguard-go.
 */
export function nodeCapabilities(node: PlanNode): string[] {
  if (node.runs === 'frr') return ['NET_ADMIN', 'SYS_ADMIN'];
  // bgpfo puts its BFD process at SCHED_RR or nice -10: without SYS_NICE it runs at normal priority, and a busy host
  // delays its packets past the detection time (a live tunnel declared dead).
  if (node.runs === 'bgpfo') return ['NET_ADMIN', 'SYS_NICE'];
  return ['NET_ADMIN'];
}

function imageOf(node: PlanNode, images: ClabImages): string {
  if (node.runs === 'bgpfo') return images.bgpfo;
  if (node.runs === 'frr') return images.frr;
  if (node.runs === 'bird') return images.bird;
  return images.host;
}

export function clabBinds(node: PlanNode, dir: string): string[] {
  const binds = [`${dir}:${CLAB_CONFIG_DIR}`];
  if (node.runs === 'frr') binds.push(`${dir}/frr.conf:/etc/frr/frr.conf`, `${dir}/daemons:/etc/frr/daemons`, `${dir}/vtysh.conf:/etc/frr/vtysh.conf`);
  return binds;
}

const LINK_PURPOSE: Record<string, string> = {
  lan: 'LAN host to its LAN router',
  transit: 'edge to its LAN router',
  twin: 'twins (iBGP)',
  uplink: 'uplink to the internet',
  tunnel: 'tunnel',
};

export function renderClab(plan: Plan, opts: ClabRenderOptions): string {
  const images = { ...DEFAULT_IMAGES, ...opts.images };
  const out: string[] = [
    header(plan, `containerlab topology for lab ${plan.lab}: ${plan.mode}, ${plan.tunnels.length} ${plan.tunnelType} tunnels.`),
    '# Each node runs setup.sh from its config directory after deploy (addresses, tunnels, routes, daemon).',
    '# WireGuard keys: see docs/topology.md ("Keys"); committed copies hold placeholders.',
    `name: ${yamlScalar(plan.lab)}`,
    'topology:',
    '  nodes:',
  ];
  for (const node of plan.nodes) {
    const dir = opts.nodeDir(node);
    out.push(`    ${node.name}:`, '      kind: linux', `      image: ${yamlScalar(imageOf(node, images))}`, `      group: ${node.site}`);
    out.push('      labels:', `        bgpfo.role: ${node.role}`, `        bgpfo.runs: ${node.runs}`, `        bgpfo.cap-add: ${nodeCapabilities(node).join(',')}`);
    out.push('      binds:', ...clabBinds(node, dir).map((b) => `        - ${yamlScalar(b)}`));
    // Set by the runtime when it creates the container: an unprivileged container cannot write /proc/sys itself.
    const sysctls = Object.entries(clabSysctls(plan, node));
    if (sysctls.length) out.push('      sysctls:', ...sysctls.map(([k, v]) => `        ${k}: ${yamlScalar(v)}`));
    out.push('      exec:', `        - ${yamlScalar(`sh ${CLAB_CONFIG_DIR}/setup.sh`)}`);
  }
  out.push('  links:');
  for (const l of plan.links) {
    out.push(`    # ${LINK_PURPOSE[l.purpose]}${l.isp ? ` (${l.isp})` : ''}${l.tunnel ? `: ${l.tunnel}` : ''}`);
    out.push(`    - endpoints: ["${l.a.node}:${l.a.ifname}", "${l.b.node}:${l.b.ifname}"]`);
  }
  return out.join('\n') + '\n';
}
