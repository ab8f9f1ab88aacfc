// The image specs and the offline build's inputs: Dockerfile ARGs (the one list of packages per image), this
// machine's Debian suite and mirror from os-release and apt sources, the trimmed rootfs, and the base tag's key.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseTag, dockerfileArgs, IMAGE_NAMES, IMAGE_SPECS, imagesFor, mirrorFromSources, parseDockerfileArgs, parseOsRelease, trimRootfs } from '../../../src/image';
import { DEFAULT_IMAGES } from '../../../src/orchestrator/render/clab';

const REPO = join(__dirname, '..', '..', '..');

describe('image specs', () => {
  it('every Dockerfile names its default base and packages; bgpfo, BIRD and FRR images carry WireGuard', () => {
    for (const name of IMAGE_NAMES) {
      const a = dockerfileArgs(REPO, IMAGE_SPECS[name]);
      expect(a.base).toMatch(name === 'bgpfo' ? /^node:20-bookworm-slim$/ : /^debian:bookworm-slim$/);
      expect(a.packages).toEqual(expect.arrayContaining(['iproute2', 'nftables', 'iputils-ping', 'tini']));
      if (name !== 'host') expect(a.packages).toEqual(expect.arrayContaining(['wireguard-go', 'wireguard-tools']));
    }
    expect(dockerfileArgs(REPO, IMAGE_SPECS.bird).packages).toContain('bird2');
    expect(dockerfileArgs(REPO, IMAGE_SPECS.frr).packages).toContain('frr');
  });

  it('the tags are the ones the rendered clab files name', () => {
    expect(IMAGE_SPECS.bgpfo.tag).toBe(DEFAULT_IMAGES.bgpfo);
    expect(IMAGE_SPECS.bird.tag).toBe(DEFAULT_IMAGES.bird);
    expect(IMAGE_SPECS.frr.tag).toBe(DEFAULT_IMAGES.frr);
    expect(IMAGE_SPECS.host.tag).toBe(DEFAULT_IMAGES.host);
  });

  it('a Dockerfile without the ARGs is refused with what it needs', () => {
    expect(() => parseDockerfileArgs('FROM debian\n', 'x/Dockerfile')).toThrow('x/Dockerfile: needs ARG BASE=<image> and ARG PACKAGES=');
    expect(parseDockerfileArgs('ARG BASE=a:b\nARG PACKAGES="p q  r"\n')).toEqual({ base: 'a:b', packages: ['p', 'q', 'r'] });
  });

  it('a plan needs the images of what its nodes run', () => {
    expect(imagesFor(['none', 'bgpfo', 'bird', 'bgpfo'])).toEqual(['bgpfo', 'bird', 'host']);
    expect(imagesFor(['frr'])).toEqual(['frr']);
  });

  it('the base tag changes with any input and only then', () => {
    const src = { suite: 'bookworm', mirror: 'http://deb.debian.org/debian' };
    const t = baseTag(IMAGE_SPECS.bird, ['b', 'a'], src);
    expect(t).toMatch(/^bgpfo-base-bird:bookworm-[0-9a-f]{12}$/);
    expect(baseTag(IMAGE_SPECS.bird, ['a', 'b'], src)).toBe(t);
    expect(baseTag(IMAGE_SPECS.bird, ['a', 'b', 'c'], src)).not.toBe(t);
    expect(baseTag(IMAGE_SPECS.bird, ['a', 'b'], { ...src, mirror: 'http://other/debian' })).not.toBe(t);
    expect(baseTag(IMAGE_SPECS.bgpfo, ['a'], src, { version: 'v20.1.0', size: 1 })).not.toBe(baseTag(IMAGE_SPECS.bgpfo, ['a'], src, { version: 'v20.2.0', size: 1 }));
  });
});

describe("this machine's Debian source", () => {
  it('reads the codename from os-release, and nothing from another distribution', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n')).toBe('bookworm');
    expect(parseOsRelease('ID=ubuntu\nVERSION_CODENAME=noble\n')).toBeUndefined();
  });

  it('finds the mirror of the suite in deb822 and one-line sources, skipping security and disabled entries', () => {
    const deb822 = [
      'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n',
      'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n',
      'Types: deb deb-src\n# comment\nURIs: http://deb.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
    ].join('\n');
    expect(mirrorFromSources([{ name: 'debian.sources', text: deb822 }], 'bookworm')).toBe('http://deb.example/debian');
    expect(mirrorFromSources([{ name: 'sources.list', text: '# x\ndeb [arch=amd64] http://one.example/debian/ bookworm main\n' }], 'bookworm')).toBe('http://one.example/debian');
    expect(mirrorFromSources([{ name: 'sources.list', text: 'deb http://one.example/debian trixie main\n' }], 'bookworm')).toBeUndefined();
  });
});

describe('trimming a debootstrapped root', () => {
  it('drops caches, lists, docs (copyright kept), man pages, locales and logs', () => {
    const root = mkdtempSync(join(tmpdir(), 'trim-'));
    try {
      const put = (p: string) => {
        mkdirSync(join(root, p, '..'), { recursive: true });
        writeFileSync(join(root, p), 'x');
      };
      for (const p of ['var/cache/apt/archives/a.deb', 'var/cache/apt/pkgcache.bin', 'var/lib/apt/lists/x_Packages', 'usr/share/doc/bird2/copyright', 'usr/share/doc/bird2/changelog.gz', 'usr/share/man/man8/bird.8.gz', 'usr/share/locale/de/x.mo', 'usr/share/locale/locale.alias', 'var/log/dpkg.log', 'usr/sbin/bird']) put(p);
      mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
      trimRootfs(root);
      expect(readdirSync(join(root, 'var/cache/apt/archives'))).toEqual(['partial']);
      expect(readdirSync(join(root, 'var/cache/apt'))).toEqual(['archives']);
      expect(readdirSync(join(root, 'usr/share/doc/bird2'))).toEqual(['copyright']);
      expect(readdirSync(join(root, 'usr/share/locale'))).toEqual(['locale.alias']);
      expect(readdirSync(join(root, 'var/log'))).toEqual([]);
      expect(readdirSync(join(root, 'usr/share/man'))).toEqual([]);
      expect(existsSync(join(root, 'usr/sbin/bird'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
