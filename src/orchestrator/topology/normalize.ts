// From the schema's raw output to a Topology: the layout (two-site, multi-far, hub-and-spoke), defaults filled in,
// then the cross-field rules (ASN ranges, ISPs per mode, routers per site, cloud gateways and their providers'
// limits, overlapping prefixes), each with the line, the field and its fix.

import { classifyAsn } from '../../util/asn';
import { lineOfKey, lineOfPath, type FieldPath as SourcePath } from '../../util/yaml-source';
import { formatPath, type TopologyIssue } from './errors';
import type { RawTopology } from './schema';
import { CLOUD_PROFILES } from './cloud';
import { TOPOLOGY_DEFAULTS as D, type BgpSpec, type FarSite, type IspSpec, type Layout, type Liveness, type OnpremSite, type Topology, type TopologySource } from './types';
import { parseCidr, prefixesOverlap, type Ipv4Prefix } from '../plan/ipv4';
import { overlaps6, parseCidr6, type Ipv6Cidr } from '../plan/ipv6';

type Path = (string | number)[];

/** The line of `path`, or of its nearest ancestor present in the file. */
export function lineAt(source: TopologySource, path: SourcePath): number {
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

const isV6 = (p: string) => p.includes(':');

type RawFar = NonNullable<RawTopology['far']>;
type RawSpoke = NonNullable<RawTopology['spokes']>[number];
type RawLiveness = RawTopology['liveness'];
type RawBgp = RawTopology['bgp'];

export function normalizeTopology(raw: RawTopology, source: TopologySource): { topology: Topology; errors: TopologyIssue[] } {
  const errors: TopologyIssue[] = [];
  const warnings: TopologyIssue[] = [];
  const err = (path: Path, message: string, fix?: string) => errors.push({ line: lineAt(source, path), path: formatPath(path), message, fix });
  const warn = (path: Path, message: string, fix?: string) => warnings.push({ line: lineAt(source, path), path: formatPath(path), message, fix });
  source.data = raw;

  // ---- Layout: which keys the file uses decides it; mixing them is refused ----
  const has = (k: keyof RawTopology) => raw[k] !== undefined;
  const layout: Layout = has('hub') || has('spokes') ? 'hub-and-spoke' : has('far-sites') ? 'multi-far' : 'two-site';
  const needs = (k: keyof RawTopology, fix: string) => {
    if (!has(k)) err([k], 'required but missing', fix);
  };
  const refuse = (k: keyof RawTopology, why: string, fix: string) => {
    // At the key's own line (the mapping under it starts one line later).
    if (has(k)) errors.push({ line: lineOfKey(source.lines, [k]) ?? lineAt(source, [k]), path: k, message: why, fix });
  };
  if (layout === 'hub-and-spoke') {
    needs('hub', 'add hub: (the site every spoke connects to: name, asn, prefixes, runs, gateways)');
    needs('spokes', 'add spokes: (a list of sites, each with name, asn and prefixes)');
    for (const k of ['onprem', 'far', 'far-sites'] as const) refuse(k, `${k}: does not go with hub: and spokes:`, `a hub-and-spoke file lists its sites under hub: and spokes:; remove ${k}:`);
  } else {
    needs('onprem', 'add onprem: (name, asn, prefixes, routers)');
    needs('mode', 'add mode: active-active or mode: active-passive');
    needs('isps', 'add isps: (a list of {name, role})');
    if (layout === 'two-site') needs('far', 'add far: (name, asn, prefixes, runs, gateways), or far-sites: for several far sites');
    else refuse('far', 'far: does not go with far-sites:', 'move the far site into the far-sites: list');
  }

  // ---- Shared settings (two-site files: everything; others: defaults each site may override) ----
  const addressingRaw = raw.addressing;
  const multi = layout !== 'two-site';
  const innerPool =
    addressingRaw?.['inner-pool'] === undefined ? [...(multi ? D.innerPoolMulti : D.innerPool)] : ([] as string[]).concat(addressingRaw['inner-pool']);

  const farRaws: { raw: RawFar; path: Path }[] =
    layout === 'two-site' ? (raw.far ? [{ raw: raw.far, path: ['far'] }] : []) : layout === 'multi-far' ? (raw['far-sites'] ?? []).map((f, i) => ({ raw: f, path: ['far-sites', i] })) : raw.hub ? [{ raw: raw.hub, path: ['hub'] }] : [];
  type OnpremRaw = { name: string; asn: number; prefixes: string[]; lan?: RawSpoke['lan-router']; hosts?: number; routers?: RawSpoke['routers']; mode?: RawSpoke['mode']; isps?: RawSpoke['isps']; liveness?: RawLiveness; bgp?: RawBgp; path: Path; spoke: boolean };
  const onpremRaws: OnpremRaw[] =
    layout === 'hub-and-spoke'
      ? (raw.spokes ?? []).map((s, i) => ({ name: s.name, asn: s.asn, prefixes: s.prefixes, lan: s['lan-router'], hosts: s.hosts, routers: s.routers, mode: s.mode, isps: s.isps, liveness: s.liveness, bgp: s.bgp, path: ['spokes', i], spoke: true }))
      : raw.onprem
        ? [{ name: raw.onprem.name, asn: raw.onprem.asn, prefixes: raw.onprem.prefixes, lan: raw.onprem['lan-router'], hosts: raw.onprem.hosts, routers: raw.onprem.routers, path: ['onprem'], spoke: false }]
        : [];

  const allCloud = farRaws.length > 0 && farRaws.every((f) => f.raw.runs === 'cloud');
  const livenessOf = (own: RawLiveness | undefined): Liveness => {
    const l = own ?? raw.liveness;
    const method = l?.method ?? (allCloud ? 'probe' : 'bfd');
    const d = method === 'bfd' ? D.bfd : D.probe;
    return { method, intervalMs: l?.['interval-ms'] ?? d.intervalMs, multiplier: l?.multiplier ?? d.multiplier };
  };
  let topBgp: BgpSpec | undefined;
  const bgpOf = (own: RawBgp | undefined, path: Path): BgpSpec => {
    if (own === undefined && topBgp) return topBgp;
    if (own === undefined) return (topBgp = bgpFrom(undefined, path));
    return bgpFrom(own, path);
  };
  const bgpFrom = (own: RawBgp | undefined, path: Path): BgpSpec => {
    // A spoke's bgp: block overrides the top-level one key by key.
    const b = { ...(raw.bgp ?? {}), ...(own ?? {}) };
    const holdTime = b['hold-time'] ?? D.holdTime;
    const keepalive = b.keepalive ?? Math.floor(holdTime / 3);
    const bp = own?.['hold-time'] !== undefined || own?.keepalive !== undefined ? [...path, 'bgp'] : ['bgp'];
    if (holdTime > 0 && keepalive >= holdTime) err([...bp, 'keepalive'], `keepalive ${keepalive} s is not shorter than hold-time ${holdTime} s, so the session would expire between keepalives`, `use at most ${Math.floor(holdTime / 3)} (hold-time / 3)`);
    if (holdTime === 0 && b.keepalive !== undefined) err([...bp, 'keepalive'], 'hold-time 0 disables keepalives', 'remove keepalive, or set a hold-time');
    return {
      holdTime,
      keepalive,
      maxPrefixes: b['max-prefixes'] ?? D.maxPrefixes,
      backupPrepend: b['backup-prepend'] ?? D.backupPrepend,
      backupLocalPref: b['backup-local-pref'] ?? D.backupLocalPref,
      gracefulRestart: b['graceful-restart'] ?? false,
    };
  };

  // Site ASNs first, so LAN router defaults can step around them.
  const used = new Set<number>();
  for (const o of onpremRaws) [o.asn, o.lan?.asn].forEach((a) => a !== undefined && used.add(a));
  for (const f of farRaws) [f.raw.asn, f.raw['lan-router']?.asn].forEach((a) => a !== undefined && used.add(a));
  const lanAsn = (given: number | undefined, start: number) => {
    if (given !== undefined) return given;
    const a = pickFreeAsn(start, used);
    used.add(a);
    return a;
  };

  const onpremSites: OnpremSite[] = onpremRaws.map((o) => {
    const mode = o.mode ?? raw.mode ?? 'active-active';
    if (o.spoke && o.mode === undefined && raw.mode === undefined) err([...o.path, 'name'], `spoke "${o.name}" has no mode`, 'set mode: at the top (for every spoke) or in this spoke');
    const isps = (o.isps ?? raw.isps ?? []).map((i) => ({ name: i.name, role: i.role }));
    if (o.spoke && o.isps === undefined && raw.isps === undefined) err([...o.path, 'name'], `spoke "${o.name}" has no ISPs`, 'set isps: at the top (for every spoke) or in this spoke');
    const routers = (o.routers ?? D.spokeRouters.map((name) => ({ name, 'router-id': undefined, uplinks: undefined }))).map((r) => ({
      name: o.spoke ? `${o.name}-${r.name}` : r.name,
      routerId: r['router-id'],
      uplinks: r.uplinks ?? [],
    }));
    return {
      name: o.name,
      asn: o.asn,
      prefixes: o.prefixes,
      lanRouter: { name: o.lan?.name ?? `${o.name}-lan`, asn: lanAsn(o.lan?.asn, 65100), runs: o.lan?.runs ?? D.lanRouterRuns },
      hosts: o.hosts ?? D.hosts,
      path: o.path,
      routers,
      mode,
      isps,
      liveness: livenessOf(o.liveness),
      bgp: bgpOf(o.bgp, o.path),
    };
  });
  const farSites: FarSite[] = farRaws.map(({ raw: f, path }) => {
    const cloud = f.runs === 'cloud';
    const profile = f.cloud ? CLOUD_PROFILES[f.cloud] : undefined;
    const ownPool = f['inner-pool'] === undefined ? undefined : ([] as string[]).concat(f['inner-pool']);
    return {
      name: f.name,
      asn: f.asn,
      prefixes: f.prefixes,
      lanRouter: { name: f['lan-router']?.name ?? `${f.name}-lan`, asn: lanAsn(f['lan-router']?.asn, 65200), runs: f['lan-router']?.runs ?? D.lanRouterRuns },
      hosts: f.hosts ?? D.hosts,
      path,
      runs: f.runs,
      ...(cloud ? { standIn: f['stand-in'] ?? D.standIn } : {}),
      ...(f.cloud ? { cloud: f.cloud } : {}),
      gateways: f.gateways.map((g) => ({ name: g.name, routerId: g['router-id'], uplink: g.uplink })),
      // An Azure gateway takes its APIPA range only; other sites share the file's pool.
      innerPool: ownPool ?? (profile?.provider === 'azure' ? [...profile.innerRange] : innerPool),
    };
  });

  // ISPs of the whole file, in order of first appearance; one role per name.
  const isps: IspSpec[] = [];
  onpremSites.forEach((s) =>
    s.isps.forEach((isp, i) => {
      const prior = isps.find((x) => x.name === isp.name);
      if (!prior) isps.push(isp);
      else if (prior.role !== isp.role) {
        const where: Path = raw.isps && !onpremRaws.find((o) => o.path === s.path)?.isps ? ['isps', i, 'role'] : [...s.path, 'isps', i, 'role'];
        err(where, `ISP "${isp.name}" is ${isp.role} here but ${prior.role} at another site; an ISP's role (and its routing table) is the same everywhere`, 'give the ISP another name at this site');
      }
    }),
  );

  const first = onpremSites[0];
  // Stands in only while the file lacks its on-prem side (the errors above already say so).
  const placeholder: OnpremSite = first ?? {
    name: '',
    asn: 0,
    prefixes: [],
    lanRouter: { name: '', asn: 0, runs: 'bird' },
    hosts: 1,
    path: ['onprem'],
    routers: [],
    mode: raw.mode ?? 'active-active',
    isps: [],
    liveness: livenessOf(undefined),
    bgp: bgpOf(undefined, []),
  };
  const topology: Topology = {
    lab: raw.lab,
    description: raw.description,
    layout,
    mode: placeholder.mode,
    tunnel: { type: raw.tunnel.type, mtu: raw.tunnel.mtu ?? D.mtu[raw.tunnel.type], listenPort: raw.tunnel['listen-port'] ?? D.listenPort },
    // The hub's own LAN and iBGP sessions take the top-level settings, whatever a spoke overrides.
    liveness: layout === 'hub-and-spoke' ? livenessOf(undefined) : placeholder.liveness,
    bgp: layout === 'hub-and-spoke' ? bgpOf(undefined, []) : placeholder.bgp,
    addressing: {
      innerPool,
      innerPool6: addressingRaw?.['inner-pool-v6'] ?? D.innerPool6,
      transitPool: addressingRaw?.['transit-pool'] ?? (multi ? D.transitPoolMulti : D.transitPool),
      transitPool6: addressingRaw?.['transit-pool-v6'] ?? D.transitPool6,
      underlayPool: addressingRaw?.['underlay-pool'] ?? D.underlayPool,
    },
    isps,
    onprem: first ?? placeholder,
    far: farSites[0] ?? { ...placeholder, runs: 'bgpfo', gateways: [], innerPool, path: ['far'] },
    onpremSites,
    farSites,
    source,
    warnings,
  };
  if (errors.length > 0 && (!first || farSites.length === 0)) return { topology, errors };

  // ---- AS numbers: every site and LAN router its own (every session is eBGP except the twins' iBGP) ----
  const asnFields: [Path, number][] = [];
  for (const s of onpremSites) asnFields.push([[...s.path, 'asn'], s.asn]);
  for (const s of farSites) asnFields.push([[...s.path, 'asn'], s.asn]);
  onpremSites.forEach((s) => asnFields.push([[...s.path, 'lan-router', 'asn'], s.lanRouter.asn]));
  farSites.forEach((s) => asnFields.push([[...s.path, 'lan-router', 'asn'], s.lanRouter.asn]));
  for (const [path, asn] of asnFields) {
    const c = classifyAsn(asn);
    if (c.error) err(path, c.error, PRIVATE_HINT);
    if (c.warning) warn(path, c.warning);
  }
  const firstUse = new Map<number, Path>();
  for (const [path, asn] of asnFields) {
    const prior = firstUse.get(asn);
    if (prior) err(path, `AS ${asn} is already used by ${formatPath(prior)}; every session in the plan is eBGP except the twins' iBGP`, `give ${formatPath(path)} its own ASN`);
    else firstUse.set(asn, path);
  }

  // ---- ISPs and mode, per on-prem side site ----
  for (const s of onpremSites) {
    const o = onpremRaws.find((x) => x.path === s.path)!;
    const ispPath: Path = o.isps ? [...s.path, 'isps'] : ['isps'];
    const names = s.isps.map((i) => i.name);
    s.isps.forEach((isp, i) => {
      if (names.indexOf(isp.name) !== i) err([...ispPath, i, 'name'], `ISP "${isp.name}" is listed twice`, 'give each ISP a unique name');
    });
    const primaries = s.isps.filter((i) => i.role === 'primary').length;
    const backups = s.isps.length - primaries;
    const at = o.mode || o.isps ? [...s.path, o.isps ? 'isps' : 'mode'] : ispPath;
    if (s.mode === 'active-active' && (s.isps.length !== 1 || primaries !== 1)) {
      err(at, `active-active spreads traffic over one ISP's tunnels, so it takes exactly one ISP with role primary (got ${primaries} primary, ${backups} backup)`, 'list one primary ISP, or use mode: active-passive to add a backup ISP');
    }
    if (s.mode === 'active-passive' && (primaries !== 1 || backups !== 1)) {
      err(at, `active-passive needs one primary and one backup ISP (got ${primaries} primary, ${backups} backup)`, 'list two ISPs: one with role: primary, one with role: backup');
    }
    // ---- Redundancy: the whole design is void with a single on-prem router (a branch may accept one) ----
    if (s.routers.length < 2 && !o.spoke) {
      err([...s.path, 'routers'], 'one on-prem router is a single point of failure: when it fails, every tunnel fails with it', 'list two routers (they back each other up over iBGP)');
    }
    if (s.routers.length > 4) err([...s.path, 'routers'], `${s.routers.length} routers: the planner supports ${o.spoke ? 1 : 2}..4`, 'list at most 4 routers');
    // ---- Uplinks name ISPs of the site, once, with a gateway inside the subnet ----
    s.routers.forEach((r, i) => {
      const seen = new Set<string>();
      r.uplinks.forEach((u, j) => {
        const path: Path = [...s.path, 'routers', i, 'uplinks', j];
        if (!names.includes(u.isp)) err([...path, 'isp'], `no ISP named "${u.isp}"`, `use one of ${names.join(', ')}`);
        if (seen.has(u.isp)) err([...path, 'isp'], `a second uplink for ISP "${u.isp}"`, 'list one uplink per ISP');
        seen.add(u.isp);
        checkGateway(u.address, u.gateway, [...path, 'gateway']);
      });
    });
  }
  for (const f of farSites) {
    if (f.gateways.length > 4) err([...f.path, 'gateways'], `${f.gateways.length} gateways: the planner supports 1..4`, 'list at most 4 gateways');
    const profile = f.cloud ? CLOUD_PROFILES[f.cloud] : undefined;
    if (f.gateways.length === 1 && !profile) warn([...f.path, 'gateways'], 'one far gateway is a single point of failure on the far side', 'list two gateways (cloud VPN gateways have two instances)');
    f.gateways.forEach((g, i) => {
      if (g.uplink) checkGateway(g.uplink.address, g.uplink.gateway, [...f.path, 'gateways', i, 'uplink', 'gateway']);
    });
  }
  function checkGateway(address: string, gateway: string, path: Path) {
    const a = parseCidr(address, false)!;
    const g = parseCidr(`${gateway}/${a.length}`, false)!;
    const net = (x: number) => x - (x % 2 ** (32 - a.length));
    if (net(a.addr) !== net(g.addr) || a.addr === g.addr) err(path, `gateway ${gateway} is not another address in ${address}'s subnet`, 'use the ISP router\'s address on that subnet');
  }

  // ---- Names: every node becomes a namespace and part of interface names ----
  const siteNames = new Map<string, Path>();
  for (const s of [...farSites, ...onpremSites]) {
    const prior = siteNames.get(s.name);
    if (prior) {
      const fix = layout === 'two-site' ? 'give the two sites different names' : 'give every site its own name';
      err([...s.path, 'name'], layout === 'two-site' ? `site name "${s.name}" is also the on-prem site's name` : `site name "${s.name}" is also ${formatPath(prior)}'s name`, fix);
    } else siteNames.set(s.name, s.path);
  }
  const nodeNames = new Map<string, Path>([['internet', ['lab']]]);
  const claim = (nodeName: string, path: Path) => {
    const prior = nodeNames.get(nodeName);
    if (prior) err(path, `node name "${nodeName}" is already taken${prior[0] === 'lab' ? ' (the lab\'s internet node)' : ` by ${formatPath(prior)}`}`, 'rename one of them');
    else nodeNames.set(nodeName, path);
  };
  onpremSites.forEach((s) => s.routers.forEach((r, i) => claim(r.name, [...s.path, 'routers', i, 'name'])));
  farSites.forEach((s) => s.gateways.forEach((g, i) => claim(g.name, [...s.path, 'gateways', i, 'name'])));
  const claimedSites = new Set<string>();
  for (const s of [...onpremSites, ...farSites]) {
    // Names derived from a duplicated site name would only repeat the error above.
    if (claimedSites.has(s.name)) continue;
    claimedSites.add(s.name);
    const lanNamed = s.path.length === 1 ? (raw as unknown as Record<string, { 'lan-router'?: { name?: string } } | undefined>)[s.path[0] as string]?.['lan-router']?.name : undefined;
    const spokeLan = s.path[0] === 'spokes' ? raw.spokes?.[s.path[1] as number]?.['lan-router']?.name : s.path[0] === 'far-sites' ? raw['far-sites']?.[s.path[1] as number]?.['lan-router']?.name : undefined;
    claim(s.lanRouter.name, lanNamed || spokeLan ? [...s.path, 'lan-router', 'name'] : [...s.path, 'name']);
    for (let h = 1; h <= s.hosts; h++) claim(`${s.name}-h${h}`, [...s.path, 'hosts']);
  }

  // ---- Cloud gateways: no BFD, the provider's timers, routes and addresses ----
  for (const f of farSites) {
    const fr = farRaws.find((x) => x.path === f.path)!.raw;
    if (f.runs !== 'cloud') {
      if (fr['stand-in'] !== undefined) err([...f.path, 'stand-in'], `stand-in only applies to runs: cloud (this far side runs ${f.runs} itself)`, 'remove stand-in, or set runs: cloud');
      if (fr.cloud !== undefined) err([...f.path, 'cloud'], `cloud: names the provider of a cloud gateway (this far side runs ${f.runs} itself)`, 'remove cloud:, or set runs: cloud');
      continue;
    }
    const profile = f.cloud ? CLOUD_PROFILES[f.cloud] : undefined;
    for (const s of onpremSites) {
      // What the provider takes from us per session: our prefixes, and the halves probe steering adds.
      if (profile?.maxRoutesIn !== undefined) {
        const sent = s.prefixes.filter((p) => profile.ipv6 || !isV6(p)).length;
        if (sent > profile.maxRoutesIn) {
          err([...s.path, 'prefixes'], `${sent} prefixes, but ${profile.title} accepts at most ${profile.maxRoutesIn} routes per BGP session (${formatPath(f.path)}); the session would be torn down or routes dropped`, `summarize ${s.name}'s prefixes into at most ${profile.maxRoutesIn}`);
        } else if (s.liveness.method === 'probe' && sent * 3 > profile.maxRoutesIn) {
          warn([...s.path, 'prefixes'], `${sent} prefixes leave no room under ${profile.title}'s ${profile.maxRoutesIn}-route limit for the more-specifics that move its traffic off a dead tunnel at once; steering with more-specifics is off for ${formatPath(f.path)}, so its traffic moves only at its ${profile.holdTime} s hold timer`, `summarize into at most ${Math.floor(profile.maxRoutesIn / 3)} prefixes`);
        }
      }
      if (profile && !profile.ipv6 && s.prefixes.some(isV6) && f.prefixes.some(isV6)) {
        warn([...f.path, 'cloud'], `${profile.title} carries no IPv6 over these tunnels, so IPv6 between ${s.name} and ${f.name} is not planned`, 'reach the IPv6 prefixes another way, or drop them from this site');
      }
      if (profile && profile.reservedAsns.includes(s.asn)) err([...s.path, 'asn'], `${profile.title} reserves AS ${s.asn} and refuses it from its peers`, 'pick another private ASN');
    }
    if (!profile && onpremSites.some((s) => [65515, 65517, 65518, 65519, 65520].includes(s.asn))) {
      const s = onpremSites.find((x) => [65515, 65517, 65518, 65519, 65520].includes(x.asn))!;
      warn([...s.path, 'asn'], `Azure VPN gateways reserve AS ${s.asn} and refuse it from on-premises peers`, 'pick another private ASN');
    }
    if (profile && f.gateways.length !== profile.gateways) {
      warn([...f.path, 'gateways'], `${profile.title} gives each connection ${profile.gateways} tunnel endpoints; ${f.gateways.length} gateway${f.gateways.length === 1 ? '' : 's'} here`, `list ${profile.gateways} gateways`);
    }
    if (profile && fr['inner-pool'] !== undefined) {
      const inRange = f.innerPool.every((p) => profile.innerRange.some((r) => contains4(r, p)));
      if (!inRange) err([...f.path, 'inner-pool'], `${profile.title} takes tunnel inside addresses from ${profile.innerRange.join(', ')} only`, `use a pool inside ${profile.innerRange.join(', ')}`);
    }
    if (layout === 'two-site' && (raw.bgp?.['hold-time'] !== undefined || raw.bgp?.keepalive !== undefined)) {
      const k = profile?.keepalive ?? D.cloudKeepalive;
      const h = profile?.holdTime ?? D.cloudHoldTime;
      warn(['bgp'], `tunnel sessions to a cloud gateway use its fixed ${k}/${h} s keepalive/hold timers; bgp timers here apply to the LAN and iBGP sessions only`);
    }
  }
  // BFD towards gateways that are all cloud ones: refused once per liveness block that asks for it.
  if (allCloud) {
    const bfdAt: Path[] = [];
    if (raw.liveness?.method === 'bfd' && onpremRaws.some((o) => !o.liveness)) bfdAt.push(['liveness', 'method']);
    for (const o of onpremRaws) if (o.liveness?.method === 'bfd') bfdAt.push([...o.path, 'liveness', 'method']);
    for (const p of bfdAt) err(p, 'cloud VPN gateways do not run BFD, so a BFD session to them would never come up', 'use method: probe (bgpfo probes the tunnel from its side only)');
  }
  if (!allCloud && farSites.some((f) => f.runs === 'cloud') && (raw.liveness?.method === 'bfd' || onpremRaws.some((o) => o.liveness?.method === 'bfd'))) {
    const clouds = farSites.filter((x) => x.runs === 'cloud');
    const names = clouds.map((c) => c.name).join(', ');
    warn([...clouds[0].path, 'runs'], `${names} ${clouds.length > 1 ? 'are cloud gateways, which run' : 'is a cloud gateway, which runs'} no BFD: their tunnels use probe liveness (${D.probe.intervalMs} ms x ${D.probe.multiplier}) while the other sites' use BFD`, 'leave liveness out to get this without a warning');
  }

  // ---- Address space: site prefixes and pools must not collide (IPv4 and IPv6 apart) ----
  const spaces: { path: Path; label: string; p: Ipv4Prefix }[] = [];
  const spaces6: { path: Path; label: string; p: Ipv6Cidr }[] = [];
  const addSpace = (path: Path, label: string, text: string, defaulted = false) => {
    const shown = defaulted ? `${label} (the default ${formatPath(path)})` : label;
    if (isV6(text)) spaces6.push({ path, label: shown, p: parseCidr6(text, true)! });
    else {
      const c = parseCidr(text, true)!;
      spaces.push({ path, label: shown, p: { base: c.addr, length: c.length } });
    }
  };
  for (const s of onpremSites) s.prefixes.forEach((p, i) => addSpace([...s.path, 'prefixes', i], `${layout === 'two-site' ? 'on-prem' : s.name} prefix ${p}`, p));
  for (const s of farSites) s.prefixes.forEach((p, i) => addSpace([...s.path, 'prefixes', i], `${layout === 'two-site' ? 'far' : s.name} prefix ${p}`, p));
  const rawInner = addressingRaw?.['inner-pool'];
  innerPool.forEach((p, i) => addSpace(Array.isArray(rawInner) ? ['addressing', 'inner-pool', i] : ['addressing', 'inner-pool'], `inner pool ${p}`, p, rawInner === undefined));
  const transit = topology.addressing.transitPool;
  addSpace(['addressing', 'transit-pool'], `transit pool ${transit}`, transit, addressingRaw?.['transit-pool'] === undefined);
  const underlay = topology.addressing.underlayPool;
  if (topology.tunnel.type !== 'veth') addSpace(['addressing', 'underlay-pool'], `underlay pool ${underlay}`, underlay, addressingRaw?.['underlay-pool'] === undefined);
  const dualStack = [...onpremSites, ...farSites].some((s) => s.prefixes.some(isV6));
  if (dualStack) {
    addSpace(['addressing', 'inner-pool-v6'], `inner pool ${topology.addressing.innerPool6}`, topology.addressing.innerPool6, addressingRaw?.['inner-pool-v6'] === undefined);
    addSpace(['addressing', 'transit-pool-v6'], `transit pool ${topology.addressing.transitPool6}`, topology.addressing.transitPool6, addressingRaw?.['transit-pool-v6'] === undefined);
  }
  const overlapErrors = <P>(list: { path: Path; label: string; p: P }[], overlap: (a: P, b: P) => boolean) => {
    for (let i = 0; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        if (overlap(list[i].p, list[j].p)) {
          const pool = list[i].path[0] === 'addressing';
          err(list[i].path, `${list[i].label} overlaps ${list[j].label}`, pool ? `set ${formatPath(list[i].path.slice(0, 2))} to a range outside the site prefixes and the other pools` : 'make the two ranges disjoint');
        }
      }
    }
  };
  overlapErrors(spaces, prefixesOverlap);
  overlapErrors(spaces6, overlaps6);
  for (const s of [...onpremSites, ...farSites]) {
    const v4 = s.prefixes.findIndex((p) => !isV6(p));
    if (v4 < 0) {
      err([...s.path, 'prefixes'], 'no IPv4 prefix: the site\'s LAN segment, its links and the tunnels\' BGP sessions are IPv4 (IPv6 rides along on them)', 'add the site\'s IPv4 LAN prefix first');
      continue;
    }
    const c = parseCidr(s.prefixes[v4], true)!;
    if (c.length > 27) err([...s.path, 'prefixes', v4], `the first IPv4 prefix holds the site's LAN segment (router .1, hosts from .10) and a /${c.length} is too small`, 'make the first IPv4 prefix a /27 or larger');
    const v6 = s.prefixes.findIndex(isV6);
    if (v6 >= 0 && parseCidr6(s.prefixes[v6], true)!.length > 64) {
      err([...s.path, 'prefixes', v6], `the first IPv6 prefix holds the site's LAN /64 (router ::1, hosts from ::a) and a /${parseCidr6(s.prefixes[v6], true)!.length} is smaller`, 'make the first IPv6 prefix a /64 or larger');
    }
  }
  return { topology, errors };
}

/** Whether IPv4 prefix `inner` lies inside `outer`. */
function contains4(outer: string, inner: string): boolean {
  const o = parseCidr(outer, true)!;
  const i = parseCidr(inner, true)!;
  return i.length >= o.length && prefixesOverlap({ base: o.addr, length: o.length }, { base: i.addr, length: i.length });
}
