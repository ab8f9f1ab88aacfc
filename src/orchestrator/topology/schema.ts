// The topology file's shape as written (kebab-case keys), in zod v4; unknown keys are errors everywhere.
// Three layouts share it (two-site, multi-far, hub-and-spoke); which keys a layout needs is normalize.ts's rule,
// where the message can name the fix, as for the other cross-field rules (ASN ranges, ISPs per mode, cloud and BFD).

import { z } from 'zod';
import { asnField } from '../../util/asn';
import { schemaKeysAt } from '../../util/yaml-source';
import { formatCidr, formatIpv4, networkOf, parseCidr, parseIpv4 } from '../plan/ipv4';
import { formatCidr6, networkOf6, parseCidr6 } from '../plan/ipv6';

const MAPPING = 'expected a mapping (key: value lines)';
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: MAPPING });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected a list of ${what}` });

function fail(ctx: z.RefinementCtx, message: string, input: unknown): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

export function int(min: number, max: number, what = `an integer ${min}..${max}`) {
  return z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).min(min, { error: `expected ${what}` }).max(max, {
    error: `expected ${what}`,
  });
}

/** Node, site, ISP and lab names become namespace and interface names: keep them short and shell-safe. */
export function name(what: string, max: number, example: string) {
  const expected = `expected ${what}: 1..${max} lower-case letters, digits and "-", starting with a letter (e.g. ${example})`;
  return z
    .string({ error: expected })
    .max(max, { error: expected })
    .regex(/^[a-z](?:[a-z0-9-]*[a-z0-9])?$/, { error: expected });
}

/** An IPv4 prefix with host bits zero, returned canonical ("10.1.0.0/16"): the pools. */
export function prefix() {
  const expected = 'expected an IPv4 prefix such as 10.1.0.0/16';
  return z.string({ error: expected }).transform((raw, ctx) => {
    if (raw.includes(':')) return fail(ctx, `${expected} (IPv6 pools have their own keys: inner-pool-v6, transit-pool-v6)`, raw);
    return canonical4(raw, expected, ctx);
  });
}

function canonical4(raw: string, expected: string, ctx: z.RefinementCtx): string {
  const loose = parseCidr(raw, false);
  if (!loose) return fail(ctx, expected, raw);
  const net = networkOf(loose.addr, loose.length);
  if (net !== loose.addr) return fail(ctx, `host bits are set; did you mean ${formatCidr(net, loose.length)}?`, raw);
  return formatCidr(net, loose.length);
}

function canonical6(raw: string, expected: string, ctx: z.RefinementCtx, maxLength: number): string {
  const loose = parseCidr6(raw, false);
  if (!loose) return fail(ctx, expected, raw);
  const net = networkOf6(loose.addr, loose.length);
  if (net !== loose.addr) return fail(ctx, `host bits are set; did you mean ${formatCidr6(net, loose.length)}?`, raw);
  if (loose.length > maxLength) return fail(ctx, `a /${loose.length} is too small here; ${expected}`, raw);
  return formatCidr6(net, loose.length);
}

/** A site prefix, IPv4 or IPv6, canonical (RFC 5952 for IPv6). An IPv6 one must hold a /64 if it is the site's first. */
export function sitePrefix() {
  const expected = 'expected an IPv4 or IPv6 prefix such as 10.1.0.0/16 or 2001:db8:1::/48';
  return z.string({ error: expected }).transform((raw, ctx) => (raw.includes(':') ? canonical6(raw, expected, ctx, 128) : canonical4(raw, expected, ctx)));
}

/** An IPv6 pool of /126 links ("fd00:a9fe::/64"). */
export function prefix6() {
  const expected = 'expected an IPv6 prefix of /124 or larger such as fd00:a9fe::/64';
  return z.string({ error: expected }).transform((raw, ctx) => canonical6(raw, expected, ctx, 124));
}

/** An interface address with its prefix length ("203.0.113.2/30"). */
export function interfaceAddress() {
  const expected = 'expected an IPv4 interface address with its prefix length, such as 203.0.113.2/30';
  return z.string({ error: expected }).transform((raw, ctx) => {
    const c = parseCidr(raw, false);
    if (!c || c.length < 8 || c.length > 32) return fail(ctx, expected, raw);
    const net = networkOf(c.addr, c.length);
    if (c.length < 31 && (c.addr === net || c.addr === net + 2 ** (32 - c.length) - 1)) {
      return fail(ctx, `${raw} is the network or broadcast address of its subnet; ${expected}`, raw);
    }
    return formatCidr(c.addr, c.length);
  });
}

export function ipv4Address(what = 'an IPv4 address such as 203.0.113.1') {
  return z.string({ error: `expected ${what}` }).transform((raw, ctx) => {
    const n = parseIpv4(raw.trim());
    if (n === null) return fail(ctx, `expected ${what}`, raw);
    return formatIpv4(n);
  });
}

/** The daemon config's ASN field (src/util/asn.ts); reserved ASNs are refused by normalize.ts with the same classifyAsn. */
const asn = () => asnField({ reserved: 'pass' });

const daemon = <const T extends readonly [string, ...string[]]>(allowed: T) => z.enum(allowed, { error: `expected one of ${allowed.join(', ')}` });

const lanRouter = obj({
  name: name('a node name', 12, 'hq-lan').optional(),
  asn: asn().optional(),
  runs: daemon(['bird', 'frr', 'bgpfo']).optional(),
});

const router = obj({
  name: name('a node name', 10, 'r1'),
  'router-id': ipv4Address('a router id written as an IPv4 address').optional(),
  uplinks: list(
    obj({
      isp: name('an ISP name', 8, 'isp1'),
      address: interfaceAddress(),
      gateway: ipv4Address('the ISP gateway, an IPv4 address such as 203.0.113.1'),
    }),
    'uplinks ({isp, address, gateway})',
  ).optional(),
});

const gateway = obj({
  name: name('a node name', 10, 'gw1'),
  'router-id': ipv4Address('a router id written as an IPv4 address').optional(),
  uplink: obj({
    address: interfaceAddress(),
    gateway: ipv4Address('the upstream gateway, an IPv4 address such as 198.51.100.1'),
  }).optional(),
});

const siteCommon = {
  name: name('a site name', 8, 'hq'),
  asn: asn(),
  prefixes: list(sitePrefix(), 'IPv4 or IPv6 prefixes').min(1, { error: 'expected at least one prefix (the site LAN)' }),
  'lan-router': lanRouter.optional(),
  hosts: int(1, 8, 'a number of LAN hosts 1..8').optional(),
};

const holdTime = int(0, 65535, 'a hold time in seconds: 0 or 3..65535').refine((v) => v === 0 || v >= 3, {
  error: 'hold-time 1 and 2 are not allowed: use 0 or 3..65535 seconds (RFC 4271 §4.2)',
});

const mode = z.enum(['active-active', 'active-passive'], { error: 'expected active-active or active-passive' });
const liveness = obj({
  method: z.enum(['bfd', 'probe'], { error: 'expected bfd or probe' }),
  'interval-ms': int(10, 60000, 'an interval in milliseconds 10..60000').optional(),
  multiplier: int(2, 255, 'a detection multiplier 2..255').optional(),
});
const bgp = obj({
  'hold-time': holdTime.optional(),
  keepalive: int(1, 21845, 'a keepalive interval in seconds 1..21845').optional(),
  'max-prefixes': int(1, 10000000, 'a prefix limit 1..10000000').optional(),
  'backup-prepend': int(1, 10, 'a number of extra AS path prepends 1..10').optional(),
  'backup-local-pref': int(0, 99, 'a LOCAL_PREF below the primary 100: 0..99').optional(),
  'graceful-restart': z.boolean({ error: 'expected true or false' }).optional(),
});
const isps = list(obj({ name: name('an ISP name', 8, 'isp1'), role: z.enum(['primary', 'backup'], { error: 'expected primary or backup' }) }), 'ISPs').min(1, {
  error: 'expected at least one ISP',
});
const innerPool = z.union([prefix(), list(prefix(), 'IPv4 prefixes')], {
  error: (iss) =>
    typeof iss.input === 'string' && iss.input.includes(':')
      ? 'expected an IPv4 prefix or a list of them (IPv6 pools have their own keys: inner-pool-v6, transit-pool-v6)'
      : 'expected an IPv4 prefix or a list of them',
});

/** The gateway side: `far:`, each of `far-sites:`, and `hub:`. */
const farSite = obj({
  ...siteCommon,
  runs: daemon(['bgpfo', 'frr', 'bird', 'cloud']),
  cloud: daemon(['aws', 'azure', 'gcp']).optional(),
  'stand-in': daemon(['frr', 'bird']).optional(),
  gateways: list(gateway, 'gateways').min(1, { error: 'expected at least one gateway' }),
  'inner-pool': innerPool.optional(),
});

/** A spoke: an on-prem side of its own; what it leaves out comes from the top-level mode, isps, liveness and bgp. */
const spoke = obj({
  ...siteCommon,
  routers: list(router, 'routers').min(1, { error: 'expected at least one router' }).optional(),
  mode: mode.optional(),
  isps: isps.optional(),
  liveness: liveness.optional(),
  bgp: bgp.optional(),
});

export const topologySchema = z.strictObject(
  {
    lab: name('a lab name', 8, 'demo'),
    description: z.string({ error: 'expected a one-line description' }).optional(),
    mode: mode.optional(),
    tunnel: obj({
      type: z.enum(['wireguard', 'veth', 'ipsec'], { error: 'expected wireguard, veth or ipsec' }),
      mtu: int(1280, 9000, 'an MTU 1280..9000').optional(),
      'listen-port': int(1024, 65000, 'a base UDP port 1024..65000 (tunnel n listens on base + n)').optional(),
    }),
    liveness: liveness.optional(),
    bgp: bgp.optional(),
    addressing: obj({
      'inner-pool': innerPool.optional(),
      'inner-pool-v6': prefix6().optional(),
      'transit-pool': prefix().optional(),
      'transit-pool-v6': prefix6().optional(),
      'underlay-pool': prefix().optional(),
    }).optional(),
    isps: isps.optional(),
    onprem: obj({ ...siteCommon, routers: list(router, 'routers').min(1, { error: 'expected at least one router' }) }).optional(),
    far: farSite.optional(),
    'far-sites': list(farSite, 'far sites').min(1, { error: 'expected at least one far site' }).optional(),
    hub: farSite.optional(),
    spokes: list(spoke, 'spokes').min(1, { error: 'expected at least one spoke' }).optional(),
  },
  { error: 'expected a mapping with at least lab:, tunnel:, and either onprem: with far: or far-sites:, or hub: with spokes:' },
);

export type RawTopology = z.output<typeof topologySchema>;

/** The keys accepted at a path, for "did you mean" on unknown keys. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  return schemaKeysAt(topologySchema, path);
}
