// Prometheus metrics of the daemon (prom-client): the registry with its feeding API, and the HTTP endpoint.
// Metric names and meanings: docs/operations.md; dashboard: docs/grafana-dashboard.json.

export {
  BgpfoMetrics,
  SESSION_STATE_NUMBER,
  type BgpfoMetricsOptions,
  type LivenessSample,
  type MetricsSource,
  type SessionSample,
  type TunnelQualitySample,
} from './registry';
export { registerBfdMetrics, type BfdMetricsSource } from './bfd';
export { startMetricsServer, MetricsListenError, type MetricsServer, type MetricsServerOptions } from './server';
