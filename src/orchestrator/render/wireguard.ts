// Renders WireGuard configs (wg-quick format) for every tunnel end on a node: one interface and one peer per
// tunnel, routes left to BGP (Table = off), the ISP chosen by socket mark when the router has several.

import type { Plan, PlanTunnel, TunnelEnd } from '../plan/types';
import type { KeySource } from './keys';
import { header } from './text';

export interface WireguardFile {
  /** "<ifname>.conf": wg-quick derives the interface name from it. */
  fileName: string;
  ifname: string;
  text: string;
}

export function wireguardKeyId(end: TunnelEnd): string {
  return `${end.node}/${end.ifname}`;
}

function renderEnd(plan: Plan, t: PlanTunnel, side: 'onprem' | 'far', keys: KeySource): string {
  const local = t[side];
  const remote = side === 'onprem' ? t.far : t.onprem;
  const mine = keys.keyPair(wireguardKeyId(local));
  const theirs = keys.keyPair(wireguardKeyId(remote));
  const lines = [
    header(plan, `${local.ifname}: ${side === 'onprem' ? 'on-prem' : 'far'} end of tunnel ${t.id} ${t.name} (${t.role}, ${t.isp}).`),
    keys.kind === 'fake' ? '# Test keys derived from a public seed: not secret, never use them for a real tunnel.' : '# Holds a private key: keep it mode 0600 and out of version control.',
    '[Interface]',
    `PrivateKey = ${mine.privateKey}`,
    `ListenPort = ${local.listenPort}`,
    `Address = ${[local.inner, local.inner6].filter(Boolean).join(', ')}`,
    `MTU = ${t.mtu}`,
    '# Routes come from BGP, not from wg-quick.',
    'Table = off',
  ];
  if (local.fwmark !== undefined) lines.push(`# Marks this tunnel's UDP packets so policy routing sends them out of ${t.isp}.`, `FwMark = 0x${local.fwmark.toString(16)}`);
  lines.push(
    '',
    '[Peer]',
    `# ${remote.node} (${remote.ifname})`,
    `PublicKey = ${theirs.publicKey}`,
    `Endpoint = ${remote.underlay}:${remote.listenPort}`,
    '# Route-based tunnel: any inner address may cross it; the routing table picks the tunnel.',
    `AllowedIPs = ${t.innerPrefix6 ? '0.0.0.0/0, ::/0' : '0.0.0.0/0'}`,
  );
  // The on-prem end is the one likely behind NAT; its keepalives hold the mapping open.
  if (side === 'onprem') lines.push('PersistentKeepalive = 25');
  return lines.join('\n') + '\n';
}

/** The wg-quick files of every WireGuard tunnel end on `nodeName`. */
export function renderWireguard(plan: Plan, nodeName: string, keys: KeySource): WireguardFile[] {
  const out: WireguardFile[] = [];
  for (const t of plan.tunnels) {
    if (t.kind !== 'wireguard') continue;
    for (const side of ['onprem', 'far'] as const) {
      if (t[side].node !== nodeName) continue;
      out.push({ fileName: `${t[side].ifname}.conf`, ifname: t[side].ifname, text: renderEnd(plan, t, side, keys) });
    }
  }
  return out;
}
