// Alerts on operator events: a command (event JSON on stdin, BGPFO_* env vars) and/or an HTTP POST of the JSON.
// Configured under `alerts:` (docs/operations.md); fed from the daemon's EventBus.

export { Alerter, type AlerterOptions, type AlertChannel } from './alerter';
