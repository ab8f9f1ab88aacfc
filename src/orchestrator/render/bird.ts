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
  let ge = len;
  let le = len;
  for (let i = 0; i + 1 < rest.length; i += 2) {
    if (rest[i] === 'ge') ge = Number(rest[i + 1]);
    if (rest[i] === 'le') le = Number(rest[i + 1]);
  }
  if (rest.includes('ge') && !rest.includes('le')) le = 32;
  if (ge === len && le === len) return prefix;
  if (ge === len && le === 32) return `${prefix}+`;
  return `${prefix}{${ge},${le}}`;
}

const set = (filters: string[]) => `[ ${filters.map(birdPrefixPattern).join(', ')} ]`;

export function renderBirdConfig(plan: Plan, nodeName: string): string {
  const node: PlanNode = nodeByName(plan, nodeName);
  if (node.runs !== 'bird') throw new Error(`${nodeName} runs ${node.runs}, not bird`);
  const ends = sessionsOf(plan.sessions, node.name);
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
  if (node.originate.length) {
    out.push('# The site aggregate, announced while this router is up.', 'protocol static site_prefixes {', '  ipv4;');
    for (const p of node.originate) out.push(`  route ${p} blackhole;`);
    out.push('}', '');
  }
  const bfdIfs = plan.tunnels.flatMap((t) => [t.onprem, t.far]).filter((e) => e.node === node.name).map((e) => e.ifname);
  const bfd = ends.some((e) => e.local.liveness === 'bfd');
  if (bfd) {
    out.push(`# BFD ${ms(plan.liveness.intervalMs)} x ${plan.liveness.multiplier} on the tunnels (RFC 5880/5881).`, 'protocol bfd {');
    out.push(`  interface ${bfdIfs.map((i) => `"${i}"`).join(', ')} {`, `    interval ${plan.liveness.intervalMs} ms;`, `    multiplier ${plan.liveness.multiplier};`, '  };', '}', '');
  }

  for (const { session: s, local, remote } of ends) {
    const name = sym(local.neighborName);
    const exported = [...local.exportLearned, ...node.originate];
    out.push(`filter ${name}_in {`);
    if (local.import.length) {
      const lp = !s.ibgp && local.localPref !== 100 ? ` bgp_local_pref = ${local.localPref};` : '';
      out.push(`  if net ~ ${set(local.import)} then {${lp} accept; }`);
    }
    out.push('  reject;', '}');
    out.push(`filter ${name}_out {`);
    if (exported.length) {
      const prepend = Array(local.prepend).fill(` bgp_path.prepend(${node.asn});`).join('');
      out.push(`  if net ~ ${set(exported)} then {${prepend} accept; }`);
    }
    out.push('  reject;', '}');
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
    out.push('  };', '}', '');
  }
  return out.join('\n');
}
