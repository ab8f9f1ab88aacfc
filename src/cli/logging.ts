// The daemon's logger: pino JSON lines (for journald, Loki, jq) or pino-pretty's readable lines for a terminal,
// chosen with `bgpfo daemon --log-format pretty|json`.

import type { Logger } from 'pino';
import type { LogLevel } from '../config';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * A pino logger writing to `stream` (default stdout). pretty goes through pino-pretty in-process (synchronous,
 * no worker thread): local time, level names, the component and neighbor fields kept on the line.
 */
export async function daemonLogger(level: LogLevel, format: LogFormat, stream?: NodeJS.WritableStream): Promise<Logger> {
  const { default: pino } = await import('pino');
  const base = { pid: process.pid };
  if (format === 'json') return stream ? pino({ level, base }, stream) : pino({ level, base });
  const { default: pretty } = await import('pino-pretty');
  const out = pretty({
    colorize: stream === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(stream ? { destination: stream } : {}),
  });
  return pino({ level, base }, out);
}

/** The daemon's first log line: which bgpfo, on which Node, with which file (support asks for these first). */
export function logStart(logger: Logger, version: string, configPath: string): void {
  logger.info({ version, node: process.version, config: configPath }, `bgpfo ${version} starting`);
}
