// A ControlProvider with fixed data, recording the queries it was asked, for the server and CLI tests.
import type { AdjRibInResponse, ControlProvider, RouteQuery, RoutesResponse, StatusResponse } from '../../../src/api';

export const STATUS: StatusResponse = {
  router: { asn: 65001, routerId: '10.0.0.1', version: '0.1.0', pid: 4242, uptime: 3725, listen: ['169.254.21.2'], locRibPrefixes: 2 },
  sessions: [
    {
      name: 'tun-a1',
      peer: '169.254.21.1',
      peerAsn: 64512,
      localAddress: '169.254.21.2',
      role: 'primary',
      state: 'Established',
      uptime: 61,
      peerRouterId: '10.9.0.1',
      holdTime: 90,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      prefixes: { received: 12, accepted: 10, advertised: 2 },
      lastError: null,
      flaps: 0,
    },
    {
      name: 'tun-b1',
      peer: '169.254.22.1',
      peerAsn: 64512,
      role: 'backup',
      state: 'Active',
      uptime: null,
      families: ['ipv4-unicast'],
      prefixes: { received: 0, accepted: 0, advertised: 0 },
      lastError: 'hold timer expired',
      flaps: 3,
    },
  ],
};

export const ROUTES: RoutesResponse = {
  total: 2,
  routes: [
    {
      prefix: '10.2.0.0/16',
      family: 'ipv4-unicast',
      best: { peer: 'tun-a1', peerAddress: '169.254.21.1', nextHop: '169.254.21.1', asPath: [64512], origin: 'igp', localPref: 100 },
      ecmp: [
        { peer: 'tun-a1', peerAddress: '169.254.21.1', nextHop: '169.254.21.1', asPath: [64512], origin: 'igp', localPref: 100 },
        { peer: 'tun-a2', peerAddress: '169.254.21.5', nextHop: '169.254.21.5', asPath: [64512], origin: 'igp', localPref: 100 },
      ],
      reason: 'peer-address',
    },
    {
      prefix: '10.1.0.0/16',
      family: 'ipv4-unicast',
      best: { peer: 'local', nextHop: null, asPath: [], origin: 'igp' },
      ecmp: [{ peer: 'local', nextHop: null, asPath: [], origin: 'igp' }],
      reason: 'locally-originated',
    },
  ],
};

export class FakeProvider implements ControlProvider {
  queries: { kind: string; query: RouteQuery; neighbor?: string; policy?: string }[] = [];
  failNext = false;
  stall = false;

  getStatus(): StatusResponse | Promise<StatusResponse> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('provider exploded');
    }
    if (this.stall) return new Promise(() => undefined);
    return STATUS;
  }

  async getRoutes(query: RouteQuery): Promise<RoutesResponse> {
    this.queries.push({ kind: 'routes', query });
    return query.limit !== undefined ? { ...ROUTES, routes: ROUTES.routes.slice(0, query.limit) } : ROUTES;
  }

  getAdjRibIn(neighbor: string, policy: 'pre' | 'post', query: RouteQuery): AdjRibInResponse | null {
    this.queries.push({ kind: 'adj-rib-in', query, neighbor, policy });
    if (neighbor !== 'tun-a1') return null;
    return {
      neighbor,
      policy,
      total: 2,
      routes: [
        { prefix: '10.2.0.0/16', path: ROUTES.routes[0].best, accepted: true },
        { prefix: '0.0.0.0/0', path: { ...ROUTES.routes[0].best, asPath: [64512, 3356] }, accepted: false, refusedBecause: 'default route' },
      ],
    };
  }
}
