// The scenario model: a topology, the traffic to send, and the steps (converge, traffic, faults, waits,
// expectations) as loaded from a scenario file (docs/scenarios.md). Plain JSON, so a run can be recorded.

import type { Daemon } from '../orchestrator/topology/types';

/** What goes wrong: each kind names the tunnel, ISP or node it hits. */
export type FaultSpec =
  /** nftables drops everything through the tunnel at its on-prem end; the link stays up. */
  | { kind: 'blackhole'; tunnel: string }
  /** Removes a blackhole or loss. */
  | { kind: 'restore'; tunnel: string }
  | { kind: 'loss'; tunnel: string; percent: number }
  /** `ip link set down` at the on-prem end: carrier is lost at both ends. */
  | { kind: 'tunnel-down' | 'tunnel-up'; tunnel: string }
  | { kind: 'isp-down' | 'isp-up'; isp: string }
  /** The node's daemon: SIGTERM (its peers get a Cease) / started again. */
  | { kind: 'stop' | 'start'; node: string }
  /** `kill -9` of the node's daemon: no Cease, kernel routes left as they were. */
  | { kind: 'kill'; node: string }
  /** The node powered off: daemon killed and every interface down (its neighbours lose carrier) / back. */
  | { kind: 'node-down' | 'node-up'; node: string }
  /** The tunnel drained (bgpfo drain on its on-prem router) / undrained. */
  | { kind: 'drain' | 'undrain'; tunnel: string };

export type FaultKind = FaultSpec['kind'];

/** A limit in ms, written as a number or as "detection + N" (the topology's liveness interval x multiplier + N). */
export type MsLimit = { ms: number } | { detectionPlusMs: number };

export interface Expectation {
  name?: string;
  /**
   * Where the measured window starts: the last fault of this kind before the check (e.g. "kill", to judge a
   * kill and restart as one), or "traffic-start". Default: the last fault of any kind.
   */
  since?: FaultKind | 'traffic-start';
  /** The longest time any flow went without a packet, from the last fault until this point. */
  outageMaxMs?: MsLimit;
  /** Flows that did not use a failed tunnel lost nothing. */
  unaffectedLossless?: boolean;
  /** Packets lost over all flows, from the last fault until this point. */
  lostMax?: number;
  /** All traffic on these tunnels (ids, names or ISP names), each carrying some. */
  trafficOn?: string[];
  /** None of the traffic on these tunnels. */
  trafficOff?: string[];
  /** Wait up to this long for trafficOn/trafficOff/sessionsUp to hold (and report when they did). */
  withinS?: number;
  /** Once trafficOn held, the set of tunnels carrying traffic never changed again up to this point. */
  noFlap?: boolean;
  /** These tunnels' BGP sessions are Established at both ends (a side condition read from the daemons). */
  sessionsUp?: string[];
}

export type Step =
  | { kind: 'converge'; timeoutS: number; line: number }
  | { kind: 'traffic'; action: 'start' | 'stop'; line: number }
  | { kind: 'wait'; seconds: number; line: number }
  | { kind: 'fault'; fault: FaultSpec; line: number }
  | { kind: 'expect'; expect: Expectation; line: number };

export interface TrafficStream {
  from: string;
  to: string;
  flows: number;
  ppsPerFlow: number;
  /** UDP payload bytes. */
  size: number;
  /** IPv4 or IPv6 between the hosts (a dual-stack topology gives each host one address of each). */
  family: 4 | 6;
}

/** Features a scenario needs from the bgpfo it runs; checked against the rendered configs before it starts. */
export const FEATURES = ['liveness', 'demotion', 'steering', 'graceful-restart', 'drain'] as const;
export type Feature = (typeof FEATURES)[number];

export interface ScenarioLab {
  /** Lab name (1..8 characters); default the topology's. */
  name?: string;
  tunnel?: 'wireguard' | 'veth';
  routerDaemon?: Daemon;
  farDaemon?: Daemon;
  /** 'off': no BFD or probe anywhere (the hold timer alone detects), whatever the topology says. */
  liveness?: 'off';
}

export interface Scenario {
  /** The file it came from (as given). */
  file: string;
  name: string;
  description?: string;
  /** Absolute path of the topology file. */
  topology: string;
  lab: ScenarioLab;
  requires: Feature[];
  traffic: TrafficStream[];
  /** How often the per-tunnel counters are read. */
  sampleMs: number;
  steps: Step[];
}
