// `bgpfo image build|list`: the containerlab node images (images/*/Dockerfile) built with docker, from a base made
// of Debian packages here (no registry needed) or, with --pull, from the Dockerfiles' default base images.

import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { table } from './format';
import type { CliIo } from './main';

const image = () => import('../image');
const exec = () => import('../lab/exec');

/** The repository holding images/ (this package's root, whether run from dist/ or src/). */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const NAMES = ['bgpfo', 'bird', 'frr', 'host'];

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

export function registerImageCommands(program: Command, io: CliIo): void {
  const cmd = program.command('image').description('container images for containerlab (bgpfo, BIRD 2, FRR, hosts): docs/lab.md');

  cmd
    .command('build')
    .description('build the images with docker; without --pull the base is made from Debian packages (debootstrap, no registry)')
    .argument('[names...]', `images to build: ${NAMES.join(', ')} (default: all)`)
    .option('--pull', "use the Dockerfiles' default bases from a registry (debian:bookworm-slim, node:20-bookworm-slim)")
    .option('--mirror <url>', "Debian mirror for debootstrap (default: the one this machine's apt uses)")
    .option('--suite <name>', "Debian release for debootstrap (default: this machine's)")
    .option('--rebuild-base', 'debootstrap the bases again even when one with the same packages exists')
    .option('--no-cache', 'docker build --no-cache')
    .option('--json', 'print what was built as JSON')
    .action(async (names: string[], o: { pull?: boolean; mirror?: string; suite?: string; rebuildBase?: boolean; cache: boolean; json?: boolean }) => {
      for (const n of names) if (!NAMES.includes(n)) throw new InvalidArgumentError(`unknown image "${n}"; one of ${NAMES.join(', ')}`);
      const img = await image();
      const { systemRunner } = await exec();
      const local = o.pull || (o.mirror && o.suite) ? undefined : img.localDebianSource();
      const source = o.pull ? undefined : { suite: o.suite ?? local!.suite, mirror: o.mirror ?? local!.mirror };
      const built = await img.buildImages({
        repo: PACKAGE_ROOT,
        names: (names.length ? names : NAMES) as ('bgpfo' | 'bird' | 'frr' | 'host')[],
        base: o.pull ? 'pull' : 'debootstrap',
        ...(source ? { source } : {}),
        ...(o.rebuildBase ? { rebuildBase: true } : {}),
        ...(o.cache === false ? { noCache: true } : {}),
        runner: systemRunner,
        progress: (l) => io.err(l + '\n'),
      });
      if (o.json) return io.out(JSON.stringify(built, null, 1) + '\n');
      io.out(table([['IMAGE', 'SIZE', 'BASE', 'SECONDS'], ...built.map((b) => [b.tag, mb(b.sizeBytes), `${b.base}${b.baseReused ? ' (reused)' : ''}`, String(b.seconds)])]) + '\n');
    });

  cmd
    .command('list')
    .description("the bgpfo images and bases docker holds, with their sizes")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const img = await image();
      const { systemRunner } = await exec();
      await img.requireDocker(systemRunner);
      const list = await img.listImages(systemRunner);
      if (o.json) return io.out(JSON.stringify(list, null, 1) + '\n');
      io.out(table([['IMAGE', 'ID', 'SIZE', 'CREATED'], ...list.map((x) => [x.tag, x.id, mb(x.sizeBytes), x.created])]) + '\n');
    });
}
