// LivenessMonitor: one tunnel's Up/Down (with reason and time) and its quality samples, by BFD or by ping probe.
// BFD mode wraps BfdService.requestSession (RFC 5880/5882); probe mode wraps ProbeService (issue 3 item 5).

import type { BfdRequestOptions, BfdSessionHandle, BfdStateEvent } from '../bfd/service';
import type { BfdAuthConfig } from '../bfd/auth';
import type { ProbeClient, ProbeHandle, ProbeRequestOptions } from './probe-service';
import { DEFAULT_QUALITY_PROBE_INTERVAL_MS, type LivenessEvent, type LivenessMode, type QualitySample } from './types';

export interface LivenessListener {
  /** Up/Down changes only. */
  onChange(ev: LivenessEvent): void;
  onSample?(sample: QualitySample): void;
}

export type QualitySource = 'probe' | 'bfd-side-probe' | 'none';

export interface LivenessMonitor {
  readonly mode: LivenessMode;
  /** Where quality samples come from: the liveness probe itself, a low-rate ping beside BFD, or nowhere. */
  readonly qualitySource: QualitySource;
  /** The last Up/Down reported, if any. */
  readonly current: LivenessEvent | undefined;
  close(): void;
}

export interface LivenessSpec {
  mode: LivenessMode;
  local: string;
  peer: string;
  ifname?: string;
  /** BFD: desired min TX and required min RX; probe: the ping interval. */
  intervalMs: number;
  multiplier: number;
  /** BFD only. */
  bfd?: { requiredMinRxMs?: number; passive?: boolean; auth?: BfdAuthConfig };
  /**
   * BFD only: a low-rate ping beside BFD gives loss, RTT and jitter (default: every 200 ms). false: no quality in
   * BFD mode, so the tunnel is never demoted. Probe mode measures quality with its own probes.
   */
  qualityProbe?: { intervalMs: number } | false;
  /** Probe only (and the BFD-side quality probe): run ping in this network namespace. */
  netns?: string;
  pingPath?: string;
}

/** What the monitors need of BfdService and ProbeService (tests pass fakes). */
export interface BfdSessionSource {
  requestSession(opts: BfdRequestOptions, onChange: (ev: BfdStateEvent) => void): BfdSessionHandle;
}
export interface ProbeSource {
  requestProbe(opts: ProbeRequestOptions, client: ProbeClient): ProbeHandle;
}

export interface LivenessDeps {
  bfd?: BfdSessionSource;
  probes?: ProbeSource;
}

export function createLivenessMonitor(spec: LivenessSpec, deps: LivenessDeps, listener: LivenessListener): LivenessMonitor {
  if (spec.mode === 'bfd') {
    if (!deps.bfd) throw new Error('BFD liveness needs a BfdService');
    return new BfdLiveness(spec, deps.bfd, deps.probes, listener);
  }
  if (!deps.probes) throw new Error('probe liveness needs a ProbeService');
  return new ProbeLiveness(spec, deps.probes, listener);
}

function probeRequest(spec: LivenessSpec, intervalMs: number, multiplier: number): ProbeRequestOptions {
  return {
    local: spec.local,
    peer: spec.peer,
    intervalMs,
    multiplier,
    ...(spec.ifname ? { ifname: spec.ifname } : {}),
    ...(spec.netns ? { netns: spec.netns } : {}),
    ...(spec.pingPath ? { pingPath: spec.pingPath } : {}),
  };
}

export class ProbeLiveness implements LivenessMonitor {
  readonly mode = 'probe' as const;
  readonly qualitySource = 'probe' as const;
  private last: LivenessEvent | undefined;
  private readonly handle: ProbeHandle;

  constructor(spec: LivenessSpec, probes: ProbeSource, listener: LivenessListener) {
    this.handle = probes.requestProbe(probeRequest(spec, spec.intervalMs, spec.multiplier), {
      onChange: (ev) => {
        this.last = { state: ev.state, mode: 'probe', reason: ev.reason, detail: ev.detail, at: ev.at, detectionTimeMs: ev.detectionTimeMs };
        listener.onChange(this.last);
      },
      onSample: (s) => listener.onSample?.(s),
    });
  }

  get current(): LivenessEvent | undefined {
    return this.last;
  }

  close(): void {
    this.handle.close();
  }
}

/**
 * BFD Up is up; Down and our own AdminDown are down; Init changes nothing. A Down caused by the peer's AdminDown
 * (remoteState 'AdminDown') changes nothing either: RFC 5882 §3.2 says the peer shut BFD on purpose and clients must
 * not treat it as a path failure, so BGP keeps its session and its own hold timer is the judge until BFD is back.
 */
export class BfdLiveness implements LivenessMonitor {
  readonly mode = 'bfd' as const;
  readonly qualitySource: QualitySource;
  private last: LivenessEvent | undefined;
  private readonly session: BfdSessionHandle;
  private readonly quality: ProbeHandle | undefined;

  constructor(spec: LivenessSpec, bfd: BfdSessionSource, probes: ProbeSource | undefined, listener: LivenessListener) {
    const q = spec.qualityProbe === undefined ? { intervalMs: DEFAULT_QUALITY_PROBE_INTERVAL_MS } : spec.qualityProbe;
    this.session = bfd.requestSession(
      {
        local: spec.local,
        peer: spec.peer,
        ...(spec.ifname ? { ifname: spec.ifname } : {}),
        desiredMinTxMs: spec.intervalMs,
        requiredMinRxMs: spec.bfd?.requiredMinRxMs ?? spec.intervalMs,
        multiplier: spec.multiplier,
        ...(spec.bfd?.passive ? { passive: true } : {}),
        ...(spec.bfd?.auth ? { auth: spec.bfd.auth } : {}),
      },
      (ev) => this.onBfd(ev, listener),
    );
    if (q && probes) {
      // Its own Up/Down is ignored (BFD decides liveness); only its samples matter. multiplier is irrelevant here.
      this.quality = probes.requestProbe(probeRequest(spec, q.intervalMs, 3), { onChange: () => undefined, onSample: (s) => listener.onSample?.(s) });
      this.qualitySource = 'bfd-side-probe';
    } else {
      this.quality = undefined;
      this.qualitySource = 'none';
    }
  }

  private onBfd(ev: BfdStateEvent, listener: LivenessListener): void {
    if (ev.state === 'Down' && ev.remoteState === 'AdminDown') return;
    const state = ev.state === 'Up' ? 'up' : ev.state === 'Down' || ev.state === 'AdminDown' ? 'down' : undefined;
    if (!state || state === this.last?.state) return;
    this.last = {
      state,
      mode: 'bfd',
      reason: state === 'up' ? 'bfd-up' : 'bfd-down',
      detail: state === 'up' ? 'BFD session Up' : `BFD session ${ev.state}: ${ev.diagText}`,
      at: ev.at,
      detectionTimeMs: ev.detectionTimeMs,
    };
    listener.onChange(this.last);
  }

  /** The last Up/Down, with the detection time in force now (it changes after the Poll/Final that follows Up). */
  get current(): LivenessEvent | undefined {
    const now = this.session.current?.detectionTimeMs;
    return this.last && now !== undefined && now > 0 && now !== this.last.detectionTimeMs ? { ...this.last, detectionTimeMs: now } : this.last;
  }

  close(): void {
    this.session.close();
    this.quality?.close();
  }
}
