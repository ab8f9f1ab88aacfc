// Human-readable tables for `bgpfo status`, `routes` and `adj-rib-in` (the --json forms print the API's JSON).
// Plain text, aligned columns, no colours: it must read well in a terminal, a log and an e-mail.

import type { AdjRibInResponse, PathView, RoutesResponse, SessionStatus, StatusResponse } from '../api/types';

/** Aligns rows into columns separated by two spaces; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** 59 -> "59s", 3725 -> "1h02m", 90061 -> "1d01h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/**
 * The LAST ERROR cell: empty for a resolved connection collision on an Established session (RFC 4271 §6.8: one of
 * two connections is closed by design, not a failure); otherwise the error with its age ("hold timer expired, 3m05s ago").
 */
export function lastErrorCell(x: SessionStatus): string {
  if (x.lastError === null) return '';
  if (x.state === 'Established' && x.lastErrorReason === 'collision') return '';
  return x.lastErrorAgeS === undefined ? x.lastError : `${x.lastError}, ${duration(x.lastErrorAgeS)} ago`;
}

/** "" or a line per sysctl the daemon changed: "host: net.ipv4.ip_forward 0 -> 1 (put back on a clean stop)". */
export function hostSettingsText(s: StatusResponse): string {
  const h = s.router.hostSettings ?? [];
  if (h.length === 0) return '';
  const lines = h.map((c) => `  ${c.key} ${c.from ?? '?'} -> ${c.to}${c.restore ? '' : ' (kept after stop)'}`);
  const restore = h.every((c) => c.restore) ? 'put back on a clean stop' : 'fib.restore-sysctls is off: they stay after a stop';
  return `\nhost settings changed by bgpfo (${restore}):\n${lines.join('\n')}`;
}

export function formatStatus(s: StatusResponse): string {
  const r = s.router;
  const head = `bgpfo ${r.version}  AS ${r.asn}  router-id ${r.routerId}  up ${duration(r.uptime)}  pid ${r.pid}${r.fibWriter ? `  fib writer ${r.fibWriter}` : ''}`;
  if (s.sessions.length === 0) return `${head}\n\nno neighbors configured`;
  const established = s.sessions.filter((x) => x.state === 'Established').length;
  const rows = [['NAME', 'PEER', 'ASN', 'ROLE', 'STATE', 'UP', 'RCVD', 'ACCEPTED', 'ADV', 'FLAPS', 'LAST ERROR']];
  for (const x of s.sessions) {
    rows.push([
      x.name,
      x.peer,
      String(x.peerAsn),
      x.role,
      x.state,
      x.uptime === null ? '-' : duration(x.uptime),
      String(x.prefixes.received),
      String(x.prefixes.accepted),
      String(x.prefixes.advertised),
      String(x.flaps),
      lastErrorCell(x),
    ]);
  }
  return `${head}\n${established}/${s.sessions.length} sessions established\n\n${table(rows)}${hostSettingsText(s)}`;
}

function asPathText(p: PathView): string {
  return p.asPath.length === 0 ? '(empty)' : p.asPath.join(' ');
}

function pathRow(marker: string, prefix: string, p: PathView, reason: string): string[] {
  return [marker, prefix, p.nextHop ?? '-', p.peer, asPathText(p), p.localPref === undefined ? '' : String(p.localPref), p.origin, reason];
}

export function formatRoutes(r: RoutesResponse): string {
  if (r.routes.length === 0) return r.total === 0 ? 'no routes' : `no routes shown (${r.total} match; raise --limit)`;
  const rows = [['', 'PREFIX', 'NEXT HOP', 'PEER', 'AS PATH', 'LP', 'ORIGIN', 'WHY BEST']];
  for (const e of r.routes) {
    rows.push(pathRow('*>', e.prefix, e.best, e.reason));
    // Further members of the ECMP set (the first is best itself).
    for (const p of e.ecmp.slice(1)) rows.push(pathRow('*=', '', p, 'ecmp'));
  }
  const more = r.total > r.routes.length ? `\n... ${r.total - r.routes.length} more (use --limit)` : '';
  return `${table(rows)}${more}\n\n*> best  *= also used (ECMP)`;
}

export function formatAdjRibIn(r: AdjRibInResponse): string {
  if (r.routes.length === 0) return `no routes from ${r.neighbor} (${r.policy}-policy)`;
  const showVerdict = r.policy === 'pre';
  const head = ['PREFIX', 'NEXT HOP', 'AS PATH', 'LP', 'ORIGIN'];
  const rows = [showVerdict ? [...head, 'IMPORT'] : head];
  for (const e of r.routes) {
    const row = [e.prefix, e.path.nextHop ?? '-', asPathText(e.path), e.path.localPref === undefined ? '' : String(e.path.localPref), e.path.origin];
    if (showVerdict) row.push(e.accepted === false ? `refused: ${e.refusedBecause ?? ''}`.trim() : 'accepted');
    rows.push(row);
  }
  const more = r.total > r.routes.length ? `\n... ${r.total - r.routes.length} more (use --limit)` : '';
  return `routes from ${r.neighbor}, ${r.policy}-policy\n\n${table(rows)}${more}`;
}
