// The netns lab's public surface: `bgpfo lab up|down|status|fault|exec|traffic` call only what is exported here,
// and so do the integration tests and scenarios that drive a lab.

export { labUp, waitForSessions, type LabUpOptions, type LabUpResult } from './realize';
export { LabError, type LabErrorCode } from './errors';
export { labDown, type LabDownResult } from './teardown';
export { labStatus, type LabStatus, type TunnelStatus, type TunnelEndStatus } from './status';
export { labFault, type FaultRequest, type FaultOptions } from './faults';
export { labExec } from './node-exec';
export { runLabTraffic, hostAddress, receiverAgent, senderAgent, type LabTrafficOptions, type LabTrafficResult, type TunnelTraffic } from './lab-traffic';
export { sendFlows, receiveFlows, trafficReport, FlowReceiver, DEFAULT_TRAFFIC_PORT, type TrafficReport, type FlowStats, type ReceivedFlows, type SenderReport } from './traffic';
export { sessionStates, notEstablished, type SessionEndState } from './sessions';
export { loadLabPlan, withDaemons, DAEMONS, type LabPlanOptions } from './plan-source';
export { labLayout, type LabLayout } from './layout';
export { labSteps, type LabStep, type LabAction } from './steps';
export { loadState, requireState, resolveLab, listLabs, labRoot, statePath, type LabState, type LabProcess, type LabFault } from './state';
export { linkStats, TunnelFlowCounters, type LinkStats } from './counters';
export { bgpfoCommand } from './daemons';
export { systemRunner, RecordingRunner, type Runner, type RunResult } from './exec';
