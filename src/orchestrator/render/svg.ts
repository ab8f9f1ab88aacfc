// Renders a plan as an SVG diagram: on-prem LAN on the left, far side on the right, tunnels between them
// coloured by ISP (primary solid, backup dashed), each label placed on its own curve away from the others; the
// underlay (uplinks to the ISPs) below; a table of every tunnel's interfaces, /30 addresses and underlay ends.
// Multi-site plans (svg-multi.ts): the centre site with its edges, every other site a card on either side.

import type { Plan, PlanNode } from '../plan/types';
import { renderSvgMulti } from './svg-multi';

export interface SvgOptions {
  /** Tunnel name -> state; 'down' tunnels are drawn grey with a cross. */
  tunnelState?: Record<string, 'up' | 'down'>;
}

const ISP_COLORS = ['#1f6fb2', '#c2410c', '#15803d', '#7c3aed'];
const BOX_W = 128;
const BOX_H = 46;
const COLS = { onpremHost: 70, onpremLan: 230, router: 400, gateway: 800, farLan: 970, farHost: 1130 };
const WIDTH = 1200;

/** White outline behind labels so they stay legible where lines cross. */
const HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="4"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Pos {
  x: number;
  y: number;
}

function column(nodes: PlanNode[], x: number, top: number, spacing: number, height: number, pos: Map<string, Pos>) {
  const span = (nodes.length - 1) * spacing;
  const start = top + (height - span) / 2;
  nodes.forEach((n, i) => pos.set(n.name, { x, y: start + i * spacing }));
}

function box(n: PlanNode, p: Pos): string {
  const sub =
    n.site === 'underlay' ? 'underlay (ISPs)' : n.role === 'host' ? addrOfNode(n) : `${n.emulates ? `cloud (${n.runs})` : n.runs} · AS${n.asn}`;
  const fill = n.site === 'underlay' ? '#fefce8' : n.role === 'host' ? '#f8fafc' : n.role === 'lan-router' ? '#f1f5f9' : '#e0ecf8';
  return [
    `<g class="node ${n.role}" id="node-${esc(n.name)}">`,
    `<rect x="${p.x - BOX_W / 2}" y="${p.y - BOX_H / 2}" width="${BOX_W}" height="${BOX_H}" rx="8" fill="${fill}" stroke="#334155"/>`,
    `<text x="${p.x}" y="${p.y - 4}" text-anchor="middle" font-weight="bold">${esc(n.name)}</text>`,
    `<text x="${p.x}" y="${p.y + 13}" text-anchor="middle" font-size="11" fill="#475569">${esc(sub)}</text>`,
    '</g>',
  ].join('');
}

function addrOfNode(n: PlanNode): string {
  return n.interfaces[0]?.addresses[0] ?? '';
}

const r1 = (v: number) => Math.round(v * 10) / 10;

interface Curve {
  id: string;
  a: Pos;
  c: Pos;
  b: Pos;
  color: string;
  down: boolean;
}

/** The point at parameter u of a quadratic Bézier. */
export function bezier(a: Pos, c: Pos, b: Pos, u: number): Pos {
  return { x: (1 - u) ** 2 * a.x + 2 * u * (1 - u) * c.x + u ** 2 * b.x, y: (1 - u) ** 2 * a.y + 2 * u * (1 - u) * c.y + u ** 2 * b.y };
}

/** Distance from p to a quadratic Bézier, by sampling (fine enough for label placement). */
export function distanceToCurve(p: Pos, a: Pos, c: Pos, b: Pos, steps = 200): number {
  let best = Infinity;
  for (let i = 0; i <= steps; i++) {
    const q = bezier(a, c, b, i / steps);
    best = Math.min(best, Math.hypot(q.x - p.x, q.y - p.y));
  }
  return best;
}

/**
 * A point on each tunnel's own curve for its label: of the candidates between the ends, the one farthest from every
 * other tunnel and from the labels already placed (so a label never sits where curves cross or on another's line).
 */
function placeLabels(curves: Curve[]): { id: string; at: Pos; color: string; down: boolean }[] {
  const placed: { id: string; at: Pos; color: string; down: boolean }[] = [];
  for (const cur of curves) {
    let best: { at: Pos; score: number } | undefined;
    for (let k = 0; k <= 16; k++) {
      const u = 0.14 + (k * 0.72) / 16;
      const at = bezier(cur.a, cur.c, cur.b, u);
      let clear = Infinity;
      for (const o of curves) if (o !== cur) clear = Math.min(clear, distanceToCurve(at, o.a, o.c, o.b, 80));
      for (const l of placed) clear = Math.min(clear, Math.hypot(l.at.x - at.x, l.at.y - at.y) / 2);
      if (!best || clear > best.score + 0.5) best = { at, score: clear };
    }
    placed.push({ id: cur.id, at: best!.at, color: cur.color, down: cur.down });
  }
  return placed;
}

function line(a: Pos, b: Pos, attrs: string): string {
  return `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" ${attrs}/>`;
}

export function renderSvg(plan: Plan, opts: SvgOptions = {}): string {
  if (plan.layout) return renderSvgMulti(plan, opts);
  const of = (site: string, role: string) => plan.nodes.filter((n) => n.site === site && n.role === role);
  const routers = of('onprem', 'onprem-router');
  const gateways = of('far', 'far-gateway');
  const onHosts = of('onprem', 'host');
  const farHosts = of('far', 'host');
  const rows = Math.max(routers.length, gateways.length, onHosts.length, farHosts.length);
  const top = 90;
  const spacing = 130;
  const height = Math.max(1, rows - 1) * spacing;
  const pos = new Map<string, Pos>();
  column(routers, COLS.router, top, spacing, height, pos);
  column(gateways, COLS.gateway, top, spacing, height, pos);
  column(onHosts, COLS.onpremHost, top, 80, height, pos);
  column(farHosts, COLS.farHost, top, 80, height, pos);
  column(of('onprem', 'lan-router'), COLS.onpremLan, top, spacing, height, pos);
  column(of('far', 'lan-router'), COLS.farLan, top, spacing, height, pos);
  const underlayH = plan.nodes.some((n) => n.site === 'underlay') ? 75 : 0;
  const tableTop = top + height + 90 + underlayH;
  const total = tableTop + 40 + plan.tunnels.length * 16 + 40;
  const at = (name: string) => pos.get(name)!;
  const edgeR = (name: string) => ({ x: at(name).x + BOX_W / 2, y: at(name).y });
  const edgeL = (name: string) => ({ x: at(name).x - BOX_W / 2, y: at(name).y });

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${total}" viewBox="0 0 ${WIDTH} ${total}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${esc(`bgpfo plan ${plan.lab}: ${plan.mode}, ${plan.tunnels.length} ${plan.tunnelType} tunnels`)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="20" y="28" font-size="17" font-weight="bold">${esc(`${plan.lab}: ${plan.mode}, ${plan.tunnels.length} ${plan.tunnelType} tunnels`)}</text>`,
    `<text x="20" y="48" fill="#475569">${esc(`${plan.sites.onprem.name} AS${plan.sites.onprem.asn} ${plan.sites.onprem.prefixes.join(' ')}  ⇄  ${plan.sites.far.name} AS${plan.sites.far.asn} ${plan.sites.far.prefixes.join(' ')}  ·  liveness: ${plan.liveness.method} ${plan.liveness.intervalMs} ms x ${plan.liveness.multiplier}`)}</text>`,
  ];

  // LAN-side links first so tunnels draw over them.
  for (const l of plan.links) {
    if (l.purpose !== 'lan' && l.purpose !== 'transit') continue;
    const a = at(l.a.node);
    const b = at(l.b.node);
    if (!a || !b) continue;
    out.push(line(a.x < b.x ? { x: a.x + BOX_W / 2, y: a.y } : { x: a.x - BOX_W / 2, y: a.y }, a.x < b.x ? { x: b.x - BOX_W / 2, y: b.y } : { x: b.x + BOX_W / 2, y: b.y }, `class="${l.purpose}" stroke="#94a3b8" stroke-width="1.5"`));
  }
  // Twins: a straight line between neighbours in a column, an arc beside the column for the others.
  for (const s of plan.sessions.filter((x) => x.kind === 'ibgp')) {
    const a = at(s.a.node);
    const b = at(s.b.node);
    const [upper, lower] = a.y < b.y ? [a, b] : [b, a];
    const adjacent = Math.abs(lower.y - upper.y) <= spacing;
    const midY = (upper.y + lower.y) / 2;
    if (adjacent) {
      out.push(line({ x: upper.x, y: upper.y + BOX_H / 2 }, { x: lower.x, y: lower.y - BOX_H / 2 }, 'class="ibgp" stroke="#7c3aed" stroke-width="1.5" stroke-dasharray="2 3"'));
    } else {
      const side = upper.x < WIDTH / 2 ? -1 : 1;
      const x0 = upper.x + (side * BOX_W) / 2;
      out.push(`<path class="ibgp" d="M ${x0} ${upper.y} Q ${x0 + side * 40} ${midY} ${x0} ${lower.y}" fill="none" stroke="#7c3aed" stroke-width="1.5" stroke-dasharray="2 3"/>`);
    }
    if (adjacent) out.push(`<text x="${upper.x + 6}" y="${midY + 4}" font-size="11" fill="#7c3aed"${HALO}>iBGP</text>`);
  }

  // The underlay: each router's and gateway's uplinks to the lab's internet, coloured by ISP.
  const internet = plan.nodes.find((n) => n.site === 'underlay');
  if (internet) {
    pos.set(internet.name, { x: (COLS.router + COLS.gateway) / 2, y: top + height + 95 });
    for (const l of plan.links.filter((x) => x.purpose === 'uplink')) {
      const [edge, far] = l.a.node === internet.name ? [l.b, l.a] : [l.a, l.b];
      const p = pos.get(edge.node);
      if (!p) continue;
      const isp = plan.isps.find((i) => i.name === l.isp);
      const color = isp ? ISP_COLORS[(isp.index - 1) % ISP_COLORS.length] : '#64748b';
      // From the box's inner side, so an upper router's uplink does not cross the box below it.
      const inward = p.x < at(internet.name).x ? 1 : -1;
      // One ISP's uplinks apart from another's at both ends, so a router's two uplinks do not draw over each other.
      const lane = (isp?.index ?? 1) - 1;
      const from = { x: p.x + (inward * BOX_W) / 2, y: p.y + BOX_H / 4 - lane * 8 };
      const to = { x: at(internet.name).x - inward * (BOX_W / 4 + lane * 14), y: at(internet.name).y - BOX_H / 2 };
      const addr = plan.nodes.find((n) => n.name === edge.node)?.interfaces.find((i) => i.name === edge.ifname)?.addresses[0] ?? '';
      out.push(
        `<line class="uplink" x1="${from.x}" y1="${from.y}" x2="${to.x}" y2="${to.y}" stroke="${color}" stroke-width="1.3" stroke-opacity="0.7"${isp?.role === 'backup' ? ' stroke-dasharray="4 3"' : ''}><title>${esc(`${edge.node} ${edge.ifname} ${addr}${l.isp ? ` (${l.isp})` : ''} ⇄ ${far.node}`)}</title></line>`,
      );
    }
  }

  // Tunnels: one curve per tunnel, bowed by ISP so parallel tunnels over two ISPs stay apart.
  const ispCount = plan.isps.length;
  const curves: Curve[] = [];
  for (const t of plan.tunnels) {
    const isp = plan.isps.find((i) => i.name === t.isp)!;
    const a = edgeR(t.onprem.node);
    const b = edgeL(t.far.node);
    const bow = (isp.index - (ispCount + 1) / 2) * 70;
    const cx = (a.x + b.x) / 2;
    const cy = (a.y + b.y) / 2 + bow;
    const down = opts.tunnelState?.[t.name] === 'down';
    const color = down ? '#9ca3af' : ISP_COLORS[(isp.index - 1) % ISP_COLORS.length];
    const dash = t.role === 'backup' ? ' stroke-dasharray="9 6"' : '';
    out.push(`<path class="tunnel ${t.role}${down ? ' down' : ''}" id="tunnel-${esc(t.name)}" d="M ${a.x} ${a.y} Q ${cx} ${cy} ${b.x} ${b.y}" fill="none" stroke="${color}" stroke-width="2.5"${dash}><title>${esc(`${t.id} ${t.name}: ${t.role} over ${t.isp}, ${t.onprem.inner} ⇄ ${t.far.inner}`)}</title></path>`);
    curves.push({ id: t.id, a, c: { x: cx, y: cy }, b, color, down });
  }
  for (const l of placeLabels(curves)) {
    out.push(`<text class="tunnel-label" data-tunnel="${esc(l.id)}" x="${r1(l.at.x)}" y="${r1(l.at.y + 4)}" text-anchor="middle" font-size="11" font-weight="bold" fill="${l.color}"${HALO}>${esc(l.id)}${l.down ? ' ✕' : ''}</text>`);
  }
  for (const n of plan.nodes) if (pos.has(n.name)) out.push(box(n, at(n.name)));

  // Every tunnel's ends: interface, /30 address, ISP and the underlay addresses it runs between.
  out.push(`<text x="20" y="${tableTop}" font-size="12" font-weight="bold">tunnels</text>`);
  plan.tunnels.forEach((t, i) => {
    const under = t.onprem.underlay ? `  underlay ${t.onprem.underlay} ⇄ ${t.far.underlay ?? '?'}` : '';
    const row = `${t.id.padEnd(4)} ${t.onprem.node} ${t.onprem.ifname} ${t.onprem.inner}  ⇄  ${t.far.node} ${t.far.ifname} ${t.far.inner}  ${t.isp} (${t.role})${under}`;
    out.push(`<text class="tunnel-row" x="20" y="${tableTop + 18 + i * 16}" font-family="Menlo, Consolas, monospace" font-size="11" xml:space="preserve">${esc(row)}</text>`);
  });

  // Legend.
  const ly = total - 25;
  let lx = 20;
  const legend = (svgLine: string, label: string) => {
    out.push(svgLine, `<text x="${lx + 48}" y="${ly + 4}" font-size="12">${esc(label)}</text>`);
    lx += 60 + label.length * 7;
  };
  for (const isp of plan.isps) {
    const color = ISP_COLORS[(isp.index - 1) % ISP_COLORS.length];
    legend(line({ x: lx, y: ly }, { x: lx + 40, y: ly }, `stroke="${color}" stroke-width="2.5"${isp.role === 'backup' ? ' stroke-dasharray="9 6"' : ''}`), `${isp.name} (${isp.role}${isp.role === 'backup' ? ', dashed' : ', solid'})`);
  }
  legend(line({ x: lx, y: ly }, { x: lx + 40, y: ly }, 'stroke="#7c3aed" stroke-width="1.5" stroke-dasharray="2 3"'), 'iBGP between twins');
  legend(line({ x: lx, y: ly }, { x: lx + 40, y: ly }, 'stroke="#94a3b8" stroke-width="1.5"'), 'LAN / eBGP to LAN router');
  if (internet) legend(line({ x: lx, y: ly }, { x: lx + 40, y: ly }, 'stroke="#64748b" stroke-width="1.2" stroke-opacity="0.6"'), 'uplink to the ISP (underlay)');
  out.push('</svg>', '');
  return out.join('\n');
}
