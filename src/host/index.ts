// Host bring-up: `bgpfo up|down FILE --node NAME` on a real router host (the CLI calls only this).

export { hostUp, hostDown, DEFAULT_HOST_PATHS, HOST_RECORD_FORMAT, type HostOptions, type HostResult } from './host';
export { hostActions, describeActions, bgpfoNode, HostError, routeKey, type HostAction, type HostChanges, type HostFacts, type HostPaths, type HostPlanOptions, type ServiceMode } from './actions';
