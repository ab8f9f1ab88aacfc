// Traffic between two lab hosts: the receiver and sender agents (`bgpfo lab traffic-agent`) run in the hosts'
// namespaces, nftables counts the flows on every tunnel, and the result says how they spread and what was lost.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Plan, PlanNode } from '../orchestrator';
import { bgpfoCommand as defaultBgpfoCommand } from './daemons';
import { LabError } from './errors';
import { inNetns, systemRunner, type Runner } from './exec';
import { TunnelFlowCounters } from './counters';
import { requireState } from './state';
import { findNode } from './steps';
import { DEFAULT_TRAFFIC_PORT, receiveFlows, sendFlows, trafficReport, type IpVersion, type ReceivedFlows, type SenderReport, type TrafficReport } from './traffic';

export interface LabTrafficOptions {
  from: string;
  to: string;
  flows?: number;
  pps?: number;
  seconds?: number;
  port?: number;
  /** IPv4 (default) or IPv6 between the hosts' addresses of that family. */
  family?: IpVersion;
  runner?: Runner;
  env?: NodeJS.ProcessEnv;
  bgpfoCommand?: string[];
  /** Runs while the traffic flows (inject a fault here); the traffic lasts `seconds` whatever it does. */
  during?: () => Promise<void>;
}

export interface TunnelTraffic {
  id: string;
  name: string;
  isp: string;
  role: string;
  /** Packets of this traffic through the tunnel, on-prem to far and far to on-prem. */
  out: number;
  in: number;
}

export interface LabTrafficResult {
  from: string;
  to: string;
  family: IpVersion;
  report: TrafficReport;
  tunnels: TunnelTraffic[];
}

/** A host's address of a family (its interfaces' first one, without the length). */
export function hostAddress(node: PlanNode, family: IpVersion = 4): string {
  const a = node.interfaces.flatMap((i) => i.addresses).find((x) => x.includes(':') === (family === 6));
  if (!a) throw new LabError('ERR_LAB_USAGE', `${node.name} has no IPv${family} address${family === 6 ? ' (the topology has no IPv6 prefixes for its site)' : ''}`);
  return a.split('/')[0];
}

function collect(child: ChildProcess): { stdout: () => string; exited: Promise<number> } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  // 'close' (stdio drained), not 'exit': the report is the agent's last line.
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  return { stdout: () => (out || err), exited };
}

function lastJson<T>(text: string, what: string): T {
  const line = text.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the ${what} printed no report:\n${text.slice(-2000)}`);
  return JSON.parse(line) as T;
}

export async function runLabTraffic(lab: string, o: LabTrafficOptions): Promise<LabTrafficResult> {
  const runner = o.runner ?? systemRunner;
  const env = o.env ?? process.env;
  const plan: Plan = requireState(lab, env).plan;
  const from = findNode(plan, o.from);
  const to = findNode(plan, o.to);
  const bgpfo = o.bgpfoCommand ?? defaultBgpfoCommand(env);
  const port = o.port ?? DEFAULT_TRAFFIC_PORT;
  const flows = o.flows ?? 64;
  const pps = o.pps ?? 2000;
  const seconds = o.seconds ?? 5;
  const family = o.family ?? 4;
  const toAddress = hostAddress(to, family);

  const recvArgv = inNetns(to.namespace, [...bgpfo, 'lab', 'traffic-agent', 'recv', '--port', String(port), ...(family === 6 ? ['--family', '6'] : [])]);
  const recv = spawn(recvArgv[0], recvArgv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const rx = collect(recv);
  try {
    const ready = await new Promise<boolean>((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        recv.stdout?.off('data', onData);
        resolve(v);
      };
      const onData = () => rx.stdout().includes('ready') && done(true);
      const timer = setTimeout(() => done(false), 15_000);
      recv.stdout?.on('data', onData);
      void rx.exited.then(() => done(false));
    });
    if (!ready) throw new Error(`the traffic receiver on ${to.name} did not start:\n${rx.stdout()}`);
    const counters = await TunnelFlowCounters.install(runner, plan, port);
    try {
      const sendArgv = inNetns(from.namespace, [...bgpfo, 'lab', 'traffic-agent', 'send', '--to', toAddress, '--port', String(port), '--flows', String(flows), '--pps', String(pps), '--seconds', String(seconds)]);
      const send = spawn(sendArgv[0], sendArgv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const tx = collect(send);
      await o.during?.();
      const code = await tx.exited;
      if (code !== 0) throw new Error(`the traffic sender on ${from.name} failed (exit ${code}):\n${tx.stdout()}`);
      const sent = lastJson<SenderReport>(tx.stdout(), 'sender');
      // Packets still in flight arrive within a few ms; then the receiver reports.
      await new Promise((r) => setTimeout(r, 300));
      recv.kill('SIGTERM');
      await rx.exited;
      const received = lastJson<ReceivedFlows>(rx.stdout(), 'receiver');
      const c = await counters.read();
      return {
        from: from.name,
        to: to.name,
        family,
        report: trafficReport(sent, received),
        tunnels: plan.tunnels.map((t) => ({ id: t.id, name: t.name, isp: t.isp, role: t.role, out: c.get(t.name)?.out ?? 0, in: c.get(t.name)?.in ?? 0 })),
      };
    } finally {
      await counters.remove();
    }
  } finally {
    if (recv.exitCode === null) recv.kill('SIGKILL');
  }
}

/** `bgpfo lab traffic-agent recv`: binds, prints "ready PORT", and on SIGTERM/SIGINT prints the per-flow JSON. */
export async function receiverAgent(port: number, out: (t: string) => void, family: IpVersion = 4): Promise<void> {
  const r = await receiveFlows(port, undefined, family);
  out(`ready ${r.port}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  out(JSON.stringify(r.stop()) + '\n');
}

/** `bgpfo lab traffic-agent send`: sends and prints the sender's JSON report. */
export async function senderAgent(o: { to: string; port: number; flows: number; pps: number; seconds: number }, out: (t: string) => void): Promise<void> {
  out(JSON.stringify(await sendFlows(o)) + '\n');
}
