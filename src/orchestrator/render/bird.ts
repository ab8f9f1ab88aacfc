// Renders BIRD 2 configs for nodes whose routing daemon is BIRD: far gateways, cloud-gateway stand-ins
// (no BFD, 60/180 s timers) and LAN routers (the default), with ECMP into the kernel (merge paths).

import { sessionsOf } from '../plan/sessions';
import type { Plan, PlanNode } from '../plan/types';
import { header, ms, nodeByName } from './text';

/** BIRD symbols allow letters, digits and "_". */
const sym = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

/** "10.20.0.0/16 le 32" -> "10.20.0.0/16+"; "P ge A le B" -> "P{A,B}"; "P" -> "P". */
export function birdPrefixPattern(filter: string): string {
  const [prefix, ...rest] = filter.split(/\s+/);
  const len = Number(prefix.split('/')[1]);
  const max = prefix.includes(':') ? 128 : 32;
  let ge = len;
  let le = len;
  for (let i = 0; i + 1 < rest.length; i += 2) {
    if (rest[i] === 'ge') ge = Number(rest[i + 1]);
    if (rest[i] === 'le') le = Number(rest[i + 1]);
  }
  if (rest.includes('ge') && !rest.includes('le')) le = max;
  if (ge === len && le === len) return prefix;
  if (ge === len && le === max) return `${prefix}+`;
  return `${prefix}{${ge},${le}}`;
}

const set = (filters: string[]) => `[ ${filters.map(birdPrefixPattern).join(', ')} ]`;

const isV6 = (filter: string) => filter.includes(':');

export function renderBirdConfig(plan: Plan, nodeName: string): string {
  const node: PlanNode = nodeByName(plan, nodeName);
  if (node.runs !== 'bird') throw new Error(`${nodeName} runs ${node.runs}, not bird`);
  const ends = sessionsOf(plan.sessions, node.name);
  const dual = ends.some((e) => e.session.families);
  const out: string[] = [header(plan, `BIRD 2 config for ${node.name} (${node.role}${node.emulates ? ', standing in for a cloud VPN gateway' : ''}).`), ''];
  out.push(`router id ${node.routerId};`, 'log stderr all;', '', 'protocol device {', '  scan time 10;', '}', '');
  out.push(
    '# Equal BGP paths become one multipath kernel route: the ECMP spread over tunnels or edges.',
    'protocol kernel {',
    '  ipv4 {',
    '    import none;',
    '    export filter { if source = RTS_BGP then accept; reject; };',
    '  };',
    '  merge paths on;',
    '}',
    '',
  );
  if (dual) {
    out.push('protocol kernel kernel6 {', '  ipv6 {', '    import none;', '    export filter { if source = RTS_BGP then accept; reject; };', '  };', '  merge paths on;', '}', '');
  }
  const own4 = node.originate.filter((p) => !isV6(p));
  const own6 = node.originate.filter(isV6);
  if (own4.length) {
    out.push('# The site aggregate, announced while this router is up.', 'protocol static site_prefixes {', '  ipv4;');
    for (const p of own4) out.push(`  route ${p} blackhole;`);
    out.push('}', '');
  }
  if (own6.length) {
    out.push('protocol static site_prefixes6 {', '  ipv6;');
    for (const p of own6) out.push(`  route ${p} blackhole;`);
    out.push('}', '');
  }
  // BFD per tunnel interface, grouped by timers (a hub's spokes may each have their own).
  const bfdGroups = new Map<string, { intervalMs: number; multiplier: number; ifs: string[] }>();
  for (const e of ends) {
    if (e.local.liveness !== 'bfd' || !e.session.tunnel) continue;
    const t = plan.tunnels.find((x) => x.name === e.session.tunnel)!;
    const ifname = (t.onprem.node === node.name ? t.onprem : t.far).ifname;
    const l = e.session.liveness ?? plan.liveness;
    const key = `${l.intervalMs}x${l.multiplier}`;
    if (!bfdGroups.has(key)) bfdGroups.set(key, { intervalMs: l.intervalMs, multiplier: l.multiplier, ifs: [] });
    bfdGroups.get(key)!.ifs.push(ifname);
  }
  if (bfdGroups.size === 1 && !plan.layout) {
    // Two-site plans: every tunnel interface of the node, in plan order.
    const g = [...bfdGroups.values()][0];
    g.ifs = plan.tunnels.flatMap((t) => [t.onprem, t.far]).filter((e) => e.node === node.name).map((e) => e.ifname);
  }
  if (bfdGroups.size) {
    const groups = [...bfdGroups.values()];
    out.push(`# BFD ${groups.map((g) => `${ms(g.intervalMs)} x ${g.multiplier}`).join(', ')} on the tunnels (RFC 5880/5881).`, 'protocol bfd {');
    for (const g of groups) out.push(`  interface ${g.ifs.map((i) => `"${i}"`).join(', ')} {`, `    interval ${g.intervalMs} ms;`, `    multiplier ${g.multiplier};`, '  };');
    out.push('}', '');
  }

  const filters = (name: string, s: (typeof ends)[number]['session'], local: (typeof ends)[number]['local'], sel: (f: string) => boolean) => {
    const exported = [...local.exportLearned, ...node.originate].filter(sel);
    const imported = local.import.filter(sel);
    out.push(`filter ${name}_in {`);
    if (imported.length) {
      const lp = !s.ibgp && local.localPref !== 100 ? ` bgp_local_pref = ${local.localPref};` : '';
      out.push(`  if net ~ ${set(imported)} then {${lp} accept; }`);
    }
    out.push('  reject;', '}');
    out.push(`filter ${name}_out {`);
    if (exported.length) {
      const prepend = Array(local.prepend).fill(` bgp_path.prepend(${node.asn});`).join('');
      const med = local.med !== undefined ? ` bgp_med = ${local.med};` : '';
      out.push(`  if net ~ ${set(exported)} then {${prepend}${med} accept; }`);
    }
    out.push('  reject;', '}');
  };
  for (const { session: s, local, remote } of ends) {
    const name = sym(local.neighborName);
    filters(name, s, local, (f) => !isV6(f));
    if (s.families) filters(`${name}_v6`, s, local, isV6);
    out.push(`protocol bgp bgp_${name} {`);
    out.push(`  description "${s.kind} ${s.name} (${s.role})";`);
    out.push(`  local ${local.address} as ${local.asn};`);
    out.push(`  neighbor ${remote.address} as ${remote.asn};`);
    if (s.ibgp) out.push('  direct;');
    out.push(`  hold time ${s.holdTime};`, `  keepalive time ${s.keepalive};`, '  connect retry time 5;');
    // After a failure BIRD waits error wait time before retrying (60 s by default): keep recovery quick.
    out.push('  error wait time 1, 5;');
    if (local.liveness === 'bfd') out.push('  bfd on;');
    out.push('  ipv4 {', `    import filter ${name}_in;`, `    export filter ${name}_out;`, `    import limit ${s.maxPrefixes} action restart;`);
    if (local.nextHopSelf) out.push('    next hop self;');
    out.push('  };');
    if (s.families) {
      // IPv6 over this IPv4 session (MP-BGP): our IPv6 address on the link is the next hop we announce.
      out.push('  ipv6 {', `    import filter ${name}_v6_in;`, `    export filter ${name}_v6_out;`, `    import limit ${s.maxPrefixes} action restart;`);
      if (local.address6) out.push(`    next hop address ${local.address6};`);
      if (local.nextHopSelf) out.push('    next hop self;');
      out.push('  };');
    }
    out.push('}', '');
  }
  return out.join('\n');
}
