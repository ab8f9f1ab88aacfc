// A scenario file's shape as written (kebab-case keys), in zod v4. Unknown keys are errors everywhere; a step
// or a fault is a mapping with exactly one kind key. References to nodes, tunnels and ISPs are checked
// against the topology's plan afterwards (check.ts), where the lists of what exists are known.

import { z } from 'zod';
import { FEATURES } from './types';

const MAPPING = 'expected a mapping (key: value lines)';
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: MAPPING });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected a list of ${what}` });
const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const int = (min: number, max: number, what = `an integer ${min}..${max}`) =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).min(min, { error: `expected ${what}` }).max(max, { error: `expected ${what}` });
const seconds = (min: number, max: number) =>
  z.number({ error: `expected a number of seconds ${min}..${max}` }).min(min, { error: `expected a number of seconds ${min}..${max}` }).max(max, { error: `expected a number of seconds ${min}..${max}` });
const daemon = z.enum(['bgpfo', 'bird', 'frr'], { error: 'expected bgpfo, bird or frr' });

/** The kinds a fault mapping may name, and what each takes. */
export const TUNNEL_FAULTS = ['blackhole', 'restore', 'loss', 'tunnel-down', 'tunnel-up', 'drain', 'undrain'] as const;
export const ISP_FAULTS = ['isp-down', 'isp-up'] as const;
export const NODE_FAULTS = ['stop', 'start', 'kill', 'node-down', 'node-up'] as const;
export const FAULT_KINDS = [...TUNNEL_FAULTS, ...ISP_FAULTS, ...NODE_FAULTS] as const;
export const STEP_KINDS = ['converge', 'traffic', 'wait', 'fault', 'expect'] as const;

/** Exactly one of `keys` present in a mapping (steps and faults). */
function exactlyOne(keys: readonly string[], what: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => v[k] !== undefined);
    if (present.length === 1) return;
    ctx.issues.push({
      code: 'custom',
      input: v,
      message: present.length === 0 ? `expected one of ${keys.join(', ')}` : `a ${what} does one thing; found ${present.join(' and ')}`,
      ...(present.length > 1 ? { path: [present[1]!] } : {}),
    });
  };
}

const fault = obj({
  ...Object.fromEntries(FAULT_KINDS.map((k) => [k, text(k.startsWith('isp') ? 'an ISP name' : TUNNEL_FAULTS.includes(k as never) ? 'a tunnel id or name (t1, r1-gw1-isp1)' : 'a node name').optional()])),
  percent: int(1, 99, 'a loss percentage 1..99').optional(),
}).superRefine((raw, ctx) => {
  const v = raw as Record<string, unknown>;
  exactlyOne(FAULT_KINDS, 'fault')(v, ctx);
  if (v.loss !== undefined && v.percent === undefined) ctx.issues.push({ code: 'custom', input: v, path: ['percent'], message: 'loss needs percent: (the share of packets dropped each way, 1..99)' });
  if (v.loss === undefined && v.percent !== undefined) ctx.issues.push({ code: 'custom', input: v, path: ['percent'], message: 'percent belongs to a loss fault only' });
});

/** 250, or "detection + 25" (the topology's liveness interval x multiplier, plus 25 ms). */
export const DETECTION_RE = /^detection\s*\+\s*(\d{1,6})(?:\s*ms)?$/;
const LIMIT_ERROR = 'expected milliseconds (250) or "detection + N" (the liveness detection time plus N ms)';
const msLimit = z.union([int(0, 3_600_000, 'a number of milliseconds'), z.string({ error: LIMIT_ERROR }).regex(DETECTION_RE, { error: LIMIT_ERROR })], {
  error: 'expected milliseconds (250) or "detection + N" (the liveness detection time plus N ms)',
});

const expect = obj({
  name: text('a short name for this check').optional(),
  since: z.enum([...FAULT_KINDS, 'traffic-start'], { error: `expected traffic-start or a fault kind (${FAULT_KINDS.join(', ')})` }).optional(),
  'outage-max-ms': msLimit.optional(),
  'unaffected-lossless': z.boolean({ error: 'expected true or false' }).optional(),
  'lost-max': int(0, 1e9, 'a number of packets').optional(),
  'traffic-on': list(text('a tunnel id, tunnel name or ISP name'), 'tunnels or ISPs').min(1, { error: 'expected at least one tunnel or ISP' }).optional(),
  'traffic-off': list(text('a tunnel id, tunnel name or ISP name'), 'tunnels or ISPs').min(1, { error: 'expected at least one tunnel or ISP' }).optional(),
  'within-s': seconds(0.1, 600).optional(),
  'no-flap': z.boolean({ error: 'expected true or false' }).optional(),
  'sessions-up': list(text('a tunnel id or name'), 'tunnels').min(1, { error: 'expected at least one tunnel' }).optional(),
}).superRefine((v, ctx) => {
  const checks = ['outage-max-ms', 'unaffected-lossless', 'lost-max', 'traffic-on', 'traffic-off', 'no-flap', 'sessions-up'] as const;
  if (!checks.some((k) => v[k] !== undefined)) ctx.issues.push({ code: 'custom', input: v, message: `expected at least one of ${checks.join(', ')}` });
  if (v['within-s'] !== undefined && !v['traffic-on'] && !v['traffic-off'] && !v['sessions-up']) {
    ctx.issues.push({ code: 'custom', input: v, path: ['within-s'], message: 'within-s waits for traffic-on, traffic-off or sessions-up; add one of them' });
  }
  if (v['no-flap'] && !v['traffic-on']) ctx.issues.push({ code: 'custom', input: v, path: ['no-flap'], message: 'no-flap needs traffic-on (the set of tunnels that must stay the one in use)' });
});

const step = obj({
  converge: z.union([z.null(), obj({ 'timeout-s': seconds(1, 3600).optional() })], { error: 'expected nothing or {timeout-s: N}' }).optional(),
  traffic: z.enum(['start', 'stop'], { error: 'expected start or stop' }).optional(),
  wait: seconds(0.01, 3600).optional(),
  fault: fault.optional(),
  expect: expect.optional(),
}).superRefine(exactlyOne(STEP_KINDS, 'step'));

const stream = obj({
  from: text('a LAN host node (hq-h1)'),
  to: text('a LAN host node of the other site (dc-h1)'),
  flows: int(1, 256, 'a number of flows 1..256').optional(),
  'pps-per-flow': int(10, 10_000, 'packets per second per flow 10..10000 (1000 or more resolves an outage to 1 ms)').optional(),
  size: int(16, 1400, 'a UDP payload size 16..1400 bytes').optional(),
  // A refinement, not an enum: inside the traffic union an enum's failure would hide behind "expected a stream".
  family: z.string({ error: 'expected ipv4 or ipv6' }).refine((v) => v === 'ipv4' || v === 'ipv6', { error: 'expected ipv4 or ipv6' }).optional(),
});

export const scenarioSchema = z.strictObject(
  {
    scenario: z.string({ error: 'expected a scenario name' }).regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, {
      error: 'expected a scenario name: 1..48 lower-case letters, digits and "-"',
    }),
    description: text('a one-line description').optional(),
    topology: text('the topology file, relative to this file'),
    lab: obj({
      name: z.string({ error: 'expected a lab name' }).regex(/^[a-z](?:[a-z0-9-]{0,6}[a-z0-9])?$/, { error: 'expected a lab name: 1..8 lower-case letters, digits and "-", starting with a letter' }).optional(),
      tunnel: z.enum(['wireguard', 'veth'], { error: 'expected wireguard or veth' }).optional(),
      'router-daemon': daemon.optional(),
      'far-daemon': daemon.optional(),
      liveness: z.literal('off', { error: 'expected off (no BFD or probe: only the hold timer detects)' }).optional(),
    }).optional(),
    requires: list(z.enum(FEATURES, { error: `expected one of ${FEATURES.join(', ')}` }), 'features').optional(),
    traffic: z.union([stream, list(stream, 'traffic streams').min(1, { error: 'expected at least one stream' })], { error: 'expected a stream {from, to, ...} or a list of them' }),
    'sample-ms': int(20, 1000, 'a sampling interval 20..1000 ms').optional(),
    steps: list(step, 'steps').min(1, { error: 'expected at least one step' }),
  },
  { error: 'expected a mapping with at least scenario:, topology:, traffic: and steps:' },
);

export type RawScenario = z.output<typeof scenarioSchema>;

type AnyDef = { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; options?: z.core.$ZodType[]; schema?: z.core.$ZodType };
const defOf = (t: z.core.$ZodType) => t._zod.def as unknown as AnyDef;

function unwrap(t: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  if (!t) return undefined;
  const def = defOf(t);
  if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  if (def.type === 'union' && def.options) return def.options.map(unwrap).find((o) => o && ['object', 'array'].includes(defOf(o).type));
  return t;
}

/** The keys accepted at a path, for "did you mean" on unknown keys. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let s = unwrap(scenarioSchema);
  for (const key of path) {
    const def = s && defOf(s);
    if (def?.type === 'object' && def.shape && typeof key === 'string') s = unwrap(def.shape[key]);
    else if (def?.type === 'array' && def.element && typeof key === 'number') s = unwrap(def.element);
    else return [];
  }
  const def = s && defOf(s);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
