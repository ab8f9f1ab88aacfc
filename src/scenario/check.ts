// Cross-checks a loaded scenario against its topology's plan: hosts, tunnels, ISPs and nodes it names exist
// (with the list of what does), traffic crosses the tunnels, and steps come in an order that can run.

import type { Plan, PlanTunnel } from '../orchestrator';
import { ScenarioError, type ScenarioIssue } from './errors';
import type { LoadedScenario } from './load';
import { suggestKnown as suggest } from '../util/yaml-source';

/** Tunnels a reference names: a tunnel (id, name or interface) or an ISP (all its tunnels); undefined if none. */
export function resolveTunnelRef(plan: Plan, ref: string): PlanTunnel[] | undefined {
  const t = plan.tunnels.find((x) => x.id === ref || x.name === ref || x.onprem.ifname === ref || x.far.ifname === ref);
  if (t) return [t];
  if (plan.isps.some((i) => i.name === ref)) return plan.tunnels.filter((x) => x.isp === ref);
  return undefined;
}

const tunnelWords = (plan: Plan) => plan.tunnels.flatMap((t) => [t.id, t.name]);

/** Every problem at once; throws ScenarioError when there is any. */
export function checkScenario(s: LoadedScenario, plan: Plan): void {
  const issues: ScenarioIssue[] = [];
  const at = (path: string) => s.lines[path] ?? 0;
  const add = (path: string, message: string, fix?: string) => issues.push({ line: at(path), path, message, ...(fix ? { fix } : {}) });
  const node = (name: string) => plan.nodes.find((n) => n.name === name);

  s.traffic.forEach((t, i) => {
    const base = s.lines['traffic[0]'] !== undefined ? `traffic[${i}]` : 'traffic';
    const hosts = plan.nodes.filter((n) => n.role === 'host').map((n) => n.name);
    for (const end of ['from', 'to'] as const) {
      const n = node(t[end]);
      if (!n || n.role !== 'host') add(`${base}.${end}`, `${t[end]} is not a LAN host of ${plan.lab}`, suggest(t[end], hosts));
    }
    const a = node(t.from);
    const b = node(t.to);
    if (t.family === 6) {
      for (const end of ['from', 'to'] as const) {
        const n = node(t[end]);
        if (n?.role === 'host' && !n.interfaces.some((x) => x.addresses.some((ad) => ad.includes(':')))) {
          add(`${base}.family`, `${t[end]} has no IPv6 address: its site has no IPv6 prefix in the topology`, 'give the site an IPv6 prefix (dual-stack), or drop family: ipv6');
        }
      }
    }
    // Multi-site plans name each node's site (siteName); two-site plans key sites by the side.
    const siteOf = (n: NonNullable<ReturnType<typeof node>>) => n.siteName ?? n.site;
    if (a && b && a.role === 'host' && b.role === 'host' && siteOf(a) === siteOf(b)) add(`${base}.to`, `${t.from} and ${t.to} are both on the ${siteOf(a)} site: their traffic never crosses a tunnel`, `pick a host of ${plan.layout ? 'another' : 'the other'} site (${hosts.filter((h) => siteOf(node(h)!) !== siteOf(a)).join(', ')})`);
  });
  const total = s.traffic.reduce((a, t) => a + t.flows * t.ppsPerFlow, 0);
  if (total > 100_000) add('traffic', `${total} packets/s in all: more than this machine can send and count reliably (100000)`, 'fewer flows or a lower pps-per-flow');

  let running = false;
  let started = false;
  s.steps.forEach((step, i) => {
    const p = `steps[${i}]`;
    if (step.kind === 'traffic') {
      if (step.action === 'start' && running) add(`${p}.traffic`, 'the traffic is already running');
      if (step.action === 'stop' && !running) add(`${p}.traffic`, 'no traffic is running here', 'add "- traffic: start" before');
      running = step.action === 'start';
      started ||= running;
    } else if (step.kind === 'fault') {
      const f = step.fault;
      const fp = `${p}.fault.${f.kind}`;
      if ('tunnel' in f) {
        const t = resolveTunnelRef(plan, f.tunnel);
        if (!t || t.length !== 1 || plan.isps.some((x) => x.name === f.tunnel)) add(fp, `no tunnel ${f.tunnel} in ${plan.lab}`, suggest(f.tunnel, tunnelWords(plan)));
        else if ((f.kind === 'drain' || f.kind === 'undrain') && node(t[0]!.onprem.node)?.runs !== 'bgpfo') add(fp, `${f.kind} is bgpfo's (${t[0]!.onprem.node} runs ${node(t[0]!.onprem.node)?.runs})`);
      } else if ('isp' in f) {
        if (!plan.isps.some((x) => x.name === f.isp)) add(fp, `no ISP ${f.isp} in ${plan.lab}`, suggest(f.isp, plan.isps.map((x) => x.name)));
      } else {
        const n = node(f.node);
        const withDaemon = plan.nodes.filter((x) => x.runs !== 'none').map((x) => x.name);
        if (!n) add(fp, `no node ${f.node} in ${plan.lab}`, suggest(f.node, withDaemon));
        else if (n.runs === 'none' && f.kind !== 'node-down' && f.kind !== 'node-up') add(fp, `${f.node} runs no daemon`, suggest(f.node, withDaemon));
      }
    } else if (step.kind === 'expect') {
      const e = step.expect;
      if (e.since && e.since !== 'traffic-start' && !s.steps.slice(0, i).some((x) => x.kind === 'fault' && x.fault.kind === e.since)) {
        add(`${p}.expect.since`, `no ${e.since} fault comes before this check`, 'name a fault kind used in an earlier step, or traffic-start');
      }
      const needsTraffic = e.outageMaxMs || e.unaffectedLossless || e.lostMax !== undefined || e.trafficOn || e.trafficOff || e.noFlap;
      if (needsTraffic && !running) add(`${p}.expect`, 'this check measures traffic, and no traffic is running here', 'add "- traffic: start" before it');
      for (const key of ['traffic-on', 'traffic-off', 'sessions-up'] as const) {
        const refs = key === 'traffic-on' ? e.trafficOn : key === 'traffic-off' ? e.trafficOff : e.sessionsUp;
        refs?.forEach((r, j) => {
          const t = resolveTunnelRef(plan, r);
          if (!t || (key === 'sessions-up' && t.length !== 1)) add(`${p}.expect.${key}[${j}]`, `no ${key === 'sessions-up' ? 'tunnel' : 'tunnel or ISP'} ${r} in ${plan.lab}`, suggest(r, [...tunnelWords(plan), ...(key === 'sessions-up' ? [] : plan.isps.map((x) => x.name))]));
        });
      }
    }
  });
  if (!started) add('steps', 'the scenario never starts traffic, so it measures nothing', 'add "- traffic: start" after "- converge:"');
  if (issues.length) throw new ScenarioError(s.file, issues);
}
