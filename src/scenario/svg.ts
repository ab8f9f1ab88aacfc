// The run as a picture for a change review: packets per second on each tunnel through the faults (from the
// per-flow counters), packets lost per second below it, the scenario's steps as vertical lines and the daemons'
// events (detection, failover, kernel FIB change) as marks between the two. Plain SVG, no scripts.

import type { ScenarioReport } from './report';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2, 5 x 10^n steps so that about `count` ticks cover [0, max]. */
export function niceStep(max: number, count = 5): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

const EVENT_COLORS: Record<string, string> = { liveness: '#dc2626', 'liveness-up': '#14b8a6', 'session-down': '#ea580c', failover: '#16a34a', fib: '#0f172a', demotion: '#a16207', drain: '#7c3aed', 'session-up': '#0891b2' };

export function renderTimelineSvg(r: ScenarioReport): string {
  const W = 960;
  const left = 64;
  const right = 150;
  const top = 58;
  const h1 = 240;
  const strip = 34;
  const h2 = 80;
  const bottom = 40;
  const H = top + h1 + strip + h2 + bottom;
  const pw = W - left - right;
  const end = Math.max(r.t0 + 1000, ...r.series.flatMap((s) => s.points.map((p) => p[0])), ...r.loss.map((p) => p[0]));
  const span = end - r.t0;
  const x = (at: number) => left + ((at - r.t0) / span) * pw;
  const maxPps = Math.max(1, ...r.series.flatMap((s) => s.points.map((p) => p[1])));
  const yStep = niceStep(maxPps, 4);
  const yMax = Math.ceil(maxPps / yStep) * yStep;
  const y1 = (v: number) => top + h1 - (v / yMax) * h1;
  const maxLoss = Math.max(1, ...r.loss.map((p) => p[1]));
  const lStep = niceStep(maxLoss, 2);
  const lMax = Math.ceil(maxLoss / lStep) * lStep;
  const top2 = top + h1 + strip;
  const y2 = (v: number) => top2 + h2 - (v / lMax) * h2;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="ui-sans-serif, Helvetica, Arial, sans-serif" font-size="11">`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(`${r.scenario}: ${r.passed ? 'passed' : 'FAILED'}`)}</text>`);
  const traffic = r.streams.map((s) => `${s.from}→${s.to} ${s.flows}×${s.ppsPerFlow}/s`).join(', ');
  o.push(`<text x="${left}" y="38" fill="#475569">${esc(`lab ${r.lab} (${r.engine}, ${r.tunnelType}), liveness ${r.liveness}; ${traffic}`)}</text>`);

  // Axes and grid.
  for (let v = 0; v <= yMax; v += yStep) {
    o.push(`<line x1="${left}" x2="${left + pw}" y1="${y1(v)}" y2="${y1(v)}" stroke="#e2e8f0"/>`);
    o.push(`<text x="${left - 6}" y="${y1(v) + 4}" text-anchor="end" fill="#475569">${v}</text>`);
  }
  o.push(`<text x="14" y="${top + h1 / 2}" transform="rotate(-90 14 ${top + h1 / 2})" text-anchor="middle" fill="#475569">packets/s per tunnel</text>`);
  for (let v = 0; v <= lMax; v += lStep) {
    o.push(`<line x1="${left}" x2="${left + pw}" y1="${y2(v)}" y2="${y2(v)}" stroke="#e2e8f0"/>`);
    o.push(`<text x="${left - 6}" y="${y2(v) + 4}" text-anchor="end" fill="#475569">${v}</text>`);
  }
  o.push(`<text x="14" y="${top2 + h2 / 2}" transform="rotate(-90 14 ${top2 + h2 / 2})" text-anchor="middle" fill="#475569">lost/s</text>`);
  const sStep = niceStep(span / 1000, 10);
  for (let s = 0; s <= span / 1000 + 1e-9; s += sStep) {
    const xx = x(r.t0 + s * 1000);
    o.push(`<line x1="${xx}" x2="${xx}" y1="${top2 + h2}" y2="${top2 + h2 + 4}" stroke="#475569"/>`);
    o.push(`<text x="${xx}" y="${top2 + h2 + 16}" text-anchor="middle" fill="#475569">${Number(s.toFixed(3))}</text>`);
  }
  o.push(`<text x="${left + pw / 2}" y="${H - 6}" text-anchor="middle" fill="#475569">seconds since the traffic started</text>`);

  // Steps: faults and checks as vertical lines through both panels.
  let labelRow = 0;
  for (const st of r.steps.filter((s) => s.kind === 'fault' || s.kind === 'expect')) {
    const xx = x(st.began);
    if (xx < left || xx > left + pw) continue;
    const fault = st.kind === 'fault';
    o.push(`<line x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${top2 + h2}" stroke="${fault ? '#0f172a' : '#94a3b8'}" stroke-dasharray="${fault ? '5 3' : '2 3'}"/>`);
    if (fault) {
      o.push(`<text x="${xx + 3}" y="${top + 10 + 12 * (labelRow++ % 3)}" fill="#0f172a">${esc(st.label)}</text>`);
    }
  }

  // Tunnels.
  r.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter((p) => p[0] >= r.t0).map((p) => `${x(p[0]).toFixed(1)},${y1(p[1]).toFixed(1)}`);
    if (pts.length) o.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.join(' ')}"><title>${esc(s.tunnel)}</title></polyline>`);
    o.push(`<rect x="${left + pw + 14}" y="${top + i * 18}" width="12" height="12" fill="${color}"/>`);
    o.push(`<text x="${left + pw + 32}" y="${top + i * 18 + 10}">${esc(`${s.id} ${s.tunnel}`)}</text>`);
  });

  // Loss.
  const lp = r.loss.filter((p) => p[0] >= r.t0);
  if (lp.length) {
    const path = [`${x(lp[0]![0]).toFixed(1)},${y2(0).toFixed(1)}`, ...lp.map((p) => `${x(p[0]).toFixed(1)},${y2(p[1]).toFixed(1)}`), `${x(lp[lp.length - 1]![0]).toFixed(1)},${y2(0).toFixed(1)}`];
    o.push(`<polygon fill="#fecaca" stroke="#dc2626" stroke-width="1" points="${path.join(' ')}"/>`);
  }

  // Daemon and kernel events in the strip between the panels.
  const kinds = new Set<string>();
  for (const e of r.timeline) {
    if (e.at < r.t0 || e.at > end) continue;
    const kind = e.source === 'kernel' ? 'fib' : e.kind === 'liveness' && e.event?.type === 'liveness' && e.event.state === 'up' ? 'liveness-up' : e.kind;
    const color = EVENT_COLORS[kind];
    if (!color) continue;
    kinds.add(kind);
    const row = e.source === 'kernel' ? 1 : 0;
    o.push(`<circle cx="${x(e.at).toFixed(1)}" cy="${top + h1 + 10 + row * 12}" r="3.5" fill="${color}"><title>${esc(`+${Math.round(e.at - r.t0)} ms ${e.node}: ${e.text}`)}</title></circle>`);
  }
  let ly = top + r.series.length * 18 + 14;
  for (const k of kinds) {
    o.push(`<circle cx="${left + pw + 20}" cy="${ly + 6}" r="4" fill="${EVENT_COLORS[k]}"/>`);
    o.push(`<text x="${left + pw + 32}" y="${ly + 10}">${esc(k === 'fib' ? 'kernel FIB change' : k === 'liveness' ? 'liveness down' : k === 'liveness-up' ? 'liveness up' : k === 'failover' ? 'routes withdrawn' : k)}</text>`);
    ly += 16;
  }
  o.push(`<rect x="${left + pw + 14}" y="${ly}" width="12" height="12" fill="#fecaca" stroke="#dc2626"/>`);
  o.push(`<text x="${left + pw + 32}" y="${ly + 10}">packets lost</text>`);
  o.push(`<rect x="${left}" y="${top}" width="${pw}" height="${h1}" fill="none" stroke="#94a3b8"/>`);
  o.push(`<rect x="${left}" y="${top2}" width="${pw}" height="${h2}" fill="none" stroke="#94a3b8"/>`);
  o.push('</svg>');
  return o.join('\n') + '\n';
}
