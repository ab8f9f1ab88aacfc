// Builds the containerlab images with `docker build` from images/*/Dockerfile. With no registry (the default here),
// each base is made from Debian packages: debootstrap --variant=minbase with the Dockerfile's PACKAGES (plus this
// machine's Node for bgpfo), trimmed, then `docker import`ed under a tag keyed by its inputs, so it is made once.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustRun, shellLine, type Runner } from '../lab/exec';
import { localDebianSource, type DebianSource } from './debian';
import { dockerfileArgs, IMAGE_SPECS, type ImageName, type ImageSpec } from './specs';

/** Bumped when the way a base is made changes, so old cached bases are not reused. */
const BASE_FORMAT = 1;
/** debootstrap keeps downloaded packages here between builds (a fresh machine downloads them once). */
export const DEBOOTSTRAP_CACHE = '/var/cache/bgpfo-debootstrap';
/** Libraries this machine's node binary links against, added to a base that gets Node. */
const NODE_LIBS = ['libstdc++6', 'libgcc-s1'];
/** Fixed file times in the base's tar: the same packages give the same layer. */
const BASE_MTIME = '2024-01-01 00:00:00Z';
const LONG = { timeoutMs: 900_000 };

export interface ImageBuildOptions {
  /** The repository (images/, dist/, node_modules/). */
  repo: string;
  names: ImageName[];
  /** 'debootstrap' (default): base made here from Debian packages, no registry; 'pull': the Dockerfile's BASE. */
  base?: 'debootstrap' | 'pull';
  /** Debian suite and mirror for debootstrap (default: this machine's, from its apt sources). */
  source?: DebianSource;
  /** Make the bases again even when a base with the same inputs exists. */
  rebuildBase?: boolean;
  /** docker build --no-cache. */
  noCache?: boolean;
  runner: Runner;
  progress: (line: string) => void;
}

export interface BuiltImage {
  name: ImageName;
  tag: string;
  /** The base it was built on. */
  base: string;
  baseReused: boolean;
  id: string;
  sizeBytes: number;
  seconds: number;
}

/** Docker must answer before anything is built; the error says how to get it. */
export async function requireDocker(runner: Runner): Promise<string> {
  const r = await runner.run(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  if (r.code !== 0) {
    throw new Error(`docker does not answer (${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.code}`}): install Docker (Debian: apt-get install docker.io) and start dockerd (scripts/setup-docker.sh does both)`);
  }
  return r.stdout.trim();
}

/** The base tag for an image's packages: a hash of everything that goes into it. */
export function baseTag(spec: ImageSpec, packages: string[], source: DebianSource, node?: { version: string; size: number }): string {
  const key = JSON.stringify({ f: BASE_FORMAT, suite: source.suite, mirror: source.mirror, packages: [...packages].sort(), node: node ?? null });
  return `bgpfo-base-${spec.name}:${source.suite}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

async function imageExists(runner: Runner, tag: string): Promise<boolean> {
  return (await runner.run(['docker', 'image', 'inspect', '--format', '{{.Id}}', tag])).code === 0;
}

/** What a container never needs: package caches and lists, docs (copyright files stay), man pages, locales, logs. */
export function trimRootfs(dir: string): void {
  const empty = (rel: string, keep: (name: string) => boolean = () => false) => {
    const d = join(dir, rel);
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) if (!keep(f)) rmSync(join(d, f), { recursive: true, force: true });
  };
  empty('var/cache/apt/archives', (f) => f === 'partial' || f === 'lock');
  empty('var/cache/apt', (f) => f === 'archives');
  empty('var/lib/apt/lists', (f) => f === 'partial' || f === 'lock');
  empty('usr/share/man');
  empty('usr/share/info');
  empty('usr/share/locale', (f) => f === 'locale.alias');
  empty('var/log');
  empty('var/cache/debconf', (f) => !f.endsWith('-old'));
  const doc = join(dir, 'usr/share/doc');
  if (existsSync(doc)) for (const p of readdirSync(doc)) for (const f of readdirSync(join(doc, p))) if (f !== 'copyright') rmSync(join(doc, p, f), { recursive: true, force: true });
  for (const f of ['var/lib/dpkg/status-old', 'var/lib/dpkg/available-old', 'var/cache/ldconfig/aux-cache', 'etc/machine-id']) rmSync(join(dir, f), { force: true });
}

async function makeBase(o: ImageBuildOptions, spec: ImageSpec, source: DebianSource): Promise<{ tag: string; reused: boolean }> {
  const { packages } = dockerfileArgs(o.repo, spec);
  const node = spec.node ? { version: process.version, size: statSync(process.execPath).size } : undefined;
  if (node && Number(process.versions.node.split('.')[0]) < 20) throw new Error(`bgpfo needs Node >= 20 in its image; this machine runs ${process.version}`);
  const tag = baseTag(spec, [...packages, ...(node ? NODE_LIBS : [])], source, node);
  if (!o.rebuildBase && (await imageExists(o.runner, tag))) return { tag, reused: true };
  if ((await o.runner.run(['debootstrap', '--version'])).code === 127) {
    throw new Error('debootstrap is not installed: apt-get install debootstrap (scripts/setup-docker.sh does it), or build from a registry with --pull');
  }
  if (process.getuid?.() !== 0) throw new Error('making an image base with debootstrap needs root');
  const work = mkdtempSync(join(tmpdir(), `bgpfo-base-${spec.name}-`));
  const root = join(work, 'rootfs');
  try {
    mkdirSync(DEBOOTSTRAP_CACHE, { recursive: true });
    const include = [...packages, ...(node ? NODE_LIBS : [])].join(',');
    o.progress(`${spec.name}: debootstrap ${source.suite} from ${source.mirror} with ${include}`);
    await mustRun(o.runner, ['debootstrap', '--variant=minbase', `--include=${include}`, `--cache-dir=${DEBOOTSTRAP_CACHE}`, source.suite, root, source.mirror], LONG);
    if (node) {
      // This machine's Node (Debian's own nodejs is older than 20 on bookworm).
      cpSync(process.execPath, join(root, 'usr/local/bin/node'));
    }
    trimRootfs(root);
    const changes = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `LABEL org.opencontainers.image.description="debootstrap ${source.suite} (${source.mirror}): ${packages.join(' ')}${node ? `, node ${node.version}` : ''}"`];
    const tar = shellLine(['tar', '--sort=name', `--mtime=${BASE_MTIME}`, '--numeric-owner', '-C', root, '-c', '.']);
    const imp = shellLine(['docker', 'import', ...changes.flatMap((c) => ['--change', c]), '-', tag]);
    o.progress(`${spec.name}: docker import ${tag}`);
    await mustRun(o.runner, ['bash', '-c', `set -o pipefail; ${tar} | ${imp}`], LONG);
    return { tag, reused: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The bgpfo image's build context: package files, bin/, dist/ and only the runtime node_modules (images/runtime-deps.js). */
function stageBgpfoContext(repo: string): string {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error(`${repo}/dist is not built: run npm run build before building the bgpfo image`);
  const dir = mkdtempSync(join(tmpdir(), 'bgpfo-image-context-'));
  for (const f of ['package.json', 'package-lock.json', 'bin', 'dist', 'images/runtime-deps.js']) cpSync(join(repo, f), join(dir, f), { recursive: true });
  // Copy what the lock marks as runtime, so a dev checkout's 100+ MB of tooling never enters the context.
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }> };
  for (const [key, meta] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || meta.dev || meta.devOptional) continue;
    if (!existsSync(join(repo, key))) {
      if (meta.optional) continue;
      throw new Error(`${key} is missing: run npm ci (or npm install) before building the bgpfo image`);
    }
    if (key.split('node_modules/').length > 2) continue; // nested copies come with their parent
    cpSync(join(repo, key), join(dir, key), { recursive: true, dereference: true });
  }
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  return dir;
}

async function imageInfo(runner: Runner, tag: string): Promise<{ id: string; size: number }> {
  const out = await mustRun(runner, ['docker', 'image', 'inspect', '--format', '{{.Id}} {{.Size}}', tag]);
  const [id, size] = out.trim().split(' ');
  return { id: id!, size: Number(size) };
}

/** Builds each named image (its base first); returns what was built with its size. */
export async function buildImages(o: ImageBuildOptions): Promise<BuiltImage[]> {
  await requireDocker(o.runner);
  const source = o.base === 'pull' ? undefined : (o.source ?? localDebianSource());
  const out: BuiltImage[] = [];
  for (const name of o.names) {
    const spec = IMAGE_SPECS[name];
    const started = Date.now();
    const base = source ? await makeBase(o, spec, source) : { tag: dockerfileArgs(o.repo, spec).base, reused: false };
    if (source) o.progress(`${name}: base ${base.tag}${base.reused ? ' (already made)' : ''}`);
    const context = spec.context === 'repo' ? stageBgpfoContext(o.repo) : join(o.repo, 'images', name);
    try {
      const argv = ['docker', 'build', '--network', source ? 'none' : 'default', ...(o.noCache ? ['--no-cache'] : []), '--build-arg', `BASE=${base.tag}`, '-f', join(o.repo, spec.dockerfile), '-t', spec.tag, context];
      o.progress(`${name}: ${shellLine(argv)}`);
      await mustRun(o.runner, argv, LONG);
    } finally {
      if (spec.context === 'repo') rmSync(context, { recursive: true, force: true });
    }
    const info = await imageInfo(o.runner, spec.tag);
    out.push({ name, tag: spec.tag, base: base.tag, baseReused: base.reused, id: info.id, sizeBytes: info.size, seconds: Math.round((Date.now() - started) / 100) / 10 });
    o.progress(`${name}: built ${spec.tag} (${(info.size / 1e6).toFixed(0)} MB) in ${out.at(-1)!.seconds} s`);
  }
  return out;
}

/** The images and bases that exist, with their sizes (for `bgpfo image list`). */
export async function listImages(runner: Runner): Promise<{ tag: string; id: string; sizeBytes: number; created: string }[]> {
  const r = await mustRun(runner, ['docker', 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedAt}}']);
  const ours = r.split('\n').filter((l) => /^bgpfo(-[a-z]+)*:/.test(l));
  const out: { tag: string; id: string; sizeBytes: number; created: string }[] = [];
  for (const l of ours) {
    const [tag, id, ...created] = l.split(' ');
    out.push({ tag: tag!, id: id!, sizeBytes: (await imageInfo(runner, tag!)).size, created: created.join(' ') });
  }
  return out;
}
