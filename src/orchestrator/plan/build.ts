// buildPlan: topology -> plan. The four-tunnel active/active mesh (routers x gateways over one ISP) and the
// eight-tunnel active/passive one (the same mesh again over the backup ISP, prepended), plus the LAN side.

import { basename } from 'node:path';
import { TopologyError, formatTopologyIssue, type TopologyIssue } from '../topology/errors';
import type { Topology } from '../topology/types';
import { addrOf, allocate30s, lanSegment, type P2p } from './addressing';
import { checkPlan, type Blame } from './check';
import { buildSessions } from './sessions';
import { PLAN_FORMAT, type Plan, type PlanInterface, type PlanIsp, type PlanLink, type PlanNode, type PlanTestClient, type PlanTunnel, type Site } from './types';

const FORWARDING: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  // ECMP and a twin forwarding for its partner make paths asymmetric; strict reverse-path checks would drop them.
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
};
/** Hash ECMP on the 5-tuple so many connections between two hosts spread over all tunnels. */
const ECMP_L4 = { 'net.ipv4.fib_multipath_hash_policy': '1' };

/** Plans a validated topology. Deterministic; throws TopologyError when pools run out or names do not fit. */
export function buildPlan(topology: Topology): Plan {
  const issues: TopologyIssue[] = [];
  const blame: Blame = {};
  const lab = topology.lab;
  const veth = topology.tunnel.type === 'veth';
  const multiIsp = topology.isps.length > 1;
  const nodes: PlanNode[] = [];
  const links: PlanLink[] = [];
  const byName = new Map<string, PlanNode>();

  const isps: PlanIsp[] = topology.isps.map((i, k) => ({
    name: i.name,
    role: i.role,
    index: k + 1,
    ...(multiIsp ? { fwmark: 100 + k + 1, table: 100 + k + 1 } : {}),
  }));

  const node = (n: Omit<PlanNode, 'namespace' | 'interfaces' | 'routes' | 'rules' | 'originate'> & Partial<PlanNode>): PlanNode => {
    const full: PlanNode = { namespace: `bgpfo-${lab}-${n.name}`, interfaces: [], routes: [], rules: [], originate: [], ...n };
    nodes.push(full);
    byName.set(full.name, full);
    return full;
  };
  const iface = (n: PlanNode, i: PlanInterface, why: (string | number)[][]) => {
    n.interfaces.push(i);
    blame[`${n.name}/${i.name}`] = why;
  };
  const link = (l: PlanLink) => links.push(l);

  // ---- Tunnels: ISP order, then routers, then gateways (t1 = first ISP, first router, first gateway) ----
  const routers = topology.onprem.routers;
  const gateways = topology.far.gateways;
  const specs = isps.flatMap((isp) => routers.flatMap((r, ri) => gateways.map((g, gi) => ({ isp, r, ri, g, gi }))));
  const why = `one per tunnel: ${routers.length} routers x ${gateways.length} gateways x ${isps.length} ISP${isps.length > 1 ? 's' : ''}`;
  const inner = allocate30s(topology, topology.addressing.innerPool, ['addressing', 'inner-pool'], specs.length, why, issues);

  // ---- Transit /30s: each site's router <-> LAN router links, then twin links ----
  const pairs = <T>(xs: T[]) => xs.flatMap((x, i) => xs.slice(i + 1).map((y, d) => [x, y, i, i + 1 + d] as const));
  const onTwins = pairs(routers);
  const farTwins = pairs(gateways);
  const transitCount = routers.length + onTwins.length + gateways.length + farTwins.length;
  const transitWhy = 'router-to-LAN-router and twin links of both sites';
  const transit = allocate30s(topology, [topology.addressing.transitPool], ['addressing', 'transit-pool'], transitCount, transitWhy, issues);
  let ti = 0;
  const nextTransit = () => transit[ti++];

  // ---- Underlay: the lab's stand-in for the internet (not needed when tunnels are plain veths) ----
  const labUplinks = (r: (typeof routers)[number]) => isps.filter((i) => !r.uplinks.some((u) => u.isp === i.name)).length;
  const uplinkCount = veth ? 0 : routers.reduce((n, r) => n + labUplinks(r), 0) + gateways.filter((g) => !g.uplink).length;
  const underlayWhy = 'one per router uplink and gateway uplink';
  const underlay = allocate30s(topology, [topology.addressing.underlayPool], ['addressing', 'underlay-pool'], uplinkCount, underlayWhy, issues);
  let ui = 0;
  const internet = veth ? undefined : node({ name: 'internet', role: 'internet', site: 'underlay', runs: 'none', sysctls: { ...FORWARDING } });

  // ---- LAN sides ----
  const sites = { onprem: topology.onprem, far: topology.far };
  const siteNodes = {} as Record<Site, { lan: PlanNode; edges: PlanNode[]; hosts: PlanNode[]; segment: ReturnType<typeof lanSegment> }>;
  for (const site of ['onprem', 'far'] as const) {
    const s = sites[site];
    const segment = lanSegment(s.prefixes[0]);
    const lan = node({
      name: s.lanRouter.name,
      role: 'lan-router',
      site,
      runs: s.lanRouter.runs,
      asn: s.lanRouter.asn,
      routerId: addrOf(segment.gateway),
      sysctls: { ...FORWARDING, ...ECMP_L4 },
      originate: [...s.prefixes],
    });
    iface(lan, { name: 'lan0', kind: 'bridge', purpose: 'lan', addresses: [segment.gateway] }, [[site, 'name']]);
    const hosts: PlanNode[] = [];
    for (let h = 1; h <= s.hosts; h++) {
      const host = node({ name: `${s.name}-h${h}`, role: 'host', site, runs: 'none', sysctls: {} });
      const id = `${host.name}--${lan.name}`;
      iface(host, { name: 'lan', kind: 'veth', purpose: 'lan', addresses: [segment.host(h)], link: id }, [[site, 'hosts']]);
      iface(lan, { name: host.name, kind: 'veth', purpose: 'lan', addresses: [], master: 'lan0', link: id }, [[site, 'name']]);
      host.routes.push({ to: 'default', via: addrOf(segment.gateway), dev: 'lan' });
      link({ id, kind: 'veth', purpose: 'lan', a: { node: host.name, ifname: 'lan' }, b: { node: lan.name, ifname: host.name } });
      hosts.push(host);
    }
    siteNodes[site] = { lan, edges: [], hosts, segment };
  }

  const cloud = topology.far.runs === 'cloud';
  const edgeRuns = topology.far.runs === 'cloud' ? topology.far.standIn! : topology.far.runs;
  const lanTransit = (site: Site, edge: PlanNode, why: (string | number)[]) => {
    const t = nextTransit();
    const lan = siteNodes[site].lan;
    const id = `${edge.name}--${lan.name}`;
    iface(edge, { name: 'lan', kind: 'veth', purpose: 'transit', addresses: [t.high], link: id }, [why]);
    iface(lan, { name: edge.name, kind: 'veth', purpose: 'transit', addresses: [t.low], link: id }, [why]);
    link({ id, kind: 'veth', purpose: 'transit', a: { node: edge.name, ifname: 'lan' }, b: { node: lan.name, ifname: edge.name } });
    return t;
  };

  routers.forEach((r, i) => {
    const n = node({ name: r.name, role: 'onprem-router', site: 'onprem', runs: 'bgpfo', asn: topology.onprem.asn, sysctls: { ...FORWARDING, ...ECMP_L4 } });
    const t = lanTransit('onprem', n, ['onprem', 'routers', i, 'name']);
    n.routerId = r.routerId ?? t.highAddr;
    siteNodes.onprem.edges.push(n);
  });
  gateways.forEach((g, i) => {
    const n = node({ name: g.name, role: 'far-gateway', site: 'far', runs: edgeRuns, asn: topology.far.asn, sysctls: { ...FORWARDING, ...ECMP_L4 }, ...(cloud ? { emulates: 'cloud-gateway' as const } : {}) });
    const t = lanTransit('far', n, ['far', 'gateways', i, 'name']);
    n.routerId = g.routerId ?? t.highAddr;
    siteNodes.far.edges.push(n);
  });
  const twin = (site: Site, a: PlanNode, b: PlanNode, whyA: (string | number)[], whyB: (string | number)[]) => {
    const t = nextTransit();
    const id = `${a.name}--${b.name}`;
    iface(a, { name: `ib-${b.name}`, kind: 'veth', purpose: 'twin', addresses: [t.low], link: id }, [whyB]);
    iface(b, { name: `ib-${a.name}`, kind: 'veth', purpose: 'twin', addresses: [t.high], link: id }, [whyA]);
    link({ id, kind: 'veth', purpose: 'twin', a: { node: a.name, ifname: `ib-${b.name}` }, b: { node: b.name, ifname: `ib-${a.name}` } });
    return { site, a: a.name, b: b.name, p2p: t };
  };
  const twins = [
    ...onTwins.map(([x, y, i, j]) => twin('onprem', byName.get(x.name)!, byName.get(y.name)!, ['onprem', 'routers', i, 'name'], ['onprem', 'routers', j, 'name'])),
    ...farTwins.map(([x, y, i, j]) => twin('far', byName.get(x.name)!, byName.get(y.name)!, ['far', 'gateways', i, 'name'], ['far', 'gateways', j, 'name'])),
  ];

  // ---- Uplinks: each router once per ISP, each gateway once ----
  const publicOf = new Map<string, string>(); // "node/isp" or "node" -> underlay address
  const uplinkGw = new Map<string, string>();
  if (internet) {
    routers.forEach((r, ri) => {
      const n = byName.get(r.name)!;
      for (const isp of isps) {
        const real = r.uplinks.find((u) => u.isp === isp.name);
        const u: { address: string; gateway: string } = real ?? { address: underlay[ui].high, gateway: underlay[ui++].lowAddr };
        const len = u.address.split('/')[1];
        const id = `${r.name}--internet--${isp.name}`;
        const ispPath = ['isps', isp.index - 1, 'name'];
        iface(n, { name: `up-${isp.name}`, kind: 'veth', purpose: 'uplink', addresses: [u.address], link: id, isp: isp.name }, [ispPath]);
        iface(internet, { name: `${r.name}-${isp.name}`, kind: 'veth', purpose: 'isp', addresses: [`${u.gateway}/${len}`], link: id, isp: isp.name }, [['onprem', 'routers', ri, 'name'], ispPath]);
        link({ id, kind: 'veth', purpose: 'uplink', isp: isp.name, a: { node: r.name, ifname: `up-${isp.name}` }, b: { node: 'internet', ifname: `${r.name}-${isp.name}` } });
        publicOf.set(`${r.name}/${isp.name}`, addrOf(u.address));
        uplinkGw.set(`${r.name}/${isp.name}`, u.gateway);
      }
    });
    gateways.forEach((g, gi) => {
      const n = byName.get(g.name)!;
      const u = g.uplink ?? { address: underlay[ui].high, gateway: underlay[ui++].lowAddr };
      const len = u.address.split('/')[1];
      const id = `${g.name}--internet`;
      iface(n, { name: 'uplink', kind: 'veth', purpose: 'uplink', addresses: [u.address], link: id }, [['far', 'gateways', gi, 'name']]);
      iface(internet, { name: `${g.name}-up`, kind: 'veth', purpose: 'isp', addresses: [`${u.gateway}/${len}`], link: id }, [['far', 'gateways', gi, 'name']]);
      link({ id, kind: 'veth', purpose: 'uplink', a: { node: g.name, ifname: 'uplink' }, b: { node: 'internet', ifname: `${g.name}-up` } });
      publicOf.set(g.name, addrOf(u.address));
      uplinkGw.set(g.name, u.gateway);
    });
    // Routers reach each gateway's public address through every ISP: in the main table via the primary,
    // and (with two ISPs) in one table per ISP that the ISP's tunnels select with their socket mark.
    const primary = isps.find((i) => i.role === 'primary')!;
    for (const r of routers) {
      const n = byName.get(r.name)!;
      for (const g of gateways) {
        n.routes.push({ to: `${publicOf.get(g.name)}/32`, via: uplinkGw.get(`${r.name}/${primary.name}`)!, dev: `up-${primary.name}` });
      }
      if (multiIsp) {
        for (const isp of isps) {
          for (const g of gateways) n.routes.push({ to: `${publicOf.get(g.name)}/32`, via: uplinkGw.get(`${r.name}/${isp.name}`)!, dev: `up-${isp.name}`, table: isp.table });
          // IKE daemons pick the source address themselves, so IPsec selects the table by source instead.
          const sel = topology.tunnel.type === 'ipsec' ? { from: `${publicOf.get(`${r.name}/${isp.name}`)}/32` } : { fwmark: isp.fwmark! };
          n.rules.push({ priority: 1000 + isp.index, ...sel, table: isp.table! });
        }
        // wg-quick sets this too: lets the reverse-path lookup see the mark on replies.
        if (topology.tunnel.type === 'wireguard') n.sysctls['net.ipv4.conf.all.src_valid_mark'] = '1';
      }
    }
    for (const g of gateways) {
      const n = byName.get(g.name)!;
      for (const r of routers) for (const isp of isps) n.routes.push({ to: `${publicOf.get(`${r.name}/${isp.name}`)}/32`, via: uplinkGw.get(g.name)!, dev: 'uplink' });
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
    const tunnel: PlanTunnel = {
      name,
      id,
      index,
      kind,
      role: s.isp.role,
      isp: s.isp.name,
      mtu: topology.tunnel.mtu,
      innerPrefix: t.prefix,
      // The far end takes .1 as AWS and Azure do for their side of the /30.
      onprem: { node: s.r.name, ifname: ifs.onprem, inner: t.high },
      far: { node: s.g.name, ifname: ifs.far, inner: t.low },
    };
    if (kind !== 'veth') {
      tunnel.onprem.underlay = publicOf.get(`${s.r.name}/${s.isp.name}`);
      tunnel.far.underlay = publicOf.get(s.g.name);
      if (s.isp.fwmark !== undefined && kind === 'wireguard') tunnel.onprem.fwmark = s.isp.fwmark;
    }
    if (kind === 'wireguard') {
      tunnel.onprem.listenPort = topology.tunnel.listenPort + index;
      tunnel.far.listenPort = topology.tunnel.listenPort + index;
    }
    const ifKind = kind === 'wireguard' ? 'wireguard' : kind === 'ipsec' ? 'xfrm' : 'veth';
    const common = { kind: ifKind, purpose: 'tunnel', mtu: topology.tunnel.mtu, tunnel: name, isp: s.isp.name } as const;
    const linkId = kind === 'veth' ? `${id}--${name}` : undefined;
    iface(byName.get(s.r.name)!, { name: ifs.onprem, ...common, addresses: [t.high], ...(linkId ? { link: linkId } : {}) }, [['lab']]);
    iface(byName.get(s.g.name)!, { name: ifs.far, ...common, addresses: [t.low], ...(linkId ? { link: linkId } : {}) }, [['lab']]);
    if (linkId) link({ id: linkId, kind: 'veth', purpose: 'tunnel', isp: s.isp.name, tunnel: name, a: { node: s.r.name, ifname: ifs.onprem }, b: { node: s.g.name, ifname: ifs.far } });
    return tunnel;
  });

  const sessions = buildSessions(topology, tunnels, twins, siteNodes);

  const primaryTunnels = tunnels.filter((t) => t.role === 'primary').map((t) => t.name);
  const farHost = siteNodes.far.hosts[0];
  const addr = (n: PlanNode) => addrOf(n.interfaces[0].addresses[0]);
  const client = (from: PlanNode, to: PlanNode): PlanTestClient => ({
    name: `${from.name}-to-${to.name}`,
    from: { node: from.name, address: addr(from) },
    to: { node: to.name, address: addr(to) },
    expectTunnels: primaryTunnels,
  });
  const testClients = [...siteNodes.onprem.hosts.map((h) => client(h, farHost)), client(farHost, siteNodes.onprem.hosts[0])];

  const plan: Plan = {
    format: PLAN_FORMAT,
    lab,
    source: basename(topology.source.file),
    ...(topology.description ? { description: topology.description } : {}),
    mode: topology.mode,
    tunnelType: topology.tunnel.type,
    liveness: { ...topology.liveness },
    sites: {
      onprem: {
        name: topology.onprem.name,
        asn: topology.onprem.asn,
        prefixes: [...topology.onprem.prefixes],
        lanSegment: siteNodes.onprem.segment.segment,
        lanRouter: siteNodes.onprem.lan.name,
        edges: routers.map((r) => r.name),
        runs: 'bgpfo',
      },
      far: {
        name: topology.far.name,
        asn: topology.far.asn,
        prefixes: [...topology.far.prefixes],
        lanSegment: siteNodes.far.segment.segment,
        lanRouter: siteNodes.far.lan.name,
        edges: gateways.map((g) => g.name),
        runs: topology.far.runs,
        ...(cloud ? { standIn: topology.far.standIn } : {}),
      },
    },
    isps,
    nodes: orderNodes(nodes),
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

const RANK: Record<string, number> = { 'onprem/host': 0, 'onprem/lan-router': 1, 'onprem/onprem-router': 2, 'underlay/internet': 3, 'far/far-gateway': 4, 'far/lan-router': 5, 'far/host': 6 };

/** Left to right as drawn (on-prem hosts ... far hosts), each node's keys in one fixed order. */
function orderNodes(nodes: PlanNode[]): PlanNode[] {
  const rank = (n: PlanNode) => RANK[`${n.site}/${n.role}`] ?? 9;
  return nodes
    .map((n, i) => ({ n, i }))
    .sort((x, y) => rank(x.n) - rank(y.n) || x.i - y.i)
    .map(({ n }) => ({
      name: n.name,
      role: n.role,
      site: n.site,
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
