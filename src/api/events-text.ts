// One line of plain text per operator event: what `bgpfo events` prints and what an alert command gets in
// BGPFO_EVENT_SUMMARY. Worded for the on-call engineer reading it on a phone.

import type { OpsEvent, OpsEventBody } from './events';

export function describeEvent(e: OpsEventBody): string {
  switch (e.type) {
    case 'session-state':
      return `${e.neighbor}: ${e.from} -> ${e.to}`;
    case 'session-up':
      return `${e.neighbor} (${e.peer}) Established, router-id ${e.peerRouterId}, ${e.families.join(' ')}`;
    case 'session-down':
      return `${e.neighbor} (${e.peer}) down: ${e.message}`;
    case 'routes':
      return `${e.bestChanged} best path(s) changed (${e.added} new, ${e.removed} gone) in ${e.windowMs} ms${e.sample.length ? `: ${e.sample.join(' ')}${e.bestChanged > e.sample.length ? ' ...' : ''}` : ''}`;
    case 'failover':
      return `failover off ${e.tunnel} (${e.reason}): ${e.prefixes} prefix(es) moved in ${Math.round(e.durationMs)} ms`;
    case 'outage':
      return `outage: no path left for ${e.prefixes} prefix(es) after ${e.tunnel} was lost (${e.reason})${e.sample.length ? `: ${e.sample.join(' ')}${e.prefixes > e.sample.length ? ' ...' : ''}` : ''}`;
    case 'demotion':
      return `${e.tunnel} ${e.state} (${e.reason}${e.detail ? `: ${e.detail}` : ''})`;
    case 'liveness':
      return `${e.tunnel} ${e.mode} ${e.state}${e.detail ? `: ${e.detail}` : ''}${e.detectionTimeMs ? ` (detection ${e.detectionTimeMs} ms)` : ''}`;
    case 'drain':
      return `drain ${e.target} [${e.neighbors.join(', ')}] ${e.phase}${e.detail ? `: ${e.detail}` : ''}`;
    case 'reload':
      return `reload ${e.result}${e.detail.length ? `: ${e.detail.join('; ')}` : ''}`;
    case 'daemon':
      return `daemon ${e.phase}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

/** "12:04:05.123 failover  failover off tun-a1 ..." for a terminal. */
export function eventLine(e: OpsEvent): string {
  const t = e.time.length >= 23 ? e.time.slice(11, 23) : e.time;
  return `${t}  ${e.type.padEnd(13)} ${describeEvent(e)}`;
}

/** The tunnel or neighbor an event is about, when there is one (alert env BGPFO_TUNNEL). */
export function eventSubject(e: OpsEventBody): string | undefined {
  if ('tunnel' in e) return e.tunnel;
  if ('neighbor' in e) return e.neighbor;
  if (e.type === 'drain') return e.target;
  return undefined;
}
