// Starting and stopping liveness in the daemon: the BFD process and probe worker services a config needs, the controller
// on top, and the shutdown order (monitors close first, so BFD peers get AdminDown, RFC 5880 §6.8.16, before BGP stops).

import type { Logger } from 'pino';
import type { ControlProvider, StatusResponse } from '../api/types';
import { BfdService, bfdOptionsFromEnv } from '../bfd/service';
import type { DaemonConfig } from '../config';
import { ProbeService } from '../health';
import type { FailoverRunner } from './failover';
import { LivenessController, type LivenessControllerDeps } from './liveness';
import type { Speaker } from './speaker';

/** Which worker services the configured neighbors need: BFD for mode bfd, ping for probe mode and BFD-side quality. */
export function livenessNeeds(config: Pick<DaemonConfig, 'neighbors'>): { bfd: boolean; probes: boolean } {
  let bfd = false;
  let probes = false;
  for (const n of config.neighbors) {
    const l = n.liveness;
    if (!l) continue;
    if (l.mode === 'bfd') {
      bfd = true;
      if (l.quality !== false) probes = true;
    } else probes = true;
  }
  return { bfd, probes };
}

export interface LivenessRuntime {
  readonly controller: LivenessController;
  readonly bfd: BfdService | undefined;
  readonly probes: ProbeService | undefined;
  /** Closes the monitors, then the services (BFD sessions end with AdminDown; ping children are killed). */
  close(): Promise<void>;
}

export interface LivenessRuntimeOptions extends Partial<Omit<LivenessControllerDeps, 'logger' | 'failover'>> {
  /** Start the services even when no neighbor needs them (reload may add such neighbors later). */
  always?: boolean;
}

/**
 * Starts the services the config needs and the controller (not its monitors: call controller.start() after
 * speaker.start()). Null when no neighbor has liveness and `always` is not set.
 */
export async function startLiveness(speaker: Speaker, failover: FailoverRunner, logger: Logger, opts: LivenessRuntimeOptions = {}): Promise<LivenessRuntime | null> {
  const needs = livenessNeeds(speaker.config);
  if (!needs.bfd && !needs.probes && !opts.always) return null;
  const log = logger.child({ component: 'liveness' });
  const bfd = opts.bfd ?? (needs.bfd || opts.always ? new BfdService({ log, ...bfdOptionsFromEnv() }) : undefined);
  const probes = opts.probes ?? (needs.probes || opts.always ? new ProbeService({ log }) : undefined);
  const started: (BfdService | ProbeService)[] = [];
  try {
    for (const s of [bfd, probes]) {
      if (s instanceof BfdService || s instanceof ProbeService) {
        await s.start();
        started.push(s);
      }
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    throw e;
  }
  const { always: _always, ...rest } = opts;
  const controller = new LivenessController(speaker, {
    logger,
    failover,
    ...rest,
    ...(bfd ? { bfd } : {}),
    ...(probes ? { probes } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    controller,
    bfd: bfd instanceof BfdService ? bfd : undefined,
    probes: probes instanceof ProbeService ? probes : undefined,
    close: () =>
      (closing ??= (async () => {
        controller.close();
        await Promise.all(started.map((s) => s.stop().catch((err: unknown) => log.warn({ err }, 'liveness service did not stop cleanly'))));
      })()),
  };
}

/** Adds the BFD process' state, counters and transmit lateness to getStatus() (`bgpfo status`); the rest passes through. */
export function withBfdStatus(inner: ControlProvider, bfd: Pick<BfdService, 'status'> | undefined): ControlProvider {
  if (!bfd) return inner;
  return {
    getStatus: async (): Promise<StatusResponse> => ({ ...(await inner.getStatus()), bfd: bfd.status() }),
    getRoutes: (q) => inner.getRoutes(q),
    getAdjRibIn: (n, p, q) => inner.getAdjRibIn(n, p, q),
    get operations() {
      return inner.operations;
    },
  };
}
