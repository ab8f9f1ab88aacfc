// Shared by the lab integration tests: bring a shipped topology up under a test name (daemons as the plan says,
// or a stand-in from $BGPFO_LAB_ROUTER_DAEMON / $BGPFO_LAB_FAR_DAEMON to compare), wait for routes, ping,
// poll traffic until it settles, and check that `down` left nothing behind.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, systemRunner } from '../../src/lab/exec';
import { labDown, labUp, loadState, runLabTraffic, type LabState, type LabTrafficResult, type LabUpResult } from '../../src/lab';
import type { Daemon } from '../../src/orchestrator/topology/types';
import { ensureBuilt, execAny, REPO, waitFor } from './harness';

export const AA4 = join(REPO, 'topologies', 'four-tunnel-active-active.yaml');
export const AP8 = join(REPO, 'topologies', 'eight-tunnel-active-passive.yaml');
export const CLI = [process.execPath, join(REPO, 'dist', 'cli', 'main.js')];

const standIn = (v: string | undefined) => (v === 'bgpfo' || v === 'bird' || v === 'frr' ? (v as Daemon) : undefined);

export async function upLab(file: string, name: string, opts: { tunnelType?: 'wireguard' | 'veth' } = {}): Promise<LabUpResult> {
  if (process.getuid?.() !== 0) throw new Error('the lab integration tests need root (network namespaces)');
  ensureBuilt();
  // A run that died without cleaning up left this lab behind: remove it first.
  await labDown(name);
  const progress: string[] = [];
  try {
    return await labUp(file, {
      name,
      tunnelType: opts.tunnelType,
      routerDaemon: standIn(process.env.BGPFO_LAB_ROUTER_DAEMON),
      farDaemon: standIn(process.env.BGPFO_LAB_FAR_DAEMON),
      sessionTimeoutMs: 60_000,
      progress: (l) => progress.push(l),
    });
  } catch (e) {
    (e as Error).message += `\nprogress:\n${progress.join('\n')}`;
    throw e;
  }
}

/** Pings until one reply comes back (routes take a moment after the sessions are up). */
export async function waitForPing(lab: string, from: string, to: string, timeoutMs = 30_000): Promise<void> {
  const ns = loadState(lab)!.plan.nodes.find((n) => n.name === from)!.namespace;
  await waitFor(async () => (await execAny(['ip', 'netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', to])).code === 0, timeoutMs, {
    what: `${from} to reach ${to} (no route? the routers must install what BGP learned into the kernel)`,
  });
}

/** Packets of one traffic run per tunnel, both directions. */
export const carried = (r: LabTrafficResult, name: string) => {
  const t = r.tunnels.find((x) => x.name === name)!;
  return t.out + t.in;
};

/** Runs short traffic bursts until `ok` holds for one (routing converges some time after a fault). */
export async function trafficUntil(lab: string, from: string, to: string, ok: (r: LabTrafficResult) => boolean, what: string, timeoutMs = 45_000): Promise<LabTrafficResult> {
  let last: LabTrafficResult | undefined;
  try {
    return await waitFor(
      async () => {
        last = await runLabTraffic(lab, { from, to, flows: 64, pps: 1000, seconds: 1 });
        return ok(last) ? last : undefined;
      },
      timeoutMs,
      { what, intervalMs: 100 },
    );
  } catch (e) {
    (e as Error).message += `\nlast run: ${JSON.stringify(last && { report: last.report, tunnels: last.tunnels.map((t) => `${t.id}:${t.out}/${t.in}`) })}`;
    throw e;
  }
}

/** Everything a lab leaves that `down` must remove; all lists empty when it is gone. */
export async function leftovers(state: LabState): Promise<{ namespaces: string[]; processes: string[]; files: string[] }> {
  const ns = (await systemRunner.run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`bgpfo-${state.lab}-`));
  const processes = state.processes.filter((p) => isSameProcess(p.pid, p.startTime)).map((p) => `${p.node}/${p.name} pid ${p.pid}`);
  const files = [join('/run/bgpfo-lab', state.lab), ...state.outsideFiles].filter((f) => existsSync(f));
  if (existsSync('/var/run/wireguard')) files.push(...readdirSync('/var/run/wireguard').filter((f) => f.startsWith(`${state.lab}-`)).map((f) => `/var/run/wireguard/${f}`));
  for (const base of ['/etc/frr', '/var/run/frr']) if (existsSync(base)) files.push(...readdirSync(base).filter((f) => f.startsWith(`bgpfo-${state.lab}-`)).map((f) => `${base}/${f}`));
  return { namespaces: ns, processes, files };
}
