// Applying a reload to the running daemon: reads and validates the file, computes the plan (reload.ts), and carries
// it out on the speaker's loop so sessions it does not name keep running untouched. RFC 4486 Cease subcodes 3 and 6.

import type { Logger } from 'pino';
import type { EventBus } from '../api/events';
import type { ReloadResponse } from '../api/types';
import { CeaseSubcode } from '../bgp/errors';
import { loadConfig, type DaemonConfig } from '../config';
import { syncOriginated } from '../policy';
import type { DrainManager } from './drain';
import type { BgpListener } from './listener';
import { changedWords, describeAction, diffConfig, type ReloadAction } from './reload';
import type { Speaker } from './speaker';

/** A config that validates but cannot be applied while running (router.asn changed...); `code` is stable. */
export class ReloadRefused extends Error {
  readonly code = 'ERR_RELOAD_REFUSED';
  constructor(readonly reasons: string[]) {
    super(`reload refused, the running config stays:\n${reasons.map((r) => `  ${r}`).join('\n')}`);
    this.name = 'ReloadRefused';
  }
}

/** The daemon was started without a config file (a library caller): there is nothing to re-read. */
export class NoConfigFile extends Error {
  readonly code = 'ERR_NO_CONFIG_FILE';
  constructor() {
    super('this daemon was not started from a config file; nothing to reload');
    this.name = 'NoConfigFile';
  }
}

export interface ReloaderDeps {
  speaker: Speaker;
  drain: DrainManager;
  events: EventBus;
  logger: Logger;
  /** The file `bgpfo daemon --config` named; reloadFile() re-reads it. */
  configPath?: string;
  listener: () => BgpListener | null;
  /** Daemon-wide settings the reloader does not own (metrics endpoint, alerts, stop mode); awaited in order. */
  applySetting?: (a: ReloadAction, next: DaemonConfig) => Promise<void> | void;
  /** Reads a config file (default loadConfig; throws ConfigError). */
  load?: (path: string) => DaemonConfig;
}

export class Reloader {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly deps: ReloaderDeps) {
    this.log = deps.logger.child({ component: 'reload' });
  }

  /** Re-reads the config file and applies it; a bad file rejects with its ConfigError and changes nothing. */
  reloadFile(): Promise<ReloadResponse> {
    return this.serial(async () => {
      const path = this.deps.configPath;
      if (path === undefined) throw new NoConfigFile();
      let next: DaemonConfig;
      try {
        next = (this.deps.load ?? loadConfig)(path);
      } catch (err) {
        this.refused(err instanceof Error ? err.message.split('\n') : [String(err)]);
        throw err;
      }
      return this.applyNow(next);
    });
  }

  /** Applies an already validated config (tests, and reloadFile). */
  apply(next: DaemonConfig): Promise<ReloadResponse> {
    return this.serial(() => this.applyNow(next));
  }

  /** One reload at a time: a second SIGHUP waits for the first to finish. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private refused(lines: string[]): void {
    this.log.error({ errors: lines }, 'reload refused: the running config stays');
    this.deps.events.publish({ type: 'reload', result: 'refused', detail: lines });
  }

  private async applyNow(next: DaemonConfig): Promise<ReloadResponse> {
    const { speaker, events } = this.deps;
    const plan = diffConfig(speaker.config, next);
    if (plan.refused.length > 0) {
      this.refused(plan.refused);
      throw new ReloadRefused(plan.refused);
    }
    if (plan.actions.length === 0) {
      events.publish({ type: 'reload', result: 'unchanged', detail: [] });
      this.log.info('reload: no changes');
      return { result: 'unchanged', actions: [] };
    }
    const lines: string[] = [];
    await speaker.loop.call('reload', () => this.applySessions(plan.actions, next, lines));
    for (const a of plan.actions) {
      if (a.kind === 'listen') {
        const listener = this.deps.listener();
        if (!listener) continue; // started without a BGP listener (tests)
        await listener.setAddresses(a.addresses);
      } else if (a.kind === 'log-level') this.deps.logger.level = a.level;
      else if (a.kind === 'metrics' || a.kind === 'alerts' || a.kind === 'stop') await this.deps.applySetting?.(a, next);
      else continue;
      lines.push(describeAction(a));
    }
    events.publish({ type: 'reload', result: 'applied', detail: lines });
    this.log.info({ actions: lines }, 'reload applied');
    return { result: 'applied', actions: lines };
  }

  /** The session-level actions, in one loop task: no session event runs in the middle of them. */
  private applySessions(actions: ReloadAction[], next: DaemonConfig, lines: string[]): void {
    const { speaker } = this.deps;
    const old = speaker.config;
    // New neighbors are built from speaker.config (router, originate), so it is the new one from here on.
    speaker.config = next;
    const router = { asn: next.router.asn, routerId: next.router.routerId, originate: next.originate };
    const reimported: string[] = [];
    for (const a of actions) {
      switch (a.kind) {
        case 'remove-neighbor':
          speaker.removeNeighbor(a.name, CeaseSubcode.PeerDeconfigured, 'removed from the configuration');
          break;
        case 'reset-neighbor':
        case 'add-neighbor': {
          if (a.kind === 'reset-neighbor') speaker.removeNeighbor(a.name, CeaseSubcode.OtherConfigurationChange, `configuration changed: ${changedWords(a.changed).join(', ')}`);
          // The failover core starts it unless a drain or its liveness holds it (and puts any drain's marks on it).
          speaker.addNeighbor(a.config);
          break;
        }
        case 'update-neighbor': {
          const n = speaker.neighbor(a.name);
          if (!n) break;
          const how = n.reconfigure(a.config, router, { import: a.import, export: a.export });
          // Re-imports that only follow a changed originate list are one line, not one per neighbor.
          if (a.changed.length === 0 && !a.export) reimported.push(a.name);
          else lines.push(describeAction(a));
          if (how === 'refresh') lines.push(`neighbor ${a.name}: no pre-policy copy kept (rib.keep-pre-policy false): ROUTE-REFRESH sent`);
          continue;
        }
        case 'originate':
          syncOriginated(speaker.locRib, old.originate, next.originate);
          lines.push(describeAction(a));
          if (reimported.length) lines.push(`re-imported from ${reimported.join(', ')} (our own prefixes are refused on import)`);
          continue;
        default:
          continue;
      }
      lines.push(describeAction(a));
    }
  }
}
