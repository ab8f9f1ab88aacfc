// The BGP sessions of a plan and each end's policy: eBGP over every tunnel (backup ones prepended and less
// preferred), iBGP between twins (next-hop-self), eBGP from each edge to its site's LAN router. Dual-stack
// sessions carry IPv6 over the same IPv4 session (MP-BGP), each end giving its IPv6 address on the link as next hop.

import { BACKUP_MED, type CloudProfile } from '../topology/cloud';
import type { FarSite, Liveness, OnpremSite, SiteSpec, Topology } from '../topology/types';
import { TOPOLOGY_DEFAULTS } from '../topology/types';
import type { P2p } from './addressing';
import { addrOf } from './addressing';
import type { P2p6 } from './ipv6';
import type { PlanIsp, PlanNode, PlanSession, PlanTunnel, SessionEnd } from './types';

export interface SiteNodes {
  lan: PlanNode;
  edges: PlanNode[];
  hosts: PlanNode[];
}

/** Two sites joined by tunnels, as the planner resolved them (build.ts). */
export interface Connection {
  name: string;
  onprem: OnpremSite;
  far: FarSite;
  /** The site's liveness, or the probe towards a cloud gateway (which runs no BFD). */
  liveness: Liveness;
  ipv6: boolean;
  /** The on-prem side's ISPs, in plan order. */
  isps: PlanIsp[];
  profile?: CloudProfile;
  tunnels: PlanTunnel[];
  /** Probe steering with more-specifics would exceed the provider's route limit. */
  noSteering: boolean;
}

const isV6 = (p: string) => p.includes(':');
/** "10.20.0.0/16 le 32": the prefix and anything inside it, so a site may announce more-specifics. */
const orLonger = (prefixes: string[]) => prefixes.map((p) => `${p} le ${isV6(p) ? 128 : 32}`);
const DUAL: PlanSession['families'] = ['ipv4-unicast', 'ipv6-unicast'];

export function buildSessions(
  topology: Topology,
  connections: Connection[],
  twins: { site: SiteSpec; a: string; b: string; p2p: P2p; p2p6?: P2p6 }[],
  sites: Map<string, SiteNodes>,
): PlanSession[] {
  const sessions: PlanSession[] = [];
  const multi = topology.layout !== 'two-site';
  /** What a site announces over a connection: all its prefixes when the connection is dual-stack, else the IPv4 ones. */
  const announced = (s: SiteSpec, ipv6: boolean) => orLonger(s.prefixes.filter((p) => ipv6 || !isV6(p)));

  for (const c of connections) {
    const { bgp } = c.onprem;
    const liveness = c.liveness;
    const cloud = c.far.runs === 'cloud';
    const onpremPrefixes = announced(c.onprem, c.ipv6);
    const farPrefixes = announced(c.far, c.ipv6);
    const farRuns = c.far.runs;
    const localPrefFor = (backup: boolean) => (backup ? bgp.backupLocalPref : 100);
    for (const t of c.tunnels) {
      const backup = t.role === 'backup';
      const onprem: SessionEnd = {
        node: t.onprem.node,
        neighborName: `${t.far.node}-${t.isp}`,
        address: addrOf(t.onprem.inner),
        ...(t.onprem.inner6 ? { address6: addrOf(t.onprem.inner6) } : {}),
        asn: c.onprem.asn,
        prepend: backup ? bgp.backupPrepend : 0,
        // A provider that ranks our tunnels by MED (GCP's route priority; AWS after the AS path) gets it too.
        ...(backup && c.profile?.honours.med ? { med: BACKUP_MED } : {}),
        localPref: localPrefFor(backup),
        import: farPrefixes,
        exportLearned: onpremPrefixes,
        nextHopSelf: false,
        liveness: liveness.method,
      };
      // A cloud gateway applies no policy of ours: it neither prepends nor lowers LOCAL_PREF on the backup
      // ISP's tunnels, and has no BFD; it picks its path by our prepends alone. GCP puts its base priority in MED.
      const far: SessionEnd = {
        node: t.far.node,
        neighborName: `${t.onprem.node}-${t.isp}`,
        address: addrOf(t.far.inner),
        ...(t.far.inner6 ? { address6: addrOf(t.far.inner6) } : {}),
        asn: c.far.asn,
        prepend: cloud ? 0 : onprem.prepend,
        localPref: cloud ? 100 : onprem.localPref,
        ...(c.profile?.advertisedMed !== undefined ? { med: c.profile.advertisedMed } : {}),
        import: onpremPrefixes,
        exportLearned: farPrefixes,
        nextHopSelf: false,
        // FRR and BIRD answer probes (ICMP echo) but do not send them; bgpfo can.
        liveness: cloud ? 'none' : liveness.method === 'bfd' ? 'bfd' : farRuns === 'bgpfo' ? 'probe' : 'none',
      };
      sessions.push({
        name: t.name,
        kind: 'tunnel',
        tunnel: t.name,
        role: t.role,
        ibgp: false,
        holdTime: cloud ? (c.profile?.holdTime ?? TOPOLOGY_DEFAULTS.cloudHoldTime) : bgp.holdTime,
        keepalive: cloud ? (c.profile?.keepalive ?? TOPOLOGY_DEFAULTS.cloudKeepalive) : bgp.keepalive,
        fixedTimers: cloud,
        maxPrefixes: bgp.maxPrefixes,
        gracefulRestart: bgp.gracefulRestart,
        ...(c.ipv6 ? { families: DUAL } : {}),
        ...(multi ? { liveness: { ...liveness } } : {}),
        ...(cloud && c.noSteering ? { noSteering: true as const } : {}),
        a: onprem,
        b: far,
      });
    }
  }

  // What a site's routers carry inside the site: its own prefixes and those of every site it has tunnels to.
  const inside = (s: SiteSpec) => {
    const remote = connections.filter((c) => c.onprem === s || c.far === s).flatMap((c) => announced(c.onprem === s ? c.far : c.onprem, c.ipv6));
    return { own: announced(s, true), remote };
  };
  const bgpOf = (s: SiteSpec) => (multi ? (connections.find((c) => c.onprem === s)?.onprem.bgp ?? topology.bgp) : topology.bgp);
  // Inside a site that many sites connect to (a hub), twin and LAN sessions carry every connected site's routes:
  // their import limit grows with the number of connections, so 50 spokes do not trip one spoke's limit.
  const insideLimit = (s: SiteSpec) => bgpOf(s).maxPrefixes * Math.max(1, connections.filter((c) => c.onprem === s || c.far === s).length);

  // Twins carry both sides' prefixes: a router whose tunnels are all down reaches the far side through its
  // twin, and one cut off from its LAN router still reaches the LAN through its twin.
  for (const tw of twins) {
    const { own, remote } = inside(tw.site);
    const both = [...remote, ...own];
    const bgp = bgpOf(tw.site);
    const end = (node: string, peer: string, address: string, address6?: string): SessionEnd => ({
      node,
      neighborName: `ibgp-${peer}`,
      address,
      ...(address6 ? { address6 } : {}),
      asn: tw.site.asn,
      prepend: 0,
      localPref: 100,
      import: both,
      exportLearned: both,
      nextHopSelf: true,
      liveness: 'none',
    });
    sessions.push({
      name: `${tw.a}-${tw.b}-ibgp`,
      kind: 'ibgp',
      role: 'primary',
      ibgp: true,
      holdTime: bgp.holdTime,
      keepalive: bgp.keepalive,
      fixedTimers: false,
      maxPrefixes: insideLimit(tw.site),
      gracefulRestart: bgp.gracefulRestart,
      ...(tw.p2p6 ? { families: DUAL } : {}),
      a: end(tw.a, tw.b, tw.p2p.lowAddr, tw.p2p6?.lowAddr),
      b: end(tw.b, tw.a, tw.p2p.highAddr, tw.p2p6?.highAddr),
    });
  }

  // Each site's LAN router learns the remote prefixes from every edge (ECMP) and announces the site's own.
  const siteOrder: SiteSpec[] = multi ? [...topology.farSites, ...topology.onpremSites] : [topology.onprem, topology.far];
  for (const site of siteOrder) {
    const { lan, edges } = sites.get(site.name)!;
    const { own, remote } = inside(site);
    const bgp = bgpOf(site);
    for (const edge of edges) {
      const lanIf = lan.interfaces.find((i) => i.name === edge.name)!;
      const edgeIf = edge.interfaces.find((i) => i.name === 'lan')!;
      const v6 = lanIf.addresses.length > 1;
      sessions.push({
        name: `${lan.name}-${edge.name}`,
        kind: 'lan',
        role: 'primary',
        ibgp: false,
        holdTime: bgp.holdTime,
        keepalive: bgp.keepalive,
        fixedTimers: false,
        maxPrefixes: insideLimit(site),
        gracefulRestart: bgp.gracefulRestart,
        ...(v6 ? { families: DUAL } : {}),
        a: {
          node: lan.name,
          neighborName: edge.name,
          address: addrOf(lanIf.addresses[0]),
          ...(v6 ? { address6: addrOf(lanIf.addresses[1]) } : {}),
          asn: lan.asn!,
          prepend: 0,
          localPref: 100,
          import: remote,
          exportLearned: [],
          nextHopSelf: false,
          liveness: 'none',
        },
        b: {
          node: edge.name,
          neighborName: lan.name,
          address: addrOf(edgeIf.addresses[0]),
          ...(v6 ? { address6: addrOf(edgeIf.addresses[1]) } : {}),
          asn: edge.asn!,
          prepend: 0,
          localPref: 100,
          import: own,
          exportLearned: remote,
          nextHopSelf: false,
          liveness: 'none',
        },
      });
    }
  }
  return sessions;
}

/** Every session end on `node`, with the other end, in plan order. */
export function sessionsOf(sessions: PlanSession[], node: string): { session: PlanSession; local: SessionEnd; remote: SessionEnd }[] {
  const out: { session: PlanSession; local: SessionEnd; remote: SessionEnd }[] = [];
  for (const s of sessions) {
    if (s.a.node === node) out.push({ session: s, local: s.a, remote: s.b });
    if (s.b.node === node) out.push({ session: s, local: s.b, remote: s.a });
  }
  return out;
}
