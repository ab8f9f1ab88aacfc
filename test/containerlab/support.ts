// Shared by the containerlab integration tests: the committed render of a shipped topology rendered again with
// real keys into a temporary directory (and checked to be the committed one), the images it needs, the harness
// put on PATH as `containerlab`, and the checks that a destroyed lab left nothing behind.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, loadTopology, renderAll } from '../../src/orchestrator';
import { imagesFor } from '../../src/image';
import type { Runner } from '../../src/lab/exec';
import { ensureBuilt, REPO } from '../integration/harness';
import { netnsLinks } from './clab';

export const HARNESS_BIN = join(REPO, 'test', 'containerlab', 'bin');
export const BGPFO = join(REPO, 'bin', 'bgpfo');

/** PATH with the harness first: the engine runs `containerlab` from PATH, as on a user's machine. */
export const HARNESS_PATH = `${HARNESS_BIN}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;

/**
 * The system runner with the harness on PATH (jest gives tests a copy of process.env, so changing PATH there
 * does not reach the commands the engine starts).
 */
export const harnessRunner: Runner = {
  run(argv, opts = {}) {
    return new Promise((resolve) => {
      const child = execFile(argv[0]!, argv.slice(1), { env: { ...process.env, PATH: HARNESS_PATH }, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: unknown };
        resolve({ code: typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr || e.message });
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  },
};

/** Root, Docker answering, dist/ built. */
export function containerPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('the containerlab tests need root (Docker, network namespaces)');
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`Docker does not answer: run scripts/setup-docker.sh (installs docker.io, starts dockerd). ${(e as { stderr?: Buffer }).stderr?.toString() ?? ''}`);
  }
  ensureBuilt();
}

export interface Rendered {
  dir: string;
  clabFile: string;
  lab: string;
  committed: string;
  rendered: string;
  images: string[];
}

/** Renders topologies/<name>.yaml with fresh keys exactly as the committed copy is laid out (<name>.clab.yml + <name>/). */
export function renderShipped(name: string): Rendered {
  const plan = buildPlan(loadTopology(join(REPO, 'topologies', `${name}.yaml`)));
  const dir = mkdtempSync(join(tmpdir(), `bgpfo-clab-${plan.lab}-`));
  const clabFile = join(dir, `${name}.clab.yml`);
  renderAll(plan, join(dir, name), { keys: 'random', clabFile });
  return {
    dir,
    clabFile,
    lab: plan.lab,
    committed: readFileSync(join(REPO, 'topologies', `${name}.clab.yml`), 'utf8'),
    rendered: readFileSync(clabFile, 'utf8'),
    images: imagesFor(plan.nodes.map((n) => n.runs)),
  };
}

/** `bgpfo image build NAMES` as a user runs it; its table (sizes) goes to the test's output. */
export function buildImages(names: string[]): string {
  const out = execFileSync(BGPFO, ['image', 'build', ...names], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000, maxBuffer: 16 << 20 });
  process.stderr.write(`bgpfo image build ${names.join(' ')}:\n${out}`);
  return out;
}

/** What a lab left behind: its containers, its /run/netns links, and harness veth ends in the host namespace. */
export function leftovers(lab: string): { containers: string[]; netns: string[]; hostVeths: string[] } {
  const containers = execFileSync('docker', ['ps', '-a', '--filter', `label=containerlab=${lab}`, '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const hostVeths = execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((n): n is string => Boolean(n && /^clt\d+x/.test(n)));
  return { containers, netns: netnsLinks(lab), hostVeths };
}

export function removeRender(r: Rendered | undefined): void {
  if (r) rmSync(r.dir, { recursive: true, force: true });
}
