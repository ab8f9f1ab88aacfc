// The per-neighbor views of the control API (NeighborProvider): detail (negotiated capabilities, message counters,
// NOTIFICATIONs, last error with its age), the Adj-RIB-Out, and `clear` (RFC 4486 Cease/4, RFC 2918 ROUTE-REFRESH).

import { afiSafiToFamily } from '../bgp/capabilities';
import type { TimedNotification } from '../bgp/session-types';
import type { Capability, Prefix } from '../bgp/types';
import { ControlApiError } from '../api/errors';
import type { AdjRibOutResponse, ClearResponse, ClearResult, ClearType, NeighborDetail, NeighborProvider, NotificationView } from '../api/neighbor-types';
import type { RouteQuery } from '../api/types';
import type { Clock } from '../util/clock';
import type { Neighbor } from './neighbor';
import { attrsView, lastErrorText, notificationText, selectPrefixes } from './views';

/** What the views need of the speaker. */
export interface NeighborSource {
  readonly clock: Clock;
  readonly neighbors: readonly Neighbor[];
  neighbor(name: string): Neighbor | undefined;
  /** Runs fn as a task of the speaker's serialized loop. */
  call<T>(label: string, fn: () => T): Promise<T>;
}

const ageS = (now: number, at: number) => Math.max(0, Math.floor((now - at) / 1000));

function notificationView(now: number, t: TimedNotification | undefined): NotificationView | null {
  if (!t) return null;
  return { text: notificationText(t.notification), code: t.notification.code, subcode: t.notification.subcode, ageS: ageS(now, t.at) };
}

/** One line per capability of the peer's OPEN. */
export function capabilityText(c: Capability): string {
  switch (c.kind) {
    case 'multiprotocol':
      return `multiprotocol ${afiSafiToFamily(c.afi, c.safi) ?? `afi ${c.afi} safi ${c.safi}`}`;
    case 'four-octet-as':
      return `four-octet-as ${c.asn}`;
    case 'graceful-restart': {
      const fams = c.families.map((f) => `${afiSafiToFamily(f.afi, f.safi) ?? `${f.afi}/${f.safi}`}${f.forwardingPreserved ? ' (F)' : ''}`);
      return `graceful-restart time ${c.restartTime}s${c.restarting ? ' R' : ''}${c.notification ? ' N' : ''}${fams.length ? ': ' + fams.join(', ') : ''}`;
    }
    case 'route-refresh':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return c.kind;
    default: {
      const o = c as { code: number };
      return `capability ${o.code}`;
    }
  }
}

export function neighborDetail(n: Neighbor, now: number): Omit<NeighborDetail, 'session'> {
  const info = n.session.info;
  const c = n.config;
  const counters = info.counters;
  const neg = info.negotiated;
  const zero = { open: 0, update: 0, notification: 0, keepalive: 0, routeRefresh: 0, total: 0 };
  const detail: Omit<NeighborDetail, 'session'> = {
    name: c.name,
    configured: {
      holdTime: c.holdTime,
      connectRetry: c.connectRetry,
      passive: c.passive,
      port: c.port,
      families: c.families,
      gracefulRestart: c.gracefulRestart.enabled,
      ...(c.keepalive !== undefined ? { keepalive: c.keepalive } : {}),
      ...(c.localAddress !== undefined ? { localAddress: c.localAddress } : {}),
    },
    negotiated:
      neg && info.state === 'Established'
        ? {
            holdTime: neg.holdTime,
            keepalive: neg.keepalive,
            families: neg.families,
            peerAsn: neg.peerAsn,
            peerRouterId: neg.peerRouterId,
            fourOctetAs: neg.ctx.fourOctetAs,
            extendedMessage: neg.ctx.extendedMessage,
            routeRefresh: neg.routeRefresh,
            peerCapabilities: neg.peerCapabilities.map(capabilityText),
            ...(neg.gracefulRestart
              ? { gracefulRestart: { restartTime: neg.gracefulRestart.restartTime, peerRestarting: neg.gracefulRestart.restarting, families: neg.gracefulRestart.families } }
              : {}),
          }
        : null,
    connection: info.state === 'Established' ? (n.connection ?? null) : null,
    messages: { sent: counters?.sent ?? zero, received: counters?.received ?? zero },
    notifications: { lastSent: notificationView(now, counters?.lastNotificationSent), lastReceived: notificationView(now, counters?.lastNotificationReceived) },
    lastError: info.lastError
      ? { text: lastErrorText(info.lastError), reason: info.lastError.reason, state: info.lastError.state, ageS: ageS(now, info.lastError.at) }
      : null,
    establishedTransitions: counters?.establishedTransitions ?? 0,
    handovers: counters?.handovers ?? 0,
    flaps: info.flaps,
    downSinceS: info.state !== 'Established' && counters?.lastDownAt !== undefined ? ageS(now, counters.lastDownAt) : null,
    connectRetryCounter: info.connectRetryCounter,
    failures: info.failures,
    idleHoldTimeS: info.idleHoldTime,
  };
  return detail;
}

export function adjRibOut(n: Neighbor, query: RouteQuery): AdjRibOutResponse {
  const out = n.adjRibOut;
  if (!out) return { neighbor: n.name, routes: [], total: 0, pending: 0 };
  const { prefixes, total } = selectPrefixes(
    query,
    function* () {
      for (const [p] of out.entries()) yield p;
    },
    (p: Prefix) => out.advertised(p) !== undefined,
  );
  return { neighbor: n.name, routes: prefixes.map((prefix) => ({ prefix, path: attrsView(n.name, n.config.address, out.advertised(prefix)!) })), total, pending: out.pending };
}

function clearOne(n: Neighbor, type: ClearType): ClearResult {
  const state = n.session.state;
  const result: ClearResult = { neighbor: n.name, type, actions: [], detail: '' };
  if (type === 'hard') {
    // Only a session with a connection has something to reset; Idle/Connect/Active are already trying.
    if (state !== 'Established' && state !== 'OpenSent' && state !== 'OpenConfirm') {
      throw new ControlApiError(409, 'not-established', `${n.name} is ${state}: no session to reset (it connects on its own; bgpfo status shows why it is down)`);
    }
    n.hardReset('bgpfo clear: administrative reset');
    result.actions.push('reset');
    result.detail = 'NOTIFICATION Cease/Administrative Reset (6/4) sent; the session starts again at once';
    return result;
  }
  if (state !== 'Established') throw new ControlApiError(409, 'not-established', `${n.name} is ${state}: a soft reset needs an Established session`);
  const parts: string[] = [];
  if (type === 'soft-in' || type === 'soft') {
    const how = n.softIn();
    if (how === 'unsupported') {
      throw new ControlApiError(409, 'route-refresh-unsupported', `${n.name} did not advertise ROUTE-REFRESH and no pre-policy copy is kept: only a hard reset (bgpfo clear ${n.name}) fetches its routes again`);
    }
    if (how === 'route-refresh') parts.push(`ROUTE-REFRESH sent for ${(n.negotiatedFamilies ?? []).join(', ')}`);
    if (how === 'soft-reconfiguration') parts.push('import policy re-run over the kept pre-policy routes');
    if (how) result.actions.push(how);
  }
  if (type === 'soft-out' || type === 'soft') {
    const count = n.softOut();
    if (count !== null) {
      result.actions.push('resent');
      parts.push(`${count} advertised prefix(es) queued to be sent again`);
    }
  }
  result.detail = parts.join('; ');
  return result;
}

export class NeighborViews implements NeighborProvider {
  constructor(private readonly source: NeighborSource) {}

  getNeighbor(name: string): Promise<Omit<NeighborDetail, 'session'> | null> {
    return this.source.call('api:neighbor', () => {
      const n = this.source.neighbor(name);
      return n ? neighborDetail(n, this.source.clock.now()) : null;
    });
  }

  getAdjRibOut(name: string, query: RouteQuery): Promise<AdjRibOutResponse | null> {
    return this.source.call('api:adj-rib-out', () => {
      const n = this.source.neighbor(name);
      return n ? adjRibOut(n, query) : null;
    });
  }

  clear(target: string, type: ClearType): Promise<ClearResponse> {
    return this.source.call('api:clear', () => {
      const all = target === 'all';
      const n = all ? undefined : this.source.neighbor(target);
      if (!all && !n) {
        const names = this.source.neighbors.map((x) => x.name).join(', ') || 'none';
        throw new ControlApiError(404, 'unknown-neighbor', `no neighbor named "${target}" (names: ${names}; or "all")`);
      }
      if (n) return { target, results: [clearOne(n, type)] };
      // "all": every neighbor that can take it; the ones that cannot are reported, not fatal.
      const results: ClearResult[] = [];
      for (const x of this.source.neighbors) {
        try {
          results.push(clearOne(x, type));
        } catch (e) {
          results.push({ neighbor: x.name, type, actions: [], detail: `skipped: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
      return { target, results };
    });
  }
}
