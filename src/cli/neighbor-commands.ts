// `bgpfo neighbor NAME`, `bgpfo adj-rib-out NAME` and `bgpfo clear NAME [--soft [in|out]]`: the views vtysh
// (`show bgp neighbors X`, `advertised-routes`, `clear bgp X soft in`) and GoBGP (`neighbor X adj-out`) users reach for.

import { InvalidArgumentError, type Command } from 'commander';
import { ControlClient } from '../api/client';
import type { AdjRibOutResponse, ClearResponse, ClearType, MessageCountsView, NeighborDetail } from '../api/neighbor-types';
import { duration, table } from './format';
import type { CliIo } from './main';
import { socketFor, withClient, type ClientOpts } from './ops-commands';

function counts(c: MessageCountsView): string[] {
  return [String(c.open), String(c.update), String(c.keepalive), String(c.notification), String(c.routeRefresh), String(c.total)];
}

export function formatNeighbor(d: NeighborDetail): string {
  const s = d.session;
  const lines: string[] = [];
  lines.push(`neighbor ${d.name}  ${s.peer}  AS ${s.peerAsn}  ${s.role}`);
  const up = s.state === 'Established' && s.uptime !== null ? `up ${duration(s.uptime)}` : d.downSinceS !== null ? `down ${duration(d.downSinceS)}` : 'never established';
  const moves = d.handovers > 0 ? ` (${d.handovers} by a collision handover)` : '';
  lines.push(`  state ${s.state}, ${up}; established ${d.establishedTransitions} time(s)${moves}, ${d.flaps} flap(s)`);
  if (d.connection) {
    const c = d.connection;
    lines.push(`  connection ${c.localAddress ?? '?'}:${c.localPort ?? '?'} -> ${c.remoteAddress ?? '?'}:${c.remotePort ?? '?'}`);
  }
  const cf = d.configured;
  lines.push(`  configured: hold ${cf.holdTime}s${cf.keepalive !== undefined ? `, keepalive ${cf.keepalive}s` : ''}, connect-retry ${cf.connectRetry}s${cf.passive ? ', passive' : ''}, port ${cf.port}, ${cf.families.join(' ')}${cf.gracefulRestart ? ', graceful-restart' : ''}`);
  const n = d.negotiated;
  if (n) {
    lines.push(`  negotiated: hold ${n.holdTime}s, keepalive ${n.keepalive}s, ${n.families.join(' ')}; peer router-id ${n.peerRouterId}`);
    const caps = [n.fourOctetAs ? '4-octet AS' : '2-octet AS', n.routeRefresh ? 'route-refresh' : 'no route-refresh', n.extendedMessage ? 'extended-message' : null];
    if (n.gracefulRestart) caps.push(`graceful-restart ${n.gracefulRestart.restartTime}s${n.gracefulRestart.peerRestarting ? ' (peer restarting)' : ''}`);
    lines.push(`  session: ${caps.filter((x) => x !== null).join(', ')}`);
    lines.push(`  peer capabilities: ${n.peerCapabilities.join('; ') || 'none'}`);
  }
  lines.push(`  prefixes: ${s.prefixes.received} received, ${s.prefixes.accepted} accepted, ${s.prefixes.advertised} advertised`);
  lines.push('');
  lines.push(
    table([
      ['  MESSAGES', 'OPEN', 'UPDATE', 'KEEPALIVE', 'NOTIFICATION', 'ROUTE-REFRESH', 'TOTAL'],
      ['  sent', ...counts(d.messages.sent)],
      ['  received', ...counts(d.messages.received)],
    ]),
  );
  lines.push('');
  const ns = d.notifications;
  lines.push(`  last NOTIFICATION sent: ${ns.lastSent ? `${ns.lastSent.text}, ${duration(ns.lastSent.ageS)} ago` : 'none'}`);
  lines.push(`  last NOTIFICATION received: ${ns.lastReceived ? `${ns.lastReceived.text}, ${duration(ns.lastReceived.ageS)} ago` : 'none'}`);
  lines.push(`  last error: ${d.lastError ? `${d.lastError.text} (in ${d.lastError.state}, ${duration(d.lastError.ageS)} ago)` : 'none'}`);
  if (d.failures > 0 && s.state !== 'Established') lines.push(`  ${d.failures} consecutive failure(s): next attempt after ${d.idleHoldTimeS}s idle hold`);
  if (s.liveness) lines.push(`  liveness: ${s.liveness.mode} ${s.liveness.state}${s.liveness.detectionTimeMs !== undefined ? `, detection ${s.liveness.detectionTimeMs} ms` : ''}${s.liveness.verdict ? `, verdict ${s.liveness.verdict}` : ''}`);
  if (s.drain) lines.push(`  drained (${s.drain.target}) ${s.drain.phase}${s.drain.shutdown ? ', session stopped' : ''}`);
  return lines.join('\n');
}

export function formatAdjRibOut(r: AdjRibOutResponse): string {
  const pending = r.pending > 0 ? ` (${r.pending} more queued to be sent)` : '';
  if (r.routes.length === 0) return `nothing advertised to ${r.neighbor}${pending}`;
  const rows = [['PREFIX', 'NEXT HOP', 'AS PATH', 'MED', 'ORIGIN', 'COMMUNITIES']];
  for (const e of r.routes) {
    const p = e.path;
    rows.push([e.prefix, p.nextHop ?? '-', p.asPath.join(' ') || '(empty)', p.med === undefined ? '' : String(p.med), p.origin, [...(p.communities ?? []), ...(p.largeCommunities ?? [])].join(' ')]);
  }
  const more = r.total > r.routes.length ? `\n... ${r.total - r.routes.length} more (use --limit)` : '';
  return `advertised to ${r.neighbor}: ${r.total} prefix(es)${pending}\n\n${table(rows)}${more}`;
}

export function formatClear(r: ClearResponse): string {
  return r.results.map((x) => `${x.neighbor}: ${x.type} ${x.actions.length ? x.actions.join(', ') : 'nothing done'}${x.detail ? ` - ${x.detail}` : ''}`).join('\n');
}

function clearType(v: string): ClearType {
  if (v === 'both') return 'soft';
  if (v === 'in') return 'soft-in';
  if (v === 'out') return 'soft-out';
  throw new InvalidArgumentError('expected in, out or both');
}

function limit(v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return Number(v);
}

export function registerNeighborCommands(program: Command, io: CliIo): void {
  const env = io.env ?? process.env;
  const client = (o: ClientOpts) => new ControlClient({ socketPath: socketFor(o, env) });
  const print = (o: ClientOpts, body: unknown, text: string) => io.out(o.json ? JSON.stringify(body, null, 2) + '\n' : text + '\n');

  withClient(
    program
      .command('neighbor')
      .description('one neighbor in detail: negotiated hold time and capabilities, message counters, NOTIFICATIONs, last error')
      .argument('<neighbor>', 'neighbor name'),
  ).action(async (name: string, o: ClientOpts) => {
    const d = await client(o).neighbor(name);
    print(o, d, formatNeighbor(d));
  });

  withClient(program.command('adj-rib-out').description('show what we advertise to a neighbor (attributes as sent)').argument('<neighbor>', 'neighbor name'))
    .option('-n, --limit <n>', 'show at most n prefixes', limit, 1000)
    .action(async (name: string, o: ClientOpts & { limit: number }) => {
      const r = await client(o).adjRibOut(name, { limit: o.limit });
      print(o, r, formatAdjRibOut(r));
    });

  withClient(
    program
      .command('clear')
      .description('reset a neighbor: hard (Cease/Administrative Reset, reconnect) or --soft in (ROUTE-REFRESH) / out (re-send what we advertise)')
      .argument('<neighbor>', 'neighbor name, or "all"'),
  )
    .option('--soft [direction]', 'soft reset without dropping the session: in, out or both (default both)', clearType)
    .action(async (target: string, o: ClientOpts & { soft?: ClearType | true }) => {
      // A bare --soft (no value) is `true`: both directions.
      const type: ClearType = o.soft === undefined ? 'hard' : o.soft === true ? 'soft' : o.soft;
      const r = await client(o).clear(target, type);
      print(o, r, formatClear(r));
    });
}
