// The config file's shape as written (kebab-case keys, everything optional that has a default), in zod v4.
// Unknown keys are errors everywhere (strict objects): a typo must never pass silently.

import { z } from 'zod';
import { schemaKeysAt } from '../util/yaml-source';
import { asn, bool, community, hostPort, httpUrl, ifname, int, ipAddress, largeCommunity, prefix, prefixFilter, routerId, shutdownMessage, text } from './fields';
import { ALERT_EVENTS, LOG_LEVELS } from './types';
import { livenessSchema } from './liveness';

const MAPPING = 'expected a mapping (key: value lines)';
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: MAPPING });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected a list of ${what}` });

export const family = z.enum(['ipv4-unicast', 'ipv6-unicast'], { error: 'expected ipv4-unicast or ipv6-unicast' });

/** RFC 4271 §4.2: the hold time is 0 or at least 3 seconds. */
const holdTime = int(0, 65535, 'an integer 0 or 3..65535').refine((v) => v === 0 || v >= 3, {
  error: 'hold-time 1 and 2 are not allowed: use 0 (no keepalives, no hold timer) or 3..65535 seconds (RFC 4271 §4.2)',
});

const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const neighborName = text('a name of lower-case letters, digits and "-"').regex(NAME_RE, {
  error: 'expected a name of 1..32 lower-case letters, digits and "-" (not starting or ending with "-")',
});

/** Unix socket paths are limited to 107 bytes (sun_path is 108 with the NUL). */
const socketPath = text('an absolute path')
  .refine((p) => p.startsWith('/'), { error: 'expected an absolute path (starting with /)' })
  .refine((p) => Buffer.byteLength(p) <= 107, { error: 'expected a path of at most 107 bytes (the Unix socket limit)' });

const groupName = z
  .union([z.string(), z.number()], { error: 'expected a group name or number' })
  .transform((v) => String(v))
  .refine((g) => /^(?:[a-z_][a-z0-9_-]{0,31}\$?|\d+)$/i.test(g), { error: 'expected a group name or number' });

export const neighborSchema = obj({
  name: neighborName,
  address: ipAddress({ usable: true }),
  'local-address': ipAddress({ usable: true }).optional(),
  'remote-asn': asn(),
  passive: bool().optional(),
  port: int(1, 65535).optional(),
  'hold-time': holdTime.optional(),
  keepalive: int(1, 21845).optional(),
  'connect-retry': int(1, 65535).optional(),
  role: z.enum(['primary', 'backup'], { error: 'expected primary or backup' }).optional(),
  prepend: int(0, 16).optional(),
  'local-pref': int(0, 4294967295).optional(),
  families: list(family, 'ipv4-unicast / ipv6-unicast').min(1, { error: 'expected at least one family' }).optional(),
  // The mapped form is what we send by default over an IPv4 session; writing it out is allowed.
  'next-hop-ipv6': ipAddress({ family: 'ipv6', usable: true, allowMapped: true }).optional(),
  import: obj({
    allow: list(prefixFilter(), 'prefix filters').optional(),
    deny: list(prefixFilter(), 'prefix filters').optional(),
    'allow-default': bool().optional(),
    'allow-own': bool().optional(),
    'max-prefixes': int(1, 4294967295).optional(),
    'max-prefixes-warning': int(1, 100, 'a percentage 1..100').optional(),
  }).optional(),
  export: obj({
    learned: list(prefixFilter(), 'prefix filters').optional(),
    communities: list(community(), 'communities').optional(),
    'large-communities': list(largeCommunity(), 'large communities').optional(),
    med: int(0, 4294967295).optional(),
  }).optional(),
  'graceful-restart': obj({
    enabled: bool().optional(),
    'restart-time': int(1, 4095).optional(),
  }).optional(),
  'shutdown-message': shutdownMessage().optional(),
  liveness: livenessSchema.optional(),
  interface: ifname().optional(),
});

export const configSchema = z.strictObject(
  {
    router: obj({
      asn: asn(),
      'router-id': routerId(),
      listen: list(ipAddress(), 'addresses').min(1, { error: 'expected at least one address (or leave listen out)' }).optional(),
      port: int(1, 65535).optional(),
    }),
    originate: list(prefix(), 'prefixes').optional(),
    // The default route in originate attracts every neighbor's traffic: it must be meant (build.ts).
    'originate-allow-default': bool().optional(),
    control: obj({ socket: socketPath.optional(), group: groupName.optional() }).optional(),
    log: obj({ level: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).optional() }).optional(),
    rib: obj({ 'max-paths': int(1, 64).optional(), 'keep-pre-policy': bool().optional() }).optional(),
    neighbors: list(neighborSchema, 'neighbors').optional(),
    metrics: obj({ listen: hostPort().optional() }).optional(),
    alerts: obj({
      command: z
        .union([text('a shell command'), list(text('an argument'), 'arguments').min(1, { error: 'expected at least the program' })], {
          error: 'expected a shell command (text) or a list [program, arg, ...]',
        })
        .optional(),
      url: httpUrl().optional(),
      'timeout-ms': int(100, 600_000).optional(),
      events: list(z.enum(ALERT_EVENTS, { error: `expected one of ${ALERT_EVENTS.join(', ')}` }), 'event types').optional(),
    }).optional(),
    stop: obj({ 'graceful-restart': bool().optional() }).optional(),
    fib: obj({
      mode: z.enum(['auto', 'kernel', 'memory', 'none'], { error: 'expected auto, kernel, memory or none' }).optional(),
      // 0 is "unspecified" and 255 the kernel's local table: routes there would break the host.
      table: int(1, 4294967295, 'a routing table number 1..4294967295 (not 255, the local table)')
        .refine((t) => t !== 255, { error: 'table 255 is the kernel\'s local table; use 254 (main) or a table of its own' })
        .optional(),
      // 0..4 are the kernel's own (unspec, redirect, kernel, boot, static): never ours to delete.
      protocol: int(5, 255, 'a route protocol number 5..255 (0..4 belong to the kernel and to static routes)').optional(),
      metric: int(0, 4294967295).optional(),
      netns: text('a network namespace name')
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a network namespace name (letters, digits, "_", "-", ".")' })
        .optional(),
      'apply-sysctls': bool().optional(),
      advertise: z.enum(['after-install', 'at-once'], { error: 'expected after-install (advertise a route once the kernel holds it) or at-once' }).optional(),
      'restore-sysctls': bool().optional(),
    }).optional(),
  },
  { error: 'expected a mapping with at least router: and neighbors:' },
);

export type RawConfig = z.output<typeof configSchema>;
export type RawNeighbor = z.output<typeof neighborSchema>;

/** The keys an object schema accepts at a path (for "did you mean" on unknown keys); [] when unknown. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  return schemaKeysAt(configSchema, path);
}
