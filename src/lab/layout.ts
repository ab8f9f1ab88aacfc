// Where a lab keeps its files: one directory per lab under /run/bgpfo-lab (rendered configs and keys, each
// node's sockets and logs), plus the paths daemons insist on (FRR pathspaces, wireguard-go's UAPI sockets).

import { join } from 'node:path';
import type { PlanNode } from '../orchestrator';
import { labDir } from './state';

export interface LabLayout {
  lab: string;
  /** /run/bgpfo-lab/<lab>: state.json, render/, run/<node>/. Mode 0700: it holds private keys. */
  dir: string;
  /** `renderAll` output: plan.json, nodes/<node>/..., keys/. */
  renderDir: string;
  /** The rendered files of one node. */
  nodeDir(node: string): string;
  /** A node's sockets, pid files, logs and stripped WireGuard configs (nodes share one filesystem). */
  runDir(node: string): string;
  bgpfoSocket(node: string): string;
  birdSocket(node: string): string;
}

export function labLayout(lab: string, env: NodeJS.ProcessEnv = process.env): LabLayout {
  const dir = labDir(lab, env);
  const renderDir = join(dir, 'render');
  const runDir = (node: string) => join(dir, 'run', node);
  return {
    lab,
    dir,
    renderDir,
    nodeDir: (node) => join(renderDir, 'nodes', node),
    runDir,
    bgpfoSocket: (node) => join(runDir(node), 'bgpfo.sock'),
    birdSocket: (node) => join(runDir(node), 'bird.ctl'),
  };
}

/** FRR's per-namespace config and runtime directories (`-N <pathspace>`; the pathspace is the namespace name). */
export function frrDirs(node: PlanNode): { conf: string; run: string } {
  return { conf: join('/etc/frr', node.namespace), run: join('/var/run/frr', node.namespace) };
}

/** wireguard-go's control socket: one directory for every namespace, hence unique interface names. */
export function wireguardSocket(ifname: string): string {
  return join('/var/run/wireguard', `${ifname}.sock`);
}
