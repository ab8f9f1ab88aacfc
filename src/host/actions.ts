// What `bgpfo up --node` changes on a router host, as data: each change with the exact command that undoes it.
// Pure: built from the plan and what the host already has (HostFacts), so --dry-run and unit tests see it all.

import { join } from 'node:path';
import type { Plan, PlanNode } from '../orchestrator';
import { daemonEnvWords } from '../util/daemon-env';
import { shellLine } from '../lab/exec';
import { wgSetconfText } from '../lab/wireguard';

/** What the host has before `up` (probed by probe.ts). */
export interface HostFacts {
  /** Interface name -> its IPv4 addresses in CIDR form. */
  interfaces: Record<string, string[]>;
  /** Current values of the sysctls the node needs. */
  sysctls: Record<string, string | undefined>;
  /** Routes already present, as "TO via VIA dev DEV table T" keys (routeKey). */
  routes: string[];
  /** Rule priorities already taken. */
  rulePriorities: number[];
  /** `ip link add type wireguard` works (kernel module); else wireguard-go. */
  kernelWireguard: boolean;
  /** systemd is PID 1 (/run/systemd/system exists). */
  systemd: boolean;
  /** Files that exist already (a config `up` would replace is kept and put back by `down`). */
  existingFiles: string[];
}

export interface HostPaths {
  /** Config directory (default /etc/bgpfo): bgpfo.yaml, wireguard/<ifname>.conf. */
  configDir: string;
  /** Runtime directory (default /run/bgpfo): control socket, pid file and log of a background daemon. */
  runDir: string;
  /** Where the record of what `up` did is kept (default /var/lib/bgpfo). */
  stateDir: string;
  /** systemd unit directory (default /etc/systemd/system). */
  unitDir: string;
}

export type HostAction =
  | { kind: 'run'; why: string; argv: string[]; undo?: string[] }
  /** A file written from `content`; undo restores `backup` (the old file, moved aside) or removes it. */
  | { kind: 'file'; why: string; path: string; mode: number; content: string; backup?: string }
  /** The daemon started in the background (no systemd): undo stops the recorded pid. */
  | { kind: 'daemon'; why: string; argv: string[]; log: string; pidFile: string };

export type ServiceMode = 'auto' | 'systemd' | 'process';

export interface HostPlanOptions {
  paths: HostPaths;
  service: ServiceMode;
  /** How to run bgpfo (argv prefix). */
  bgpfoCommand: string[];
  /** bgpfo.yaml and the wg-quick files, already rendered (with keys) by the caller. */
  files: { bgpfoYaml: string; wireguard: Record<string, string>; systemdUnit: string };
}

export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

export function routeKey(r: { to: string; via: string; dev: string; table?: number }): string {
  return `${r.to} via ${r.via} dev ${r.dev} table ${r.table ?? 'main'}`;
}

export function bgpfoNode(plan: Plan, name: string): PlanNode {
  const node = plan.nodes.find((n) => n.name === name);
  if (!node) throw new HostError('ERR_HOST_NODE', `no node ${name} in ${plan.source}; routers and gateways: ${plan.nodes.filter((n) => n.role === 'onprem-router' || n.role === 'far-gateway').map((n) => n.name).join(', ')}`);
  if (node.role !== 'onprem-router' && node.role !== 'far-gateway') {
    throw new HostError('ERR_HOST_NODE', `${name} is a ${node.role}: bgpfo up brings up routers and gateways (the lab plays the other nodes)`);
  }
  if (node.runs !== 'bgpfo') throw new HostError('ERR_HOST_NODE', `${name} runs ${node.runs}, not bgpfo: configure it with the files of bgpfo render (nodes/${name}/)`);
  const other = node.interfaces.find((i) => i.purpose === 'tunnel' && i.kind !== 'wireguard');
  if (other) throw new HostError('ERR_HOST_TUNNEL', `${name}'s tunnel ${other.name} is ${other.kind}: bgpfo up sets up WireGuard tunnels only (for IPsec use the rendered swanctl.conf)`);
  return node;
}

export interface HostChanges {
  actions: HostAction[];
  /** What stops `up` on this host (a missing interface, a taken rule priority), each with its fix. */
  problems: string[];
}

/** Every change `up` makes on the host for `node`, in order; `down` undoes the applied ones in reverse. */
export function hostActions(plan: Plan, node: PlanNode, facts: HostFacts, o: HostPlanOptions): HostChanges {
  const out: HostAction[] = [];
  const problems: string[] = [];
  const { configDir, runDir, unitDir } = o.paths;
  const have = new Set(facts.existingFiles);
  const file = (why: string, path: string, mode: number, content: string) =>
    out.push({ kind: 'file', why, path, mode, content, ...(have.has(path) ? { backup: `${path}.bgpfo-saved` } : {}) });

  for (const [k, v] of Object.entries(node.sysctls)) {
    const old = facts.sysctls[k];
    if (old === v) continue;
    out.push({ kind: 'run', why: `sysctl ${k} (was ${old ?? 'unset'})`, argv: ['sysctl', '-qw', `${k}=${v}`], ...(old !== undefined ? { undo: ['sysctl', '-qw', `${k}=${old}`] } : {}) });
  }

  // Interfaces the host must already have (uplinks, LAN and twin links): only missing addresses are added.
  for (const i of node.interfaces.filter((x) => x.kind !== 'wireguard')) {
    const present = facts.interfaces[i.name];
    if (!present) {
      problems.push(`${node.name} needs an interface named ${i.name} (${i.purpose}${i.isp ? `, ${i.isp}` : ''}) and this host has none; rename the host's interface (ip link set DEV name ${i.name}) or adjust the topology`);
      continue;
    }
    for (const a of i.addresses) {
      if (present.includes(a)) continue;
      out.push({ kind: 'run', why: `address of ${i.name} (${i.purpose})`, argv: ['ip', 'addr', 'add', a, 'dev', i.name], undo: ['ip', 'addr', 'del', a, 'dev', i.name] });
    }
  }

  file('bgpfo daemon config', join(configDir, 'bgpfo.yaml'), 0o644, o.files.bgpfoYaml);
  for (const i of node.interfaces.filter((x) => x.kind === 'wireguard')) {
    const conf = join(configDir, 'wireguard', `${i.name}.conf`);
    const stripped = join(configDir, 'wireguard', `${i.name}.setconf`);
    file(`WireGuard ${i.name} (wg-quick format, holds the private key)`, conf, 0o600, o.files.wireguard[i.name]);
    file(`WireGuard ${i.name} as wg setconf reads it`, stripped, 0o600, wgSetconfText(o.files.wireguard[i.name]));
    if (facts.kernelWireguard) out.push({ kind: 'run', why: `tunnel ${i.tunnel} (kernel WireGuard)`, argv: ['ip', 'link', 'add', i.name, 'type', 'wireguard'], undo: ['ip', 'link', 'del', i.name] });
    // wireguard-go detaches and exits by itself when its interface is deleted.
    else out.push({ kind: 'run', why: `tunnel ${i.tunnel} (wireguard-go: no kernel module)`, argv: ['wireguard-go', i.name], undo: ['ip', 'link', 'del', i.name] });
    out.push({ kind: 'run', why: `keys and peer of ${i.name}`, argv: ['wg', 'setconf', i.name, stripped] });
    for (const a of i.addresses) out.push({ kind: 'run', why: `inner address of ${i.name}`, argv: ['ip', 'addr', 'add', a, 'dev', i.name] });
    if (i.mtu) out.push({ kind: 'run', why: `MTU of ${i.name}`, argv: ['ip', 'link', 'set', i.name, 'mtu', String(i.mtu)] });
    out.push({ kind: 'run', why: `${i.name} up`, argv: ['ip', 'link', 'set', i.name, 'up'] });
  }

  const routes = new Set(facts.routes);
  for (const r of node.routes) {
    if (routes.has(routeKey(r))) continue;
    const tbl = r.table ? ['table', String(r.table)] : [];
    out.push({ kind: 'run', why: `underlay route to ${r.to}`, argv: ['ip', 'route', 'add', r.to, 'via', r.via, 'dev', r.dev, ...tbl], undo: ['ip', 'route', 'del', r.to, 'via', r.via, 'dev', r.dev, ...tbl] });
  }
  for (const r of node.rules) {
    if (facts.rulePriorities.includes(r.priority)) {
      problems.push(`ip rule priority ${r.priority} is taken on this host; bgpfo needs it for ${r.fwmark !== undefined ? `fwmark 0x${r.fwmark.toString(16)}` : `from ${r.from}`} -> table ${r.table}`);
      continue;
    }
    const sel = r.fwmark !== undefined ? ['fwmark', `0x${r.fwmark.toString(16)}`] : ['from', r.from!];
    const spec = [...sel, 'table', String(r.table), 'priority', String(r.priority)];
    out.push({ kind: 'run', why: 'policy routing: this ISP\'s tunnels leave through this ISP', argv: ['ip', 'rule', 'add', ...spec], undo: ['ip', 'rule', 'del', ...spec] });
  }

  const systemd = o.service === 'systemd' || (o.service === 'auto' && facts.systemd);
  const config = join(configDir, 'bgpfo.yaml');
  if (systemd) {
    const unit = join(unitDir, 'bgpfo.service');
    file('systemd unit of the daemon', unit, 0o644, o.files.systemdUnit);
    out.push({ kind: 'run', why: 'systemd reads the unit', argv: ['systemctl', 'daemon-reload'] });
    out.push({ kind: 'run', why: 'start the daemon now and at boot', argv: ['systemctl', 'enable', '--now', 'bgpfo.service'], undo: ['systemctl', 'disable', '--now', 'bgpfo.service'] });
  } else {
    out.push({ kind: 'daemon', why: 'start the daemon in the background (no systemd)', argv: ['env', ...daemonEnvWords(), ...o.bgpfoCommand, 'daemon', '--config', config], log: join(runDir, 'bgpfo.log'), pidFile: join(runDir, 'bgpfo.pid') });
  }
  return { actions: out, problems };
}

/** The actions as a shell-like listing (for --dry-run). */
export function describeActions(actions: HostAction[], direction: 'up' | 'down'): string[] {
  const line = shellLine;
  const out: string[] = [];
  const list = direction === 'up' ? actions : [...actions].reverse();
  for (const a of list) {
    if (direction === 'up') {
      if (a.kind === 'run') out.push(`${line(a.argv)}    # ${a.why}`);
      if (a.kind === 'file') out.push(`${a.backup ? `mv ${a.path} ${a.backup}; ` : ''}write ${a.path} (mode ${a.mode.toString(8)}, ${a.content.split('\n').length - 1} lines)    # ${a.why}`);
      if (a.kind === 'daemon') out.push(`${line(a.argv)} >${a.log} 2>&1 &  (pid in ${a.pidFile})    # ${a.why}`);
    } else {
      if (a.kind === 'run' && a.undo) out.push(`${line(a.undo)}    # undo: ${a.why}`);
      if (a.kind === 'file') out.push(a.backup ? `mv ${a.backup} ${a.path}    # put back the old file` : `rm ${a.path}    # undo: ${a.why}`);
      if (a.kind === 'daemon') out.push(`kill $(cat ${a.pidFile})    # stop the daemon`);
    }
  }
  return out;
}
