// Datagrams the kernel dropped because a receiving socket's buffer was full (UDP RcvbufErrors), per network
// namespace: what a traffic receiver that fell behind (a busy machine) lost after the network had delivered it.

import { readFileSync } from 'node:fs';

/** UDP RcvbufErrors of this process's network namespace, IPv4 (/proc/net/snmp) plus IPv6 (/proc/net/snmp6). */
export function udpRcvbufErrors(): number {
  return udp4RcvbufErrors() + udp6RcvbufErrors();
}

function udp4RcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

/** "Udp6RcvbufErrors   3" in /proc/net/snmp6 (absent or unreadable without IPv6: 0). */
function udp6RcvbufErrors(): number {
  try {
    const m = /^Udp6RcvbufErrors\s+(\d+)/m.exec(readFileSync('/proc/net/snmp6', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
