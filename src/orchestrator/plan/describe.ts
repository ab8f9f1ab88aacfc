// A plan as text for people (`bgpfo plan FILE`): nodes, tunnels and sessions in aligned columns.
// The JSON form (JSON.stringify(plan)) is for scripts; this one is for reading.

import type { Plan } from './types';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

export function describePlan(plan: Plan): string {
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
        `${s.keepalive}/${s.holdTime}${s.fixedTimers ? ' fixed' : ''}`,
      ]),
    ]),
  );
  if (plan.warnings.length) out.push('', 'warnings:', ...plan.warnings.map((w) => `  ${w}`));
  return out.join('\n') + '\n';
}
