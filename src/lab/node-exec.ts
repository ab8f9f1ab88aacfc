// `lab exec LAB NODE -- CMD...`: runs a command inside a node's namespace with the terminal attached
// (ping, ip route, birdc, vtysh, a shell) and gives back its exit code.

import { spawn } from 'node:child_process';
import { LabError } from './errors';
import { inNetns } from './exec';
import { requireState } from './state';
import { findNode } from './steps';

export async function labExec(lab: string, node: string, argv: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  if (argv.length === 0) throw new LabError('ERR_LAB_USAGE', 'no command given (bgpfo lab exec LAB NODE -- CMD...)');
  const n = findNode(requireState(lab, opts.env).plan, node);
  const full = inNetns(n.namespace, argv);
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}
