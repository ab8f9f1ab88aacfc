// Renders the systemd unit that runs the bgpfo daemon on a router host: ordered after its WireGuard
// interfaces, restarted on failure, with only the capabilities routing needs.

import type { Plan } from '../plan/types';
import { header, nodeByName } from './text';

export interface SystemdOptions {
  /** Path of the bgpfo executable on the host (default /usr/local/bin/bgpfo, where npm -g puts it). */
  bgpfoBin?: string;
  /** Path of the node's config on the host (default /etc/bgpfo/bgpfo.yaml). */
  configPath?: string;
}

export function renderSystemdUnit(plan: Plan, nodeName: string, opts: SystemdOptions = {}): string {
  const node = nodeByName(plan, nodeName);
  if (node.runs !== 'bgpfo') throw new Error(`${nodeName} runs ${node.runs}, not bgpfo`);
  const bin = opts.bgpfoBin ?? '/usr/local/bin/bgpfo';
  const config = opts.configPath ?? '/etc/bgpfo/bgpfo.yaml';
  const wg = node.interfaces.filter((i) => i.kind === 'wireguard').map((i) => `wg-quick@${i.name}.service`);
  const lines = [
    header(plan, `systemd unit for the bgpfo daemon on ${node.name}; install as /etc/systemd/system/bgpfo.service.`),
    '[Unit]',
    `Description=bgpfo BGP failover controller (${node.name}, lab ${plan.lab})`,
    'Documentation=file:///usr/local/share/doc/bgpfo/configuration.md',
    'After=network-online.target',
    'Wants=network-online.target',
  ];
  if (wg.length) {
    lines.push('# The tunnels must exist before the daemon binds to their inner addresses.');
    lines.push(`After=${wg.join(' ')}`, `Wants=${wg.join(' ')}`);
  }
  lines.push(
    '',
    '[Service]',
    'Type=simple',
    `ExecStartPre=${bin} validate ${config}`,
    `ExecStart=${bin} daemon --config ${config}`,
    'Restart=on-failure',
    'RestartSec=2s',
    '# Routes and nexthops in the kernel, port 179, BFD packets with TTL 255, probes.',
    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_CHOWN',
    'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_CHOWN',
    'NoNewPrivileges=yes',
    'RuntimeDirectory=bgpfo',
    'RuntimeDirectoryMode=0750',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  );
  return lines.join('\n');
}
