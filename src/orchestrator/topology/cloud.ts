// Cloud VPN far sides as their providers publish them (docs/topology.md "Cloud profiles" cites each page):
// the BGP timers they keep, how many routes they take from us per session, what they compare between our
// tunnels when sending traffic back (AS path, MED, longest prefix), their inner address range and IPv6.

import type { CloudProvider } from './types';

export interface CloudProfile {
  provider: CloudProvider;
  /** How messages name it. */
  title: string;
  /** The timers the provider keeps on its side, whatever we offer. */
  keepalive: number;
  holdTime: number;
  /** Routes the provider accepts from us per BGP session (our prefixes plus any more-specifics); undefined = no published per-session limit. */
  maxRoutesIn?: number;
  /** What its path choice between our tunnels looks at, in order (longest prefix always comes first). */
  honours: { asPath: boolean; med: boolean };
  /** The provider's own MED on the routes it sends us (GCP: base priority 100); undefined = none. */
  advertisedMed?: number;
  /** The only ranges its tunnels' inner /30s may come from. */
  innerRange: string[];
  /** Whether the plan carries IPv6 over this provider's tunnels (MP-BGP over the IPv4 session). */
  ipv6: boolean;
  /** Gateway instances (tunnel endpoints) the provider gives each connection. */
  gateways: number;
  /** ASNs the provider reserves and refuses from our side. */
  reservedAsns: number[];
}

export const CLOUD_PROFILES: Record<CloudProvider, CloudProfile> = {
  // AWS Site-to-Site VPN: two tunnels per connection; keepalive 10 s / hold 30 s; at most 100 routes from the
  // customer gateway on a virtual private gateway; route choice: longest prefix, then shortest AS path, then MED;
  // a virtual private gateway carries no IPv6.
  aws: {
    provider: 'aws',
    title: 'AWS Site-to-Site VPN',
    keepalive: 10,
    holdTime: 30,
    maxRoutesIn: 100,
    honours: { asPath: true, med: true },
    innerRange: ['169.254.0.0/16'],
    ipv6: false,
    gateways: 2,
    reservedAsns: [7224],
  },
  // Azure VPN Gateway: active/active (two instances); keepalive 60 s / hold 180 s; APIPA BGP addresses in
  // 169.254.21.0 - 169.254.22.255; up to 4,000 prefixes from a peer; prefers the shorter AS path.
  azure: {
    provider: 'azure',
    title: 'Azure VPN Gateway',
    keepalive: 60,
    holdTime: 180,
    maxRoutesIn: 4000,
    honours: { asPath: true, med: false },
    innerRange: ['169.254.21.0/24', '169.254.22.0/24'],
    ipv6: false,
    gateways: 2,
    reservedAsns: [8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520],
  },
  // GCP HA VPN with Cloud Router: two interfaces; keepalive 20 s / hold 60 s; learned routes compared by AS path
  // length, origin, then MED; it advertises its own routes with MED = base priority (default 100).
  gcp: {
    provider: 'gcp',
    title: 'GCP HA VPN',
    keepalive: 20,
    holdTime: 60,
    honours: { asPath: true, med: true },
    advertisedMed: 100,
    innerRange: ['169.254.0.0/16'],
    ipv6: true,
    gateways: 2,
    reservedAsns: [],
  },
};

/** MED the on-prem side puts on routes over a backup tunnel towards a provider that compares MED (lower wins). */
export const BACKUP_MED = 200;
