// The lab the BGP interop tests share: bgpfo (AS 65001) in one namespace, a far router (AS 64512) in another,
// joined by two veth links standing in for two tunnels (primary and backup), each with IPv4 and IPv6 addresses.

import { BgpfoDaemon } from './bgpfo';
import { Lab, type Netns } from './lab';
import { waitFor } from './wait';

export const US_ASN = 65001;
export const FAR_ASN = 64512;

/** Link 1 (primary tunnel) and link 2 (backup tunnel); `far` is the peer router's side, `us` ours. */
export const LINKS = {
  a: { far4: '10.0.1.1', us4: '10.0.1.2', far6: 'fd00:1::1', us6: 'fd00:1::2', farIf: 'to-us-a', usIf: 'to-far-a' },
  b: { far4: '10.0.2.1', us4: '10.0.2.2', far6: 'fd00:2::1', us6: 'fd00:2::2', farIf: 'to-us-b', usIf: 'to-far-b' },
} as const;

/** What the far router originates: 10.50/16 equally over both links, 10.51/16 prepended twice on link b. */
export const FAR = { ecmp4: '10.50.0.0/16', prepended4: '10.51.0.0/16', v6: '2001:db8:50::/48' } as const;
/** What bgpfo originates. */
export const OURS = { v4: '10.60.0.0/16', v6: '2001:db8:60::/48' } as const;

export interface TwoLinkLab {
  lab: Lab;
  us: Netns;
  far: Netns;
}

export async function twoLinkLab(short: string): Promise<TwoLinkLab> {
  const lab = Lab.create(short);
  const us = await lab.addNamespace('us');
  const far = await lab.addNamespace('far');
  for (const l of [LINKS.a, LINKS.b]) {
    await lab.link({ ns: far, ifname: l.farIf, v4: `${l.far4}/30`, v6: `${l.far6}/64` }, { ns: us, ifname: l.usIf, v4: `${l.us4}/30`, v6: `${l.us6}/64` });
  }
  return { lab, us, far };
}

/**
 * bgpfo's side: tun-a1 (IPv4 transport, link a), tun-b1 (IPv4 transport, link b, role backup: prepend 2, local-pref kept at 100 so equal paths share ECMP),
 * tun-a6 (IPv6 transport, link a, IPv6 only). Hold time 3 s so a blackhole is noticed quickly.
 */
export function bgpfoConfig(): Record<string, unknown> {
  const timers = { 'hold-time': 3, 'connect-retry': 1 };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    // The tests compare what the peer sent (before import policy) with what was accepted.
    rib: { 'keep-pre-policy': true },
    originate: [OURS.v4, OURS.v6],
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], ...timers },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], role: 'backup', 'local-pref': 100, ...timers },
      {
        name: 'tun-a6',
        address: LINKS.a.far6,
        'local-address': LINKS.a.us6,
        'remote-asn': FAR_ASN,
        families: ['ipv6-unicast'],
        'shutdown-message': 'bgpfo lab test: planned stop',
        ...timers,
      },
    ],
  };
}

/** Starts bgpfo and waits until its three sessions are Established. */
export async function startBgpfo(us: Netns): Promise<BgpfoDaemon> {
  const d = await BgpfoDaemon.start(us, 'bgpfo', { config: bgpfoConfig() });
  await waitFor(async () => (await d.status()).sessions.every((s) => s.state === 'Established'), 30_000, {
    what: 'bgpfo sessions to reach Established',
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${JSON.stringify(await d.status().catch(() => null), null, 1)}\n${d.process.log().slice(-3000)}`);
  });
  return d;
}
