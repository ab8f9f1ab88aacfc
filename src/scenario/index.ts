// Failover scenarios: scenario files (load, check), the engines that run them (netns lab, containerlab), the
// runner, and its reports. `bgpfo scenario run|check` and the scenario integration tests call only this.

export { loadScenario, parseScenario, TRAFFIC_DEFAULTS, DEFAULT_SAMPLE_MS, type LoadedScenario } from './load';
export { checkScenario, resolveTunnelRef } from './check';
export { ScenarioError, ScenarioRunError, type ScenarioIssue } from './errors';
export { runScenario, preflightScenario, writeReport, inverseFault, livenessText, type RunScenarioOptions } from './run';
export { dryRunScenario } from './dry-run';
export { NetnsEngine, type NetnsEngineOptions } from './netns-engine';
export { ClabEngine, DryRunner, CONTAINER_DAEMON, type ClabEngineOptions } from './clab-engine';
export type { ScenarioEngine, ControlAccess, Spawner } from './engine';
export { formatSummary, REPORT_FORMAT, type ScenarioReport, type StreamSummary, type StepRecord } from './report';
export { renderTimelineSvg } from './svg';
export { missingFeatures, type MissingFeature } from './requires';
export { receiverMain, senderMain, sendConstantRate, receiveRecorded, type SendOptions } from './flow-agent';
export type { CheckResult } from './expect';
export type { FaultMeasurement } from './measure';
export type { Scenario, Step, FaultSpec, Expectation, TrafficStream, Feature } from './types';
export { clabStatus } from './clab-status';
export { clabRender } from './clab-engine';
