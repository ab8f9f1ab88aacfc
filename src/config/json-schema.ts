// The config file's JSON Schema, generated from the zod schema the loader uses (z.toJSONSchema), so editors
// (yaml-language-server, VS Code) complete and check the same keys, types and ranges as `bgpfo validate`.

import { z } from 'zod';
import { configSchema } from './schema';

export const CONFIG_SCHEMA_ID = 'https://bgpfo.invalid/schema/bgpfo-config.schema.json';

type Json = Record<string, unknown>;

/** docs/configuration.md section heading -> the config path its table describes ("[]" steps into a list). */
const SECTION_PATHS: Record<string, string[]> = {
  router: ['router'],
  control: ['control'],
  log: ['log'],
  rib: ['rib'],
  neighbors: ['neighbors', '[]'],
  import: ['neighbors', '[]', 'import'],
  export: ['neighbors', '[]', 'export'],
  'graceful-restart': ['neighbors', '[]', 'graceful-restart'],
  fib: ['fib'],
  liveness: ['neighbors', '[]', 'liveness'],
  metrics: [],
};

/** Keys the docs describe in prose rather than a table. */
const PROSE: Record<string, string> = {
  '': 'bgpfo daemon config (docs/configuration.md). `bgpfo validate FILE` checks more than this schema can: addresses, asdot, cross-field rules.',
  originate: 'Prefixes this router announces to every neighbor (IPv4 in ipv4-unicast, IPv6 in ipv6-unicast). A default route needs originate-allow-default: true.',
  'originate-allow-default': 'true: 0.0.0.0/0 or ::/0 in originate is meant (it draws all of every neighbor\'s traffic of that family here). Default false.',
  control: 'The control socket of bgpfo status, routes, reload, drain and events.',
  log: 'Logging.',
  rib: 'The Loc-RIB.',
  neighbors: 'The BGP neighbors, one per tunnel (and the LAN router, the iBGP twin).',
  metrics: 'The Prometheus endpoint (docs/operations.md).',
  alerts: 'Alerts sent for operator events (docs/operations.md).',
  stop: 'What SIGTERM does.',
  router: 'This router: its AS, BGP identifier and where it listens.',
  fib: 'Where the Loc-RIB\'s routes go: kernel nexthop objects and groups.',
  'neighbors[].liveness.bfd': 'BFD settings (mode: bfd only).',
  'neighbors[].liveness.bfd.auth.type': 'BFD authentication (RFC 5880 §6.7): simple, keyed-md5, meticulous-keyed-md5, keyed-sha1 or meticulous-keyed-sha1.',
  'neighbors[].liveness.bfd.auth.key-id': 'The key id both ends use, 0..255.',
  'neighbors[].liveness.bfd.auth.key': 'The shared secret: 1..16 bytes (simple, MD5) or 1..20 bytes (SHA1).',
  'neighbors[].liveness.steering': 'Probe-mode steering.',
  'neighbors[].import.allow[]': 'A prefix filter: "P", "P le N", "P ge N", "P ge N le M" or { prefix, ge, le }.',
};

const plain = (s: string) => s.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/`/g, '').trim();

/**
 * Descriptions by config path ("neighbors[].hold-time"), from the tables of docs/configuration.md: the meaning
 * column and the default, so an editor's hover says what the docs say.
 */
export function docDescriptions(markdown: string): Map<string, string> {
  const out = new Map<string, string>(Object.entries(PROSE));
  let base: string[] | undefined;
  let header: string[] = [];
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,3} `([a-z-]+)`/.exec(line);
    if (heading) {
      base = SECTION_PATHS[heading[1]!];
      header = [];
      continue;
    }
    if (/^#{1,3} /.test(line)) base = undefined;
    if (!base || !line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'key') {
      header = cells;
      continue;
    }
    if (/^-+$/.test(cells[0] ?? '') || header.length === 0) continue;
    const meaning = header.indexOf('meaning');
    const dflt = header.indexOf('default');
    const type = header.findIndex((h) => h === 'type' || h === 'values');
    const text = [
      meaning >= 0 ? plain(cells[meaning] ?? '') : type >= 0 ? plain(cells[type] ?? '') : '',
      dflt >= 0 && cells[dflt] && !/^required/.test(cells[dflt]!) ? `Default: ${plain(cells[dflt]!)}.` : dflt >= 0 && cells[dflt] ? 'Required.' : '',
    ]
      .filter(Boolean)
      .join(' ');
    for (const key of cells[0]!.split(',').map((k) => plain(k))) {
      if (!/^[a-z0-9.-]+$/.test(key)) continue;
      out.set([...base, ...key.split('.')].join('.').replace(/\.\[\]/g, '[]'), text);
    }
  }
  return out;
}

/** Sets `description` on every property the table knows, walking objects, lists and `false | mapping` unions. */
function describe(node: Json, path: string, docs: Map<string, string>): void {
  const d = docs.get(path);
  if (d && node.description === undefined) node.description = d;
  const props = node.properties as Record<string, Json> | undefined;
  if (props) for (const [k, v] of Object.entries(props)) describe(v, path ? `${path}.${k}` : k, docs);
  if (node.items && typeof node.items === 'object') describe(node.items as Json, `${path}[]`, docs);
  for (const branch of (node.anyOf as Json[] | undefined) ?? []) describe(branch, path, docs);
}

/**
 * The schema of what may be written (zod's input side): types, ranges, enums and unknown keys, each key described
 * from docs/configuration.md when `docs` is given. What only code can check (address syntax, asdot, cross-field
 * rules) stays with `bgpfo validate`.
 */
export function configJsonSchema(docs?: string): Json {
  const generated = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Json;
  const { $schema, ...rest } = generated;
  const schema: Json = { $schema, $id: CONFIG_SCHEMA_ID, title: 'bgpfo daemon config', ...rest };
  if (docs !== undefined) describe(schema, '', docDescriptions(docs));
  return schema;
}

/** Paths of the schema's properties that have no description (the docs do not describe them). */
export function undescribed(schema: Json, path = ''): string[] {
  const out: string[] = [];
  const props = schema.properties as Record<string, Json> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) {
    const p = path ? `${path}.${k}` : k;
    const branches = [v, ...((v.anyOf as Json[] | undefined) ?? [])];
    if (!branches.some((b) => typeof b.description === 'string')) out.push(p);
    for (const b of branches) {
      out.push(...undescribed(b, p));
      if (b.items && typeof b.items === 'object') out.push(...undescribed(b.items as Json, `${p}[]`));
    }
  }
  return [...new Set(out)];
}
