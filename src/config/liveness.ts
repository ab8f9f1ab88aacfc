// A neighbor's `liveness:` block: BFD or probe liveness of the tunnel under the session, quality demotion, flap
// dampening and probe-mode steering. Schema, defaults and cross-field checks (docs/configuration.md, docs/liveness.md).

import { z } from 'zod';
import { validateAuthConfig, type BfdAuthConfig, type BfdAuthName } from '../bfd/auth';
import { DEFAULT_DAMPENING, DEFAULT_DEMOTION, DEFAULT_PROBE_TIMERS, DEFAULT_QUALITY, DEFAULT_QUALITY_PROBE_INTERVAL_MS } from '../health/types';
import { bool, int, text } from './fields';

const MAPPING = 'expected a mapping (key: value lines)';
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: MAPPING });
const off = <T extends z.ZodType>(schema: T) => z.union([z.literal(false), schema], { error: 'expected false or a mapping (key: value lines)' });
const percent = z.number({ error: 'expected a percentage 0..100' }).min(0, { error: 'expected a percentage 0..100' }).max(100, { error: 'expected a percentage 0..100' });

const AUTH_TYPES = ['simple', 'keyed-md5', 'meticulous-keyed-md5', 'keyed-sha1', 'meticulous-keyed-sha1'] as const satisfies readonly BfdAuthName[];

export const livenessSchema = obj({
  mode: z.enum(['bfd', 'probe', 'none'], { error: 'expected bfd, probe or none' }),
  'interval-ms': int(10, 60_000).optional(),
  multiplier: int(1, 255).optional(),
  bfd: obj({
    'required-min-rx-ms': int(10, 60_000).optional(),
    passive: bool().optional(),
    auth: obj({
      type: z.enum(AUTH_TYPES, { error: `expected one of ${AUTH_TYPES.join(', ')}` }),
      'key-id': int(0, 255),
      key: text('the shared secret (text)'),
    }).optional(),
  }).optional(),
  quality: off(
    obj({
      'window-s': int(1, 3600).optional(),
      'max-loss-percent': percent.optional(),
      'max-rtt-ms': int(1, 60_000).optional(),
      'max-jitter-ms': int(1, 60_000).optional(),
      'hold-down-s': int(0, 86_400).optional(),
      'min-samples': int(1, 100_000).optional(),
      'probe-interval-ms': int(10, 60_000).optional(),
      prepend: int(0, 16).optional(),
      'local-pref': int(0, 4294967295).optional(),
    }),
  ).optional(),
  dampening: off(
    obj({
      'initial-hold-ms': int(1, 3_600_000).optional(),
      'max-hold-s': int(1, 86_400).optional(),
      'decay-s': int(1, 86_400).optional(),
    }),
  ).optional(),
  steering: obj({ 'more-specifics': bool().optional() }).optional(),
});

export type RawLiveness = z.output<typeof livenessSchema>;

export interface LivenessQualityConfig {
  windowMs: number;
  /** Demote when loss over the window is above this (strictly). */
  maxLossPct: number;
  maxRttMs?: number;
  maxJitterMs?: number;
  /** Promoted only after this long continuously healthy. */
  holdDownMs: number;
  /** Fewer judged probes than this in the window: no verdict either way. */
  minSamples: number;
  /** BFD mode: interval of the ping beside BFD that measures quality (probe mode measures with its own probes). */
  probeIntervalMs: number;
  /** Extra copies of our ASN on everything we advertise to the neighbor while demoted. */
  prepend: number;
  /** LOCAL_PREF of the routes learned from the neighbor while demoted (below every healthy path's). */
  localPref: number;
}

export interface LivenessDampeningConfig {
  initialHoldMs: number;
  maxHoldMs: number;
  decayMs: number;
}

/** A neighbor's liveness, every default filled in. Absent on the neighbor when the mode is none (the default). */
export interface LivenessConfig {
  mode: 'bfd' | 'probe';
  /** BFD: desired min TX interval; probe: ping interval. */
  intervalMs: number;
  multiplier: number;
  /** Used in BFD mode only. */
  bfd: { requiredMinRxMs: number; passive: boolean; auth?: BfdAuthConfig };
  /** false: never demoted (BFD mode: no side probe either; probe mode: figures are still shown). */
  quality: LivenessQualityConfig | false;
  /** false: no flap dampening (the tunnel is used again as soon as liveness is back). */
  dampening: LivenessDampeningConfig | false;
  steering: { moreSpecifics: boolean };
}

export const LIVENESS_DEFAULTS = {
  intervalMs: DEFAULT_PROBE_TIMERS.intervalMs,
  multiplier: DEFAULT_PROBE_TIMERS.multiplier,
  windowMs: DEFAULT_QUALITY.windowMs,
  maxLossPct: DEFAULT_DEMOTION.maxLossPct,
  holdDownMs: DEFAULT_DEMOTION.holdDownMs,
  minSamples: DEFAULT_DEMOTION.minSamples,
  probeIntervalMs: DEFAULT_QUALITY_PROBE_INTERVAL_MS,
  /** A demoted primary (1 copy + 3) then loses to a healthy backup (1 + 2). */
  demotedPrepend: 3,
  /** Below any configured local-pref of a healthy neighbor except 0, which RFC 8326 graceful shutdown uses. */
  demotedLocalPref: 1,
  dampening: DEFAULT_DAMPENING,
} as const;

/** The typed block, or undefined for mode none. Assumes checkLiveness found nothing (or its issues are reported). */
export function buildLiveness(raw: RawLiveness | undefined): LivenessConfig | undefined {
  if (!raw || raw.mode === 'none') return undefined;
  const d = LIVENESS_DEFAULTS;
  const intervalMs = raw['interval-ms'] ?? d.intervalMs;
  const q = raw.quality;
  const damp = raw.dampening;
  const auth = raw.bfd?.auth;
  return {
    mode: raw.mode,
    intervalMs,
    multiplier: raw.multiplier ?? d.multiplier,
    bfd: {
      requiredMinRxMs: raw.bfd?.['required-min-rx-ms'] ?? intervalMs,
      passive: raw.bfd?.passive ?? false,
      ...(auth ? { auth: { type: auth.type, keyId: auth['key-id'], secret: auth.key } } : {}),
    },
    quality:
      q === false
        ? false
        : {
            windowMs: (q?.['window-s'] ?? d.windowMs / 1000) * 1000,
            maxLossPct: q?.['max-loss-percent'] ?? d.maxLossPct,
            ...(q?.['max-rtt-ms'] !== undefined ? { maxRttMs: q['max-rtt-ms'] } : {}),
            ...(q?.['max-jitter-ms'] !== undefined ? { maxJitterMs: q['max-jitter-ms'] } : {}),
            holdDownMs: (q?.['hold-down-s'] ?? d.holdDownMs / 1000) * 1000,
            minSamples: q?.['min-samples'] ?? d.minSamples,
            probeIntervalMs: q?.['probe-interval-ms'] ?? d.probeIntervalMs,
            prepend: q?.prepend ?? d.demotedPrepend,
            localPref: q?.['local-pref'] ?? d.demotedLocalPref,
          },
    dampening:
      damp === false
        ? false
        : {
            initialHoldMs: damp?.['initial-hold-ms'] ?? d.dampening.initialHoldMs,
            maxHoldMs: (damp?.['max-hold-s'] ?? d.dampening.maxHoldMs / 1000) * 1000,
            decayMs: (damp?.['decay-s'] ?? d.dampening.decayMs / 1000) * 1000,
          },
    steering: { moreSpecifics: raw.steering?.['more-specifics'] ?? false },
  };
}

/**
 * What one field alone cannot say. `add(path, message)` takes a path relative to the `liveness` key; `hasLocal` is
 * whether the neighbor has a local-address (the BFD session and the probe are bound to it).
 */
export function checkLiveness(raw: RawLiveness | undefined, hasLocal: boolean, add: (path: PropertyKey[], message: string) => void): void {
  if (!raw) return;
  if (raw.mode === 'none') {
    const extra = Object.keys(raw).filter((k) => k !== 'mode');
    if (extra.length > 0) add([extra[0]!], `mode: none turns liveness off; remove ${extra.join(', ')} (or choose mode bfd or probe)`);
    return;
  }
  if (!hasLocal) {
    add(['mode'], `liveness mode ${raw.mode} needs the neighbor's local-address: the ${raw.mode === 'bfd' ? 'BFD session' : 'probe'} is bound to the tunnel's local address`);
  }
  if (raw.mode === 'probe' && raw.bfd !== undefined) add(['bfd'], 'bfd settings apply to mode: bfd only (this neighbor uses mode: probe)');
  if (raw.mode !== 'probe' && raw.steering?.['more-specifics'] === true) {
    add(['steering', 'more-specifics'], 'steering applies to mode: probe only: a BFD peer detects the failure itself and withdraws at once');
  }
  const auth = raw.bfd?.auth;
  if (auth) {
    try {
      validateAuthConfig({ type: auth.type, keyId: auth['key-id'], secret: auth.key });
    } catch (e) {
      add(['bfd', 'auth', 'key'], (e as Error).message);
    }
  }
  const q = raw.quality;
  if (q) {
    if (raw.mode === 'probe' && q['probe-interval-ms'] !== undefined) {
      add(['quality', 'probe-interval-ms'], 'probe mode measures quality with its own probes (interval-ms); probe-interval-ms is for mode: bfd');
    }
    const every = raw.mode === 'probe' ? (raw['interval-ms'] ?? LIVENESS_DEFAULTS.intervalMs) : (q['probe-interval-ms'] ?? LIVENESS_DEFAULTS.probeIntervalMs);
    const windowMs = (q['window-s'] ?? LIVENESS_DEFAULTS.windowMs / 1000) * 1000;
    const minSamples = q['min-samples'] ?? LIVENESS_DEFAULTS.minSamples;
    const fits = Math.floor(windowMs / every);
    if (fits < minSamples) {
      add(
        ['quality', q['window-s'] !== undefined ? 'window-s' : 'min-samples'],
        `a ${windowMs / 1000} s window holds at most ${fits} probes at one per ${every} ms, fewer than min-samples ${minSamples}: the tunnel could never be demoted`,
      );
    }
  }
  const damp = raw.dampening;
  if (damp && damp['max-hold-s'] !== undefined && damp['max-hold-s'] * 1000 < (damp['initial-hold-ms'] ?? LIVENESS_DEFAULTS.dampening.initialHoldMs)) {
    add(['dampening', 'max-hold-s'], 'max-hold-s must not be shorter than initial-hold-ms');
  }
}
