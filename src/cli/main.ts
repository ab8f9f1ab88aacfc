// The `bgpfo` command line (commander@14): daemon, status, routes, adj-rib-in, validate.
// main() takes argv and output streams and returns the exit code, so the CLI can be tested in-process.

import { Command, CommanderError, Option } from 'commander';
import { ControlClient, DEFAULT_SOCKET } from '../api/client';
import { ControlError } from '../api/errors';
import { bgpfoVersion } from '../api/version';
import { ConfigError, loadConfig, LOG_LEVELS, type LogLevel } from '../config';
import { registerClabCommands } from './clab';
import { registerCompletion } from './completion';
import { registerDeployCommands } from './deploy';
import { registerDrillCommands } from './drill';
import { registerImageCommands } from './image';
import { formatAdjRibIn, formatRoutes } from './format';
import { registerLabCommands } from './lab';
import { registerNeighborCommands } from './neighbor-commands';
import { registerOpsCommands } from './ops-commands';
import { registerScenarioCommands } from './scenario';
import { registerValidateCommand, ValidateFailed } from './validate';
import { errorJson, humanMessage } from './errors';
import { formatStatusTable, useColor } from './status-table';
import { daemonLogger, LOG_FORMATS, logStart, type LogFormat } from './logging';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** stdout is a terminal (colors in `status`). */
  isTTY?: boolean;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: process.stdout.isTTY,
};

/** Exit codes: 0 ok, 1 operational error (daemon down, bad config), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/** The socket: --socket, else the config file's control.socket (--config), else $BGPFO_SOCKET, else the default. */
function socketFor(opts: { socket?: string; config?: string }, env: NodeJS.ProcessEnv): string {
  if (opts.socket) return opts.socket;
  if (opts.config) return loadConfig(opts.config).control.socket;
  return env.BGPFO_SOCKET || DEFAULT_SOCKET;
}

function clientOptions(cmd: Command): Command {
  return cmd
    .option('-s, --socket <path>', `control socket (default: $BGPFO_SOCKET or ${DEFAULT_SOCKET})`)
    .option('-c, --config <file>', 'take the control socket path from this config file')
    .option('--json', 'print the API answer as JSON (for scripts)');
}

function positiveInt(v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new CommanderError(EXIT_USAGE, 'bgpfo.badNumber', `expected a non-negative integer, got "${v}"`);
  return Number(v);
}

export function buildProgram(io: CliIo): Command {
  const env = io.env ?? process.env;
  const program = new Command()
    .name('bgpfo')
    .description('BGP-driven failover controller for site-to-site VPN tunnels')
    .version(bgpfoVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run bgpfo help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('daemon')
    .description('run the BGP speaker with a config file (runs until SIGTERM or SIGINT)')
    .requiredOption('--config <file>', 'YAML config file (see docs/configuration.md)')
    .addOption(new Option('--log-level <level>', 'override log.level from the config').choices([...LOG_LEVELS]))
    .addOption(
      new Option('--log-format <format>', 'pretty: one readable line per entry (default on a terminal); json: one JSON object per line (default otherwise)').choices([...LOG_FORMATS]),
    )
    .option('--graceful', 'on SIGTERM leave as for a graceful restart: no NOTIFICATION, kernel routes kept (config: stop.graceful-restart)')
    .action(async (opts: { config: string; logLevel?: LogLevel; logFormat?: LogFormat; graceful?: boolean }) => {
      // The --log-level override also holds for every reload of the file.
      const load = (path: string) => {
        const c = loadConfig(path);
        if (opts.logLevel) c.log.level = opts.logLevel;
        return c;
      };
      const config = load(opts.config);
      // Loaded lazily: the status/validate commands must not pay for (or depend on) the daemon's modules.
      const { runDaemon } = await import('../daemon');
      const logger = await daemonLogger(config.log.level, opts.logFormat ?? (io.isTTY ? 'pretty' : 'json'));
      logStart(logger, bgpfoVersion(), opts.config);
      await runDaemon(config, logger, { configPath: opts.config, load, ...(opts.graceful ? { gracefulRestart: true } : {}) });
    });

  clientOptions(program.command('status').description('show the router and its BGP sessions'))
    .option('--no-color', 'no state colors (they are only used on a terminal, and never with NO_COLOR set)')
    .action(async (opts: { socket?: string; config?: string; json?: boolean; color?: boolean }) => {
      const status = await new ControlClient({ socketPath: socketFor(opts, env) }).status();
      io.out(opts.json ? JSON.stringify(status, null, 2) + '\n' : formatStatusTable(status, { color: useColor(opts, io.isTTY, env) }) + '\n');
    });

  clientOptions(program.command('routes').description('show the Loc-RIB: best path, ECMP set and why').argument('[prefix]', 'a prefix (exact) or an address (longest match)'))
    .option('-n, --limit <n>', 'show at most n prefixes', positiveInt, 1000)
    .action(async (prefix: string | undefined, opts: { socket?: string; config?: string; json?: boolean; limit: number }) => {
      const routes = await new ControlClient({ socketPath: socketFor(opts, env) }).routes({ prefix, limit: opts.limit });
      io.out(opts.json ? JSON.stringify(routes, null, 2) + '\n' : formatRoutes(routes) + '\n');
    });

  clientOptions(program.command('adj-rib-in').description("show the routes a neighbor sent us").argument('<neighbor>', 'neighbor name'))
    .option('--pre', 'as received, before import policy (with the import verdict)')
    .option('-n, --limit <n>', 'show at most n prefixes', positiveInt, 1000)
    .action(async (name: string, opts: { socket?: string; config?: string; json?: boolean; pre?: boolean; limit: number }) => {
      const r = await new ControlClient({ socketPath: socketFor(opts, env) }).adjRibIn(name, opts.pre ? 'pre' : 'post', { limit: opts.limit });
      io.out(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatAdjRibIn(r) + '\n');
    });

  registerValidateCommand(program, io);
  registerOpsCommands(program, io);
  registerNeighborCommands(program, io);
  registerDeployCommands(program, io);
  registerLabCommands(program, io);
  registerScenarioCommands(program, io);
  registerDrillCommands(program, io);
  registerImageCommands(program, io);
  registerClabCommands(program, io);
  // Last: the completion script is generated from every command registered before it.
  registerCompletion(program, io);
  return program;
}

/** --json anywhere before "--": errors then go to stdout as one JSON object too. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** Runs the CLI; returns the exit code instead of exiting. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  const json = wantsJson(argv);
  const fail = (e: unknown, code: number, text: string | undefined, fallbackCode?: string): number => {
    if (json) io.out(JSON.stringify(errorJson(e, fallbackCode), null, 2) + '\n');
    else if (text !== undefined) io.err(text);
    return code;
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version succeed; help shown because a command was missing (`bgpfo`, `bgpfo lab`) fails, as git's does.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT_OK : EXIT_FAIL;
      // Usage errors were already printed by commander (ours, "bgpfo.*", are printed here).
      const text = e.code.startsWith('bgpfo.') ? `error: ${e.message}\n` : undefined;
      if (json) io.out(JSON.stringify({ error: { code: 'usage', message: e.message.replace(/^error: /, '') } }, null, 2) + '\n');
      else if (text) io.err(text);
      return EXIT_USAGE;
    }
    // File errors (config, topology, scenario) are "file:line: field: message" lines that need no prefix.
    if (e instanceof ConfigError || e instanceof ControlError || e instanceof ValidateFailed) return fail(e, EXIT_FAIL, e.message + '\n');
    // Operational errors carry a code (ERR_BGP_LISTEN, EACCES...): their message says it all. Others are bugs.
    const operational = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
    const text = operational ? humanMessage(e) : e instanceof Error ? (e.stack ?? e.message) : String(e);
    return fail(e, EXIT_FAIL, `error: ${text}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // The daemon's last sockets may still be flushing their Cease NOTIFICATION: give them a moment, never hang.
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = EXIT_FAIL;
    },
  );
}
