// Failover drills on a running deployment (`bgpfo drill`): the preflight that refuses an unsafe drill, the
// instruments, and the drill itself with its report.

export { runDrill, formatDrill, drillBlackholeRules, DrillRefused, DRILL_TABLE, type DrillOptions, type DrillReport } from './drill';
export { drillPreflight, unhealthy, type PreflightInput, type PreflightResult } from './preflight';
export { summarizeProbe, recordPingLine, quietAfter, txRate, type ProbeRecord, type ProbeSummary, type RateSample } from './probes';
