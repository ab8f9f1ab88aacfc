// WireGuard tunnel ends in the lab: wireguard-go in the node's namespace (the kernel here has no WireGuard
// module), configured with `wg setconf` from the rendered wg-quick file, then addressed and brought up.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanNode } from '../orchestrator';
import { acceptsConnections } from '../util/unix-socket';
import { LabError } from './errors';
import { inNetns, mustRun, poll, spawnDetached, type DetachedProcess, type Runner } from './exec';
import { wireguardSocket } from './layout';

/** Keys only wg-quick understands; `wg setconf` refuses them. */
const WG_QUICK_ONLY = new Set(['address', 'mtu', 'table', 'dns', 'preup', 'postup', 'predown', 'postdown', 'saveconfig']);

/** A wg-quick file as `wg setconf` takes it (what `wg-quick strip` prints): wg-quick's own keys removed. */
export function wgSetconfText(wgQuick: string): string {
  return (
    wgQuick
      .split('\n')
      .filter((line) => {
        const key = /^\s*([A-Za-z]+)\s*=/.exec(line)?.[1];
        return !(key && WG_QUICK_ONLY.has(key.toLowerCase()));
      })
      .join('\n')
      .trimEnd() + '\n'
  );
}

export interface WireguardStart {
  runner: Runner;
  node: PlanNode;
  ifname: string;
  wgQuickFile: string;
  /** Directory for the stripped config and the log. */
  runDir: string;
  /** Called with the process as soon as it exists, before anything can fail (so `down` can stop it). */
  started: (p: DetachedProcess & { argv: string[]; log: string }) => void;
  timeoutMs?: number;
}

/** Starts wireguard-go for one interface and configures it; the interface is up on return. */
export async function startWireguard(w: WireguardStart): Promise<void> {
  const sock = wireguardSocket(w.ifname);
  if (existsSync(sock)) {
    throw new LabError('ERR_LAB_CONFLICT', `WireGuard interface ${w.ifname} already has a control socket (${sock}): another lab with the same name is up, or one crashed; run bgpfo lab down for it`);
  }
  const argv = inNetns(w.node.namespace, ['wireguard-go', '-f', w.ifname]);
  const log = join(w.runDir, `wg-${w.ifname}.log`);
  const p = await spawnDetached(argv, log, { ...process.env, WG_PROCESS_FOREGROUND: '1' });
  w.started({ ...p, argv, log });
  // The socket file appears when wireguard-go binds it, a moment before it listens: on a busy machine `wg` could
  // find it and fail to connect, then try the kernel ("Protocol not supported"). Ready is when a connection is taken.
  const ready = await poll(() => existsSync(sock) && acceptsConnections(sock), w.timeoutMs ?? 10_000, 50);
  if (!ready) throw new LabError('ERR_LAB_TIMEOUT', `wireguard-go for ${w.ifname} on ${w.node.name} did not open ${sock} within ${(w.timeoutMs ?? 10_000) / 1000} s (log: ${log})`);

  const conf = join(w.runDir, `${w.ifname}.wg`);
  writeFileSync(conf, wgSetconfText(readFileSync(w.wgQuickFile, 'utf8')), { mode: 0o600 });
  const iface = w.node.interfaces.find((i) => i.name === w.ifname);
  const run = (a: string[]) => mustRun(w.runner, inNetns(w.node.namespace, a));
  await run(['wg', 'setconf', w.ifname, conf]);
  for (const a of iface?.addresses ?? []) await run(['ip', 'addr', 'add', a, 'dev', w.ifname]);
  if (iface?.mtu) await run(['ip', 'link', 'set', w.ifname, 'mtu', String(iface.mtu)]);
  await run(['ip', 'link', 'set', w.ifname, 'up']);
}
