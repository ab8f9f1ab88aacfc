// Reads a scenario file: YAML syntax -> schema -> the Scenario model, every problem mapped to its line
// (yaml's LineCounter) with the field and the fix. References into the topology are checked by check.ts.

import { dirname, resolve } from 'node:path';
import { formatPath, issuesWithFixes, parseYamlSource, readBoundedText, unreadableReason, zodWording } from '../util/yaml-source';
import { ScenarioError } from './errors';
import { DETECTION_RE, FAULT_KINDS, knownKeysAt, scenarioSchema, type RawScenario } from './schema';
import type { Expectation, FaultSpec, Scenario, Step, TrafficStream } from './types';

export const TRAFFIC_DEFAULTS = { flows: 16, ppsPerFlow: 1000, size: 64 } as const;
export const DEFAULT_SAMPLE_MS = 100;
export const DEFAULT_CONVERGE_S = 90;
/** Scenario files are short lists of steps; anything larger is not one. */
const MAX_SCENARIO_BYTES = 1024 * 1024;

/** A scenario as loaded, with the line of every field for later errors. */
export type LoadedScenario = Scenario & { lines: Record<string, number> };

function toFault(raw: Record<string, unknown>): FaultSpec {
  const kind = FAULT_KINDS.find((k) => raw[k] !== undefined)!;
  const target = String(raw[kind]);
  switch (kind) {
    case 'loss':
      return { kind, tunnel: target, percent: Number(raw.percent) };
    case 'isp-down':
    case 'isp-up':
      return { kind, isp: target };
    case 'stop':
    case 'start':
    case 'kill':
    case 'node-down':
    case 'node-up':
      return { kind, node: target };
    default:
      return { kind, tunnel: target };
  }
}

function toExpect(raw: NonNullable<RawScenario['steps'][number]['expect']>): Expectation {
  const e: Expectation = {};
  if (raw.name !== undefined) e.name = raw.name;
  if (raw.since !== undefined) e.since = raw.since;
  const o = raw['outage-max-ms'];
  if (o !== undefined) e.outageMaxMs = typeof o === 'number' ? { ms: o } : { detectionPlusMs: Number(DETECTION_RE.exec(o)![1]) };
  if (raw['unaffected-lossless'] !== undefined) e.unaffectedLossless = raw['unaffected-lossless'];
  if (raw['lost-max'] !== undefined) e.lostMax = raw['lost-max'];
  if (raw['traffic-on']) e.trafficOn = raw['traffic-on'];
  if (raw['traffic-off']) e.trafficOff = raw['traffic-off'];
  if (raw['within-s'] !== undefined) e.withinS = raw['within-s'];
  if (raw['no-flap'] !== undefined) e.noFlap = raw['no-flap'];
  if (raw['sessions-up']) e.sessionsUp = raw['sessions-up'];
  return e;
}

function toStep(raw: RawScenario['steps'][number], line: number): Step {
  if (raw.traffic !== undefined) return { kind: 'traffic', action: raw.traffic, line };
  if (raw.wait !== undefined) return { kind: 'wait', seconds: raw.wait, line };
  if (raw.fault !== undefined) return { kind: 'fault', fault: toFault(raw.fault as Record<string, unknown>), line };
  if (raw.expect !== undefined) return { kind: 'expect', expect: toExpect(raw.expect), line };
  return { kind: 'converge', timeoutS: raw.converge?.['timeout-s'] ?? DEFAULT_CONVERGE_S, line };
}

/** Parses and validates scenario text; `file` names it in messages and anchors the topology path. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const { data, lines, errors } = parseYamlSource(text, 'scenario file', MAX_SCENARIO_BYTES, true); // `- converge:` is a step
  if (errors.length > 0) {
    throw new ScenarioError(
      file,
      errors.map((e) => ({
        line: e.line,
        path: '',
        message: e.message,
        ...(e.duplicateKey ? { fix: 'each key may appear once per mapping; a second fault or check goes in a step of its own' } : {}),
      })),
    );
  }
  if (data === undefined || data === null) throw new ScenarioError(file, [{ line: 1, path: '', message: 'the file is empty', fix: 'start from one of the files in topologies/scenarios/' }]);
  const parsed = scenarioSchema.safeParse(data, { reportInput: true, error: zodWording });
  if (!parsed.success) throw new ScenarioError(file, issuesWithFixes(parsed.error.issues, lines, knownKeysAt));
  const raw = parsed.data;
  const streams = Array.isArray(raw.traffic) ? raw.traffic : [raw.traffic];
  const traffic: TrafficStream[] = streams.map((s) => ({
    from: s.from,
    to: s.to,
    flows: s.flows ?? TRAFFIC_DEFAULTS.flows,
    ppsPerFlow: s['pps-per-flow'] ?? TRAFFIC_DEFAULTS.ppsPerFlow,
    size: s.size ?? TRAFFIC_DEFAULTS.size,
    family: s.family === 'ipv6' ? 6 : 4,
  }));
  const l = raw.lab ?? {};
  return {
    file,
    name: raw.scenario,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    topology: resolve(dirname(resolve(file)), raw.topology),
    lab: {
      ...(l.name !== undefined ? { name: l.name } : {}),
      ...(l.tunnel !== undefined ? { tunnel: l.tunnel } : {}),
      ...(l['router-daemon'] !== undefined ? { routerDaemon: l['router-daemon'] } : {}),
      ...(l['far-daemon'] !== undefined ? { farDaemon: l['far-daemon'] } : {}),
      ...(l.liveness !== undefined ? { liveness: l.liveness } : {}),
    },
    requires: [...new Set(raw.requires ?? [])],
    traffic,
    sampleMs: raw['sample-ms'] ?? DEFAULT_SAMPLE_MS,
    steps: raw.steps.map((s, i) => toStep(s, lines[formatPath(['steps', i])] ?? 0)),
    lines,
  };
}

/** Reads and validates a scenario file. Throws ScenarioError. */
export function loadScenario(path: string): LoadedScenario {
  let text: string;
  try {
    text = readBoundedText(path, MAX_SCENARIO_BYTES, 'scenario file');
  } catch (e) {
    throw new ScenarioError(path, [{ line: 0, path: '', message: `cannot read the scenario file: ${unreadableReason(e)}` }]);
  }
  return parseScenario(text, path);
}
