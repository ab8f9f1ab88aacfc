// From a neighbor's `liveness:` config to what src/health runs: the liveness spec (BFD session or ping probe, RFC
// 5880/5881 timers) and the quality, demotion and dampening settings of its TunnelHealthMonitor.

import type { PolicyMark } from './drain-marks';
import type { LivenessConfig, NeighborConfig } from '../config';
import type { LivenessSpec, TunnelHealthOptions } from '../health';

/** Neighbors whose session waits for a liveness verdict (the speaker's deferStart). */
/** The marks a demoted tunnel gets: its routes at a low LOCAL_PREF (out of the ECMP set), extra prepends out. */
export function demotionMark(n: Pick<NeighborConfig, 'liveness'>): PolicyMark | null {
  const q = n.liveness?.quality;
  return q ? { extraPrepend: q.prepend, importLocalPref: q.localPref } : null;
}

export function hasLiveness(n: Pick<NeighborConfig, 'liveness'>): boolean {
  return n.liveness !== undefined;
}

export interface SpecExtras {
  /** Run ping in this network namespace (tests that run the daemon's code outside the lab namespace). */
  netns?: string;
  pingPath?: string;
}

export function livenessSpec(n: NeighborConfig & { liveness: LivenessConfig }, extras: SpecExtras = {}): LivenessSpec {
  const l = n.liveness;
  if (n.localAddress === undefined) throw new Error(`neighbor ${n.name}: liveness needs local-address`);
  const spec: LivenessSpec = {
    mode: l.mode,
    local: n.localAddress,
    peer: n.address,
    intervalMs: l.intervalMs,
    multiplier: l.multiplier,
    ...(extras.netns ? { netns: extras.netns } : {}),
    ...(extras.pingPath ? { pingPath: extras.pingPath } : {}),
  };
  if (l.mode === 'bfd') {
    spec.bfd = { requiredMinRxMs: l.bfd.requiredMinRxMs, passive: l.bfd.passive, ...(l.bfd.auth ? { auth: l.bfd.auth } : {}) };
    spec.qualityProbe = l.quality === false ? false : { intervalMs: l.quality.probeIntervalMs };
  }
  return spec;
}

/**
 * The monitor's options. `quality: false` in probe mode still measures (the probes are there anyway) but can never
 * demote: no RTT or jitter threshold, and loss can never be above 100 %.
 */
export function healthOptions(n: NeighborConfig & { liveness: LivenessConfig }, extras: SpecExtras = {}): TunnelHealthOptions {
  const l = n.liveness;
  const q = l.quality;
  return {
    name: n.name,
    liveness: livenessSpec(n, extras),
    ...(q ? { quality: { windowMs: q.windowMs } } : {}),
    demotion: q
      ? {
          maxLossPct: q.maxLossPct,
          minSamples: q.minSamples,
          holdDownMs: q.holdDownMs,
          ...(q.maxRttMs !== undefined ? { maxRttMs: q.maxRttMs } : {}),
          ...(q.maxJitterMs !== undefined ? { maxJitterMs: q.maxJitterMs } : {}),
        }
      : { maxLossPct: 100 },
    dampening: l.dampening === false ? { initialHoldMs: 0 } : { ...l.dampening },
  };
}
