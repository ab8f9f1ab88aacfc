// The diagram of a multi-site plan, legible at 50+ sites: the centre site (the hub, or the on-prem site of a
// multi-far file) as one tall box listing its edges, every other site as a card on the left or right, and one
// straight line per connection (its tunnels as a bundle: count, ids, ISPs; backup ISPs dashed beside the primary).
// Below: one table row per connection with its tunnels and their inner /30s and /126s.

import type { Plan, PlanConnection, PlanSite } from '../plan/types';
import type { SvgOptions } from './svg';

const ISP_COLORS = ['#1f6fb2', '#c2410c', '#15803d', '#7c3aed'];
const WIDTH = 1200;
const CARD_W = 230;
const CARD_H = 44;
const ROW = 54;
const CENTER_X = 470;
const CENTER_W = 260;
const LEFT_X = 24;
const RIGHT_X = WIDTH - 24 - CARD_W;
const TOP = 80;
const HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="4"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The site every connection shares: the hub, or the on-prem site with several far sites. */
function centre(plan: Plan): PlanSite {
  const conns = plan.connections ?? [];
  const key = plan.layout === 'hub-and-spoke' ? conns[0]?.far : conns[0]?.onprem;
  return plan.sites[key ?? Object.keys(plan.sites)[0]];
}

export function renderSvgMulti(plan: Plan, opts: SvgOptions = {}): string {
  const conns = plan.connections ?? [];
  const mid = centre(plan);
  const others = conns.map((c) => ({ c, site: plan.sites[c.onprem === mid.name ? c.far : c.onprem] }));
  const left = others.slice(0, Math.ceil(others.length / 2));
  const right = others.slice(left.length);
  const rows = Math.max(left.length, right.length, 1);
  const edgeNodes = plan.nodes.filter((n) => n.siteName === mid.name && (n.role === 'far-gateway' || n.role === 'onprem-router'));
  const centreH = Math.max(rows * ROW - (ROW - CARD_H), 150 + edgeNodes.length * 40);
  const bodyH = Math.max(rows * ROW, centreH);
  const tableTop = TOP + bodyH + 50;
  const total = tableTop + 30 + conns.length * 16 + 50;
  const tunnelsOf = new Map(plan.tunnels.map((t) => [t.name, t]));
  const ispOf = new Map(plan.isps.map((i) => [i.name, i]));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${total}" viewBox="0 0 ${WIDTH} ${total}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${esc(`bgpfo plan ${plan.lab}: ${plan.layout}, ${conns.length} connections, ${plan.tunnels.length} ${plan.tunnelType} tunnels`)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="20" y="28" font-size="17" font-weight="bold">${esc(`${plan.lab}: ${plan.layout}, ${others.length} ${plan.layout === 'hub-and-spoke' ? 'spokes' : 'far sites'}, ${plan.tunnels.length} ${plan.tunnelType} tunnels${plan.ipv6 ? ', dual-stack' : ''}`)}</text>`,
    `<text x="20" y="48" fill="#475569">${esc(`${mid.name} AS${mid.asn} ${mid.prefixes.join(' ')}  ·  each line is one connection: its tunnels as a bundle (count, ids); dashed = backup ISP`)}</text>`,
  ];

  // The centre site: one tall box, its edges inside, then its LAN router.
  const cy = TOP + (bodyH - centreH) / 2;
  out.push(`<g class="site centre" id="site-${esc(mid.name)}">`);
  out.push(`<rect x="${CENTER_X}" y="${cy}" width="${CENTER_W}" height="${centreH}" rx="10" fill="#e0ecf8" stroke="#334155"/>`);
  out.push(`<text x="${CENTER_X + CENTER_W / 2}" y="${cy + 22}" text-anchor="middle" font-weight="bold" font-size="15">${esc(mid.name)}</text>`);
  out.push(`<text x="${CENTER_X + CENTER_W / 2}" y="${cy + 40}" text-anchor="middle" font-size="11" fill="#475569">${esc(`AS${mid.asn} · ${mid.runs === 'cloud' ? `cloud${mid.cloud ? ` ${mid.cloud.provider}` : ''}` : mid.runs}`)}</text>`);
  mid.prefixes.forEach((p, i) => out.push(`<text x="${CENTER_X + CENTER_W / 2}" y="${cy + 56 + i * 14}" text-anchor="middle" font-size="11" fill="#475569">${esc(p)}</text>`));
  const edgeTop = cy + 66 + mid.prefixes.length * 14;
  edgeNodes.forEach((n, i) => {
    const y = edgeTop + i * 40;
    out.push(`<rect class="node ${n.role}" x="${CENTER_X + 20}" y="${y}" width="${CENTER_W - 40}" height="32" rx="6" fill="#ffffff" stroke="#334155"/>`);
    out.push(`<text x="${CENTER_X + CENTER_W / 2}" y="${y + 20}" text-anchor="middle">${esc(`${n.name} · ${n.emulates ? `cloud (${n.runs})` : n.runs}`)}</text>`);
  });
  out.push(`<text x="${CENTER_X + CENTER_W / 2}" y="${edgeTop + edgeNodes.length * 40 + 16}" text-anchor="middle" font-size="11" fill="#475569">${esc(`LAN ${mid.lanSegment}${mid.lanSegment6 ? ` ${mid.lanSegment6}` : ''} · ${mid.lanRouter}`)}</text>`);
  out.push('</g>');

  // One card and one line bundle per connection.
  const card = (site: PlanSite, c: PlanConnection, x: number, y: number, side: 'left' | 'right') => {
    const tunnels = c.tunnels.map((t) => tunnelsOf.get(t)!);
    const down = tunnels.filter((t) => opts.tunnelState?.[t.name] === 'down').length;
    // The line: from the card's inner edge to the centre box, one lane per ISP (backup dashed, 5 px apart).
    const x0 = side === 'left' ? x + CARD_W : x;
    const x1 = side === 'left' ? CENTER_X : CENTER_X + CENTER_W;
    c.isps.forEach((name, k) => {
      const isp = ispOf.get(name)!;
      const n = tunnels.filter((t) => t.isp === name);
      const nDown = n.filter((t) => opts.tunnelState?.[t.name] === 'down').length;
      const color = nDown === n.length && n.length ? '#9ca3af' : ISP_COLORS[(isp.index - 1) % ISP_COLORS.length];
      const ly = y + CARD_H / 2 + (k - (c.isps.length - 1) / 2) * 6;
      const dash = isp.role === 'backup' ? ' stroke-dasharray="7 5"' : '';
      const ids = n.length ? `${n[0].id}..${n[n.length - 1].id}` : '';
      out.push(`<line class="connection ${isp.role}${nDown ? ' down' : ''}" data-connection="${esc(c.name)}" x1="${x0}" y1="${ly}" x2="${x1}" y2="${ly}" stroke="${color}" stroke-width="2.5"${dash}><title>${esc(`${c.name}: ${n.length} tunnels over ${name} (${isp.role}) ${ids}${nDown ? `, ${nDown} down` : ''}`)}</title></line>`);
    });
    const label = `${tunnels.length} tunnels ${tunnels[0]?.id ?? ''}..${tunnels[tunnels.length - 1]?.id ?? ''}${down ? ` · ${down} down ✕` : ''}`;
    out.push(`<text class="connection-label" x="${(x0 + x1) / 2}" y="${y + CARD_H / 2 - 8}" text-anchor="middle" font-size="10" fill="${down ? '#b91c1c' : '#334155'}"${HALO}>${esc(label)}</text>`);
    const sub = site.side === 'onprem' ? `${site.edges.length} router${site.edges.length > 1 ? 's' : ''} · ${c.mode}` : site.runs === 'cloud' ? `cloud${site.cloud ? ` ${site.cloud.provider}` : ''} · ${site.edges.length} gw` : `${site.runs} · ${site.edges.length} gw`;
    out.push(`<g class="site" id="site-${esc(site.name)}">`);
    out.push(`<rect x="${x}" y="${y}" width="${CARD_W}" height="${CARD_H}" rx="7" fill="${site.side === 'onprem' ? '#f1f5f9' : '#e0ecf8'}" stroke="#334155"><title>${esc(`${site.name}: AS${site.asn} ${site.prefixes.join(' ')}; ${site.edges.join(', ')}; LAN router ${site.lanRouter}`)}</title></rect>`);
    out.push(`<text x="${x + 8}" y="${y + 17}" font-weight="bold">${esc(site.name)}<tspan dx="6" font-weight="normal" font-size="11" fill="#475569">${esc(`AS${site.asn} · ${sub}`)}</tspan></text>`);
    out.push(`<text x="${x + 8}" y="${y + 34}" font-size="11" fill="#475569">${esc(clip(site.prefixes.join(' '), 38))}</text>`);
    out.push('</g>');
  };
  const colTop = (n: number) => TOP + (bodyH - (n * ROW - (ROW - CARD_H))) / 2;
  left.forEach(({ c, site }, i) => card(site, c, LEFT_X, colTop(left.length) + i * ROW, 'left'));
  right.forEach(({ c, site }, i) => card(site, c, RIGHT_X, colTop(right.length) + i * ROW, 'right'));

  // Every connection's tunnels: ids, ISPs, inner /30s and /126s (first..last).
  out.push(`<text x="20" y="${tableTop}" font-size="12" font-weight="bold">connections</text>`);
  conns.forEach((c, i) => {
    const ts = c.tunnels.map((t) => tunnelsOf.get(t)!);
    const range = (a?: string, b?: string) => (a && b ? (a === b ? a : `${a}..${b}`) : '');
    const v4 = range(ts[0]?.innerPrefix, ts[ts.length - 1]?.innerPrefix);
    const v6 = range(ts[0]?.innerPrefix6, ts[ts.length - 1]?.innerPrefix6);
    const row = `${c.name.padEnd(18)} ${c.mode.padEnd(14)} ${c.isps.join('+').padEnd(10)} ${range(ts[0]?.id, ts[ts.length - 1]?.id).padEnd(11)} ${v4}${v6 ? `  ${v6}` : ''}`;
    out.push(`<text class="connection-row" x="20" y="${tableTop + 18 + i * 16}" font-family="Menlo, Consolas, monospace" font-size="11" xml:space="preserve">${esc(row)}</text>`);
  });

  // Legend.
  const ly = total - 25;
  let lx = 20;
  for (const isp of plan.isps) {
    const color = ISP_COLORS[(isp.index - 1) % ISP_COLORS.length];
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 40}" y2="${ly}" stroke="${color}" stroke-width="2.5"${isp.role === 'backup' ? ' stroke-dasharray="7 5"' : ''}/>`);
    const label = `${isp.name} (${isp.role})`;
    out.push(`<text x="${lx + 48}" y="${ly + 4}" font-size="12">${esc(label)}</text>`);
    lx += 60 + label.length * 7;
  }
  out.push(`<text x="${lx}" y="${ly + 4}" font-size="12" fill="#475569">${esc('grey: every tunnel of the bundle down; underlay uplinks and per-tunnel ends are in plan.json')}</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}
