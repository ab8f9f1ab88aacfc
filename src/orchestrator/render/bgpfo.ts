// Renders one node's bgpfo daemon config (docs/configuration.md) from the plan: its ASN and router id, the
// prefixes it originates, and one neighbor per session end on the node with that end's policy.

import { sessionsOf } from '../plan/sessions';
import type { Plan, PlanNode, PlanSession, SessionEnd } from '../plan/types';
import { header, ms, nodeByName, yamlFlowList, yamlScalar } from './text';

export const DEFAULT_CONTROL_SOCKET = '/run/bgpfo/bgpfo.sock';

export interface BgpfoRenderOptions {
  /** Control socket path; default /run/bgpfo/bgpfo.sock (one daemon per host or container). */
  controlSocket?: string;
}

function describe(plan: Plan, s: PlanSession, local: SessionEnd): string {
  if (s.kind === 'tunnel') {
    const t = plan.tunnels.find((x) => x.name === s.tunnel)!;
    const end = t.onprem.node === local.node ? t.onprem : t.far;
    const l = s.liveness ?? plan.liveness;
    const live = local.liveness === 'bfd' ? `BFD ${ms(l.intervalMs)} x ${l.multiplier}` : local.liveness === 'probe' ? `probe ${ms(l.intervalMs)} x ${l.multiplier}` : 'BGP hold timer only';
    return `tunnel ${t.id} ${t.name} (${t.role}, ${t.isp}) on ${end.ifname}; liveness: ${live}${s.fixedTimers ? `; the far end keeps ${s.keepalive}/${s.holdTime} s timers` : ''}`;
  }
  if (s.kind === 'ibgp') return 'iBGP to the twin: the way out when this node\'s own tunnels are down (next-hop-self)';
  const self = plan.nodes.find((n) => n.name === local.node)!;
  return self.role === 'lan-router'
    ? 'edge router: it gives us the far prefixes (ECMP over every edge), we give it the site\'s own'
    : 'the site\'s LAN router: we give it the far prefixes, it gives us the site\'s own';
}

export function renderBgpfoConfig(plan: Plan, nodeName: string, opts: BgpfoRenderOptions = {}): string {
  const node: PlanNode = nodeByName(plan, nodeName);
  if (node.runs !== 'bgpfo') throw new Error(`${nodeName} runs ${node.runs}, not bgpfo`);
  const lines: string[] = [header(plan, `bgpfo daemon config for ${node.name} (${node.role}).`), ''];
  lines.push('router:', `  asn: ${node.asn}`, `  router-id: ${node.routerId}`);
  lines.push(node.originate.length ? `originate: ${yamlFlowList(node.originate)}` : 'originate: []');
  lines.push('control:', `  socket: ${yamlScalar(opts.controlSocket ?? DEFAULT_CONTROL_SOCKET)}`);
  lines.push('rib:', '  max-paths: 8');
  lines.push('neighbors:');
  for (const { session: s, local, remote } of sessionsOf(plan.sessions, node.name)) {
    lines.push(`  # ${describe(plan, s, local)}`);
    lines.push(`  - name: ${local.neighborName}`);
    lines.push(`    address: ${remote.address}`);
    lines.push(`    local-address: ${local.address}`);
    lines.push(`    remote-asn: ${remote.asn}`);
    lines.push(`    role: ${s.role}`);
    lines.push(`    prepend: ${local.prepend}`);
    // Over iBGP the twin's LOCAL_PREF must survive: a backup path stays a backup on the twin.
    if (!s.ibgp) lines.push(`    local-pref: ${local.localPref}`);
    lines.push(`    hold-time: ${s.holdTime}`);
    lines.push(`    keepalive: ${s.keepalive}`);
    lines.push('    connect-retry: 5');
    lines.push(`    families: [${(s.families ?? ['ipv4-unicast']).join(', ')}]`);
    // IPv6 routes over this IPv4 session carry our IPv6 address on the same link as next hop (MP-BGP, RFC 4760).
    if (s.families && local.address6) lines.push(`    next-hop-ipv6: ${yamlScalar(local.address6)}`);
    // RFC 4724: a restart of this daemon (upgrade, crash) keeps forwarding; liveness still drops a dead tunnel at once.
    if (s.gracefulRestart) lines.push('    graceful-restart: { enabled: true }');
    if (local.liveness !== 'none') {
      // The tunnel's own liveness (docs/liveness.md): failover in one detection time instead of the hold time.
      const l = s.liveness ?? plan.liveness;
      lines.push('    liveness:', `      mode: ${local.liveness}`, `      interval-ms: ${l.intervalMs}`, `      multiplier: ${l.multiplier}`);
      // A cloud gateway keeps its long hold timer: more-specifics over the surviving tunnels move its traffic at once,
      // unless its route limit has no room for them (the plan warned).
      if (local.liveness === 'probe' && s.fixedTimers && !s.noSteering) lines.push('      steering: { more-specifics: true }');
    }
    lines.push('    import:');
    lines.push(`      allow: ${yamlFlowList(local.import)}`);
    lines.push(`      max-prefixes: ${s.maxPrefixes}`);
    lines.push('    export:');
    lines.push(`      learned: ${yamlFlowList(local.exportLearned)}`);
    if (local.med !== undefined) lines.push(`      med: ${local.med}`);
  }
  return lines.join('\n') + '\n';
}
