// The far router's FRR 8.4 bgpd config in the two-link lab (two-links.ts): sessions to bgpfo over link a and b
// (and IPv6 over link a), fast timers, FAR's prefixes; each test picks the extras it needs.

import { FAR, FAR_ASN, LINKS, US_ASN } from './two-links';

export interface FarBgpdOptions {
  /** The IPv6 session over link a (IPv6 only) and FAR.v6 originated over it. */
  ipv6: boolean;
  /** Also originate FAR.prepended4, sent over link b with FAR_ASN prepended twice (route-map TO-B). */
  prependOnB: boolean;
  /** `bgp bestpath as-path multipath-relax`. */
  multipathRelax: boolean;
  /** `maximum-paths 8` for IPv4: FRR installs both links toward us. */
  ecmp: boolean;
}

/** bgpd's config text; hold time 3 s and connect retry 1 s on every session, so tests notice changes quickly. */
export function farBgpd(o: FarBgpdOptions): string {
  const neighbor = (a: string) => [` neighbor ${a} remote-as ${US_ASN}`, ` neighbor ${a} timers 1 3`, ` neighbor ${a} timers connect 1`];
  const lines = [
    'frr defaults traditional',
    'hostname far',
    'log stdout informational',
    '!',
    ...(o.prependOnB
      ? [`ip prefix-list P51 seq 5 permit ${FAR.prepended4}`, '!', 'route-map TO-B permit 10', ' match ip address prefix-list P51', ` set as-path prepend ${FAR_ASN} ${FAR_ASN}`, 'route-map TO-B permit 20', '!']
      : []),
    `router bgp ${FAR_ASN}`,
    ' bgp router-id 10.255.0.1',
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    // NOTIFICATIONs received and sent, and neighbor up/down, in bgpd's log (tests read it).
    ' bgp log-neighbor-changes',
    ...(o.multipathRelax ? [' bgp bestpath as-path multipath-relax'] : []),
    ...neighbor(LINKS.a.us4),
    ...neighbor(LINKS.b.us4),
    ...(o.ipv6 ? neighbor(LINKS.a.us6) : []),
    ' address-family ipv4 unicast',
    `  network ${FAR.ecmp4}`,
    ...(o.prependOnB ? [`  network ${FAR.prepended4}`] : []),
    ...(o.ipv6 ? [`  no neighbor ${LINKS.a.us6} activate`] : []),
    ...(o.prependOnB ? [`  neighbor ${LINKS.b.us4} route-map TO-B out`] : []),
    ...(o.ecmp ? ['  maximum-paths 8'] : []),
    ' exit-address-family',
    ...(o.ipv6 ? [' address-family ipv6 unicast', `  network ${FAR.v6}`, `  neighbor ${LINKS.a.us6} activate`, ' exit-address-family'] : []),
    '!',
  ];
  return `${lines.join('\n')}\n`;
}
