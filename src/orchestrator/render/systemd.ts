// Renders the systemd unit that runs the bgpfo daemon on a router host: ordered after its WireGuard
// interfaces, reloaded with `bgpfo reload`, restarted on failure, with only the capabilities routing needs.

import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Plan } from '../plan/types';
import { daemonEnvWords } from '../../util/daemon-env';
import { header, nodeByName } from './text';

/** Where `npm install -g` puts the command with Debian's and nodejs.org's Node (prefix /usr/local). */
export const DEFAULT_BGPFO_BIN = '/usr/local/bin/bgpfo';

export interface SystemdOptions {
  /** The bgpfo command on the host: an absolute path, optionally followed by arguments (default DEFAULT_BGPFO_BIN). */
  bgpfoBin?: string;
  /** Path of the node's config on the host (default /etc/bgpfo/bgpfo.yaml). */
  configPath?: string;
  /** The installed package's docs directory (its operations.md becomes a Documentation= link). */
  docsDir?: string;
}

/**
 * The installed bgpfo: the first executable `bgpfo` on PATH, else DEFAULT_BGPFO_BIN; with the docs directory of the
 * package it belongs to (npm links <prefix>/bin/bgpfo to <prefix>/lib/node_modules/bgpfo/bin/bgpfo) when it exists.
 */
export function installedBgpfo(env: NodeJS.ProcessEnv = process.env): { bin: string; docsDir?: string } {
  let bin = DEFAULT_BGPFO_BIN;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue; // a relative PATH entry would make the unit depend on systemd's cwd
    const candidate = join(dir, 'bgpfo');
    try {
      accessSync(candidate, constants.X_OK);
      bin = candidate;
      break;
    } catch {
      // not here
    }
  }
  try {
    const docs = join(dirname(realpathSync(bin)), '..', 'docs');
    if (existsSync(join(docs, 'operations.md'))) return { bin, docsDir: realpathSync(docs) };
  } catch {
    // not installed here: the unit names the man page only
  }
  return { bin };
}

/** What the daemon needs and nothing more (test/integration/systemd-unit.test.ts runs it with exactly these). */
export const UNIT_CAPABILITIES = ['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_CHOWN', 'CAP_SYS_NICE'];

export function renderSystemdUnit(plan: Plan, nodeName: string, opts: SystemdOptions = {}): string {
  const node = nodeByName(plan, nodeName);
  if (node.runs !== 'bgpfo') throw new Error(`${nodeName} runs ${node.runs}, not bgpfo`);
  const bin = opts.bgpfoBin ?? DEFAULT_BGPFO_BIN;
  const config = opts.configPath ?? '/etc/bgpfo/bgpfo.yaml';
  const wg = node.interfaces.filter((i) => i.kind === 'wireguard').map((i) => `wg-quick@${i.name}.service`);
  const docs = ['man:bgpfo(1)'];
  if (opts.docsDir) docs.push(`file://${join(opts.docsDir, 'operations.md')}`, `file://${join(opts.docsDir, 'configuration.md')}`);
  const lines = [
    header(plan, `systemd unit for the bgpfo daemon on ${node.name}; install as /etc/systemd/system/bgpfo.service.`),
    '[Unit]',
    `Description=bgpfo BGP failover controller (${node.name}, lab ${plan.lab})`,
    `Documentation=${docs.join(' ')}`,
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
    '# A fixed malloc mmap threshold: large route tables go back to the kernel when freed (src/util/daemon-env.ts).',
    ...daemonEnvWords().map((w) => `Environment=${w}`),
    `ExecStart=${bin} daemon --config ${config}`,
    '# Applies the differences without resetting unaffected sessions; a refused file fails the reload and the',
    '# daemon keeps its running config (the same as SIGHUP, but systemctl reload sees the outcome).',
    `ExecReload=${bin} reload --config ${config}`,
    '# SIGTERM: every session gets Cease/Administrative Shutdown, kernel routes and changed sysctls are put back.',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    'Restart=on-failure',
    'RestartSec=2s',
    '# Routes and nexthops in the kernel, port 179, BFD packets with TTL 255, probes; CAP_CHOWN gives the control',
    '# socket and its directory to control.group; CAP_SYS_NICE puts the BFD process at SCHED_RR (else nice -10), so a',
    '# busy router does not starve BFD into declaring a live tunnel dead.',
    `CapabilityBoundingSet=${UNIT_CAPABILITIES.join(' ')}`,
    `AmbientCapabilities=${UNIT_CAPABILITIES.join(' ')}`,
    'NoNewPrivileges=yes',
    '# systemd creates /run/bgpfo as root:root 0750; the daemon then gives it to control.group (still 0750), so the',
    "# group's members reach the socket. RuntimeDirectoryPreserve=restart keeps it over a restart.",
    'RuntimeDirectory=bgpfo',
    'RuntimeDirectoryMode=0750',
    'RuntimeDirectoryPreserve=restart',
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
