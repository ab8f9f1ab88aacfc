// Tunnel health: liveness by BFD or ping probe, quality (loss, RTT, jitter), demotion, flap dampening, verdicts.
// Start here: TunnelHealthMonitor (monitor.ts) and ProbeService (probe-service.ts); docs/liveness.md explains them.

export * from './types';
export { TunnelHealthMonitor, resolveHealthConfig, defaultSettleMs, type TunnelHealthOptions, type TunnelHealthDeps, type TunnelHealthStatus, type TunnelHealthCallbacks } from './monitor';
export { ProbeService, type ProbeRequestOptions, type ProbeStateEvent, type ProbeClient, type ProbeHandle, type ProbeServiceOptions } from './probe-service';
export {
  createLivenessMonitor,
  BfdLiveness,
  ProbeLiveness,
  type LivenessMonitor,
  type LivenessListener,
  type LivenessSpec,
  type LivenessDeps,
  type QualitySource,
  type BfdSessionSource,
  type ProbeSource,
} from './liveness';
export { QualityWindow } from './quality';
export { demotionStep, judge, INITIAL_DEMOTION, type DemotionState, type DemotionEvent, type DemotionReason } from './demotion';
export { dampenDown, holdForLevel, levelAt, maxLevel, INITIAL_DAMPENING, type DampeningState } from './dampening';
export { tunnelHealthStep, initialTunnelHealth, verdictOf, type TunnelHealthConfig, type TunnelHealthState, type TunnelHealthEvent, type TunnelHealthOutput } from './tunnel-health';
export { parsePingLine, parsePingStderr, type PingLine, type PingStderrLine } from './ping-parse';
export { pingArgv, validateProbeSpec, type ProbeSpec } from './probe-spec';
