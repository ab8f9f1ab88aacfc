// Reads a scenario file: YAML syntax -> schema -> the Scenario model, every problem mapped to its line
// (yaml's LineCounter) with the field and the fix. References into the topology are checked by check.ts.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatPath } from '../orchestrator/topology/errors';
import { ScenarioError, type ScenarioIssue } from './errors';
import { DETECTION_RE, FAULT_KINDS, knownKeysAt, scenarioSchema, type RawScenario } from './schema';
import type { Expectation, FaultSpec, Scenario, Step, TrafficStream } from './types';
import { collectLines, lineOfPath, suggest } from './yaml-lines';

export const TRAFFIC_DEFAULTS = { flows: 16, ppsPerFlow: 1000, size: 64 } as const;
export const DEFAULT_SAMPLE_MS = 100;
export const DEFAULT_CONVERGE_S = 90;

/** A scenario as loaded, with the line of every field for later errors. */
export type LoadedScenario = Scenario & { lines: Record<string, number> };

function describeInput(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

const defaultError = (iss: z.core.$ZodRawIssue): string | undefined =>
  iss.code === 'invalid_type' ? `expected ${iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`}` : undefined;

function zodIssues(issues: z.core.$ZodIssue[], lines: Record<string, number>): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  for (const iss of issues) {
    const path = iss.path as (string | number)[];
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        const p = [...path, key];
        const known = knownKeysAt(path);
        out.push({ line: lines[`${formatPath(p)}#key`] ?? lineOfPath(lines, path), path: formatPath(p), message: `unknown key "${key}"`, fix: known.length ? suggest(key, known) : 'remove it' });
      }
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    if (input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_value' || iss.code === 'invalid_union')) {
      const parent = path.slice(0, -1);
      out.push({ line: lines[`${formatPath(parent)}#key`] ?? lineOfPath(lines, parent), path: formatPath(path), message: 'required but missing', fix: `add ${String(path[path.length - 1] ?? '')}: (${iss.message})` });
      continue;
    }
    const message = iss.message.startsWith('expected') && input !== undefined && typeof input !== 'object' && !iss.message.includes('(got ') ? `${iss.message} (got ${describeInput(input)})` : iss.message;
    out.push({ line: lineOfPath(lines, path), path: formatPath(path), message });
  }
  return out.filter((o, i) => out.findIndex((p) => p.path === o.path && p.message === o.message) === i);
}

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
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({
        line: lc.linePos(e.pos[0]).line,
        path: '',
        message: e.code === 'DUPLICATE_KEY' ? 'duplicate key' : `YAML syntax: ${e.message.split('\n')[0]}`,
        ...(e.code === 'DUPLICATE_KEY' ? { fix: 'each key may appear once per mapping; a second fault or check goes in a step of its own' } : {}),
      })),
    );
  }
  const lines = collectLines(doc.contents, lc);
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === undefined || data === null) throw new ScenarioError(file, [{ line: 1, path: '', message: 'the file is empty', fix: 'start from one of the files in topologies/scenarios/' }]);
  const parsed = scenarioSchema.safeParse(data, { reportInput: true, error: defaultError });
  if (!parsed.success) throw new ScenarioError(file, zodIssues(parsed.error.issues, lines));
  const raw = parsed.data;
  const streams = Array.isArray(raw.traffic) ? raw.traffic : [raw.traffic];
  const traffic: TrafficStream[] = streams.map((s) => ({
    from: s.from,
    to: s.to,
    flows: s.flows ?? TRAFFIC_DEFAULTS.flows,
    ppsPerFlow: s['pps-per-flow'] ?? TRAFFIC_DEFAULTS.ppsPerFlow,
    size: s.size ?? TRAFFIC_DEFAULTS.size,
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
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScenarioError(path, [{ line: 0, path: '', message: `cannot read the scenario file: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}` }]);
  }
  return parseScenario(text, path);
}
