// Tables for `bgpfo lab status` and `bgpfo lab traffic` (the --json forms print the objects themselves).

import type { LabStatus, LabTrafficResult } from '../lab';
import { table } from './format';

export function formatLabStatus(s: LabStatus): string {
  const up = s.tunnels.filter((t) => t.up).length;
  const est = new Set(s.sessions.map((x) => x.session));
  const estUp = [...est].filter((name) => s.sessions.filter((x) => x.session === name).every((x) => x.state === 'Established')).length;
  const out: string[] = [];
  out.push(`lab ${s.lab} (${s.topologyFile}, ${s.tunnelType} tunnels) ${s.phase}; ${up}/${s.tunnels.length} tunnels up, ${estUp}/${est.size} sessions Established`);
  out.push('', 'tunnels:');
  const trows = [['ID', 'NAME', 'ISP', 'ROLE', 'STATE', 'SESSION (ON-PREM/FAR)', 'ON-PREM TX/RX', 'FAR TX/RX', 'FAULTS']];
  for (const t of s.tunnels) {
    const link = t.onprem.up && t.far.up ? '' : ' (link down)';
    trows.push([t.id, t.name, t.isp, t.role, `${t.up ? 'up' : 'DOWN'}${link}`, `${t.session.onprem}/${t.session.far}`, `${t.onprem.txPackets}/${t.onprem.rxPackets}`, `${t.far.txPackets}/${t.far.rxPackets}`, t.faults.join(', ') || '-']);
  }
  out.push(table(trows));
  out.push('', 'sessions:');
  const srows = [['NODE', 'DAEMON', 'NEIGHBOR', 'PEER', 'KIND', 'STATE', 'INFO']];
  for (const x of s.sessions) srows.push([x.node, x.daemon, x.neighbor, x.peer, x.kind, x.state, x.info ?? '']);
  out.push(table(srows));
  const dead = s.processes.filter((p) => !p.running);
  if (dead.length) out.push('', `not running: ${dead.map((p) => `${p.node}/${p.name}${p.stopped ? ' (stopped by lab fault)' : ''}`).join(', ')}`);
  return out.join('\n');
}

export function formatLabTraffic(r: LabTrafficResult): string {
  const total = r.tunnels.reduce((a, t) => a + t.out + t.in, 0) || 1;
  const rows = [['TUNNEL', 'NAME', 'ISP', 'ROLE', 'PACKETS', 'SHARE']];
  // A hub has a tunnel or two per spoke: past a screenful, the ones this traffic did not touch are only counted.
  const shown = r.tunnels.length > 16 ? r.tunnels.filter((t) => t.out + t.in > 0) : r.tunnels;
  for (const t of shown) {
    const n = t.out + t.in;
    rows.push([t.id, t.name, t.isp, t.role, String(n), `${((100 * n) / total).toFixed(1)}% ${'#'.repeat(Math.round((40 * n) / total))}`]);
  }
  const p = r.report;
  return [
    `traffic ${r.from} -> ${r.to}: ${p.flows} UDP${r.family === 6 ? ' (IPv6)' : ''} flows, ${p.sent} packets sent, ${p.received} received`,
    '',
    table(rows) + (shown.length < r.tunnels.length ? `\n(${r.tunnels.length - shown.length} other tunnels carried none of it)` : ''),
    '',
    `lost: ${p.lost} packets (${((100 * p.lost) / Math.max(1, p.sent)).toFixed(2)}%) in ${p.flowsWithLoss} of ${p.flows} flows; longest gap in a flow: ${p.longestGapMs} ms (normal spacing ${p.flowIntervalMs} ms)` +
      (p.droppedByReceiver ? `\nof which ${p.droppedByReceiver} reached ${r.to} and were dropped by the receiving agent's socket, its buffer full (a busy machine, not the network)` : '') +
      (p.flowsNotRecovered ? `\n${p.flowsNotRecovered} flows were still cut off when the traffic stopped (no failover yet?)` : ''),
  ].join('\n');
}
