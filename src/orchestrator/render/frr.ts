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

const isV6 = (filter: string) => filter.includes(':');

/** BFD profiles by timers: "tunnel" when the node's BFD sessions share one set (always in two-site plans). */
function bfdProfiles(plan: Plan, ends: ReturnType<typeof sessionsOf>): Map<string, { name: string; intervalMs: number; multiplier: number }> {
  const timers = new Map<string, { intervalMs: number; multiplier: number }>();
  for (const e of ends) {
    if (e.local.liveness !== 'bfd') continue;
    const l = e.session.liveness ?? plan.liveness;
    timers.set(`${l.intervalMs}x${l.multiplier}`, { intervalMs: l.intervalMs, multiplier: l.multiplier });
  }
  const out = new Map<string, { name: string; intervalMs: number; multiplier: number }>();
  for (const [key, t] of timers) out.set(key, { name: timers.size === 1 ? 'tunnel' : `tunnel-${key}`, ...t });
  return out;
}

export function renderFrrConfig(plan: Plan, nodeName: string): string {
  const node: PlanNode = nodeByName(plan, nodeName);
  if (node.runs !== 'frr') throw new Error(`${nodeName} runs ${node.runs}, not frr`);
  const ends = sessionsOf(plan.sessions, node.name);
  const profiles = bfdProfiles(plan, ends);
  const bfd = profiles.size > 0;
  const dual = ends.some((e) => e.session.families);
  const out: string[] = [header(plan, `FRR 8.4 config for ${node.name} (${node.role}${node.emulates ? ', standing in for a cloud VPN gateway' : ''}).`, '!')];
  out.push('frr version 8.4', 'frr defaults traditional', `hostname ${node.name}`, 'log stdout informational', 'service integrated-vtysh-config', '!');

  // Prefix lists: what each neighbor may send us, and what we send it (learned filters + our own prefixes);
  // IPv6 ones in their own lists ("-in6", "-out6") for the ipv6 unicast family.
  const v4 = (fs: string[]) => fs.filter((f) => !isV6(f));
  const v6 = (fs: string[]) => fs.filter(isV6);
  for (const { local, session } of ends) {
    const inList = mapName(local.neighborName, 'in');
    v4(local.import).forEach((f, i) => out.push(`ip prefix-list ${inList} seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
    const exported = [...local.exportLearned, ...node.originate];
    const outList = mapName(local.neighborName, 'out');
    v4(exported).forEach((f, i) => out.push(`ip prefix-list ${outList} seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
    if (session.families) {
      v6(local.import).forEach((f, i) => out.push(`ipv6 prefix-list ${inList}6 seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
      v6(exported).forEach((f, i) => out.push(`ipv6 prefix-list ${outList}6 seq ${(i + 1) * 5} permit ${prefixListEntry(f)}`));
    }
  }
  out.push('!');
  // An originated aggregate needs a route in the RIB before `network` announces it.
  for (const p of node.originate) out.push(`${isV6(p) ? 'ipv6' : 'ip'} route ${p} blackhole`);
  if (node.originate.length) out.push('!');

  if (bfd) {
    out.push('bfd');
    for (const p of profiles.values()) out.push(` profile ${p.name}`, `  detect-multiplier ${p.multiplier}`, `  receive-interval ${p.intervalMs}`, `  transmit-interval ${p.intervalMs}`, ' exit');
    out.push('exit', '!');
  }

  out.push(`router bgp ${node.asn}`, ` bgp router-id ${node.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (const { session: s, local, remote } of ends) {
    const peer = remote.address;
    out.push(` neighbor ${peer} remote-as ${remote.asn}`);
    out.push(` neighbor ${peer} description ${local.neighborName}: ${s.kind} ${s.name} (${s.role})`);
    out.push(` neighbor ${peer} update-source ${local.address}`);
    out.push(` neighbor ${peer} timers ${s.keepalive} ${s.holdTime}`);
    out.push(` neighbor ${peer} timers connect 5`);
    if (local.liveness === 'bfd') {
      const l = s.liveness ?? plan.liveness;
      out.push(` neighbor ${peer} bfd profile ${profiles.get(`${l.intervalMs}x${l.multiplier}`)!.name}`);
    }
  }
  const family = (fam: 'ipv4' | 'ipv6') => {
    const suffix = fam === 'ipv6' ? '6' : '';
    out.push(' !', ` address-family ${fam} unicast`);
    for (const p of node.originate.filter((x) => isV6(x) === (fam === 'ipv6'))) out.push(`  network ${p}`);
    out.push('  maximum-paths 8', '  maximum-paths ibgp 8');
    for (const { session: s, local, remote } of ends) {
      if (fam === 'ipv6' && !s.families) continue;
      const peer = remote.address;
      out.push(`  neighbor ${peer} activate`);
      if (local.nextHopSelf) out.push(`  neighbor ${peer} next-hop-self`);
      out.push(`  neighbor ${peer} route-map ${mapName(local.neighborName, 'in')}${suffix} in`);
      out.push(`  neighbor ${peer} route-map ${mapName(local.neighborName, 'out')}${suffix} out`);
      out.push(`  neighbor ${peer} maximum-prefix ${s.maxPrefixes}`);
    }
    out.push(' exit-address-family');
  };
  family('ipv4');
  if (dual) family('ipv6');
  out.push('exit', '!');

  for (const { session: s, local } of ends) {
    for (const fam of s.families ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const)) {
      const sel = fam === 'ipv6' ? v6 : v4;
      const suffix = fam === 'ipv6' ? '6' : '';
      const match = fam === 'ipv6' ? 'ipv6 address prefix-list' : 'ip address prefix-list';
      const inMap = `${mapName(local.neighborName, 'in')}${suffix}`;
      if (sel(local.import).length) {
        out.push(`route-map ${inMap} permit 10`, ` match ${match} ${inMap}`);
        if (!s.ibgp && local.localPref !== 100) out.push(` set local-preference ${local.localPref}`);
        out.push('exit');
      } else out.push(`route-map ${inMap} deny 10`, 'exit');
      const outMap = `${mapName(local.neighborName, 'out')}${suffix}`;
      if (sel([...local.exportLearned, ...node.originate]).length) {
        out.push(`route-map ${outMap} permit 10`, ` match ${match} ${outMap}`);
        if (local.prepend > 0) out.push(` set as-path prepend ${Array(local.prepend).fill(node.asn).join(' ')}`);
        if (local.med !== undefined) out.push(` set metric ${local.med}`);
        // IPv6 over the IPv4 session: our IPv6 address on the link is the next hop (not ::ffff:<IPv4>).
        if (fam === 'ipv6' && local.address6) out.push(` set ipv6 next-hop global ${local.address6}`);
        out.push('exit');
      } else out.push(`route-map ${outMap} deny 10`, 'exit');
    }
  }
  const bfdNote = bfd ? `! BFD: ${[...profiles.values()].map((p) => `${ms(p.intervalMs)} x ${p.multiplier}`).join(', ')} on the tunnels.` : '! No BFD on this node.';
  out.push('!', bfdNote, 'end');
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
