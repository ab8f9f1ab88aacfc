// What one probe is (local and peer address, interval x multiplier) and the ping command line that runs it.
// No RFC; iputils ping options: -n numeric, -D timestamps, -O report "no answer yet" per probe, -i interval, -I source.

import { isIP } from 'node:net';

export interface ProbeSpec {
  /** The tunnel's local address: ping binds to it (-I), so probes leave through the tunnel. */
  local: string;
  /** The far side's tunnel address; it must answer ICMP echo. */
  peer: string;
  /** Needed for IPv6 link-local addresses (the zone). */
  ifname?: string;
  intervalMs: number;
  /** Down after this many probes in a row without a reply; Up after this many consecutive replies. */
  multiplier: number;
  /** Run ping inside this network namespace (`ip netns exec`): for lab tests and namespaced tunnels. */
  netns?: string;
  /** The ping binary (default "ping" from PATH). */
  pingPath?: string;
}

export function validateProbeSpec(s: ProbeSpec): void {
  const fl = isIP(s.local.split('%')[0]!);
  const fp = isIP(s.peer.split('%')[0]!);
  if (!fl || !fp) throw new RangeError(`probe local/peer must be IP addresses: ${s.local} ${s.peer}`);
  // ping picks the family from the peer and silently ignores an -I address of the other family.
  if (fl !== fp) throw new RangeError(`probe local ${s.local} and peer ${s.peer} are of different families`);
  // ping -i has millisecond resolution; below 10 ms a pipe line per probe is pointless load.
  if (!Number.isInteger(s.intervalMs) || s.intervalMs < 10 || s.intervalMs > 60_000) throw new RangeError('probe intervalMs must be an integer 10..60000');
  if (!Number.isInteger(s.multiplier) || s.multiplier < 1 || s.multiplier > 255) throw new RangeError('probe multiplier must be 1..255');
  if (s.ifname !== undefined && !/^[^\s/%]{1,15}$/.test(s.ifname)) throw new RangeError(`bad interface name ${s.ifname}`);
  if (s.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(s.netns)) throw new RangeError(`bad namespace name ${s.netns}`);
}

const isLinkLocal6 = (a: string) => isIP(a) === 6 && /^fe[89ab]/i.test(a);

/**
 * `ping -n -D -O -i 0.05 -I <local> <peer>`. Link-local IPv6 needs the zone on both addresses (checked on Debian:
 * `-I fe80::1%if fe80::2%if`). ping runs until killed: no -c, no -w.
 */
export function pingArgv(s: ProbeSpec): string[] {
  const zone = (a: string) => (s.ifname && isLinkLocal6(a) && !a.includes('%') ? `${a}%${s.ifname}` : a);
  const ping = [s.pingPath ?? 'ping', '-n', '-D', '-O', '-i', String(s.intervalMs / 1000), '-I', zone(s.local), zone(s.peer)];
  return s.netns ? ['ip', 'netns', 'exec', s.netns, ...ping] : ping;
}
