// The BGP speaker: one Loc-RIB, the configured neighbors, and the batched work between them. Session events
// go through one serialized loop; imports and exports run in slices so a full table never starves timers.
// Export is a pipeline Loc-RIB -> forwarding plane -> Adj-RIB-Outs (forward before you advertise, convention 14).
// RFC 4271 §9 (decision and dissemination), §9.4 (originated routes).

import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { Logger } from 'pino';
import { BgpSession, type DownInfo, type EstablishedInfo } from '../bgp/session';
import type { Family, Prefix } from '../bgp/types';
import type { DaemonConfig, NeighborConfig } from '../config';
import { syncOriginated } from '../policy';
import { ExportBatch, LocRib, makeLocalPeer, type RibChange } from '../rib';
import { realClock, type Clock } from '../util/clock';
import { LogLimiter } from '../util/log-limit';
import { fullCollection, MemoryReclaimer } from './memory-reclaim';
import type { RestartCapability } from './graceful-restart';
import { SerialLoop } from './loop';
import { Neighbor, type SessionFactory } from './neighbor';
import { unmapIpv4 } from './next-hop';

export interface SpeakerOptions {
  logger: Logger;
  clock?: Clock;
  /** Builds each neighbor's session (default: a real BgpSession); unit tests pass fakes. */
  createSession?: SessionFactory;
  /** Prefixes applied from queued UPDATEs per import slice (default 10,000). */
  importBudget?: number;
  /** Loc-RIB changes drained per export slice (default 50,000). */
  drainBudget?: number;
  /** Prefixes sent per neighbor per export slice (default 20,000). */
  flushBudget?: number;
  /** A full garbage collection after a burst of route work (MemoryReclaimer); false turns it off. Default: V8's. */
  collectGarbage?: (() => void) | false;
  /** Graceful restart (RFC 4724 §4.1): each neighbor's capability, with live R and F bits (LocalRestart). */
  restartCapability?: (n: NeighborConfig) => RestartCapability | undefined;
  /** Liveness (BFD/probe) of a neighbor's tunnel; a dead tunnel's routes are not kept as stale. Default: alive. */
  tunnelAlive?: (name: string) => boolean;
  /**
   * True: the speaker does not start this neighbor's session (at start or when reload adds it); its owner starts it
   * later. The liveness controller holds a session in Idle until its tunnel's verdict is up (docs/liveness.md).
   */
  deferStart?: (n: NeighborConfig) => boolean;
  /** True while initial tables must wait: route-selection deferral after a graceful restart (RFC 4724 §4.1). */
  deferInitialTable?: () => boolean;
}

export interface SpeakerEvents {
  /**
   * Loc-RIB changes in batches (best path, ECMP set, tiers, before and after), emitted from the loop before
   * the batch goes to the Adj-RIB-Outs, with the same changes sorted once (ExportBatch: the best-path changes and
   * their counts). The kernel FIB subscribes here. Listeners must not throw.
   */
  'rib-changes': [changes: readonly RibChange[], batch: ExportBatch];
  /** A session reached Established (its routes follow in 'rib-changes'). */
  'peer-up': [name: string, info: EstablishedInfo];
  /**
   * A session was lost. Emitted before its routes are withdrawn (in slices, through 'rib-changes'), so a FIB
   * can take the tunnel out of its nexthop groups at once (architecture convention 9).
   */
  'peer-down': [name: string, info: DownInfo];
  /** End-of-RIB from a neighbor (RFC 4724 §2): its initial table for that family is complete. */
  'end-of-rib': [name: string, family: Family];
  /** That End-of-RIB was applied and everything before it forwarded (acknowledged by the kernel where there is one). */
  'routes-complete': [name: string, family: Family];
  /**
   * The graceful-restart helper gave up a lost session's stale routes (restart timer, tunnel down) while the session
   * is still down; they are withdrawn next, so a FIB takes the tunnel out first.
   */
  'stale-dropped': [name: string, reason: string];
  /** Reload added a neighbor (already started); subscribers that track neighbors (liveness, FIB) pick it up here. */
  'neighbor-added': [neighbor: Neighbor];
  /** Reload removed a neighbor (its session stopped; 'peer-down' came first when it was up). */
  'neighbor-removed': [name: string];
}

/**
 * The forwarding plane as a stage of the export pipeline (architecture convention 14, FRR's suppress-fib-pending):
 * a batch of Loc-RIB changes is handed to install(), and what it changes is advertised only once the promise
 * resolves, i.e. once the kernel holds it. Prefixes the kernel refused (or that have no usable next hop) are not
 * advertised until a later batch installs them. install() must not reject, and must resolve batches in order.
 */
export interface ForwardingStage {
  install(changes: readonly RibChange[]): Promise<ForwardingAck>;
}

export interface ForwardingAck {
  /** Prefixes with a learned best path that the forwarding plane does not hold (refused, or no usable next hop). */
  refused: readonly Prefix[];
}

/** One batch between the Loc-RIB and the kernel. */
interface InFlight {
  changes: readonly RibChange[];
  /** Built on first use: only a session coming up while a batch is in flight asks which prefixes it holds. */
  prefixes: Set<Prefix> | undefined;
  /** Resolves once the acknowledgement has been posted to the loop. */
  done: Promise<void>;
}

/** RFC 8203 text sent when the daemon stops and the neighbor has no shutdown-message of its own. */
export const DEFAULT_SHUTDOWN_MESSAGE = 'bgpfo daemon shutting down';

export class Speaker extends EventEmitter<SpeakerEvents> {
  readonly loop: SerialLoop;
  readonly locRib: LocRib;
  readonly clock: Clock;
  /** Clock time (ms) the speaker was created. */
  readonly startedAt: number;
  private readonly byName = new Map<string, Neighbor>();
  private readonly byAddress = new Map<string, Neighbor>();
  private readonly log: Logger;
  private readonly importBudget: number;
  private readonly drainBudget: number;
  private readonly flushBudget: number;
  private started = false;
  private stopped = false;
  private readonly list: Neighbor[] = [];
  /** Neighbors removed by reload whose routes are still being withdrawn. */
  private leaving: Neighbor[] = [];
  private readonly createSession: SessionFactory;
  private readonly refusedLog = new LogLimiter();
  /** Null: routes are advertised as soon as they are selected (fib.mode none, or advertise-before-install). */
  private stage: ForwardingStage | null = null;
  /** The batch the forwarding plane is writing; the next waits for it (changes meanwhile coalesce in the Loc-RIB). */
  private inFlight: InFlight | undefined;
  /** Learned prefixes the forwarding plane does not hold: not advertised (convention 14). */
  private readonly unforwarded = new Set<Prefix>();
  /** Prefixes whose advertisement must be re-evaluated once they are forwarded (held back, refused, or repaired). */
  private readonly recheck = new Set<Prefix>();
  /**
   * Callbacks waiting until the Loc-RIB changes made before them are forwarded: `need` counts the pending entries
   * still to drain (drainChanges takes them in the order first touched), `batch` is the one that took the last.
   */
  private fences: { need: number; batch: InFlight | null | undefined; cb: () => void }[] = [];
  /** Returns the memory a burst of route work took once the daemon is quiet again. */
  readonly reclaimer: MemoryReclaimer | undefined;

  constructor(
    /** Replaced by reload (src/daemon/reload-apply.ts) once its changes are applied. */
    public config: DaemonConfig,
    private readonly opts: SpeakerOptions,
  ) {
    super();
    this.log = opts.logger;
    this.clock = opts.clock ?? realClock;
    this.startedAt = this.clock.now();
    this.importBudget = opts.importBudget ?? 10_000;
    this.drainBudget = opts.drainBudget ?? 50_000;
    this.reclaimer = opts.collectGarbage === false ? undefined : new MemoryReclaimer(this.clock, opts.collectGarbage ?? fullCollection());
    this.flushBudget = opts.flushBudget ?? 20_000;
    this.loop = new SerialLoop(opts.logger);
    const router = config.router;
    this.locRib = new LocRib(makeLocalPeer(router.asn, router.routerId), {
      maxPaths: config.rib.maxPaths,
      onPending: () => this.wantExport(),
    });
    this.createSession = opts.createSession ?? ((o) => new BgpSession(o));
    for (const n of config.neighbors) this.list.push(this.makeNeighbor(n));
  }

  get neighbors(): readonly Neighbor[] {
    return this.list;
  }

  private makeNeighbor(n: NeighborConfig): Neighbor {
    const { opts, config } = this;
    const router = config.router;
    const createSession = this.createSession;
    const neighbor = new Neighbor(n, {
      router: { asn: router.asn, routerId: router.routerId, originate: config.originate },
      locRib: this.locRib,
      clock: this.clock,
      logger: opts.logger,
      keepPrePolicy: config.rib.keepPrePolicy,
      createSession,
      wantImport: () => this.loop.soon('import', () => this.importSlice()),
      wantExport: () => this.wantExport(),
      ...(opts.restartCapability ? { restartCapability: opts.restartCapability } : {}),
      post: (label, fn) => this.loop.post(`${n.name}:${label}`, fn),
      tunnelAlive: () => opts.tunnelAlive?.(n.name) ?? true,
      ...(opts.deferInitialTable ? { deferInitialTable: opts.deferInitialTable } : {}),
      onStaleDropped: (reason) => this.safeEmit('stale-dropped', n.name, reason),
      onEndOfRibApplied: (family) => this.afterForwarded(() => this.safeEmit('routes-complete', n.name, family)),
      holdBack: (prefix) => this.notForwardedYet(prefix),
      heldBack: (prefixes) => {
        for (const p of prefixes) this.recheck.add(p);
      },
      forwarded: (prefix) => !this.unforwarded.has(prefix),
    });
    this.byName.set(n.name, neighbor);
    this.byAddress.set(n.address, neighbor);
    this.wire(neighbor);
    return neighbor;
  }

  /** Reload: adds a neighbor and starts it unless told not to (a drained one held down); call from a loop task. */
  addNeighbor(cfg: NeighborConfig, opts: { start?: boolean } = {}): Neighbor {
    if (this.byName.has(cfg.name)) throw new Error(`a neighbor named ${cfg.name} exists already`);
    const n = this.makeNeighbor(cfg);
    this.list.push(n);
    if (this.started && !this.stopped && opts.start !== false && !this.opts.deferStart?.(cfg)) n.start();
    this.safeEmit('neighbor-added', n);
    return n;
  }

  /**
   * Reload: stops a neighbor with Cease and this subcode (RFC 4486: 3 Peer De-configured, 6 Other Configuration
   * Change) and forgets it; its routes are withdrawn in slices as a lost session's are. Call from a loop task.
   */
  removeNeighbor(name: string, subcode: number, message: string): boolean {
    const n = this.byName.get(name);
    if (!n) return false;
    this.list.splice(this.list.indexOf(n), 1);
    this.byName.delete(name);
    if (this.byAddress.get(n.config.address) === n) this.byAddress.delete(n.config.address);
    const wasUp = n.isUp;
    n.session.stop({ code: 6, subcode, message });
    // Torn down now rather than when 'down' comes round the loop, so a new neighbor of the same name starts clean.
    if (wasUp) {
      const info: DownInfo = { reason: 'manual-stop', message: `removed by reload: ${message}` };
      n.down(info);
      this.safeEmit('peer-down', name, info);
    }
    n.dropStale('neighbor removed by reload');
    if (n.hasInbound) {
      this.leaving.push(n);
      this.loop.soon('import', () => this.importSlice());
    }
    this.safeEmit('neighbor-removed', name);
    return true;
  }

  /** Originates the configured prefixes and starts every session. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop.post('start', () => {
      syncOriginated(this.locRib, [], this.config.originate);
      for (const n of this.neighbors) if (!this.opts.deferStart?.(n.config)) n.start();
      this.log.info({ neighbors: this.neighbors.length, originated: this.config.originate.length }, 'BGP speaker started');
    });
  }

  /** Stops every session with Cease/Administrative Shutdown and its shutdown communication (RFC 8203). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reclaimer?.stop();
    this.loop.post('stop', () => {
      for (const n of this.neighbors) n.stop(n.config.shutdownMessage ?? DEFAULT_SHUTDOWN_MESSAGE);
    });
  }

  neighbor(name: string): Neighbor | undefined {
    return this.byName.get(name);
  }

  /**
   * An incoming TCP connection: handed to the neighbor configured with that peer address, else refused
   * (closed at once, nothing sent). Returns whether it was taken.
   */
  accept(socket: net.Socket, remoteAddress = socket.remoteAddress): boolean {
    const n = remoteAddress === undefined || this.stopped ? undefined : this.byAddress.get(unmapIpv4(remoteAddress));
    if (!n) {
      // A stranger can connect as often as it likes: one line per address per 10 s, with the count of the others.
      const line = this.refusedLog.hit(remoteAddress ?? '?');
      if (line.log) this.log.info({ remote: remoteAddress, local: socket.localAddress, ...(line.suppressed > 0 ? { alsoRefused: line.suppressed } : {}) }, 'connection refused: not a configured neighbor');
      socket.destroy();
      return false;
    }
    this.loop.post(`${n.name}:accept`, () => n.accept(socket));
    return true;
  }

  /**
   * Puts the forwarding plane between the Loc-RIB and the Adj-RIB-Outs (convention 14); null takes it out (what
   * is held back then goes out at the next export). Set before start().
   */
  setForwardingStage(stage: ForwardingStage | null): void {
    this.stage = stage;
    if (!stage) {
      this.unforwarded.clear();
      this.releaseRecheck();
    }
  }

  /** Runs cb (on the loop) once every Loc-RIB change made so far has been forwarded. */
  afterForwarded(cb: () => void): void {
    const need = this.locRib.pendingCount;
    // Nothing pending: only the batch in flight (if any) stands between now and done.
    this.fences.push({ need, batch: need > 0 ? undefined : (this.inFlight ?? null), cb });
    if (need === 0 && !this.inFlight) this.loop.soon('fences', () => this.fireFences(null));
    else this.wantExport();
  }

  /** Fires the fences whose last change went out in `batch` (null: with no forwarding stage, or nothing was in flight). */
  private fireFences(batch: InFlight | null): void {
    const ready = this.fences.filter((f) => f.batch === batch || (batch === null && f.batch === null));
    if (ready.length === 0) return;
    this.fences = this.fences.filter((f) => !ready.includes(f));
    for (const f of ready) {
      try {
        f.cb();
      } catch (err) {
        this.log.error({ err }, 'a forwarding fence callback failed');
      }
    }
  }

  /** Prefixes not advertised because the forwarding plane does not hold them (status). */
  get unforwardedCount(): number {
    return this.unforwarded.size;
  }

  /** True while `prefix` has a selection the kernel has not acknowledged yet: advertising it would be early. */
  private notForwardedYet(prefix: Prefix): boolean {
    if (!this.stage) return false;
    if (this.locRib.isPending(prefix)) return true;
    const f = this.inFlight;
    if (!f) return false;
    f.prefixes ??= new Set(f.changes.map((c) => c.prefix));
    return f.prefixes.has(prefix);
  }

  /** Resolves when no import or export work is waiting, and the forwarding plane acknowledged every batch. */
  async settled(): Promise<void> {
    for (;;) {
      await this.loop.whenIdle();
      const f = this.inFlight;
      if (f) await f.done;
      else if (!this.loop.busy) return;
    }
  }

  private wire(n: Neighbor): void {
    const s = n.session;
    const name = n.name;
    s.on('established', (info) =>
      this.loop.post(`${name}:established`, () => {
        // A handover (the session moved to the connection the peer kept) is the same session going on: the
        // failover core, liveness and events saw no 'peer-down', so they see no 'peer-up' either.
        const goesOn = info.handover === true && n.isUp;
        n.established(info);
        if (!goesOn) this.safeEmit('peer-up', name, info);
      }),
    );
    s.on('down', (info) =>
      this.loop.post(`${name}:down`, () => {
        const wasUp = n.isUp;
        n.down(info);
        if (wasUp) this.safeEmit('peer-down', name, info);
      }),
    );
    s.on('update', (msg) => this.loop.post(`${name}:update`, () => n.update(msg)));
    s.on('route-refresh', (family) => this.loop.post(`${name}:route-refresh`, () => n.routeRefresh(family)));
    s.on('end-of-rib', (family) =>
      this.loop.post(`${name}:end-of-rib`, () => {
        n.endOfRib(family);
        this.safeEmit('end-of-rib', name, family);
      }),
    );
    s.on('drain', () => this.loop.post(`${name}:drain`, () => n.drain()));
  }

  /** Subscribers (the FIB) must not break the speaker: a throwing listener is logged, the work goes on. */
  private safeEmit<K extends keyof SpeakerEvents>(event: K, ...args: SpeakerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: SpeakerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ err, event }, 'a speaker event listener failed');
    }
  }

  /** Schedules an export slice: routes (or initial tables held back until now) may go out. */
  kickExport(): void {
    this.wantExport();
  }

  private wantExport(): void {
    this.loop.soon('export', () => this.exportSlice());
  }

  /** Applies queued UPDATEs of every neighbor, sharing the budget between those with work. */
  private importSlice(): void {
    // Removed neighbors' withdrawals first; a new neighbor of the same name waits for them (its counts would be off).
    const busy = [...this.leaving, ...this.neighbors].filter((n) => n.hasInbound);
    if (busy.length === 0) return;
    const share = Math.max(1000, Math.ceil(this.importBudget / busy.length));
    const waiting = new Set<string>();
    for (const n of busy) {
      if (waiting.has(n.name)) continue;
      this.reclaimer?.noteWork(n.processInbound(share));
      if (this.leaving.includes(n) && n.hasInbound) waiting.add(n.name);
    }
    this.leaving = this.leaving.filter((n) => n.hasInbound);
    if (this.leaving.length > 0 || this.neighbors.some((n) => n.hasInbound)) this.loop.soon('import', () => this.importSlice());
  }

  /**
   * Drains Loc-RIB changes to the subscribers, through the forwarding plane to the Adj-RIB-Outs, then sends what
   * the sockets take. One batch is in the forwarding plane at a time; later changes coalesce in the Loc-RIB.
   */
  private exportSlice(): void {
    if (!this.inFlight) {
      const taken = Math.min(this.drainBudget, this.locRib.pendingCount);
      const changes = this.locRib.drainChanges(this.drainBudget);
      if (changes.length > 0) {
        // Sorted once for the subscribers (operations events count from it) and, without a FIB, for the sessions.
        const batch = new ExportBatch(changes);
        this.safeEmit('rib-changes', changes, batch);
        if (this.stage) this.forward(changes, this.stage);
        else this.advertiseBatch(batch);
      }
      if (taken > 0 && this.fences.length > 0) {
        // The batch that took a fence's last pending entry decides it: done once that batch is acknowledged.
        for (const f of this.fences) {
          if (f.batch !== undefined) continue;
          f.need -= taken;
          if (f.need <= 0) f.batch = this.inFlight ?? null;
        }
        if (!this.inFlight) this.fireFences(null);
      }
    }
    let more = !this.inFlight && this.locRib.pendingCount > 0;
    for (const n of this.neighbors) if (n.flush(this.flushBudget)) more = true;
    if (more) this.wantExport();
    else if (!this.inFlight && this.locRib.pendingCount === 0 && !this.neighbors.some((n) => n.hasInbound)) this.reclaimer?.idle();
  }

  private advertise(changes: readonly RibChange[]): void {
    if (changes.length === 0) return;
    // Sorted once for every session: with 8 tunnels and a full table, 8 passes over a million changes otherwise.
    this.advertiseBatch(new ExportBatch(changes));
  }

  private advertiseBatch(batch: ExportBatch): void {
    if (batch.bestChanged.length === 0) return;
    for (const n of this.neighbors) n.applyRibChanges(batch);
  }

  /**
   * A prefix left with no path is withdrawn from the peers before the kernel loses its route (their traffic would
   * otherwise meet no route here, or our default back towards them: a loop); everything else is advertised once
   * the kernel holds it.
   */
  private forward(changes: readonly RibChange[], stage: ForwardingStage): void {
    const gone = changes.filter((c) => c.best === undefined);
    this.advertise(gone);
    const batch: InFlight = { changes, prefixes: undefined, done: Promise.resolve() };
    batch.done = stage.install(changes).then(
      (ack) => this.loop.post('forwarded', () => this.forwarded(batch, ack)),
      (err: unknown) => {
        // install() must not reject; if it does, what it wrote is unknown: advertise as before rather than hold forever.
        this.log.error({ err }, 'forwarding plane failed a batch: advertising it anyway');
        this.loop.post('forwarded', () => this.forwarded(batch, { refused: [] }));
      },
    );
    this.inFlight = batch;
  }

  private forwarded(batch: InFlight, ack: ForwardingAck): void {
    if (this.inFlight !== batch) return;
    this.inFlight = undefined;
    const refused = new Set(ack.refused);
    for (const p of refused) if (!this.unforwarded.has(p)) (this.unforwarded.add(p), this.recheck.add(p));
    // Nothing refused and nothing held back: no change's text is needed (a full table makes none here).
    if (this.unforwarded.size > 0) {
      for (const c of batch.changes) {
        if (refused.has(c.prefix)) continue;
        if (this.unforwarded.delete(c.prefix)) this.recheck.add(c.prefix);
      }
    }
    this.advertise(batch.changes.filter((c) => c.best !== undefined));
    this.releaseRecheck();
    this.fireFences(batch);
    this.wantExport();
  }

  /** Re-exports the prefixes held back earlier whose selection the kernel now holds (not pending, not in flight). */
  private releaseRecheck(): void {
    if (this.recheck.size === 0) return;
    const ready: Prefix[] = [];
    for (const p of this.recheck) {
      if (this.notForwardedYet(p)) continue;
      ready.push(p);
      this.recheck.delete(p);
    }
    if (ready.length === 0) return;
    // Looked up once, not once per neighbor: a hub re-exports to every one of its sessions.
    const bests = ready.map((p) => this.locRib.best(p));
    for (const n of this.neighbors) n.reexport(ready, bests);
    this.wantExport();
  }
}
