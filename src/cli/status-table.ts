// `bgpfo status` as a table with state colors (only on a terminal, never with NO_COLOR), liveness, quality and
// drain columns when the daemon reports them. Colors are applied after alignment so columns stay straight.

import type { SessionStatus, StatusResponse } from '../api/types';
import { duration, formatStatus, hostSettingsText, lastErrorCell, table } from './format';

const ANSI = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;
type Color = keyof typeof ANSI;

/** Whether to color: a terminal, no NO_COLOR (https://no-color.org), or FORCE_COLOR; --no-color wins. */
export function useColor(opts: { color?: boolean }, isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (opts.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY === true && env.TERM !== 'dumb';
}

function stateColor(state: string): Color {
  if (state === 'Established') return 'green';
  if (state === 'OpenSent' || state === 'OpenConfirm') return 'yellow';
  return 'red';
}

function livenessText(s: SessionStatus): [string, Color | undefined] {
  const l = s.liveness;
  if (!l) return ['-', undefined];
  const timers = l.txIntervalMs !== undefined && l.multiplier !== undefined ? ` ${l.txIntervalMs}ms x${l.multiplier}` : '';
  const up = l.state.toLowerCase() === 'up';
  return [`${l.mode} ${l.state}${timers}`, up ? 'green' : 'red'];
}

function qualityText(s: SessionStatus): [string, Color | undefined] {
  const q = s.quality;
  if (!q) return ['-', undefined];
  const parts = [`${q.lossPct}% loss`];
  if (q.rttMs !== undefined) parts.push(`${q.rttMs}ms`);
  if (q.jitterMs !== undefined) parts.push(`±${q.jitterMs}ms`);
  const color: Color | undefined = q.verdict === 'demoted' ? 'yellow' : q.verdict === 'down' ? 'red' : undefined;
  return [parts.join(' ') + (q.verdict && q.verdict !== 'up' ? ` (${q.verdict})` : ''), color];
}

function drainText(s: SessionStatus): string {
  const d = s.drain;
  if (!d) return '';
  return `drained${d.target !== s.name ? ` (${d.target})` : ''} ${d.phase}${d.shutdown ? ', stopped' : ''} ${duration(d.since)}`;
}

/**
 * The status table. Without liveness, quality or drain data and without color it is exactly formatStatus (scripts
 * that read it keep working); the extra columns appear when a session has them.
 */
export function formatStatusTable(s: StatusResponse, opts: { color: boolean }): string {
  const main = formatSessions(s, opts);
  return s.bfd ? `${main}\n\n${formatBfd(s.bfd)}` : main;
}

const ms = (x: number) => (x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(1) : x.toFixed(0));

/** The BFD process in a few lines: where it runs, its cost, how late it sent; a session table when there are few. */
export function formatBfd(b: NonNullable<StatusResponse['bfd']>): string {
  const where = b.isolation === 'worker' ? 'BFD worker thread' : b.pid !== undefined ? `BFD process pid ${b.pid}` : 'BFD process restarting';
  const extra = [b.priority, b.standbyPid !== undefined ? `standby ${b.standbyPid}` : undefined].filter(Boolean).join(', ');
  const rss = b.cost.rssBytes !== undefined ? `, RSS ${(b.cost.rssBytes / 1048576).toFixed(0)} MB` : '';
  const restart = b.lastRestart ? ` (last ${b.lastRestart.at}${b.lastRestart.gapMs !== undefined ? `, resumed in ${b.lastRestart.gapMs} ms` : ''})` : '';
  const lines = [`${where}${extra ? ` (${extra})` : ''}: ${b.sessions.length} sessions, restarts ${b.restarts}${restart}, CPU ${b.cost.cpuSeconds.toFixed(1)} s${rss}`];
  const late = (label: string, l: NonNullable<typeof b.txLateness.recent> | undefined) =>
    l ? `  tx lateness ${label}: p50 ${ms(l.p50Ms)} ms, p99 ${ms(l.p99Ms)} ms, max ${ms(l.maxMs)} ms (${l.packets} packets)` : undefined;
  for (const l of [late(`last ${b.txLateness.windowS} s`, b.txLateness.recent), late('since start', b.txLateness.total)]) if (l) lines.push(l);
  if (b.sessions.length > 0 && b.sessions.length <= 20) {
    const rows = [['LOCAL', 'PEER', 'STATE', 'TX', 'RX', 'DISCARDED', 'LATE MAX (ms)']];
    for (const x of b.sessions) rows.push([x.local, x.peer + (x.ifname ? `%${x.ifname}` : ''), x.state, String(x.tx), String(x.rx), String(x.discarded), ms(x.txLateMaxMs)]);
    lines.push('', table(rows));
  }
  return lines.join('\n');
}

function formatSessions(s: StatusResponse, opts: { color: boolean }): string {
  const withLiveness = s.sessions.some((x) => x.liveness);
  const withQuality = s.sessions.some((x) => x.quality);
  const withDrain = s.sessions.some((x) => x.drain);
  if (!withLiveness && !withQuality && !withDrain && !opts.color) return formatStatus(s);
  const r = s.router;
  const paint = (text: string, c: Color | undefined) => (opts.color && c ? `${ANSI[c]}${text}${ANSI.reset}` : text);
  const head = `bgpfo ${r.version}  AS ${r.asn}  router-id ${r.routerId}  up ${duration(r.uptime)}  pid ${r.pid}${r.fibWriter ? `  fib writer ${r.fibWriter}` : ''}`;
  if (s.sessions.length === 0) return `${head}\n\nno neighbors configured`;
  const established = s.sessions.filter((x) => x.state === 'Established').length;
  const header = ['NAME', 'PEER', 'ASN', 'ROLE', 'STATE', 'UP', 'RCVD', 'ACCEPTED', 'ADV', 'FLAPS'];
  if (withLiveness) header.push('LIVENESS');
  if (withQuality) header.push('QUALITY');
  if (withDrain) header.push('DRAIN');
  header.push('LAST ERROR');
  const rows: string[][] = [header];
  const colors: (Color | undefined)[][] = [header.map(() => undefined)];
  for (const x of s.sessions) {
    const row = [x.name, x.peer, String(x.peerAsn), x.role, x.state, x.uptime === null ? '-' : duration(x.uptime), String(x.prefixes.received), String(x.prefixes.accepted), String(x.prefixes.advertised), String(x.flaps)];
    const col: (Color | undefined)[] = row.map((_, i) => (i === 4 ? stateColor(x.state) : undefined));
    if (withLiveness) {
      const [t, c] = livenessText(x);
      row.push(t);
      col.push(c);
    }
    if (withQuality) {
      const [t, c] = qualityText(x);
      row.push(t);
      col.push(c);
    }
    if (withDrain) {
      row.push(drainText(x) || '-');
      col.push(x.drain ? 'yellow' : undefined);
    }
    row.push(lastErrorCell(x));
    col.push(undefined);
    rows.push(row);
    colors.push(col);
  }
  // Align on the plain text, then paint each cell: escape codes have no width on screen.
  const lines = table(rows).split('\n');
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const painted = rows.map((row, ri) => {
    if (!opts.color) return lines[ri];
    return row
      .map((cell, i) => {
        const pad = i === row.length - 1 ? '' : ' '.repeat(widths[i] - cell.length);
        return paint(cell, ri === 0 ? undefined : colors[ri][i]) + pad;
      })
      .join('  ')
      .trimEnd();
  });
  if (opts.color) painted[0] = `${ANSI.bold}${painted[0]}${ANSI.reset}`;
  return `${head}\n${established}/${s.sessions.length} sessions established\n\n${painted.join('\n')}${hostSettingsText(s)}`;
}
