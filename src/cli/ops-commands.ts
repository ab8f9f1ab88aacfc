// `bgpfo reload`, `drain`, `undrain` and `events`: the control API's write side and event stream from the shell.
// Registered by main.ts; each prints one readable block (or --json) and exits 1 with the daemon's error.

import { InvalidArgumentError, type Command } from 'commander';
import { ControlClient, DEFAULT_SOCKET } from '../api/client';
import { ControlApiError, ControlError } from '../api/errors';
import type { OpsEvent, OpsEventType } from '../api/events';
import { eventLine } from '../api/events-text';
import type { DrainResponse, ReloadResponse, UndrainResponse } from '../api/types';
import { loadConfig } from '../config';
import type { CliIo } from './main';

export interface ClientOpts {
  socket?: string;
  config?: string;
  json?: boolean;
}

export function socketFor(opts: ClientOpts, env: NodeJS.ProcessEnv): string {
  if (opts.socket) return opts.socket;
  if (opts.config) return loadConfig(opts.config).control.socket;
  return env.BGPFO_SOCKET || DEFAULT_SOCKET;
}

/** The options every command that talks to the daemon takes. */
export function withClient(cmd: Command): Command {
  return cmd
    .option('-s, --socket <path>', `control socket (default: $BGPFO_SOCKET or ${DEFAULT_SOCKET})`)
    .option('-c, --config <file>', 'take the control socket path from this config file')
    .option('--json', 'print the API answer as JSON (for scripts)');
}

/** Every event type the daemon publishes (src/api/events.ts), for --type. */
const EVENT_TYPE_SET: Record<OpsEventType, true> = {
  'session-state': true,
  'session-up': true,
  'session-down': true,
  routes: true,
  failover: true,
  outage: true,
  demotion: true,
  liveness: true,
  drain: true,
  reload: true,
  daemon: true,
};
export const EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as OpsEventType[];

/** "failover, drain" -> ['failover', 'drain']; an unknown type is refused with the list (the stream would stay silent). */
function eventTypes(v: string): string[] {
  const types = v.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (types.length === 0 || bad.length) throw new InvalidArgumentError(`unknown event type${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ') || '""'}; the types are ${EVENT_TYPES.join(', ')}`);
  return types;
}

function number(what: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new InvalidArgumentError(`expected ${what} 0..${max}`);
    return n;
  };
}

/** A reload the daemon refused: its reasons (or the new file's errors, as issues for --json), the old config kept. */
export class ReloadRefusedError extends ControlError {
  readonly apiCode: string;
  readonly issues: { line: number; path: string; message: string }[];
  readonly file?: string;
  constructor(e: ControlApiError) {
    const said = /^reload refused/.test(e.message);
    super(e.code, said ? e.message : `reload refused, the daemon keeps its running config:\n${e.message}`);
    this.name = 'ReloadRefusedError';
    this.apiCode = e.apiCode;
    // "file:line: path: message" lines of a config error, as the loader's issues.
    this.issues = [];
    for (const line of e.message.split('\n')) {
      const m = /^(.+?):(\d+): (?:([A-Za-z0-9_.\[\]-]+): )?(.*)$/.exec(line);
      if (!m) continue;
      this.file ??= m[1];
      this.issues.push({ line: Number(m[2]), path: m[3] ?? '', message: m[4] });
    }
  }
}

export function formatReload(r: ReloadResponse): string {
  if (r.result === 'unchanged') return 'reload: no changes';
  return `reload applied:\n${r.actions.map((a) => `  ${a}`).join('\n')}`;
}

export function formatDrain(r: DrainResponse): string {
  const lines = [`drained ${r.target}: ${r.neighbors.join(', ')}`, `  advertisements: GRACEFUL_SHUTDOWN 65535:0 and 3 more prepends; learned routes at LOCAL_PREF 0`, `  traffic: ${r.detail}`];
  if (r.shutdown.length > 0) lines.push(`  sessions stopped: ${r.shutdown.join(', ')} (bgpfo undrain ${r.target} starts them again)`);
  return lines.join('\n');
}

export function formatUndrain(r: UndrainResponse): string {
  if (r.neighbors.length === 0) return `${r.target} was not drained`;
  return `undrained ${r.target}: ${r.neighbors.join(', ')}${r.restarted.length ? `\n  sessions started: ${r.restarted.join(', ')}` : ''}`;
}

export function registerOpsCommands(program: Command, io: CliIo): void {
  const env = io.env ?? process.env;
  const client = (o: ClientOpts, timeoutMs?: number) => new ControlClient({ socketPath: socketFor(o, env), ...(timeoutMs ? { timeoutMs } : {}) });

  withClient(program.command('reload').description("re-read the daemon's config file and apply the differences (like SIGHUP)")).action(async (o: ClientOpts) => {
    let r: ReloadResponse;
    try {
      r = await client(o, 120_000).reload();
    } catch (e) {
      // The daemon's refusal carries the config errors (file:line: field: ...): print them as they are, said once.
      if (e instanceof ControlApiError) throw new ReloadRefusedError(e);
      throw e;
    }
    io.out(o.json ? JSON.stringify(r, null, 2) + '\n' : formatReload(r) + '\n');
  });

  withClient(
    program
      .command('drain')
      .description('move traffic off a tunnel (or the whole router) before maintenance: RFC 8326 GRACEFUL_SHUTDOWN, prepends, LOCAL_PREF 0')
      .argument('<target>', 'neighbor name, peer address, tunnel interface, or "all"'),
  )
    .option('-t, --timeout <seconds>', 'wait at most this long for the traffic to leave (0: do not wait)', number('seconds', 86_400), 30)
    .option('--shutdown', 'then stop the session(s) (Cease/Administrative Shutdown)')
    .option('--force', 'with --shutdown: stop them even if the traffic did not leave in time')
    .option('--quiet-pps <n>', 'packets per second (rx+tx) under which the interface counts as quiet', number('packets per second', 1e9), 50)
    .action(async (target: string, o: ClientOpts & { timeout: number; shutdown?: boolean; force?: boolean; quietPps: number }) => {
      const c = client(o);
      // Progress from the event stream while the drain runs (not for scripts: --json prints only the answer).
      const onEvent = (e: OpsEvent) => {
        if (e.type === 'drain' && e.phase === 'marked') io.out(`${eventLine(e)}\n${o.timeout > 0 ? `  waiting up to ${o.timeout} s for the traffic to leave...\n` : ''}`);
      };
      const follow = o.json ? undefined : c.events(onEvent, { types: ['drain'] });
      await follow?.ready;
      try {
        const r = await c.drain({ target, timeoutS: o.timeout, shutdown: o.shutdown === true, force: o.force === true, quietPps: o.quietPps });
        io.out(o.json ? JSON.stringify(r, null, 2) + '\n' : formatDrain(r) + '\n');
      } finally {
        follow?.close();
        await follow?.done.catch(() => undefined);
      }
    });

  withClient(program.command('undrain').description('take the drain marks off (and start sessions the drain stopped)').argument('<target>', 'what was drained')).action(
    async (target: string, o: ClientOpts) => {
      const r = await client(o).undrain(target);
      io.out(o.json ? JSON.stringify(r, null, 2) + '\n' : formatUndrain(r) + '\n');
    },
  );

  withClient(program.command('events').description('follow the daemon\'s events: sessions, best paths, failovers, drains, reloads (Ctrl-C to stop)'))
    .option('--since <seq>', 'first replay the kept events after this sequence number, the #N that starts each line (0: all kept)', number('a sequence number', Number.MAX_SAFE_INTEGER))
    .option('--type <types>', `only these types, comma-separated (${EVENT_TYPES.join(',')})`, eventTypes)
    .option('-n, --count <n>', 'exit after this many events', number('a count', 1e9))
    .action(async (o: ClientOpts & { since?: number; type?: string[]; count?: number }) => {
      let seen = 0;
      let stream: ReturnType<ControlClient['events']> | undefined = undefined;
      const onEvent = (e: OpsEvent) => {
        if (o.count !== undefined && seen >= o.count) return;
        seen++;
        // The sequence number first: what --since takes to pick up after this line.
        io.out(o.json ? JSON.stringify(e) + '\n' : `#${e.seq}  ${eventLine(e)}\n`);
        if (o.count !== undefined && seen >= o.count) stream?.close();
      };
      stream = client(o).events(onEvent, {
        ...(o.since !== undefined ? { since: o.since } : {}),
        ...(o.type ? { types: o.type } : {}),
      });
      await stream.done;
      if (o.count === undefined || seen < o.count) io.err('the daemon closed the event stream\n');
    });
}
