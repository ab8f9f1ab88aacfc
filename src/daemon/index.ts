// The daemon entry point: wires the config into the BGP speaker, the BGP listener and the control API, and runs
// until SIGTERM/SIGINT, when every session is closed with Cease/Administrative Shutdown (RFC 4486, RFC 8203).

import type { Logger } from 'pino';
import { startControlServer, type ControlServer } from '../api/server';
import type { DaemonConfig } from '../config';
import type { Clock } from '../util/clock';
import { BgpListener } from './listener';
import type { SessionFactory } from './neighbor';
import { Speaker } from './speaker';
import { SpeakerStatus } from './status';

export { Speaker, DEFAULT_SHUTDOWN_MESSAGE, type SpeakerEvents, type SpeakerOptions } from './speaker';
export { Neighbor, type SessionLike, type SessionFactory } from './neighbor';
export { BgpListener, ListenError, type ListenerOptions } from './listener';
export { SpeakerStatus } from './status';
export { SerialLoop } from './loop';
export { localNextHops } from './next-hop';

export interface DaemonOptions {
  clock?: Clock;
  createSession?: SessionFactory;
  /** Overrides router.port for the BGP listener (tests bind port 0); false: no BGP listener at all. */
  bgpPort?: number | false;
}

export interface Daemon {
  readonly speaker: Speaker;
  readonly status: SpeakerStatus;
  readonly control: ControlServer;
  /** Null when started with bgpPort: false. */
  readonly listener: BgpListener | null;
  /** Stops the sessions (Cease/2 + shutdown message), the listener and the control socket. Idempotent. */
  shutdown(): Promise<void>;
}

/** Starts everything; rejects (having closed what it opened) when the listener or control socket cannot start. */
export async function startDaemon(config: DaemonConfig, logger: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const speaker = new Speaker(config, {
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.createSession ? { createSession: opts.createSession } : {}),
  });
  let listener: BgpListener | null = null;
  let control: ControlServer;
  const status = new SpeakerStatus(speaker, () => listener?.bound ?? []);
  try {
    if (opts.bgpPort !== false) {
      listener = await BgpListener.start({
        addresses: config.router.listen,
        port: opts.bgpPort ?? config.router.port,
        defaulted: config.router.listenDefaulted,
        logger,
        onConnection: (socket) => speaker.accept(socket),
      });
    }
    control = await startControlServer({
      socketPath: config.control.socket,
      provider: status,
      logger,
      ...(config.control.group !== undefined ? { group: config.control.group } : {}),
    });
  } catch (e) {
    await listener?.close();
    throw e;
  }
  speaker.start();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      // Sessions first, so peers get our Cease while the listener still refuses nothing new of theirs.
      speaker.stop();
      await listener?.close();
      await control.close();
      speaker.loop.close();
    })());
  return { speaker, status, control, listener, shutdown };
}

/** Runs the daemon until SIGTERM/SIGINT; resolves once it has shut down (a second signal exits at once). */
export async function runDaemon(config: DaemonConfig, logger: Logger): Promise<void> {
  const daemon = await startDaemon(config, logger);
  logger.info({ asn: config.router.asn, routerId: config.router.routerId, socket: config.control.socket }, 'bgpfo daemon running');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  const force = (sig: NodeJS.Signals) => {
    logger.warn({ signal: sig }, 'second signal while shutting down: exiting now');
    process.exit(1);
  };
  process.on('SIGTERM', force);
  process.on('SIGINT', force);
  logger.info({ signal }, 'shutting down: closing every session with Cease/Administrative Shutdown');
  try {
    await daemon.shutdown();
  } finally {
    process.off('SIGTERM', force);
    process.off('SIGINT', force);
  }
  logger.info('bgpfo daemon stopped');
}
