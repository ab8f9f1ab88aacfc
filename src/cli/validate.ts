// `bgpfo validate FILE`: checks any input file of ours (daemon config, topology, scenario), says which kind it
// took the file for, and reports every problem at once (exit 1), or OK with the warnings (exit 0).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseDocument, isMap, isPair, isScalar } from 'yaml';
import { checkControlGroup } from '../api/socket-file';
import { loadConfig } from '../config';
import { unreadableReason } from '../util/yaml-source';
import type { CliIo } from './main';

export const FILE_KINDS = ['config', 'topology', 'scenario', 'containerlab'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const KIND_WORDS: Record<FileKind, string> = { config: 'daemon config', topology: 'topology', scenario: 'scenario', containerlab: 'containerlab file' };

/** Top-level keys that only one kind of file has (lab:, description: and liveness: are shared). */
const DISTINCT_KEYS: Record<FileKind, readonly string[]> = {
  config: ['router', 'neighbors', 'originate', 'originate-allow-default', 'control', 'log', 'rib', 'metrics', 'alerts', 'stop', 'fib'],
  topology: ['mode', 'tunnel', 'bgp', 'addressing', 'isps', 'onprem', 'far', 'far-sites', 'hub', 'spokes'],
  scenario: ['scenario', 'topology', 'requires', 'traffic', 'sample-ms', 'steps'],
  // `bgpfo render` writes it (*.clab.yml); told apart from a scenario by name: and no scenario:, below.
  containerlab: ['name', 'mgmt', 'prefix'],
};

/** A file that is none of ours, or whose kind its keys do not tell. */
export class UnknownFileKind extends Error {
  readonly code = 'ERR_FILE_KIND';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(
      `${file}: ${why}; bgpfo validate checks a daemon config (router:, neighbors:), a topology (lab:, mode:, onprem:, far: or far-sites:, or hub: with spokes:), ` +
        `a scenario (scenario:, topology:, steps:) or a rendered containerlab file (name:, topology:); name the kind with --kind ${FILE_KINDS.join('|')}`,
    );
    this.name = 'UnknownFileKind';
  }
}

/**
 * The kind of file `text` is, from its top-level keys (the kind with the most keys of its own wins). YAML errors
 * do not stop the guess: the loader of the guessed kind reports them at their lines.
 */
export function guessKind(text: string, file: string): FileKind {
  const doc = parseDocument(text, { uniqueKeys: false });
  const keys = isMap(doc.contents) ? doc.contents.items.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
  if (keys.length === 0) throw new UnknownFileKind(file, doc.contents === null ? 'the file is empty' : 'the file is not a mapping of keys');
  // A containerlab file (name:, topology: { nodes, links }), as bgpfo render writes it.
  if (keys.includes('name') && keys.includes('topology') && !keys.includes('scenario')) return 'containerlab';
  const scores = FILE_KINDS.map((k) => ({ k, n: keys.filter((key) => DISTINCT_KEYS[k].includes(key)).length })).sort((a, b) => b.n - a.n);
  if (scores[0].n === 0) throw new UnknownFileKind(file, `none of its keys (${keys.slice(0, 6).join(', ')}) belongs to a file of ours`);
  return scores[0].k;
}

/** Problems of a containerlab file, in the loaders' issue shape (checkClab words them without lines). */
export class ClabProblems extends Error {
  readonly code = 'ERR_CLAB';
  readonly issues: { line: number; path: string; message: string }[];
  constructor(
    readonly file: string,
    problems: string[],
  ) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
    this.name = 'ClabProblems';
    this.issues = problems.map((p) => ({ line: 0, path: '', message: p }));
  }
}

/** A file validate cannot read, before it can tell what kind of file it is. */
export class UnreadableFile extends Error {
  readonly code = 'ERR_FILE_UNREADABLE';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file}: cannot read the file: ${unreadableReason(cause)}`);
    this.name = 'UnreadableFile';
  }
}

export interface ValidateResult {
  ok: true;
  file: string;
  kind: FileKind;
  /** One line for people: what the file holds. */
  summary: string;
  /** Problems that do not stop the file from being used ("file:line: path: message"). */
  warnings: string[];
  /** The effective daemon config (defaults filled in), the plan, or the scenario as loaded. */
  value: unknown;
}

/** Loads `file` as `kind` (guessed when absent) with every check its command would make. Throws the loader's error. */
export async function validateFile(file: string, kind?: FileKind): Promise<ValidateResult> {
  if (!kind) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UnreadableFile(file, e);
    }
    kind = guessKind(text, file);
  }
  if (kind === 'config') {
    const config = loadConfig(file);
    checkControlGroup(config.control.group, file); // the daemon refuses an unknown group before binding: say it here
    return { ok: true, file, kind, summary: `${config.neighbors.length} neighbor(s), ${config.originate.length} originated prefix(es)`, warnings: [], value: config };
  }
  if (kind === 'topology') {
    const { buildPlan, loadTopology } = await import('../orchestrator');
    const plan = buildPlan(loadTopology(file));
    return {
      ok: true,
      file,
      kind,
      summary: `lab ${plan.lab}, ${plan.layout ? `${plan.layout}, ${Object.keys(plan.sites).length} sites` : plan.mode}, ${plan.nodes.length} nodes, ${plan.tunnels.length} tunnels, ${plan.sessions.length} BGP sessions`,
      warnings: plan.warnings,
      value: plan,
    };
  }
  if (kind === 'containerlab') {
    const { checkClab } = await import('../orchestrator');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UnreadableFile(file, e);
    }
    const problems = checkClab(text, { baseDir: dirname(resolve(file)) });
    if (problems.length) throw new ClabProblems(file, problems);
    const doc = parseDocument(text).toJS() as { name?: string; topology?: { nodes?: object; links?: unknown[] } };
    const nodes = Object.keys(doc.topology?.nodes ?? {}).length;
    return { ok: true, file, kind, summary: `lab ${doc.name ?? '?'}, ${nodes} nodes, ${doc.topology?.links?.length ?? 0} links`, warnings: [], value: doc };
  }
  const { loadScenario, preflightScenario } = await import('../scenario');
  const s = loadScenario(file);
  const plan = preflightScenario(s);
  const { lines: _lines, ...scenario } = s;
  return {
    ok: true,
    file,
    kind,
    summary: `scenario ${s.name} on lab ${plan.lab} (${s.steps.length} steps, ${s.traffic.length} traffic stream(s))`,
    warnings: plan.warnings,
    value: scenario,
  };
}

/** What a failed validation adds after the problems: which kind the file was checked as. */
export function checkedAs(file: string, kind: FileKind, problems: number): string {
  const others = FILE_KINDS.filter((k) => k !== kind).join('|');
  return `${file}: ${problems} problem${problems === 1 ? '' : 's'}, checked as a ${KIND_WORDS[kind]} (--kind ${others} to check it as another kind)`;
}

interface LoaderError extends Error {
  code: string;
  issues: { line: number; path: string; message: string; fix?: string }[];
}

/** A loader's error (ConfigError, TopologyError, ScenarioError) with the kind the file was checked as. */
export class ValidateFailed extends Error {
  readonly code: string;
  readonly issues: LoaderError['issues'];
  /** The file the issues are in: a scenario's topology when that is where the problems are. */
  readonly file: string;
  constructor(
    cause: LoaderError,
    validated: string,
    readonly kind: FileKind,
  ) {
    super(`${cause.message}\n${checkedAs(validated, kind, cause.issues.length)}`);
    this.name = 'ValidateFailed';
    this.code = cause.code;
    this.issues = cause.issues;
    this.file = typeof (cause as { file?: unknown }).file === 'string' ? (cause as unknown as { file: string }).file : validated;
  }
}

export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check a daemon config, topology, scenario or rendered containerlab file; prints OK (with warnings) or every problem with its line (exit 1)')
    .argument('<file>', 'YAML file: daemon config, topology, scenario or *.clab.yml (the kind is told by its keys)')
    .addOption(new Option('--kind <kind>', 'check the file as this kind instead of guessing it from its keys').choices([...FILE_KINDS]))
    .option('--json', 'print {ok, file, kind, warnings, ...} as JSON: the effective config, the plan, the scenario or the containerlab file; on failure {error}')
    .action(async (file: string, opts: { json?: boolean; kind?: FileKind }) => {
      let kind = opts.kind;
      try {
        const r = await validateFile(file, kind);
        if (opts.json) {
          const key = r.kind === 'config' ? 'config' : r.kind === 'topology' ? 'plan' : r.kind === 'scenario' ? 'scenario' : 'containerlab';
          io.out(JSON.stringify({ ok: true, file, kind: r.kind, warnings: r.warnings, [key]: r.value }, null, 2) + '\n');
        } else {
          io.out(`OK: ${file}: ${KIND_WORDS[r.kind]}: ${r.summary}\n`);
          for (const w of r.warnings) io.out(`warning: ${w}\n`);
        }
      } catch (e) {
        if (!kind && !(e instanceof UnknownFileKind) && !(e instanceof UnreadableFile)) {
          try {
            kind = guessKind(readFileSync(file, 'utf8'), file);
          } catch {
            // Unreadable: the loader's own error says so.
          }
        }
        throw kind && Array.isArray((e as { issues?: unknown }).issues) ? new ValidateFailed(e as LoaderError, file, kind) : e;
      }
    });
}
