// Checks a containerlab topology: our JSON schema for the subset of containerlab we emit (strict: a typo
// fails), optionally containerlab's own schema, and what neither schema checks (two endpoints per link,
// endpoint nodes exist, interface names fit and repeat nowhere, bound files exist).

import Ajv, { type ErrorObject } from 'ajv';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

const NODE_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
const str = { type: 'string', minLength: 1 };

/** Written from containerlab's documented topology format, covering only the keys bgpfo renders. */
export const CLAB_SUBSET_SCHEMA = {
  $id: 'https://bgpfo.invalid/clab-subset.schema.json',
  title: 'The subset of the containerlab topology format that bgpfo renders',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'topology'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' },
    prefix: str,
    topology: {
      type: 'object',
      additionalProperties: false,
      required: ['nodes', 'links'],
      properties: {
        nodes: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: NODE_NAME },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['kind', 'image'],
            properties: {
              kind: { enum: ['linux'] },
              image: str,
              group: str,
              labels: { type: 'object', additionalProperties: { type: 'string' } },
              binds: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[^:]+:[^:]+(:(ro|rw))?$' } },
              sysctls: { type: 'object', propertyNames: { pattern: '^[a-z0-9_]+(\\.[A-Za-z0-9_-]+)+$' }, additionalProperties: { type: 'string' } },
              exec: { type: 'array', minItems: 1, items: str },
            },
          },
        },
        links: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['endpoints'],
            properties: { endpoints: { type: 'array', items: { type: 'string', pattern: '^[^:\\s]+:[^:\\s]+$' } } },
          },
        },
      },
    },
  },
} as const;

export interface ClabCheckOptions {
  /** Directory the topology file is in: relative bind paths resolve against it (as containerlab does). */
  baseDir: string;
  /** containerlab's own schemas/clab.schema.json, when available. */
  upstreamSchema?: object;
}

const fmt = (prefix: string, errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${prefix}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`);

/** Every problem found in a .clab.yml text (empty when it is valid). */
export function checkClab(text: string, opts: ClabCheckOptions): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return [`YAML: ${(e as Error).message.split('\n')[0]}`];
  }
  const problems: string[] = [];
  const ajv = new Ajv({ allErrors: true });
  const ours = ajv.compile(CLAB_SUBSET_SCHEMA);
  if (!ours(doc)) problems.push(...fmt('schema', ours.errors));
  if (opts.upstreamSchema) {
    // Its $schema URL and vocabulary are not all known to ajv: strict off, and let ajv use its default draft.
    const { $schema: _ignored, ...upstream } = opts.upstreamSchema as Record<string, unknown>;
    const check = new Ajv({ strict: false, allErrors: true }).compile(upstream);
    if (!check(doc)) problems.push(...fmt('containerlab schema', check.errors));
  }
  if (problems.length) return problems;

  const topo = (doc as { topology: { nodes: Record<string, { binds?: string[] }>; links: { endpoints: string[] }[] } }).topology;
  const used = new Map<string, number>();
  topo.links.forEach((l, i) => {
    // containerlab's schema allows any number of endpoints; a veth has exactly two ends.
    if (l.endpoints.length !== 2) problems.push(`links[${i}]: ${l.endpoints.length} endpoints; a link joins exactly two`);
    for (const ep of l.endpoints) {
      const [node, ifname] = ep.split(':');
      if (!(node in topo.nodes)) problems.push(`links[${i}]: endpoint ${ep} names no node in topology.nodes`);
      if (ifname.length > 15) problems.push(`links[${i}]: interface ${ifname} is ${ifname.length} characters; Linux allows 15`);
      if (ifname === 'eth0') problems.push(`links[${i}]: ${ep} uses eth0, containerlab's management interface`);
      const prior = used.get(ep);
      if (prior !== undefined) problems.push(`links[${i}]: endpoint ${ep} is already used by links[${prior}]`);
      used.set(ep, i);
    }
    if (l.endpoints.length === 2 && l.endpoints[0].split(':')[0] === l.endpoints[1].split(':')[0]) problems.push(`links[${i}]: both ends on one node`);
  });
  for (const [name, node] of Object.entries(topo.nodes)) {
    for (const bind of node.binds ?? []) {
      const host = bind.split(':')[0];
      const path = isAbsolute(host) ? host : resolve(opts.baseDir, host);
      if (!existsSync(path)) problems.push(`nodes.${name}.binds: ${host} does not exist (relative to ${opts.baseDir})`);
    }
  }
  return problems;
}
