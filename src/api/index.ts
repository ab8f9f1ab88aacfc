// Public surface of the control API: the Unix-socket HTTP server the daemon runs and the client the CLI uses.
// Endpoints: GET /v1/status, /v1/routes[?prefix=&limit=], /v1/neighbors/:name/adj-rib-in?policy=pre|post,
// GET /v1/neighbors/:name, /v1/neighbors/:name/adj-rib-out, POST /v1/neighbors/:name/clear?type=,
// GET /v1/events (NDJSON stream), POST /v1/reload, /v1/drain, /v1/undrain (docs/openapi.yaml, docs/operations.md).

export { startControlServer, parseRouteQuery, type ControlServer, type ControlServerOptions } from './server';
export { ControlClient, DEFAULT_SOCKET, type ControlClientOptions, type RoutesOptions } from './client';
export * from './errors';
export * from './types';
export * from './neighbor-types';
export { bgpfoVersion } from './version';
export * from './events';
export { LineSplitter, parseEventQuery, type EventStreamQuery } from './events-stream';
