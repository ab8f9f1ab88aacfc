// The container images of a containerlab deployment (bgpfo, BIRD 2, FRR, plain hosts): their Dockerfiles under
// images/, the base each defaults to, and the Debian packages each needs (read from the Dockerfile's ARGs).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ImageName = 'bgpfo' | 'bird' | 'frr' | 'host';

export interface ImageSpec {
  name: ImageName;
  /** The tag the rendered *.clab.yml files name (src/orchestrator/render/clab.ts DEFAULT_IMAGES). */
  tag: string;
  /** images/<name>/Dockerfile, relative to the repository. */
  dockerfile: string;
  /** The build context: the repository itself (bgpfo: dist/, bin/, node_modules/) or the image's folder. */
  context: 'repo' | 'image-dir';
  /** Needs Node >= 20 in the base (the offline build copies this machine's node into it). */
  node: boolean;
}

export const IMAGE_SPECS: Record<ImageName, ImageSpec> = {
  bgpfo: { name: 'bgpfo', tag: 'bgpfo:latest', dockerfile: 'images/bgpfo/Dockerfile', context: 'repo', node: true },
  bird: { name: 'bird', tag: 'bgpfo-bird:2', dockerfile: 'images/bird/Dockerfile', context: 'image-dir', node: false },
  frr: { name: 'frr', tag: 'bgpfo-frr:8', dockerfile: 'images/frr/Dockerfile', context: 'image-dir', node: false },
  host: { name: 'host', tag: 'bgpfo-host:latest', dockerfile: 'images/host/Dockerfile', context: 'image-dir', node: false },
};

export const IMAGE_NAMES = Object.keys(IMAGE_SPECS) as ImageName[];

export interface DockerfileArgs {
  /** ARG BASE's default: the image users pull. */
  base: string;
  /** ARG PACKAGES's default: the Debian packages the image installs when its base lacks them. */
  packages: string[];
}

/** Reads `ARG BASE=...` and `ARG PACKAGES="..."` from a Dockerfile's text. */
export function parseDockerfileArgs(text: string, file = 'Dockerfile'): DockerfileArgs {
  const arg = (name: string): string | undefined => {
    const m = new RegExp(`^ARG\\s+${name}=(?:"([^"]*)"|(\\S+))\\s*$`, 'm').exec(text);
    return m ? (m[1] ?? m[2]) : undefined;
  };
  const base = arg('BASE');
  const packages = arg('PACKAGES');
  if (!base || packages === undefined) throw new Error(`${file}: needs ARG BASE=<image> and ARG PACKAGES="<debian packages>" (the offline build reads both)`);
  return { base, packages: packages.split(/\s+/).filter(Boolean) };
}

export function dockerfileArgs(repo: string, spec: ImageSpec): DockerfileArgs {
  const file = join(repo, spec.dockerfile);
  return parseDockerfileArgs(readFileSync(file, 'utf8'), file);
}

/** Which images a plan's nodes use (by what they run), so a deployment builds only those. */
export function imagesFor(runs: Iterable<'bgpfo' | 'bird' | 'frr' | 'none'>): ImageName[] {
  const out = new Set<ImageName>();
  for (const r of runs) out.add(r === 'none' ? 'host' : r);
  return IMAGE_NAMES.filter((n) => out.has(n));
}
