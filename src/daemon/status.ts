// The control API's view of the running speaker (ControlProvider): router and session status, the Loc-RIB with
// best path, ECMP set and the decision step that chose it, and each neighbor's Adj-RIB-In (pre/post policy).

import { ControlApiError } from '../api/errors';
import { prefixFamily } from '../bgp/prefix';
import type { Prefix } from '../bgp/types';
import { bgpfoVersion } from '../api/version';
import type {
  AdjRibInEntry,
  AdjRibInResponse,
  ControlProvider,
  HostSettingChange,
  MemoryStatus,
  RouteEntry,
  RouteQuery,
  RoutesResponse,
  SessionStatus,
  StatusResponse,
} from '../api/types';
import type { RouteView } from '../rib';
import type { NeighborProvider } from '../api/neighbor-types';
import type { Neighbor } from './neighbor';
import { NeighborViews } from './neighbor-detail';
import type { Speaker } from './speaker';
import { attrsView, lastErrorText, pathView, selectPrefixes } from './views';

export class SpeakerStatus implements ControlProvider {
  constructor(
    private readonly speaker: Speaker,
    /** Addresses the BGP listener is bound to now. */
    private readonly listening: () => string[],
    /** Sysctls the daemon changed (fib-setup.ts). */
    private readonly hostSettings: () => HostSettingChange[] = () => [],
    /** The kernel FIB's writer, when there is a kernel FIB. */
    private readonly fibWriter: () => 'netlink' | 'ip-batch' | undefined = () => undefined,
  ) {}

  // Answered as tasks of the speaker's loop (architecture convention 6): never in the middle of an update.
  getStatus(): Promise<StatusResponse> {
    return this.speaker.loop.call('api:status', () => this.status());
  }

  getRoutes(query: RouteQuery): Promise<RoutesResponse> {
    return this.speaker.loop.call('api:routes', () => this.routes(query));
  }

  /** Neighbor detail, Adj-RIB-Out and clear (neighbor-detail.ts), on the same loop. */
  get neighbors(): NeighborProvider {
    const sp = this.speaker;
    return (this.views ??= new NeighborViews({
      clock: sp.clock,
      get neighbors() {
        return sp.neighbors; // a reload may replace the list
      },
      neighbor: (name) => sp.neighbor(name),
      call: (label, fn) => sp.loop.call(label, fn),
    }));
  }
  private views: NeighborViews | undefined;

  getAdjRibIn(name: string, policy: 'pre' | 'post', query: RouteQuery): Promise<AdjRibInResponse | null> {
    return this.speaker.loop.call('api:adj-rib-in', () => this.adjRibIn(name, policy, query));
  }

  status(): StatusResponse {
    const s = this.speaker;
    const r = s.config.router;
    return {
      router: {
        asn: r.asn,
        routerId: r.routerId,
        version: bgpfoVersion(),
        pid: process.pid,
        uptime: Math.floor((s.clock.now() - s.startedAt) / 1000),
        listen: this.listening(),
        locRibPrefixes: s.locRib.size,
        ...(this.hostSettings().length > 0 ? { hostSettings: this.hostSettings() } : {}),
        ...(this.fibWriter() ? { fibWriter: this.fibWriter() } : {}),
        memory: memoryStatus(s.locRib.memory),
      },
      sessions: s.neighbors.map((n) => sessionStatus(n, s.clock.now())),
    };
  }

  routes(query: RouteQuery): RoutesResponse {
    const rib = this.speaker.locRib;
    const { prefixes, total } = selectPrefixes(
      query,
      () => rib.prefixes(),
      (p) => rib.best(p) !== undefined,
    );
    return { routes: prefixes.map((p) => routeEntry(rib.get(p)!)), total };
  }

  adjRibIn(name: string, policy: 'pre' | 'post', query: RouteQuery): AdjRibInResponse | null {
    const n = this.speaker.neighbor(name);
    if (!n) return null;
    const adj = n.adjRibIn;
    if (policy === 'pre' && !this.speaker.config.rib.keepPrePolicy) {
      throw new ControlApiError(
        409,
        'pre-policy-not-kept',
        `${name}: routes as received (before import policy) are not kept: rib.keep-pre-policy is false. ` +
          `Set rib.keep-pre-policy: true and restart the daemon to see them; what was accepted is shown without --pre.`,
      );
    }
    if (!adj) return { neighbor: name, policy, routes: [], total: 0 };
    const lookup = (p: Prefix) => (policy === 'pre' ? adj.prePolicy(p) : adj.postPolicy(p));
    const { prefixes, total } = selectPrefixes(
      query,
      function* () {
        for (const [p] of adj.entries(policy)) yield p;
      },
      (p) => lookup(p) !== undefined,
    );
    const routes = prefixes.map((prefix): AdjRibInEntry => {
      const e: AdjRibInEntry = { prefix, path: attrsView(name, n.config.address, lookup(prefix)!) };
      if (policy === 'pre') {
        const why = adj.refusalReason(prefix);
        e.accepted = why === undefined;
        if (why !== undefined) e.refusedBecause = why;
      }
      return e;
    });
    return { neighbor: name, policy, routes, total };
  }
}

function memoryStatus(rib: { tableBytes: number; pendingBytes: number; sharedEntries: number }): MemoryStatus {
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    arrayBuffersBytes: m.arrayBuffers,
    locRibTableBytes: rib.tableBytes + rib.pendingBytes,
    locRibSharedEntries: rib.sharedEntries,
  };
}

function sessionStatus(n: Neighbor, now: number): SessionStatus {
  const info = n.session.info;
  const c = n.config;
  const s: SessionStatus = {
    name: c.name,
    peer: c.address,
    peerAsn: c.remoteAsn,
    role: c.role,
    state: info.state,
    uptime: info.uptime === null ? null : Math.floor(info.uptime / 1000),
    families: n.negotiatedFamilies ?? c.families,
    prefixes: n.counts(),
    lastError: info.lastError ? lastErrorText(info.lastError) : null,
    flaps: info.flaps,
  };
  if (info.lastError) {
    s.lastErrorReason = info.lastError.reason;
    s.lastErrorAgeS = Math.max(0, Math.floor((now - info.lastError.at) / 1000));
  }
  const local = n.localAddress;
  if (local !== undefined) s.localAddress = local;
  const rid = n.peerRouterId;
  if (rid !== undefined) s.peerRouterId = rid;
  const hold = n.holdTime;
  if (hold !== undefined) s.holdTime = hold;
  return s;
}

function routeEntry(v: RouteView): RouteEntry {
  const prefix: Prefix = v.prefix;
  return { prefix, family: prefixFamily(prefix), best: pathView(v.best), ecmp: v.ecmp.map(pathView), reason: v.reason };
}
