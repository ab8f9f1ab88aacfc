// Renders FRR 8.4 configs (frr.conf, daemons, vtysh.conf) for nodes whose routing daemon is FRR: far
// gateways, cloud-gateway stand-ins (no BFD, 60/180 s timers) and LAN routers. Policy = the plan's.

import { sessionsOf } from '../plan/sessions';
import type { Plan, PlanNode } from '../plan/types';
import { header, ms, nodeByName } from './text';

/** "10.20.0.0/16 le 32" -> FRR prefix-list entry text. */
function prefixListEntry(filter: string): string {
  const [prefix, ...rest] = filter.split(/\s+/);
  return rest.length ? `${prefix} ${rest.join(' ')}` : prefix;
}

const mapName = (neighbor: string, dir: 'in' | 'out') => `${neighbor}-${dir}`;

export function renderFrrConfig(plan: Plan, nodeName: string): string {
  const node: PlanNode = nodeByName(plan, nodeName);
  if (node.runs !== 'frr') throw new Error(`${nodeName} runs ${node.runs}, not frr`);
  const ends = sessionsOf(plan.sessions, node.name);
  const bfd = ends.some((e) => e.local.liveness === 'bfd');
  const out: string[] = [header(plan, `FRR 8.4 config for ${node.name} (${node.role}${node.emulates ? ', standing in for a cloud VPN gateway' : ''}).`, '!')];
  out.push('frr version 8.4', 'frr defaults traditional', `hostname ${node.name}`, 'log stdout informational', 'service integrated-vtysh-config', '!');

  // Prefix lists: what each neighbor may send us, and what we send it (learned filters + our own prefixes).
  for (const { local } of ends) {
    const inList = mapName(local.neighborName, 'in');
    local.import.forEach((f, i) => out.push(`ip prefix-list ${inList} seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
    const exported = [...local.exportLearned, ...node.originate];
    const outList = mapName(local.neighborName, 'out');
    exported.forEach((f, i) => out.push(`ip prefix-list ${outList} seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
  }
  out.push('!');
  // An originated aggregate needs a route in the RIB before `network` announces it.
  for (const p of node.originate) out.push(`ip route ${p} blackhole`);
  if (node.originate.length) out.push('!');

  if (bfd) {
    out.push(
      'bfd',
      ' profile tunnel',
      `  detect-multiplier ${plan.liveness.multiplier}`,
      `  receive-interval ${plan.liveness.intervalMs}`,
      `  transmit-interval ${plan.liveness.intervalMs}`,
      ' exit',
      'exit',
      '!',
    );
  }

  out.push(`router bgp ${node.asn}`, ` bgp router-id ${node.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (const { session: s, local, remote } of ends) {
    const peer = remote.address;
    out.push(` neighbor ${peer} remote-as ${remote.asn}`);
    out.push(` neighbor ${peer} description ${local.neighborName}: ${s.kind} ${s.name} (${s.role})`);
    out.push(` neighbor ${peer} update-source ${local.address}`);
    out.push(` neighbor ${peer} timers ${s.keepalive} ${s.holdTime}`);
    out.push(` neighbor ${peer} timers connect 5`);
    if (local.liveness === 'bfd') out.push(` neighbor ${peer} bfd profile tunnel`);
  }
  out.push(' !', ' address-family ipv4 unicast');
  for (const p of node.originate) out.push(`  network ${p}`);
  out.push('  maximum-paths 8', '  maximum-paths ibgp 8');
  for (const { session: s, local, remote } of ends) {
    const peer = remote.address;
    out.push(`  neighbor ${peer} activate`);
    if (local.nextHopSelf) out.push(`  neighbor ${peer} next-hop-self`);
    out.push(`  neighbor ${peer} route-map ${mapName(local.neighborName, 'in')} in`);
    out.push(`  neighbor ${peer} route-map ${mapName(local.neighborName, 'out')} out`);
    out.push(`  neighbor ${peer} maximum-prefix ${s.maxPrefixes}`);
  }
  out.push(' exit-address-family', 'exit', '!');

  for (const { session: s, local } of ends) {
    const inMap = mapName(local.neighborName, 'in');
    if (local.import.length) {
      out.push(`route-map ${inMap} permit 10`, ` match ip address prefix-list ${inMap}`);
      if (!s.ibgp && local.localPref !== 100) out.push(` set local-preference ${local.localPref}`);
      out.push('exit');
    } else out.push(`route-map ${inMap} deny 10`, 'exit');
    const outMap = mapName(local.neighborName, 'out');
    if (local.exportLearned.length + node.originate.length) {
      out.push(`route-map ${outMap} permit 10`, ` match ip address prefix-list ${outMap}`);
      if (local.prepend > 0) out.push(` set as-path prepend ${Array(local.prepend).fill(node.asn).join(' ')}`);
      out.push('exit');
    } else out.push(`route-map ${outMap} deny 10`, 'exit');
  }
  out.push('!', bfd ? `! BFD: ${ms(plan.liveness.intervalMs)} x ${plan.liveness.multiplier} on the tunnels.` : '! No BFD on this node.', 'end');
  return out.join('\n') + '\n';
}

/** /etc/frr/daemons: bgpd always, bfdd when a session uses BFD. */
export function renderFrrDaemons(plan: Plan, nodeName: string): string {
  const bfd = sessionsOf(plan.sessions, nodeName).some((e) => e.local.liveness === 'bfd');
  return [
    header(plan, `FRR daemons file for ${nodeName}.`),
    'bgpd=yes',
    `bfdd=${bfd ? 'yes' : 'no'}`,
    'ospfd=no',
    'ospf6d=no',
    'ripd=no',
    'ripngd=no',
    'isisd=no',
    'pimd=no',
    'ldpd=no',
    'nhrpd=no',
    'eigrpd=no',
    'babeld=no',
    'sharpd=no',
    'pbrd=no',
    'fabricd=no',
    'vrrpd=no',
    'pathd=no',
    'vtysh_enable=yes',
    'zebra_options="  -A 127.0.0.1 -s 90000000"',
    'bgpd_options="   -A 127.0.0.1"',
    'bfdd_options="   -A 127.0.0.1"',
    '',
  ].join('\n');
}

export const FRR_VTYSH_CONF = 'service integrated-vtysh-config\n';
