// What `lab up` does, as data: the ordered steps (namespaces, veth links, per-node network setup, WireGuard
// tunnel ends, daemons) a plan implies. Pure, so unit tests read the whole bring-up without touching the kernel.

import { createHash } from 'node:crypto';
import { nodeSetupCommands, type Plan, type PlanNode } from '../orchestrator';
import type { Daemon } from '../orchestrator/topology/types';
import { LabError } from './errors';
import type { LabLayout } from './layout';

export type LabAction =
  | { kind: 'netns'; node: string; ns: string }
  /** A command that must succeed, inside the node's namespace when ns is set. */
  | { kind: 'cmd'; node?: string; ns?: string; argv: string[] }
  /** A wireguard-go interface configured from a rendered wg-quick file. */
  | { kind: 'wireguard'; node: string; ns: string; ifname: string; wgQuickFile: string }
  | { kind: 'daemon'; node: string; ns: string; daemon: Daemon }
  /** Several `ip` commands as one `ip [-n ns] -batch -` (argv of each line without the leading "ip"). */
  | { kind: 'ip-batch'; node?: string; ns?: string; lines: string[][] };

export interface LabStep {
  /** Progress text ("creating 13 veth links"). */
  title: string;
  actions: LabAction[];
  /** Actions of different nodes may run at once (each node's in order); namespaces and links go one by one. */
  parallel: boolean;
  /**
   * How many nodes' actions at once (default: all). Daemons start a few at a time: a hub with 50 spokes starts
   * ~100 of them, and all at once on 2 cores each waits past its start-up timeout for CPU.
   */
  concurrency?: number;
}

/** Nodes whose daemons start at once: bgpfo costs ~0.5 s of CPU to start, BIRD almost nothing. */
export const DAEMON_CONCURRENCY = 4;

/**
 * Consecutive plain `ip` commands of one node (or of the root namespace) as one `ip -batch -`: a hub with 50
 * spokes has thousands of addresses, routes and links, and one process per command costs more than the kernel
 * work. Order is kept; anything else (sysctl, netns, daemons) stays as it is and splits the batches.
 */
export function batchIpActions(actions: LabAction[]): LabAction[] {
  const out: LabAction[] = [];
  for (const a of actions) {
    const batchable = a.kind === 'cmd' && a.argv[0] === 'ip' && a.argv[1] !== '-n' && a.argv[1] !== 'netns' && !a.argv.some((w) => w.includes('\n'));
    if (!batchable) {
      out.push(a);
      continue;
    }
    const last = out[out.length - 1];
    const line = a.argv.slice(1);
    if (last?.kind === 'ip-batch' && last.node === a.node && last.ns === a.ns) last.lines.push(line);
    else out.push({ kind: 'ip-batch', ...(a.node !== undefined ? { node: a.node } : {}), ...(a.ns !== undefined ? { ns: a.ns } : {}), lines: [line] });
  }
  return out;
}

/** The plan gives some interface an IPv6 address (a dual-stack topology). */
export function planHasIpv6(plan: Plan): boolean {
  return plan.nodes.some((n) => n.interfaces.some((i) => i.addresses.some((a) => a.includes(':'))));
}

/**
 * Per-namespace settings the lab adds to the plan's. All namespaces share the kernel's one random multipath hash
 * secret, so two ECMP stages in a row (LAN router, then edge) would hash a flow alike and polarize: a flow sent to
 * r1 would always take r1's first tunnel. A seed per namespace (kernel >= 6.11; `sysctl -e` skips it on older
 * kernels; IPv6 multipath uses the same seed) makes each stage choose on its own, as separate boxes do.
 * An IPv4-only plan gets IPv6 off: neighbour discovery chatter would show up in the tunnels' packet counters.
 * A dual-stack plan gets it on, without duplicate address detection (set as the default before any interface
 * exists, so every veth and tunnel inherits it: an address is usable at once instead of ~1 s later, and a
 * lab's addresses are unique by construction), and keeping addresses on an interface set down (a `tunnel-down`
 * fault must not lose the tunnel's IPv6 address, as IPv4 ones are kept).
 */
export function labSysctls(plan: Plan, node: PlanNode): Record<string, string> {
  const seed = createHash('sha256').update(`${plan.lab}/${node.name}`).digest().readUInt32BE(0) || 1;
  const ipv6: Record<string, string> = planHasIpv6(plan)
    ? {
        'net.ipv6.conf.all.disable_ipv6': '0',
        'net.ipv6.conf.default.disable_ipv6': '0',
        'net.ipv6.conf.all.accept_dad': '0',
        'net.ipv6.conf.default.accept_dad': '0',
        'net.ipv6.conf.all.keep_addr_on_down': '1',
        'net.ipv6.conf.default.keep_addr_on_down': '1',
        // Routers do not learn addresses or routes from router advertisements; hosts get theirs from the plan.
        'net.ipv6.conf.all.accept_ra': '0',
        'net.ipv6.conf.default.accept_ra': '0',
      }
    : { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' };
  return { ...ipv6, 'net.ipv4.fib_multipath_hash_seed': String(seed) };
}

/** Nodes that run a routing daemon, in plan order. */
export function daemonNodes(plan: Plan): (PlanNode & { runs: Daemon })[] {
  return plan.nodes.filter((n): n is PlanNode & { runs: Daemon } => n.runs !== 'none');
}

/**
 * The network part of nodeSetupCommands (the one description of a node's setup, shared with containerlab and
 * the host realizer) as argv: sysctls, bridges, addresses, routes and rules. WireGuard (`wg-quick up`) and the
 * daemon are left to the realizer, which must own their pids.
 */
export function nodeNetworkCommands(plan: Plan, node: PlanNode, layout: LabLayout): string[][] {
  const out: string[][] = [];
  for (const line of nodeSetupCommands(plan, node.name, { configDir: layout.nodeDir(node.name), runDir: layout.runDir(node.name) })) {
    const argv = line.split(' ');
    if (argv[0] === 'wg-quick' || argv[0] === 'setsid' || argv[0] === 'bird') continue;
    if (argv[0] !== 'ip' && argv[0] !== 'sysctl') throw new Error(`unexpected setup command for ${node.name}: ${line}`);
    if (/['"\\$`]/.test(line)) throw new Error(`setup command for ${node.name} needs a shell, which the lab does not use: ${line}`);
    out.push(argv);
  }
  return out;
}

export function labSteps(plan: Plan, layout: LabLayout): LabStep[] {
  const ns = (name: string) => plan.nodes.find((n) => n.name === name)!.namespace;
  const steps: LabStep[] = [];

  steps.push({
    title: `creating ${plan.nodes.length} namespaces`,
    parallel: false,
    actions: plan.nodes.flatMap((n): LabAction[] => [
      { kind: 'netns', node: n.name, ns: n.namespace },
      { kind: 'cmd', node: n.name, ns: n.namespace, argv: ['sysctl', '-e', '-q', '-w', ...Object.entries(labSysctls(plan, n)).map(([k, v]) => `${k}=${v}`)] },
    ]),
  });

  // Each pair is made directly inside its two namespaces: the names ("lan", "r1") would clash in the root one.
  steps.push({
    title: `creating ${plan.links.length} veth links`,
    parallel: false,
    actions: plan.links.map((l) => ({
      kind: 'cmd' as const,
      argv: ['ip', 'link', 'add', 'name', l.a.ifname, 'netns', ns(l.a.node), 'type', 'veth', 'peer', 'name', l.b.ifname, 'netns', ns(l.b.node)],
    })),
  });

  steps.push({
    title: `configuring ${plan.nodes.length} nodes (sysctls, bridges, addresses, routes, rules)`,
    parallel: true,
    actions: plan.nodes.flatMap((n) => nodeNetworkCommands(plan, n, layout).map((argv) => ({ kind: 'cmd' as const, node: n.name, ns: n.namespace, argv }))),
  });

  const wg = plan.nodes.flatMap((n) =>
    n.interfaces
      .filter((i) => i.kind === 'wireguard')
      .map((i): LabAction => ({ kind: 'wireguard', node: n.name, ns: n.namespace, ifname: i.name, wgQuickFile: `${layout.nodeDir(n.name)}/wireguard/${i.name}.conf` })),
  );
  if (wg.length) steps.push({ title: `starting ${wg.length} WireGuard tunnel ends (wireguard-go)`, parallel: true, actions: wg });

  const daemons = daemonNodes(plan);
  const byDaemon = new Map<Daemon, string[]>();
  for (const n of daemons) byDaemon.set(n.runs, [...(byDaemon.get(n.runs) ?? []), n.name]);
  steps.push({
    title: `starting daemons: ${[...byDaemon].map(([d, names]) => `${d} on ${names.length > 12 ? `${names.length} nodes (${names.slice(0, 3).join(', ')}, ...)` : names.join(', ')}`).join('; ')}`,
    parallel: true,
    concurrency: DAEMON_CONCURRENCY,
    actions: daemons.map((n) => ({ kind: 'daemon' as const, node: n.name, ns: n.namespace, daemon: n.runs })),
  });
  return steps;
}

/** The on-prem end of a tunnel (name or id "t3"), or an error that lists the tunnels. */
export function findTunnel(plan: Plan, nameOrId: string) {
  const t = plan.tunnels.find((x) => x.name === nameOrId || x.id === nameOrId || x.onprem.ifname === nameOrId || x.far.ifname === nameOrId);
  if (!t) throw new LabError('ERR_LAB_USAGE', `no tunnel ${nameOrId} in lab ${plan.lab}; tunnels: ${plan.tunnels.map((x) => `${x.id} ${x.name}`).join(', ')}`);
  return t;
}

export function findNode(plan: Plan, name: string): PlanNode {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new LabError('ERR_LAB_USAGE', `no node ${name} in lab ${plan.lab}; nodes: ${plan.nodes.map((x) => x.name).join(', ')}`);
  return n;
}
