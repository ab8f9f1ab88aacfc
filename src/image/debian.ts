// Which Debian release and mirror this machine's apt uses (/etc/os-release, deb822 *.sources or sources.list),
// so an offline image base is debootstrapped from the same packages the machine itself runs.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DebianSource {
  suite: string;
  mirror: string;
}

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** VERSION_CODENAME from an os-release text (undefined when it is not Debian). */
export function parseOsRelease(text: string): string | undefined {
  const get = (k: string) => new RegExp(`^${k}=("?)([^"\\n]*)\\1$`, 'm').exec(text)?.[2];
  if (get('ID') !== 'debian') return undefined;
  return get('VERSION_CODENAME') || undefined;
}

/** The first mirror that serves `suite` (main) in deb822 or one-line sources; security and updates suites skipped. */
export function mirrorFromSources(texts: { name: string; text: string }[], suite: string): string | undefined {
  for (const { name, text } of texts) {
    if (name.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        if (!/\bdeb\b/.test(field('Types') ?? '') || /^enabled:\s*no/im.test(stanza)) continue;
        const suites = (field('Suites') ?? '').split(/\s+/);
        const uri = (field('URIs') ?? '').split(/\s+/)[0];
        if (uri && suites.includes(suite)) return uri.replace(/\/$/, '');
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (m && m[2] === suite) return m[1]!.replace(/\/$/, '');
      }
    }
  }
  return undefined;
}

/** This machine's Debian suite and mirror; throws when the machine is not Debian (no base can be made here). */
export function localDebianSource(root = '/'): DebianSource {
  const osRelease = join(root, 'etc/os-release');
  const suite = existsSync(osRelease) ? parseOsRelease(readFileSync(osRelease, 'utf8')) : undefined;
  if (!suite) throw new Error(`${osRelease} does not name a Debian release: the offline image base is made with debootstrap from Debian packages; on other systems build with a registry (bgpfo image build --pull)`);
  const texts: { name: string; text: string }[] = [];
  const list = join(root, 'etc/apt/sources.list');
  if (existsSync(list)) texts.push({ name: list, text: readFileSync(list, 'utf8') });
  const dir = join(root, 'etc/apt/sources.list.d');
  if (existsSync(dir)) for (const f of readdirSync(dir).filter((x) => x.endsWith('.sources') || x.endsWith('.list')).sort()) texts.push({ name: f, text: readFileSync(join(dir, f), 'utf8') });
  return { suite, mirror: mirrorFromSources(texts, suite) ?? DEFAULT_MIRROR };
}
