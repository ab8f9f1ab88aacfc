// Runs the bgpfo CLI in-process, capturing stdout, stderr and the exit code.

import { main } from '../../../src/cli/main';

export async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}
