// buildPlan: topology -> plan. Per connection (the on-prem site with its far site, each spoke with the hub, or the
// on-prem site with each of its far sites): the routers x gateways mesh over the primary ISP, and again over the
// backup ISP (prepended) in active/passive; then each site's LAN side, links, uplinks and sessions.

import { basename } from 'node:path';
import { TopologyError, formatTopologyIssue, type TopologyIssue } from '../topology/errors';
import { CLOUD_PROFILES } from '../topology/cloud';
import type { Daemon, FarSite, OnpremSite, SiteSpec, Topology } from '../topology/types';
import { addrOf, allocate30s, lanSegment, type P2p } from './addressing';
import { checkPlan, type Blame } from './check';
import { lanSegment6, nth126, parseCidr6, type P2p6 } from './ipv6';
import { buildSessions, type Connection, type SiteNodes } from './sessions';
import {
  PLAN_FORMAT,
  type Plan,
  type PlanCloud,
  type PlanConnection,
  type PlanInterface,
  type PlanIsp,
  type PlanLink,
  type PlanNode,
  type PlanSite,
  type PlanTestClient,
  type PlanTunnel,
  type Site,
} from './types';

const FORWARDING: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  // ECMP and a twin forwarding for its partner make paths asymmetric; strict reverse-path checks would drop them.
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
};
/** Hash ECMP on the 5-tuple so many connections between two hosts spread over all tunnels. */
const ECMP_L4 = { 'net.ipv4.fib_multipath_hash_policy': '1' };
/** Dual-stack nodes: addresses usable at once (no 1-2 s of duplicate address detection in a fresh namespace). */
const NO_DAD = { 'net.ipv6.conf.all.accept_dad': '0', 'net.ipv6.conf.default.accept_dad': '0' };
const FORWARDING6 = { 'net.ipv6.conf.all.forwarding': '1', 'net.ipv6.fib_multipath_hash_policy': '1' };

const isV6 = (p: string) => p.includes(':');
type Path = (string | number)[];

/** Plans a validated topology. Deterministic; throws TopologyError when pools run out or names do not fit. */
export function buildPlan(topology: Topology): Plan {
  const issues: TopologyIssue[] = [];
  const blame: Blame = {};
  const lab = topology.lab;
  const veth = topology.tunnel.type === 'veth';
  const multi = topology.layout !== 'two-site';
  const multiIsp = topology.isps.length > 1;
  const nodes: PlanNode[] = [];
  const links: PlanLink[] = [];
  const byName = new Map<string, PlanNode>();
  const sitesV6 = (s: SiteSpec) => s.prefixes.some(isV6);
  const dualStack = [...topology.onpremSites, ...topology.farSites].some(sitesV6);

  const isps: PlanIsp[] = topology.isps.map((i, k) => ({
    name: i.name,
    role: i.role,
    index: k + 1,
    ...(multiIsp ? { fwmark: 100 + k + 1, table: 100 + k + 1 } : {}),
  }));
  const ispByName = new Map(isps.map((i) => [i.name, i]));

  const node = (n: Omit<PlanNode, 'namespace' | 'interfaces' | 'routes' | 'rules' | 'originate'> & Partial<PlanNode>): PlanNode => {
    const full: PlanNode = { namespace: `bgpfo-${lab}-${n.name}`, interfaces: [], routes: [], rules: [], originate: [], ...n };
    nodes.push(full);
    byName.set(full.name, full);
    return full;
  };
  const iface = (n: PlanNode, i: PlanInterface, why: Path[]) => {
    n.interfaces.push(i);
    blame[`${n.name}/${i.name}`] = why;
  };
  const link = (l: PlanLink) => links.push(l);

  // ---- Connections: which sites are joined, with whose mode, ISPs and liveness ----
  const pairs: { o: OnpremSite; f: FarSite }[] =
    topology.layout === 'hub-and-spoke' ? topology.onpremSites.map((o) => ({ o, f: topology.farSites[0] })) : topology.farSites.map((f) => ({ o: topology.onprem, f }));
  const connections: Connection[] = pairs.map(({ o, f }) => {
    const profile = f.cloud ? CLOUD_PROFILES[f.cloud] : undefined;
    const cloud = f.runs === 'cloud';
    // A cloud gateway runs no BFD: towards one, the site's BFD becomes the probe at its defaults.
    const liveness = cloud && o.liveness.method === 'bfd' ? { method: 'probe' as const, intervalMs: 200, multiplier: 5 } : { ...o.liveness };
    const ipv6 = sitesV6(o) && sitesV6(f) && (!profile || profile.ipv6);
    const ispsHere = o.isps.map((i) => ispByName.get(i.name)!).sort((a, b) => a.index - b.index);
    // More-specifics steering adds up to two halves per prefix: only while the provider's route limit has room.
    const sent = o.prefixes.filter((p) => ipv6 || !isV6(p)).length;
    const noSteering = profile?.maxRoutesIn !== undefined && sent * 3 > profile.maxRoutesIn;
    return { name: `${o.name}-${f.name}`, onprem: o, far: f, liveness, ipv6, isps: ispsHere, profile, tunnels: [], noSteering };
  });
  const connOf = new Map<string, Connection>(); // router or gateway name -> connections it is in

  // ---- Tunnels: per connection, ISP order, then routers, then gateways (t1 = first ISP, first router, first gateway) ----
  const specs = connections.flatMap((c) => c.isps.flatMap((isp) => c.onprem.routers.flatMap((r, ri) => c.far.gateways.map((g, gi) => ({ c, isp, r, ri, g, gi })))));
  const inner: P2p[] = new Array(specs.length);
  {
    // One allocation per pool (sites with the same pool share it), in order of first use; blocks never repeat.
    const taken = new Set<number>();
    const groups = new Map<string, number[]>();
    specs.forEach((s, k) => {
      const key = s.c.far.innerPool.join(',');
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(k);
    });
    for (const [key, ks] of groups) {
      const pools = key.split(',');
      const far = specs[ks[0]].c.far;
      const own = far.innerPool !== topology.addressing.innerPool;
      const field: Path = own ? [...far.path, far.cloud && !topology.source.lines[`${formatField([...far.path, 'inner-pool'])}`] ? 'cloud' : 'inner-pool'] : ['addressing', 'inner-pool'];
      const why = multi
        ? `one per tunnel: ${ks.length} tunnels${own ? ` to ${far.name}` : ''}`
        : `one per tunnel: ${topology.onprem.routers.length} routers x ${topology.far.gateways.length} gateways x ${isps.length} ISP${isps.length > 1 ? 's' : ''}`;
      // A provider's fixed range cannot grow: say what can change instead.
      const fixed = far.cloud && own && field[field.length - 1] === 'cloud' ? CLOUD_PROFILES[far.cloud] : undefined;
      const fixedFix = fixed && `${fixed.title} takes tunnel inside addresses from ${fixed.innerRange.join(', ')} only: plan fewer tunnels to ${far.name} (fewer sites, routers or ISPs on it)`;
      const got = allocate30s(topology, pools, field, ks.length, why, issues, taken, fixedFix);
      ks.forEach((k, i) => (inner[k] = got[i]));
    }
  }
  const inner6 = (k: number): P2p6 | undefined => (dualStack ? (nth126(parseCidr6(topology.addressing.innerPool6, true)!, k) ?? undefined) : undefined);

  // ---- Transit /30s: each site's edge <-> LAN router links, then twin links ----
  const allSites: { spec: OnpremSite | FarSite; side: Site; edges: { name: string; path: Path; blame: Path[] }[] }[] = [
    ...topology.onpremSites.map((s) => ({
      spec: s,
      side: 'onprem' as const,
      edges: s.routers.map((r, i) => ({ name: r.name, path: [...s.path, 'routers', i, 'name'], blame: routerBlame(topology, s, i) })),
    })),
    ...topology.farSites.map((s) => ({ spec: s, side: 'far' as const, edges: s.gateways.map((g, i) => ({ name: g.name, path: [...s.path, 'gateways', i, 'name'], blame: [[...s.path, 'gateways', i, 'name']] })) })),
  ];
  const twinPairs = <T>(xs: T[]) => xs.flatMap((x, i) => xs.slice(i + 1).map((y, d) => [x, y, i, i + 1 + d] as const));
  // Two-site plans keep their order (all edge links, then all twin links); others group each site's links.
  const transitOrder: { site: (typeof allSites)[number]; kind: 'edge' | 'twin'; i: number }[] = [];
  if (!multi) {
    for (const s of allSites) s.edges.forEach((_, i) => transitOrder.push({ site: s, kind: 'edge', i }));
    for (const s of allSites) twinPairs(s.edges).forEach((_, i) => transitOrder.push({ site: s, kind: 'twin', i }));
  } else {
    const farFirst = [...allSites.filter((s) => s.side === 'far'), ...allSites.filter((s) => s.side === 'onprem')];
    for (const s of farFirst) {
      s.edges.forEach((_, i) => transitOrder.push({ site: s, kind: 'edge', i }));
      twinPairs(s.edges).forEach((_, i) => transitOrder.push({ site: s, kind: 'twin', i }));
    }
  }
  const transitWhy = multi ? `router-to-LAN-router and twin links of all ${allSites.length} sites` : 'router-to-LAN-router and twin links of both sites';
  const transit = allocate30s(topology, [topology.addressing.transitPool], ['addressing', 'transit-pool'], transitOrder.length, transitWhy, issues);
  const transitPool6 = dualStack ? parseCidr6(topology.addressing.transitPool6, true)! : undefined;
  const transitOf = new Map<string, { v4: P2p; v6?: P2p6 }>();
  transitOrder.forEach((t, k) => {
    const v6 = transitPool6 && sitesV6(t.site.spec) ? (nth126(transitPool6, k) ?? undefined) : undefined;
    transitOf.set(`${t.site.spec.name}/${t.kind}/${t.i}`, { v4: transit[k], ...(v6 ? { v6 } : {}) });
  });

  // ---- Underlay: the lab's stand-in for the internet (not needed when tunnels are plain veths) ----
  const siteIsps = (s: OnpremSite) => s.isps.map((i) => ispByName.get(i.name)!).sort((a, b) => a.index - b.index);
  const labUplinks = (s: OnpremSite, r: OnpremSite['routers'][number]) => siteIsps(s).filter((i) => !r.uplinks.some((u) => u.isp === i.name)).length;
  const uplinkCount = veth
    ? 0
    : topology.onpremSites.reduce((n, s) => n + s.routers.reduce((m, r) => m + labUplinks(s, r), 0), 0) + topology.farSites.reduce((n, f) => n + f.gateways.filter((g) => !g.uplink).length, 0);
  const underlay = allocate30s(topology, [topology.addressing.underlayPool], ['addressing', 'underlay-pool'], uplinkCount, 'one per router uplink and gateway uplink', issues);
  let ui = 0;
  const internet = veth ? undefined : node({ name: 'internet', role: 'internet', site: 'underlay', runs: 'none', sysctls: { ...FORWARDING } });

  // ---- LAN sides ----
  const siteNodes = new Map<string, SiteNodes & { segment: ReturnType<typeof lanSegment>; segment6?: ReturnType<typeof lanSegment6> }>();
  const siteOrder = multi ? [...allSites.filter((s) => s.side === 'far'), ...allSites.filter((s) => s.side === 'onprem')] : allSites;
  for (const { spec: s, side } of siteOrder) {
    const v6 = sitesV6(s);
    const segment = lanSegment(s.prefixes.find((p) => !isV6(p))!);
    const segment6 = v6 ? lanSegment6(s.prefixes.find(isV6)!) : undefined;
    const at = multi ? { siteName: s.name } : {};
    const lan = node({
      name: s.lanRouter.name,
      role: 'lan-router',
      site: side,
      ...at,
      runs: s.lanRouter.runs,
      asn: s.lanRouter.asn,
      routerId: addrOf(segment.gateway),
      sysctls: { ...FORWARDING, ...ECMP_L4, ...(v6 ? { ...FORWARDING6, ...NO_DAD } : dualStack ? NO_DAD : {}) },
      originate: [...s.prefixes],
    });
    iface(lan, { name: 'lan0', kind: 'bridge', purpose: 'lan', addresses: [segment.gateway, ...(segment6 ? [segment6.gateway] : [])] }, [[...s.path, 'name']]);
    const hosts: PlanNode[] = [];
    for (let h = 1; h <= s.hosts; h++) {
      const host = node({ name: `${s.name}-h${h}`, role: 'host', site: side, ...at, runs: 'none', sysctls: dualStack ? { ...NO_DAD } : {} });
      const id = `${host.name}--${lan.name}`;
      iface(host, { name: 'lan', kind: 'veth', purpose: 'lan', addresses: [segment.host(h), ...(segment6 ? [segment6.host(h)] : [])], link: id }, [[...s.path, 'hosts']]);
      iface(lan, { name: host.name, kind: 'veth', purpose: 'lan', addresses: [], master: 'lan0', link: id }, [[...s.path, 'name']]);
      host.routes.push({ to: 'default', via: addrOf(segment.gateway), dev: 'lan' });
      if (segment6) host.routes.push({ to: '::/0', via: segment6.gatewayAddr, dev: 'lan' });
      link({ id, kind: 'veth', purpose: 'lan', a: { node: host.name, ifname: 'lan' }, b: { node: lan.name, ifname: host.name } });
      hosts.push(host);
    }
    siteNodes.set(s.name, { lan, edges: [], hosts, segment, ...(segment6 ? { segment6 } : {}) });
  }

  const lanTransit = (s: SiteSpec, i: number, edge: PlanNode, why: Path[]) => {
    const t = transitOf.get(`${s.name}/edge/${i}`)!;
    const lan = siteNodes.get(s.name)!.lan;
    const id = `${edge.name}--${lan.name}`;
    iface(edge, { name: 'lan', kind: 'veth', purpose: 'transit', addresses: [t.v4.high, ...(t.v6 ? [t.v6.high] : [])], link: id }, why);
    iface(lan, { name: edge.name, kind: 'veth', purpose: 'transit', addresses: [t.v4.low, ...(t.v6 ? [t.v6.low] : [])], link: id }, why);
    link({ id, kind: 'veth', purpose: 'transit', a: { node: edge.name, ifname: 'lan' }, b: { node: lan.name, ifname: edge.name } });
    return t.v4;
  };

  for (const s of topology.onpremSites) {
    const v6 = sitesV6(s);
    s.routers.forEach((r, i) => {
      const n = node({
        name: r.name,
        role: 'onprem-router',
        site: 'onprem',
        ...(multi ? { siteName: s.name } : {}),
        runs: 'bgpfo',
        asn: s.asn,
        sysctls: { ...FORWARDING, ...ECMP_L4, ...(v6 ? { ...FORWARDING6, ...NO_DAD } : dualStack ? NO_DAD : {}) },
      });
      const t = lanTransit(s, i, n, routerBlame(topology, s, i).slice(-1));
      n.routerId = r.routerId ?? t.highAddr;
      siteNodes.get(s.name)!.edges.push(n);
    });
  }
  for (const f of topology.farSites) {
    const v6 = sitesV6(f);
    const cloud = f.runs === 'cloud';
    const edgeRuns: Daemon = f.runs === 'cloud' ? f.standIn! : f.runs;
    f.gateways.forEach((g, i) => {
      const n = node({
        name: g.name,
        role: 'far-gateway',
        site: 'far',
        ...(multi ? { siteName: f.name } : {}),
        runs: edgeRuns,
        asn: f.asn,
        sysctls: { ...FORWARDING, ...ECMP_L4, ...(v6 ? { ...FORWARDING6, ...NO_DAD } : dualStack ? NO_DAD : {}) },
        ...(cloud ? { emulates: 'cloud-gateway' as const } : {}),
      });
      const t = lanTransit(f, i, n, [[...f.path, 'gateways', i, 'name']]);
      n.routerId = g.routerId ?? t.highAddr;
      siteNodes.get(f.name)!.edges.push(n);
    });
  }
  const twins: { site: SiteSpec; a: string; b: string; p2p: P2p; p2p6?: P2p6 }[] = [];
  const twinOrder = multi ? transitOrder.filter((t) => t.kind === 'twin') : transitOrder.filter((t) => t.kind === 'twin');
  for (const t of twinOrder) {
    const [x, y] = twinPairs(t.site.edges)[t.i];
    const a = byName.get(x.name)!;
    const b = byName.get(y.name)!;
    const tr = transitOf.get(`${t.site.spec.name}/twin/${t.i}`)!;
    const id = `${a.name}--${b.name}`;
    iface(a, { name: `ib-${b.name}`, kind: 'veth', purpose: 'twin', addresses: [tr.v4.low, ...(tr.v6 ? [tr.v6.low] : [])], link: id }, [y.path]);
    iface(b, { name: `ib-${a.name}`, kind: 'veth', purpose: 'twin', addresses: [tr.v4.high, ...(tr.v6 ? [tr.v6.high] : [])], link: id }, [x.path]);
    link({ id, kind: 'veth', purpose: 'twin', a: { node: a.name, ifname: `ib-${b.name}` }, b: { node: b.name, ifname: `ib-${a.name}` } });
    twins.push({ site: t.site.spec, a: a.name, b: b.name, p2p: tr.v4, ...(tr.v6 ? { p2p6: tr.v6 } : {}) });
  }

  // ---- Uplinks: each router once per ISP of its site, each gateway once ----
  const publicOf = new Map<string, string>(); // "node/isp" or "node" -> underlay address
  const uplinkGw = new Map<string, string>();
  if (internet) {
    for (const s of topology.onpremSites) {
      s.routers.forEach((r, ri) => {
        const n = byName.get(r.name)!;
        for (const isp of siteIsps(s)) {
          const real = r.uplinks.find((u) => u.isp === isp.name);
          const u: { address: string; gateway: string } = real ?? { address: underlay[ui].high, gateway: underlay[ui++].lowAddr };
          const len = u.address.split('/')[1];
          const id = `${r.name}--internet--${isp.name}`;
          const ispPath = ispField(topology, s, isp.name);
          iface(n, { name: `up-${isp.name}`, kind: 'veth', purpose: 'uplink', addresses: [u.address], link: id, isp: isp.name }, [ispPath]);
          iface(internet, { name: `${r.name}-${isp.name}`, kind: 'veth', purpose: 'isp', addresses: [`${u.gateway}/${len}`], link: id, isp: isp.name }, [...routerBlame(topology, s, ri), ispPath]);
          link({ id, kind: 'veth', purpose: 'uplink', isp: isp.name, a: { node: r.name, ifname: `up-${isp.name}` }, b: { node: 'internet', ifname: `${r.name}-${isp.name}` } });
          publicOf.set(`${r.name}/${isp.name}`, addrOf(u.address));
          uplinkGw.set(`${r.name}/${isp.name}`, u.gateway);
        }
      });
    }
    for (const f of topology.farSites) {
      f.gateways.forEach((g, gi) => {
        const n = byName.get(g.name)!;
        const u = g.uplink ?? { address: underlay[ui].high, gateway: underlay[ui++].lowAddr };
        const len = u.address.split('/')[1];
        const id = `${g.name}--internet`;
        iface(n, { name: 'uplink', kind: 'veth', purpose: 'uplink', addresses: [u.address], link: id }, [[...f.path, 'gateways', gi, 'name']]);
        iface(internet, { name: `${g.name}-up`, kind: 'veth', purpose: 'isp', addresses: [`${u.gateway}/${len}`], link: id }, [[...f.path, 'gateways', gi, 'name']]);
        link({ id, kind: 'veth', purpose: 'uplink', a: { node: g.name, ifname: 'uplink' }, b: { node: 'internet', ifname: `${g.name}-up` } });
        publicOf.set(g.name, addrOf(u.address));
        uplinkGw.set(g.name, u.gateway);
      });
    }
    // Routers reach each gateway's public address through every ISP: in the main table via the primary,
    // and (with two ISPs) in one table per ISP that the ISP's tunnels select with their socket mark.
    for (const s of topology.onpremSites) {
      const mine = siteIsps(s);
      const primary = mine.find((i) => i.role === 'primary') ?? mine[0];
      const gateways = connections.filter((c) => c.onprem === s).flatMap((c) => c.far.gateways);
      for (const r of s.routers) {
        const n = byName.get(r.name)!;
        for (const g of gateways) n.routes.push({ to: `${publicOf.get(g.name)}/32`, via: uplinkGw.get(`${r.name}/${primary.name}`)!, dev: `up-${primary.name}` });
        if (mine.length > 1) {
          for (const isp of mine) {
            for (const g of gateways) n.routes.push({ to: `${publicOf.get(g.name)}/32`, via: uplinkGw.get(`${r.name}/${isp.name}`)!, dev: `up-${isp.name}`, table: isp.table });
            // IKE daemons pick the source address themselves, so IPsec selects the table by source instead.
            const sel = topology.tunnel.type === 'ipsec' ? { from: `${publicOf.get(`${r.name}/${isp.name}`)}/32` } : { fwmark: isp.fwmark! };
            n.rules.push({ priority: 1000 + isp.index, ...sel, table: isp.table! });
          }
          // wg-quick sets this too: lets the reverse-path lookup see the mark on replies.
          if (topology.tunnel.type === 'wireguard') n.sysctls['net.ipv4.conf.all.src_valid_mark'] = '1';
        }
      }
    }
    for (const f of topology.farSites) {
      const peers = connections.filter((c) => c.far === f).flatMap((c) => c.onprem.routers.flatMap((r) => siteIsps(c.onprem).map((isp) => `${r.name}/${isp.name}`)));
      for (const g of f.gateways) {
        const n = byName.get(g.name)!;
        for (const p of peers) n.routes.push({ to: `${publicOf.get(p)}/32`, via: uplinkGw.get(g.name)!, dev: 'uplink' });
      }
    }
  }

  // ---- The tunnels themselves ----
  const tunnels: PlanTunnel[] = specs.map((s, k) => {
    const index = k + 1;
    const id = `t${index}`;
    const name = `${s.r.name}-${s.g.name}-${s.isp.name}`;
    const kind = topology.tunnel.type;
    const ifs = { onprem: `${lab}-${id}o`, far: `${lab}-${id}f` };
    const t: P2p = inner[k];
    const t6 = s.c.ipv6 ? inner6(k) : undefined;
    const tunnel: PlanTunnel = {
      name,
      id,
      index,
      kind,
      role: s.isp.role,
      isp: s.isp.name,
      mtu: topology.tunnel.mtu,
      innerPrefix: t.prefix,
      ...(t6 ? { innerPrefix6: t6.prefix } : {}),
      ...(multi ? { connection: s.c.name } : {}),
      // The far end takes .1 as AWS and Azure do for their side of the /30.
      onprem: { node: s.r.name, ifname: ifs.onprem, inner: t.high, ...(t6 ? { inner6: t6.high } : {}) },
      far: { node: s.g.name, ifname: ifs.far, inner: t.low, ...(t6 ? { inner6: t6.low } : {}) },
    };
    if (kind !== 'veth') {
      tunnel.onprem.underlay = publicOf.get(`${s.r.name}/${s.isp.name}`);
      tunnel.far.underlay = publicOf.get(s.g.name);
      if (s.isp.fwmark !== undefined && kind === 'wireguard' && s.c.isps.length > 1) tunnel.onprem.fwmark = s.isp.fwmark;
    }
    if (kind === 'wireguard') {
      tunnel.onprem.listenPort = topology.tunnel.listenPort + index;
      tunnel.far.listenPort = topology.tunnel.listenPort + index;
    }
    const ifKind = kind === 'wireguard' ? 'wireguard' : kind === 'ipsec' ? 'xfrm' : 'veth';
    const common = { kind: ifKind, purpose: 'tunnel', mtu: topology.tunnel.mtu, tunnel: name, isp: s.isp.name } as const;
    const linkId = kind === 'veth' ? `${id}--${name}` : undefined;
    iface(byName.get(s.r.name)!, { name: ifs.onprem, ...common, addresses: [t.high, ...(t6 ? [t6.high] : [])], ...(linkId ? { link: linkId } : {}) }, [['lab']]);
    iface(byName.get(s.g.name)!, { name: ifs.far, ...common, addresses: [t.low, ...(t6 ? [t6.low] : [])], ...(linkId ? { link: linkId } : {}) }, [['lab']]);
    if (linkId) link({ id: linkId, kind: 'veth', purpose: 'tunnel', isp: s.isp.name, tunnel: name, a: { node: s.r.name, ifname: ifs.onprem }, b: { node: s.g.name, ifname: ifs.far } });
    s.c.tunnels.push(tunnel);
    return tunnel;
  });
  for (const c of connections) for (const r of [...c.onprem.routers, ...c.far.gateways]) connOf.set(r.name, c);

  const sessions = buildSessions(topology, connections, twins, siteNodes);

  // ---- Test clients: per connection, every on-prem side host to the far site's first host, and back ----
  const testClients: PlanTestClient[] = [];
  const addr = (n: PlanNode, v6 = false) => addrOf(n.interfaces[0].addresses[v6 ? 1 : 0]);
  for (const c of connections) {
    const primaryTunnels = c.tunnels.filter((t) => t.role === 'primary').map((t) => t.name);
    const onHosts = siteNodes.get(c.onprem.name)!.hosts;
    const farHost = siteNodes.get(c.far.name)!.hosts[0];
    const client = (from: PlanNode, to: PlanNode, v6: boolean): PlanTestClient => ({
      name: `${from.name}-to-${to.name}${v6 ? '-v6' : ''}`,
      from: { node: from.name, address: addr(from, v6) },
      to: { node: to.name, address: addr(to, v6) },
      expectTunnels: primaryTunnels,
      ...(v6 ? { family: 'ipv6' as const } : {}),
      ...(multi ? { connection: c.name } : {}),
    });
    for (const [from, to] of [...onHosts.map((h) => [h, farHost] as const), [farHost, onHosts[0]] as const]) {
      testClients.push(client(from, to, false));
      if (c.ipv6) testClients.push(client(from, to, true));
    }
  }

  const planSite = (s: OnpremSite | FarSite, side: Site): PlanSite => {
    const sn = siteNodes.get(s.name)!;
    const far = side === 'far' ? (s as FarSite) : undefined;
    const profile = far?.cloud ? CLOUD_PROFILES[far.cloud] : undefined;
    const cloud: PlanCloud | undefined = profile && {
      provider: profile.provider,
      keepalive: profile.keepalive,
      holdTime: profile.holdTime,
      ...(profile.maxRoutesIn !== undefined ? { maxRoutesIn: profile.maxRoutesIn } : {}),
      honours: { ...profile.honours },
      moreSpecifics: !connections.some((c) => c.far === far && c.noSteering),
    };
    return {
      name: s.name,
      ...(multi ? { side } : {}),
      asn: s.asn,
      prefixes: [...s.prefixes],
      lanSegment: sn.segment.segment,
      lanRouter: sn.lan.name,
      edges: side === 'onprem' ? (s as OnpremSite).routers.map((r) => r.name) : (s as FarSite).gateways.map((g) => g.name),
      runs: far ? far.runs : 'bgpfo',
      ...(far?.runs === 'cloud' ? { standIn: far.standIn } : {}),
      ...(sn.segment6 ? { lanSegment6: sn.segment6.segment } : {}),
      ...(cloud ? { cloud } : {}),
      ...(multi && side === 'onprem' ? { mode: (s as OnpremSite).mode, isps: siteIsps(s as OnpremSite).map((i) => i.name) } : {}),
    };
  };
  const sites: Record<string, PlanSite> = {};
  if (!multi) {
    sites.onprem = planSite(topology.onprem, 'onprem');
    sites.far = planSite(topology.far, 'far');
  } else for (const { spec, side } of siteOrder) sites[spec.name] = planSite(spec, side);

  const plan: Plan = {
    format: PLAN_FORMAT,
    lab,
    source: basename(topology.source.file),
    ...(topology.description ? { description: topology.description } : {}),
    mode: topology.mode,
    tunnelType: topology.tunnel.type,
    liveness: { ...topology.liveness },
    sites,
    ...(multi
      ? {
          layout: topology.layout as Exclude<Topology['layout'], 'two-site'>,
          connections: connections.map(
            (c): PlanConnection => ({
              name: c.name,
              onprem: c.onprem.name,
              far: c.far.name,
              mode: c.onprem.mode,
              isps: c.isps.map((i) => i.name),
              liveness: c.liveness,
              tunnels: c.tunnels.map((t) => t.name),
              ipv6: c.ipv6,
            }),
          ),
        }
      : {}),
    ...(dualStack ? { ipv6: { innerPool: topology.addressing.innerPool6, transitPool: topology.addressing.transitPool6 } } : {}),
    isps,
    nodes: orderNodes(nodes, multi ? siteOrder.map((s) => s.spec.name) : undefined),
    links,
    tunnels,
    sessions,
    testClients,
    warnings: topology.warnings.map((w) => formatTopologyIssue(basename(topology.source.file), w)),
  };
  if (issues.length === 0) issues.push(...checkPlan(plan, topology, blame));
  if (issues.length > 0) throw new TopologyError(topology.source.file, issues);
  return plan;
}

function formatField(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');
}

/** The fields a router's node name is made of: the router's name, and for a spoke the spoke's name too. */
function routerBlame(topology: Topology, s: OnpremSite, i: number): Path[] {
  if (s.path[0] !== 'spokes') return [[...s.path, 'routers', i, 'name']];
  const written = topology.source.lines[formatField([...s.path, 'routers', i, 'name'])] !== undefined;
  return written ? [[...s.path, 'name'], [...s.path, 'routers', i, 'name']] : [[...s.path, 'name']];
}

/** Where an ISP of a site is named: the site's own isps: list, or the top-level one. */
function ispField(topology: Topology, s: OnpremSite, isp: string): Path {
  const own = topology.source.lines[formatField([...s.path, 'isps'])] !== undefined;
  const i = s.isps.findIndex((x) => x.name === isp);
  return own ? [...s.path, 'isps', i, 'name'] : ['isps', i, 'name'];
}

const RANK: Record<string, number> = { 'onprem/host': 0, 'onprem/lan-router': 1, 'onprem/onprem-router': 2, 'underlay/internet': 3, 'far/far-gateway': 4, 'far/lan-router': 5, 'far/host': 6 };
/** Within a multi-site plan's site: edges, LAN router, hosts. */
const SITE_RANK: Record<string, number> = { 'onprem-router': 0, 'far-gateway': 0, 'lan-router': 1, host: 2 };

/**
 * Two-site plans: left to right as drawn (on-prem hosts ... far hosts). Multi-site plans: the internet, then
 * site by site (far side first), each site's edges, LAN router and hosts. Each node's keys in one fixed order.
 */
function orderNodes(nodes: PlanNode[], siteOrder?: string[]): PlanNode[] {
  const rank = siteOrder
    ? (n: PlanNode) => (n.siteName === undefined ? -1 : siteOrder.indexOf(n.siteName) * 10 + (SITE_RANK[n.role] ?? 9))
    : (n: PlanNode) => RANK[`${n.site}/${n.role}`] ?? 9;
  return nodes
    .map((n, i) => ({ n, i }))
    .sort((x, y) => rank(x.n) - rank(y.n) || x.i - y.i)
    .map(({ n }) => ({
      name: n.name,
      role: n.role,
      site: n.site,
      ...(n.siteName !== undefined ? { siteName: n.siteName } : {}),
      namespace: n.namespace,
      runs: n.runs,
      ...(n.emulates ? { emulates: n.emulates } : {}),
      ...(n.asn !== undefined ? { asn: n.asn } : {}),
      ...(n.routerId !== undefined ? { routerId: n.routerId } : {}),
      interfaces: n.interfaces,
      routes: n.routes,
      rules: n.rules,
      sysctls: n.sysctls,
      originate: n.originate,
    }));
}
