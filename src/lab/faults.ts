// `lab fault`: what goes wrong in a real deployment, made to happen in the lab. A tunnel blackholed or lossy
// (nftables at its on-prem end: the link stays up, so only BFD or the hold timer can notice), an ISP down (every
// link of that ISP blackholed at the router), a node's daemon stopped and started. Recorded in the state file.

import type { Plan, PlanLink } from '../orchestrator';
import { startNodeDaemon, bgpfoCommand } from './daemons';
import { LabError } from './errors';
import { inNetns, mustRun, stopProcess, systemRunner, type Runner } from './exec';
import { labLayout } from './layout';
import { dropRules, nftTable, type NftPurpose } from './nft';
import { requireState, saveState, type LabFault, type LabState } from './state';
import { findNode, findTunnel } from './steps';

export type FaultRequest =
  | { kind: 'blackhole' | 'restore'; tunnel: string }
  | { kind: 'loss'; tunnel: string; percent: number }
  | { kind: 'isp-down' | 'isp-up'; isp: string }
  | { kind: 'stop' | 'start'; node: string };

export interface FaultOptions {
  runner?: Runner;
  env?: NodeJS.ProcessEnv;
  bgpfoCommand?: string[];
}

const usage = (message: string) => new LabError('ERR_LAB_USAGE', message);

async function addDrop(runner: Runner, ns: string, ifname: string, percent: number): Promise<void> {
  await removeDrop(runner, ns, ifname, percent === 100 ? 'blackhole' : 'loss');
  await mustRun(runner, inNetns(ns, ['nft', '-f', '-']), { input: dropRules(ifname, percent) });
}

async function removeDrop(runner: Runner, ns: string, ifname: string, purpose: NftPurpose): Promise<void> {
  const r = await runner.run(inNetns(ns, ['nft', 'delete', 'table', 'inet', nftTable(purpose, ifname)]));
  if (r.code !== 0 && !/No such file or directory/.test(r.stderr)) throw new Error(`nft: ${r.stderr.trim()}`);
}

/** The on-prem router's end of every link of an ISP (uplinks with WireGuard; the tunnels themselves with veth). */
function ispEnds(plan: Plan, isp: string): { ns: string; ifname: string }[] {
  if (!plan.isps.some((i) => i.name === isp)) throw usage(`no ISP ${isp} in lab ${plan.lab}; ISPs: ${plan.isps.map((i) => i.name).join(', ')}`);
  const onprem = new Set(plan.nodes.filter((n) => n.role === 'onprem-router').map((n) => n.name));
  return plan.links
    .filter((l: PlanLink) => l.isp === isp)
    .map((l) => (onprem.has(l.a.node) ? l.a : l.b))
    .map((e) => ({ ns: plan.nodes.find((n) => n.name === e.node)!.namespace, ifname: e.ifname }));
}

function setFault(state: LabState, f: LabFault | undefined, match: (x: LabFault) => boolean): void {
  state.faults = state.faults.filter((x) => !match(x));
  if (f) state.faults.push(f);
}

/** Applies one fault; returns a line saying what was done. */
export async function labFault(lab: string, req: FaultRequest, opts: FaultOptions = {}): Promise<string> {
  const runner = opts.runner ?? systemRunner;
  const env = opts.env ?? process.env;
  const state = requireState(lab, env);
  const plan = state.plan;
  const save = () => saveState(state, env);
  const nsOf = (node: string) => findNode(plan, node).namespace;

  switch (req.kind) {
    case 'blackhole':
    case 'restore':
    case 'loss': {
      const t = findTunnel(plan, req.tunnel);
      const ns = nsOf(t.onprem.node);
      const same = (x: LabFault) => x.target === t.name && x.kind !== 'isp-down';
      if (req.kind === 'restore') {
        await removeDrop(runner, ns, t.onprem.ifname, 'blackhole');
        await removeDrop(runner, ns, t.onprem.ifname, 'loss');
        setFault(state, undefined, same);
        save();
        return `tunnel ${t.id} ${t.name} restored`;
      }
      const percent = req.kind === 'loss' ? req.percent : 100;
      if (req.kind === 'loss' && percent === 0) {
        await removeDrop(runner, ns, t.onprem.ifname, 'loss');
        setFault(state, undefined, (x) => same(x) && x.kind === 'loss');
        save();
        return `tunnel ${t.id} ${t.name}: loss removed`;
      }
      await addDrop(runner, ns, t.onprem.ifname, percent);
      setFault(state, req.kind === 'blackhole' ? { kind: 'blackhole', target: t.name } : { kind: 'loss', target: t.name, percent }, (x) => same(x) && x.kind === req.kind);
      save();
      return req.kind === 'blackhole'
        ? `tunnel ${t.id} ${t.name} blackholed at ${t.onprem.node}/${t.onprem.ifname} (link stays up)`
        : `tunnel ${t.id} ${t.name}: ${percent}% loss each way at ${t.onprem.node}/${t.onprem.ifname}`;
    }
    case 'isp-down':
    case 'isp-up': {
      const ends = ispEnds(plan, req.isp);
      for (const e of ends) {
        if (req.kind === 'isp-down') await addDrop(runner, e.ns, e.ifname, 100);
        else await removeDrop(runner, e.ns, e.ifname, 'blackhole');
      }
      setFault(state, req.kind === 'isp-down' ? { kind: 'isp-down', target: req.isp } : undefined, (x) => x.kind === 'isp-down' && x.target === req.isp);
      save();
      const names = ends.map((e) => e.ifname).join(', ');
      return req.kind === 'isp-down' ? `ISP ${req.isp} down: ${ends.length} links blackholed at the routers (${names})` : `ISP ${req.isp} up again`;
    }
    case 'stop':
    case 'start': {
      const node = findNode(plan, req.node);
      if (node.runs === 'none') throw usage(`${node.name} runs no daemon`);
      const mine = state.processes.filter((p) => p.node === node.name && p.role === 'daemon');
      if (req.kind === 'stop') {
        // Reverse start order: FRR's bgpd before zebra, so its peers get a Cease.
        for (const p of [...mine].reverse()) {
          await stopProcess(p);
          p.stopped = true;
        }
        save();
        return `${node.name}: ${node.runs} stopped`;
      }
      for (const p of mine) await stopProcess(p); // a start while running restarts
      state.processes = state.processes.filter((p) => !mine.includes(p));
      save();
      await startNodeDaemon(
        {
          runner,
          layout: labLayout(lab, env),
          bgpfoCommand: opts.bgpfoCommand ?? bgpfoCommand(env),
          started: (p) => {
            state.processes.push(p);
            save();
          },
          madeOutside: () => undefined,
        },
        node,
      );
      return `${node.name}: ${node.runs} started`;
    }
  }
}
