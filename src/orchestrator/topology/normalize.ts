// From the schema's raw output to a Topology: defaults filled in, then the cross-field rules (ASN ranges,
// ISPs per mode, no single router, cloud gateways without BFD, overlapping prefixes), each with its fix.

import { classifyAsn } from '../../util/asn';
import { lineOfPath, type FieldPath } from '../../util/yaml-source';
import { formatPath, type TopologyIssue } from './errors';
import type { RawTopology } from './schema';
import { TOPOLOGY_DEFAULTS as D, type Topology, type TopologySource } from './types';
import { parseCidr, prefixesOverlap, type Ipv4Prefix } from '../plan/ipv4';

type Path = (string | number)[];

/** The line of `path`, or of its nearest ancestor present in the file. */
export function lineAt(source: TopologySource, path: FieldPath): number {
  return lineOfPath(source.lines, path);
}

const PRIVATE_HINT = 'use a private ASN (64512..65534 or 4200000000..4294967294) or your registered one';

/** Shared with the daemon config (src/util/asn.ts); re-exported for the orchestrator's callers. */
export { classifyAsn };

function pickFreeAsn(start: number, used: Set<number>): number {
  let asn = start;
  while (used.has(asn)) asn++;
  return asn;
}

export function normalizeTopology(raw: RawTopology, source: TopologySource): { topology: Topology; errors: TopologyIssue[] } {
  const errors: TopologyIssue[] = [];
  const warnings: TopologyIssue[] = [];
  const err = (path: Path, message: string, fix?: string) => errors.push({ line: lineAt(source, path), path: formatPath(path), message, fix });
  const warn = (path: Path, message: string, fix?: string) => warnings.push({ line: lineAt(source, path), path: formatPath(path), message, fix });

  const cloud = raw.far.runs === 'cloud';
  const defaultLiveness = cloud ? { method: 'probe' as const, ...D.probe } : { method: 'bfd' as const, ...D.bfd };
  const method = raw.liveness?.method ?? defaultLiveness.method;
  const livenessDefaults = method === 'bfd' ? D.bfd : D.probe;
  const holdTime = raw.bgp?.['hold-time'] ?? D.holdTime;
  const keepalive = raw.bgp?.keepalive ?? Math.floor(holdTime / 3);

  // Site ASNs first, so LAN router defaults can step around them.
  const used = new Set([raw.onprem.asn, raw.far.asn, raw.onprem['lan-router']?.asn, raw.far['lan-router']?.asn].filter((a): a is number => a !== undefined));
  const onpremLanAsn = raw.onprem['lan-router']?.asn ?? pickFreeAsn(65100, used);
  used.add(onpremLanAsn);
  const farLanAsn = raw.far['lan-router']?.asn ?? pickFreeAsn(65200, used);

  const topology: Topology = {
    lab: raw.lab,
    description: raw.description,
    mode: raw.mode,
    tunnel: { type: raw.tunnel.type, mtu: raw.tunnel.mtu ?? D.mtu[raw.tunnel.type], listenPort: raw.tunnel['listen-port'] ?? D.listenPort },
    liveness: { method, intervalMs: raw.liveness?.['interval-ms'] ?? livenessDefaults.intervalMs, multiplier: raw.liveness?.multiplier ?? livenessDefaults.multiplier },
    bgp: {
      holdTime,
      keepalive,
      maxPrefixes: raw.bgp?.['max-prefixes'] ?? D.maxPrefixes,
      backupPrepend: raw.bgp?.['backup-prepend'] ?? D.backupPrepend,
      backupLocalPref: raw.bgp?.['backup-local-pref'] ?? D.backupLocalPref,
      gracefulRestart: raw.bgp?.['graceful-restart'] ?? false,
    },
    addressing: {
      innerPool: raw.addressing?.['inner-pool'] === undefined ? [...D.innerPool] : ([] as string[]).concat(raw.addressing['inner-pool']),
      transitPool: raw.addressing?.['transit-pool'] ?? D.transitPool,
      underlayPool: raw.addressing?.['underlay-pool'] ?? D.underlayPool,
    },
    isps: raw.isps.map((i) => ({ name: i.name, role: i.role })),
    onprem: {
      name: raw.onprem.name,
      asn: raw.onprem.asn,
      prefixes: raw.onprem.prefixes,
      lanRouter: { name: raw.onprem['lan-router']?.name ?? `${raw.onprem.name}-lan`, asn: onpremLanAsn, runs: raw.onprem['lan-router']?.runs ?? D.lanRouterRuns },
      hosts: raw.onprem.hosts ?? D.hosts,
      routers: raw.onprem.routers.map((r) => ({ name: r.name, routerId: r['router-id'], uplinks: r.uplinks ?? [] })),
    },
    far: {
      name: raw.far.name,
      asn: raw.far.asn,
      prefixes: raw.far.prefixes,
      lanRouter: { name: raw.far['lan-router']?.name ?? `${raw.far.name}-lan`, asn: farLanAsn, runs: raw.far['lan-router']?.runs ?? D.lanRouterRuns },
      hosts: raw.far.hosts ?? D.hosts,
      runs: raw.far.runs,
      standIn: cloud ? (raw.far['stand-in'] ?? D.standIn) : undefined,
      gateways: raw.far.gateways.map((g) => ({ name: g.name, routerId: g['router-id'], uplink: g.uplink })),
    },
    source,
    warnings,
  };

  // ---- AS numbers ----
  const asnFields: [Path, number][] = [
    [['onprem', 'asn'], topology.onprem.asn],
    [['far', 'asn'], topology.far.asn],
    [['onprem', 'lan-router', 'asn'], topology.onprem.lanRouter.asn],
    [['far', 'lan-router', 'asn'], topology.far.lanRouter.asn],
  ];
  for (const [path, asn] of asnFields) {
    const c = classifyAsn(asn);
    if (c.error) err(path, c.error, PRIVATE_HINT);
    if (c.warning) warn(path, c.warning);
  }
  for (let i = 0; i < asnFields.length; i++) {
    for (let j = 0; j < i; j++) {
      if (asnFields[i][1] === asnFields[j][1]) {
        err(asnFields[i][0], `AS ${asnFields[i][1]} is already used by ${formatPath(asnFields[j][0])}; every session in the plan is eBGP except the twins' iBGP`, `give ${formatPath(asnFields[i][0])} its own ASN`);
      }
    }
  }
  if (cloud && [65515, 65517, 65518, 65519, 65520].includes(topology.onprem.asn)) {
    warn(['onprem', 'asn'], `Azure VPN gateways reserve AS ${topology.onprem.asn} and refuse it from on-premises peers`, 'pick another private ASN');
  }

  // ---- ISPs and mode ----
  const ispNames = topology.isps.map((i) => i.name);
  topology.isps.forEach((isp, i) => {
    if (ispNames.indexOf(isp.name) !== i) err(['isps', i, 'name'], `ISP "${isp.name}" is listed twice`, 'give each ISP a unique name');
  });
  const primaries = topology.isps.filter((i) => i.role === 'primary').length;
  const backups = topology.isps.length - primaries;
  if (topology.mode === 'active-active' && (topology.isps.length !== 1 || primaries !== 1)) {
    err(['isps'], `active-active spreads traffic over one ISP's tunnels, so it takes exactly one ISP with role primary (got ${primaries} primary, ${backups} backup)`, 'list one primary ISP, or use mode: active-passive to add a backup ISP');
  }
  if (topology.mode === 'active-passive' && (primaries !== 1 || backups !== 1)) {
    err(['isps'], `active-passive needs one primary and one backup ISP (got ${primaries} primary, ${backups} backup)`, 'list two ISPs: one with role: primary, one with role: backup');
  }

  // ---- Redundancy: the whole design is void with a single on-prem router ----
  if (topology.onprem.routers.length < 2) {
    err(['onprem', 'routers'], 'one on-prem router is a single point of failure: when it fails, every tunnel fails with it', 'list two routers (they back each other up over iBGP)');
  }
  if (topology.onprem.routers.length > 4) err(['onprem', 'routers'], `${topology.onprem.routers.length} routers: the planner supports 2..4`, 'list at most 4 routers');
  if (topology.far.gateways.length > 4) err(['far', 'gateways'], `${topology.far.gateways.length} gateways: the planner supports 1..4`, 'list at most 4 gateways');
  if (topology.far.gateways.length === 1) warn(['far', 'gateways'], 'one far gateway is a single point of failure on the far side', 'list two gateways (cloud VPN gateways have two instances)');

  // ---- Names: every node becomes a namespace and part of interface names ----
  if (topology.onprem.name === topology.far.name) err(['far', 'name'], `site name "${topology.far.name}" is also the on-prem site's name`, 'give the two sites different names');
  const nodeNames = new Map<string, Path>([['internet', ['lab']]]);
  const claim = (nodeName: string, path: Path) => {
    const prior = nodeNames.get(nodeName);
    if (prior) err(path, `node name "${nodeName}" is already taken${prior[0] === 'lab' ? ' (the lab\'s internet node)' : ` by ${formatPath(prior)}`}`, 'rename one of them');
    else nodeNames.set(nodeName, path);
  };
  topology.onprem.routers.forEach((r, i) => claim(r.name, ['onprem', 'routers', i, 'name']));
  topology.far.gateways.forEach((g, i) => claim(g.name, ['far', 'gateways', i, 'name']));
  for (const site of ['onprem', 'far'] as const) {
    const s = topology[site];
    // Names derived from a duplicated site name would only repeat the error above.
    if (site === 'far' && s.name === topology.onprem.name) break;
    claim(s.lanRouter.name, raw[site]['lan-router']?.name ? [site, 'lan-router', 'name'] : [site, 'name']);
    for (let h = 1; h <= s.hosts; h++) claim(`${s.name}-h${h}`, [site, 'hosts']);
  }

  // ---- Uplinks name ISPs that exist, once, with a gateway inside the subnet ----
  topology.onprem.routers.forEach((r, i) => {
    const seen = new Set<string>();
    r.uplinks.forEach((u, j) => {
      const path: Path = ['onprem', 'routers', i, 'uplinks', j];
      if (!ispNames.includes(u.isp)) err([...path, 'isp'], `no ISP named "${u.isp}"`, `use one of ${ispNames.join(', ')}`);
      if (seen.has(u.isp)) err([...path, 'isp'], `a second uplink for ISP "${u.isp}"`, 'list one uplink per ISP');
      seen.add(u.isp);
      checkGateway(u.address, u.gateway, [...path, 'gateway']);
    });
  });
  topology.far.gateways.forEach((g, i) => {
    if (g.uplink) checkGateway(g.uplink.address, g.uplink.gateway, ['far', 'gateways', i, 'uplink', 'gateway']);
  });
  function checkGateway(address: string, gateway: string, path: Path) {
    const a = parseCidr(address, false)!;
    const g = parseCidr(`${gateway}/${a.length}`, false)!;
    const net = (x: number) => x - (x % 2 ** (32 - a.length));
    if (net(a.addr) !== net(g.addr) || a.addr === g.addr) err(path, `gateway ${gateway} is not another address in ${address}'s subnet`, 'use the ISP router\'s address on that subnet');
  }

  // ---- Cloud gateways: no BFD, fixed timers ----
  if (cloud) {
    if (raw.liveness?.method === 'bfd') {
      err(['liveness', 'method'], 'cloud VPN gateways do not run BFD, so a BFD session to them would never come up', 'use method: probe (bgpfo probes the tunnel from its side only)');
    }
    if (raw.bgp?.['hold-time'] !== undefined || raw.bgp?.keepalive !== undefined) {
      warn(['bgp'], `tunnel sessions to a cloud gateway use its fixed ${D.cloudKeepalive}/${D.cloudHoldTime} s keepalive/hold timers; bgp timers here apply to the LAN and iBGP sessions only`);
    }
  } else if (raw.far['stand-in'] !== undefined) {
    err(['far', 'stand-in'], `stand-in only applies to runs: cloud (this far side runs ${raw.far.runs} itself)`, 'remove stand-in, or set runs: cloud');
  }
  if (holdTime > 0 && keepalive >= holdTime) err(['bgp', 'keepalive'], `keepalive ${keepalive} s is not shorter than hold-time ${holdTime} s, so the session would expire between keepalives`, `use at most ${Math.floor(holdTime / 3)} (hold-time / 3)`);
  if (holdTime === 0 && raw.bgp?.keepalive !== undefined) err(['bgp', 'keepalive'], 'hold-time 0 disables keepalives', 'remove keepalive, or set a hold-time');

  // ---- Address space: site prefixes and pools must not collide ----
  const spaces: { path: Path; label: string; p: Ipv4Prefix }[] = [];
  const addSpace = (path: Path, label: string, text: string, defaulted = false) => {
    const c = parseCidr(text, true)!;
    spaces.push({ path, label: defaulted ? `${label} (the default ${formatPath(path)})` : label, p: { base: c.addr, length: c.length } });
  };
  topology.onprem.prefixes.forEach((p, i) => addSpace(['onprem', 'prefixes', i], `on-prem prefix ${p}`, p));
  topology.far.prefixes.forEach((p, i) => addSpace(['far', 'prefixes', i], `far prefix ${p}`, p));
  const rawInner = raw.addressing?.['inner-pool'];
  topology.addressing.innerPool.forEach((p, i) =>
    addSpace(Array.isArray(rawInner) ? ['addressing', 'inner-pool', i] : ['addressing', 'inner-pool'], `inner pool ${p}`, p, rawInner === undefined),
  );
  const transit = topology.addressing.transitPool;
  addSpace(['addressing', 'transit-pool'], `transit pool ${transit}`, transit, raw.addressing?.['transit-pool'] === undefined);
  const underlay = topology.addressing.underlayPool;
  if (topology.tunnel.type !== 'veth') addSpace(['addressing', 'underlay-pool'], `underlay pool ${underlay}`, underlay, raw.addressing?.['underlay-pool'] === undefined);
  for (let i = 0; i < spaces.length; i++) {
    for (let j = 0; j < i; j++) {
      if (prefixesOverlap(spaces[i].p, spaces[j].p)) {
        const pool = spaces[i].path[0] === 'addressing';
        err(spaces[i].path, `${spaces[i].label} overlaps ${spaces[j].label}`, pool ? `set ${formatPath(spaces[i].path.slice(0, 2))} to a range outside the site prefixes and the other pools` : 'make the two ranges disjoint');
      }
    }
  }
  for (const site of ['onprem', 'far'] as const) {
    const first = parseCidr(topology[site].prefixes[0], true)!;
    if (first.length > 27) err([site, 'prefixes', 0], `the first prefix holds the site's LAN segment (router .1, hosts from .10) and a /${first.length} is too small`, 'make the first prefix a /27 or larger');
  }
  return { topology, errors };
}
