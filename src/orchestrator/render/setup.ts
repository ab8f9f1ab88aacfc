// The shell commands that bring one node of a plan up once its veth links exist: sysctls, bridges,
// addresses, tunnels, policy routes, then its routing daemon. Used for containerlab's exec and as a
// readable record of what `bgpfo up --node` changes on a host.

import type { Plan, PlanNode } from '../plan/types';
import { daemonEnvWords } from '../../util/daemon-env';
import { xfrmIfId } from './ipsec';
import { header, nodeByName } from './text';

export interface SetupOptions {
  /** Where the node's rendered files are, as the commands will see them. */
  configDir: string;
  /** How to invoke bgpfo (default "bgpfo"). */
  bgpfoCommand?: string;
  /** Directory for the daemon's control socket (BIRD) and log; per node when nodes share a filesystem (netns lab). Default /run. */
  runDir?: string;
}

const q = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function nodeSetupCommands(plan: Plan, nodeName: string, opts: SetupOptions): string[] {
  const node: PlanNode = nodeByName(plan, nodeName);
  // A fresh namespace has lo down; local connections to the node's own addresses need it.
  const cmds: string[] = ['ip link set lo up'];
  for (const [k, v] of Object.entries(node.sysctls)) cmds.push(`sysctl -qw ${k}=${v}`);
  for (const i of node.interfaces.filter((x) => x.kind === 'bridge')) cmds.push(`ip link add ${i.name} type bridge`, `ip link set ${i.name} up`);
  for (const i of node.interfaces) {
    if (i.kind === 'wireguard') {
      // wg-quick sets the key, port, peer, address and MTU; it falls back to wireguard-go without the module.
      cmds.push(`wg-quick up ${q(`${opts.configDir}/wireguard/${i.name}.conf`)}`);
      continue;
    }
    if (i.kind === 'xfrm') {
      const t = plan.tunnels.find((x) => x.name === i.tunnel)!;
      const uplink = node.interfaces.find((u) => u.purpose === 'uplink' && (u.isp === undefined || u.isp === t.isp))!;
      cmds.push(`ip link add ${i.name} type xfrm dev ${uplink.name} if_id ${xfrmIfId(t.index)}`);
    }
    if (i.kind === 'bridge') {
      for (const a of i.addresses) cmds.push(`ip addr add ${a} dev ${i.name}`);
      continue;
    }
    if (i.master) cmds.push(`ip link set ${i.name} master ${i.master}`);
    if (i.mtu) cmds.push(`ip link set ${i.name} mtu ${i.mtu}`);
    for (const a of i.addresses) cmds.push(`ip addr add ${a} dev ${i.name}`);
    cmds.push(`ip link set ${i.name} up`);
  }
  // replace, not add: a container already has a default route through its management interface.
  for (const r of node.routes) cmds.push(`ip route replace ${r.to} via ${r.via} dev ${r.dev}${r.table ? ` table ${r.table}` : ''}`);
  for (const r of node.rules) cmds.push(`ip rule add ${r.fwmark !== undefined ? `fwmark 0x${r.fwmark.toString(16)}` : `from ${r.from}`} table ${r.table} priority ${r.priority}`);
  const bgpfo = opts.bgpfoCommand ?? 'bgpfo';
  const run = opts.runDir ?? '/run';
  if (node.runs === 'bgpfo') cmds.push(`setsid -f env ${daemonEnvWords().join(' ')} ${bgpfo} daemon --config ${q(`${opts.configDir}/bgpfo.yaml`)} >${q(`${run}/bgpfo.log`)} 2>&1`);
  if (node.runs === 'bird') cmds.push(`bird -c ${q(`${opts.configDir}/bird.conf`)} -s ${q(`${run}/bird.ctl`)}`);
  return cmds;
}

/**
 * A sysctl line that only writes when the value differs: containerlab sets the node's sysctls when it creates the
 * container (the clab file lists them), and an unprivileged container's /proc/sys is read-only.
 */
function sysctlIfNeeded(line: string): string {
  const m = /^sysctl -qw ([^=\s]+)=(\S+)$/.exec(line);
  return m ? `[ "$(sysctl -n ${m[1]})" = ${q(m[2]!)} ] || ${line}` : line;
}

/** setup.sh for a containerlab node (FRR nodes: the image's entrypoint starts FRR itself). */
export function renderSetupScript(plan: Plan, nodeName: string, opts: SetupOptions): string {
  const node = nodeByName(plan, nodeName);
  const cmds = nodeSetupCommands(plan, nodeName, opts).map(sysctlIfNeeded);
  return [
    '#!/bin/sh',
    header(plan, `Brings up ${node.name} (${node.role}) once containerlab has created its links.`),
    'set -eu',
    ...cmds,
    ...(node.runs === 'frr' ? ['# FRR is started by the image from /etc/frr (frr.conf, daemons).'] : []),
    '',
  ].join('\n');
}
