// The BGP sessions of a plan and each end's policy: eBGP over every tunnel (backup ones prepended and
// less preferred), iBGP between twins (next-hop-self), eBGP from each edge to its site's LAN router.

import type { Topology } from '../topology/types';
import { TOPOLOGY_DEFAULTS } from '../topology/types';
import type { P2p } from './addressing';
import { addrOf } from './addressing';
import type { PlanNode, PlanSession, PlanTunnel, SessionEnd, Site } from './types';

interface SiteNodes {
  lan: PlanNode;
  edges: PlanNode[];
}

/** "10.20.0.0/16 le 32": the prefix and anything inside it, so a site may announce more-specifics. */
const orLonger = (prefixes: string[]) => prefixes.map((p) => `${p} le 32`);

export function buildSessions(
  topology: Topology,
  tunnels: PlanTunnel[],
  twins: { site: Site; a: string; b: string; p2p: P2p }[],
  sites: Record<Site, SiteNodes>,
): PlanSession[] {
  const sessions: PlanSession[] = [];
  const { bgp, liveness } = topology;
  const cloud = topology.far.runs === 'cloud';
  const onpremPrefixes = orLonger(topology.onprem.prefixes);
  const farPrefixes = orLonger(topology.far.prefixes);
  const farRuns = topology.far.runs;
  const localPrefFor = (backup: boolean) => (backup ? bgp.backupLocalPref : 100);

  for (const t of tunnels) {
    const backup = t.role === 'backup';
    const onprem: SessionEnd = {
      node: t.onprem.node,
      neighborName: `${t.far.node}-${t.isp}`,
      address: addrOf(t.onprem.inner),
      asn: topology.onprem.asn,
      prepend: backup ? bgp.backupPrepend : 0,
      localPref: localPrefFor(backup),
      import: farPrefixes,
      exportLearned: onpremPrefixes,
      nextHopSelf: false,
      liveness: liveness.method,
    };
    // A cloud gateway applies no policy of ours: it neither prepends nor lowers LOCAL_PREF on the backup
    // ISP's tunnels, and has no BFD; it picks its path by our prepends alone.
    const far: SessionEnd = {
      node: t.far.node,
      neighborName: `${t.onprem.node}-${t.isp}`,
      address: addrOf(t.far.inner),
      asn: topology.far.asn,
      prepend: cloud ? 0 : onprem.prepend,
      localPref: cloud ? 100 : onprem.localPref,
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
      holdTime: cloud ? TOPOLOGY_DEFAULTS.cloudHoldTime : bgp.holdTime,
      keepalive: cloud ? TOPOLOGY_DEFAULTS.cloudKeepalive : bgp.keepalive,
      fixedTimers: cloud,
      maxPrefixes: bgp.maxPrefixes,
      gracefulRestart: bgp.gracefulRestart,
      a: onprem,
      b: far,
    });
  }

  // Twins carry both sites' prefixes: a router whose tunnels are all down reaches the far side through its
  // twin, and one cut off from its LAN router still reaches the LAN through its twin.
  for (const tw of twins) {
    const site = tw.site === 'onprem' ? topology.onprem : topology.far;
    const both = tw.site === 'onprem' ? [...farPrefixes, ...onpremPrefixes] : [...onpremPrefixes, ...farPrefixes];
    const end = (node: string, peer: string, address: string): SessionEnd => ({
      node,
      neighborName: `ibgp-${peer}`,
      address,
      asn: site.asn,
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
      maxPrefixes: bgp.maxPrefixes,
      gracefulRestart: bgp.gracefulRestart,
      a: end(tw.a, tw.b, tw.p2p.lowAddr),
      b: end(tw.b, tw.a, tw.p2p.highAddr),
    });
  }

  // Each site's LAN router learns the far prefixes from every edge (ECMP) and announces the site's own.
  for (const siteName of ['onprem', 'far'] as const) {
    const { lan, edges } = sites[siteName];
    const own = siteName === 'onprem' ? onpremPrefixes : farPrefixes;
    const remote = siteName === 'onprem' ? farPrefixes : onpremPrefixes;
    for (const edge of edges) {
      const lanAddr = addrOf(lan.interfaces.find((i) => i.name === edge.name)!.addresses[0]);
      const edgeAddr = addrOf(edge.interfaces.find((i) => i.name === 'lan')!.addresses[0]);
      sessions.push({
        name: `${lan.name}-${edge.name}`,
        kind: 'lan',
        role: 'primary',
        ibgp: false,
        holdTime: bgp.holdTime,
        keepalive: bgp.keepalive,
        fixedTimers: false,
        maxPrefixes: bgp.maxPrefixes,
        gracefulRestart: bgp.gracefulRestart,
        a: { node: lan.name, neighborName: edge.name, address: lanAddr, asn: lan.asn!, prepend: 0, localPref: 100, import: remote, exportLearned: [], nextHopSelf: false, liveness: 'none' },
        b: { node: edge.name, neighborName: lan.name, address: edgeAddr, asn: edge.asn!, prepend: 0, localPref: 100, import: own, exportLearned: remote, nextHopSelf: false, liveness: 'none' },
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
