// A plan as text for people (`bgpfo plan FILE`): nodes, tunnels and sessions in aligned columns; multi-site plans
// site by site (each site's AS, prefixes, LAN segments, edges, and its tunnels with every inner address).
// The JSON form (JSON.stringify(plan)) is for scripts; this one is for reading.

import type { Plan, PlanSession, PlanSite } from './types';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

const timers = (s: PlanSession) => `${s.keepalive}/${s.holdTime}${s.fixedTimers ? ' fixed' : ''}`;

export function describePlan(plan: Plan): string {
  return plan.layout ? describeMulti(plan) : describeTwoSite(plan);
}

function describeTwoSite(plan: Plan): string {
  const out: string[] = [];
  const { onprem, far } = plan.sites;
  out.push(`lab ${plan.lab} (${plan.source}): ${plan.mode}, ${plan.tunnels.length} ${plan.tunnelType} tunnels, liveness ${plan.liveness.method} ${plan.liveness.intervalMs} ms x ${plan.liveness.multiplier}`);
  out.push(`  ${onprem.name}: AS${onprem.asn} ${onprem.prefixes.join(' ')} (routers ${onprem.edges.join(', ')}, LAN router ${onprem.lanRouter})`);
  out.push(`  ${far.name}: AS${far.asn} ${far.prefixes.join(' ')} (${far.runs === 'cloud' ? `cloud gateways, stand-in ${far.standIn}` : far.runs} on ${far.edges.join(', ')}, LAN router ${far.lanRouter})`);
  out.push('', 'nodes:');
  out.push(
    ...table([
      ['  NAME', 'ROLE', 'RUNS', 'ASN', 'ROUTER-ID', 'NAMESPACE'],
      ...plan.nodes.map((n) => [`  ${n.name}`, n.role, n.emulates ? `${n.runs} (cloud)` : n.runs, n.asn ? String(n.asn) : '-', n.routerId ?? '-', n.namespace]),
    ]),
  );
  out.push('', 'tunnels:');
  out.push(
    ...table([
      ['  ID', 'NAME', 'ROLE', 'ISP', 'ON-PREM END', 'FAR END'],
      ...plan.tunnels.map((t) => [`  ${t.id}`, t.name, t.role, t.isp, `${t.onprem.ifname} ${t.onprem.inner}`, `${t.far.ifname} ${t.far.inner}`]),
    ]),
  );
  out.push('', 'BGP sessions:');
  out.push(
    ...table([
      ['  NAME', 'KIND', 'A', 'B', 'PREPEND', 'TIMERS'],
      ...plan.sessions.map((s) => [
        `  ${s.name}`,
        s.ibgp ? 'iBGP' : s.kind,
        `${s.a.node} ${s.a.address} AS${s.a.asn}`,
        `${s.b.node} ${s.b.address} AS${s.b.asn}`,
        s.a.prepend || s.b.prepend ? `${s.a.prepend}/${s.b.prepend}` : '-',
        timers(s),
      ]),
    ]),
  );
  if (plan.warnings.length) out.push('', 'warnings:', ...plan.warnings.map((w) => `  ${w}`));
  return out.join('\n') + '\n';
}

function siteLine(s: PlanSite): string {
  const kind = s.side === 'onprem' ? `bgpfo on ${s.edges.join(', ')}, ${s.mode} over ${s.isps?.join(', ')}` : `${s.runs === 'cloud' ? `cloud${s.cloud ? ` ${s.cloud.provider}` : ''} (stand-in ${s.standIn})` : s.runs} on ${s.edges.join(', ')}`;
  return `${s.name}: AS${s.asn} ${s.prefixes.join(' ')}; ${kind}`;
}

function describeMulti(plan: Plan): string {
  const out: string[] = [];
  const conns = plan.connections ?? [];
  const sites = Object.values(plan.sites);
  out.push(
    `lab ${plan.lab} (${plan.source}): ${plan.layout}, ${sites.length} sites, ${conns.length} connections, ${plan.tunnels.length} ${plan.tunnelType} tunnels, ${plan.sessions.length} BGP sessions${plan.ipv6 ? ', dual-stack' : ''}`,
  );
  if (plan.ipv6) out.push(`  IPv6 rides on the IPv4 sessions (MP-BGP); inner /126s from ${plan.ipv6.innerPool}, site links from ${plan.ipv6.transitPool}`);
  const tunnelsByName = new Map(plan.tunnels.map((t) => [t.name, t]));
  const sessionOf = new Map(plan.sessions.filter((s) => s.tunnel).map((s) => [s.tunnel!, s]));
  for (const s of sites) {
    out.push('', `site ${siteLine(s)}`);
    const nodes = plan.nodes.filter((n) => n.siteName === s.name);
    out.push(`  LAN ${s.lanSegment}${s.lanSegment6 ? ` ${s.lanSegment6}` : ''} on ${s.lanRouter}; hosts ${nodes.filter((n) => n.role === 'host').map((n) => `${n.name} ${n.interfaces[0].addresses.join(' ')}`).join(', ')}`);
    if (s.cloud) {
      const c = s.cloud;
      const compares = ['longest prefix', c.honours.asPath ? 'AS path' : '', c.honours.med ? 'MED' : ''].filter(Boolean).join(', ');
      out.push(
        `  ${c.provider}: timers ${c.keepalive}/${c.holdTime} s${c.maxRoutesIn ? `, at most ${c.maxRoutesIn} routes per session from us` : ''}; compares ${compares}; backups prepended; more-specifics on tunnel loss: ${c.moreSpecifics ? 'yes' : 'no (route limit)'}`,
      );
    }
    out.push(
      ...table([
        ['  NODE', 'ROLE', 'RUNS', 'ASN', 'ROUTER-ID', 'SITE LINK'],
        ...nodes
          .filter((n) => n.role !== 'host')
          .map((n) => [`  ${n.name}`, n.role, n.emulates ? `${n.runs} (cloud)` : n.runs, n.asn ? String(n.asn) : '-', n.routerId ?? '-', n.interfaces.find((i) => i.purpose === 'transit')?.addresses.join(' ') ?? '-']),
      ]),
    );
    if (s.side !== 'onprem') continue;
    // The on-prem side's tunnels (each spoke's, or the on-prem site's to every far site), with both ends.
    for (const c of conns.filter((x) => x.onprem === s.name)) {
      out.push(`  tunnels to ${c.far} (${c.mode}, liveness ${c.liveness.method} ${c.liveness.intervalMs} ms x ${c.liveness.multiplier}${c.ipv6 ? ', IPv4+IPv6' : ', IPv4'}):`);
      out.push(
        ...table([
          ['    ID', 'NAME', 'ROLE', 'ON-PREM END', 'FAR END', 'TIMERS'],
          ...c.tunnels.map((name) => {
            const t = tunnelsByName.get(name)!;
            const ses = sessionOf.get(name)!;
            return [`    ${t.id}`, t.name, t.role, [t.onprem.ifname, t.onprem.inner, t.onprem.inner6].filter(Boolean).join(' '), [t.far.ifname, t.far.inner, t.far.inner6].filter(Boolean).join(' '), timers(ses)];
          }),
        ]),
      );
    }
  }
  const inside = plan.sessions.filter((s) => s.kind !== 'tunnel');
  out.push('', `sessions inside the sites (${inside.length}; the ${plan.sessions.length - inside.length} tunnel sessions are listed with their tunnels):`);
  out.push(
    ...table([
      ['  NAME', 'KIND', 'A', 'B', 'FAMILIES'],
      ...inside.map((s) => [`  ${s.name}`, s.ibgp ? 'iBGP' : s.kind, `${s.a.node} ${s.a.address}`, `${s.b.node} ${s.b.address}`, s.families ? 'v4+v6' : 'v4']),
    ]),
  );
  if (plan.warnings.length) out.push('', 'warnings:', ...plan.warnings.map((w) => `  ${w}`));
  return out.join('\n') + '\n';
}
