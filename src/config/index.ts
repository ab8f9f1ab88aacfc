// Public surface of the config module: load/parse the daemon's YAML, the validated types, and ConfigError.
// See docs/configuration.md for every field.

export { loadConfig, parseConfig } from './load';
export { ConfigError, formatIssue, type ConfigIssue } from './errors';
export * from './types';
export { LIVENESS_DEFAULTS, type LivenessConfig, type LivenessQualityConfig, type LivenessDampeningConfig } from './liveness';
