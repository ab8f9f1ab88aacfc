// One configured neighbor at run time: its BgpSession, the import path (UPDATE -> import policy -> Adj-RIB-In
// -> Loc-RIB) and the export path (Loc-RIB -> export policy -> Adj-RIB-Out -> UPDATEs, with backpressure).
// RFC 4271 §9 (UPDATE processing), RFC 7606 (treat-as-withdraw), RFC 4486 (max-prefix Cease), RFC 4724 §2 (End-of-RIB).

import type { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { Logger } from 'pino';
import { packUpdates } from '../bgp/codec';
import { AttributeBytesCache } from '../bgp/codec/attr-bytes-cache';
import { prefixCount } from '../bgp/codec/nlri';
import { prefixFamily } from '../bgp/prefix';
import type { BgpSessionEvents, DownInfo, EstablishedInfo, SessionInfo, SessionOptions } from '../bgp/session';
import type { BgpState } from '../bgp/fsm-types';
import type { CodecContext, Family, Prefix, UpdateMessage } from '../bgp/types';
import type { NeighborConfig } from '../config';
import { buildNeighborPolicy, type ExportPolicy, type RouterPolicyConfig } from '../policy';
import { AdjRibIn, AdjRibOut, makePeer, type ExportBatch, reflectionLoop, updateToRoutes, type ExportFilter, type ImportFilter, type ImportSignal, type LocRib, type Path, type Peer } from '../rib';
import type { RouteAttrs } from '../rib/attrs';
import type { Clock } from '../util/clock';
import { PolicyMarks, type PolicyMark, type ReapplyResult } from './drain-marks';
import { GR_AWARE, StaleRoutes, type RestartCapability } from './graceful-restart';
import { localNextHops, unmapIpv4 } from './next-hop';
import { LogLimiter } from '../util/log-limit';

/** What the daemon needs of a session: BgpSession, or a fake in unit tests. */
export interface SessionLike extends EventEmitter<BgpSessionEvents> {
  readonly state: BgpState;
  readonly info: SessionInfo;
  start(): void;
  stop(opts?: { code?: number; subcode?: number; message?: string }): void;
  reset(n: { code: number; subcode: number; data?: Uint8Array; message?: string }): void;
  acceptConnection(socket: net.Socket): void;
  send(buffers: Buffer[]): boolean;
  sendEndOfRib(family: Family): boolean;
  /** Asks the peer to send its routes again (RFC 2918); false when it did not negotiate ROUTE-REFRESH. */
  sendRouteRefresh?(family: Family): boolean;
  /** Closes the connection with no NOTIFICATION and goes quiet (a graceful-restart stop, RFC 4724 §4). */
  abandon?(): void;
  /** Stops or restarts reading the connection (inbound backpressure). */
  pauseInbound?(paused: boolean): void;
}

/**
 * Inbound backpressure: above this many received prefixes not yet processed the connection is not read, below
 * INBOX_RESUME it is again. Keeps a full table in the peer's TCP buffers instead of as decoded messages here (a
 * million prefix strings was the largest part of the peak memory at full table). Processing takes a few hundred
 * thousand prefixes a second, so a pause lasts a fraction of a second, far below any hold time.
 */
export const INBOX_PAUSE = 40_000;
export const INBOX_RESUME = 10_000;

function prefixesIn(msg: UpdateMessage): number {
  const a = msg.attributes;
  return prefixCount(msg, 'nlri') + prefixCount(msg, 'withdrawn') + (a.mpReach ? prefixCount(a.mpReach, 'nlri') : 0) + (a.mpUnreach ? prefixCount(a.mpUnreach, 'withdrawn') : 0);
}

export type SessionFactory = (opts: SessionOptions) => SessionLike;

export interface NeighborDeps {
  router: RouterPolicyConfig & { routerId: string };
  locRib: LocRib;
  clock: Clock;
  logger: Logger;
  keepPrePolicy: boolean;
  createSession: SessionFactory;
  /** Called when UPDATEs were queued: the speaker schedules processInbound(). */
  wantImport(): void;
  /** Called when routes may be sent again (new session, drain, route refresh): the speaker schedules flush(). */
  wantExport(): void;
  /** Graceful restart (RFC 4724): the capability to advertise (a live object: R and F are read per OPEN). */
  restartCapability?: (config: NeighborConfig) => RestartCapability | undefined;
  /** Runs fn on the daemon's serialized loop (graceful-restart timers). */
  post?: (label: string, fn: () => void) => void;
  /** Liveness (BFD/probe) of the tunnel: a dead tunnel's routes are not kept as stale. Default: alive. */
  tunnelAlive?: () => boolean;
  /** Stale routes were given up while the session is down: the FIB takes the tunnel out first. */
  onStaleDropped?: (reason: string) => void;
  /** An End-of-RIB was applied: every UPDATE before it is in the Loc-RIB. */
  onEndOfRibApplied?: (family: Family) => void;
  /** True while this session's initial table must wait (RFC 4724 §4.1 selection deferral after our restart). */
  deferInitialTable?: () => boolean;
  /**
   * Forward before you advertise (convention 14): true for a prefix whose selection the kernel does not hold yet.
   * A rebuild leaves such prefixes as the peer has them and reports them to heldBack(); the speaker re-exports them
   * (reexport()) once they are forwarded.
   */
  holdBack?: (prefix: Prefix) => boolean;
  heldBack?: (prefixes: Prefix[]) => void;
  /** False for a learned prefix the forwarding plane does not hold (refused, no next hop): not advertised. */
  forwarded?: (prefix: Prefix) => boolean;
}

/** End-of-RIB in the inbox: acted on after the UPDATEs received before it (RFC 4724 §4.2 stale sweep). */
interface EorMark {
  type: 'eor';
  family: Family;
}

/** A lost session's paths still in the Loc-RIB, withdrawn a slice at a time (1M prefixes must not stall the loop). */
interface Retiring {
  peer: Peer;
  prefixes: Iterator<Prefix>;
}

/** Encoded attribute sets shared by every session (a hub encodes each set once, not once per spoke). */
const sharedAttributeBytes = new AttributeBytesCache();

/** Most pending prefixes taken off the Adj-RIB-Out per flush() step: bounds the bytes queued per socket write. */
const FLUSH_STEP = 4096;

/** What exists only while the session is Established. */
interface Up {
  peer: Peer;
  families: ReadonlySet<Family>;
  ctx: CodecContext;
  holdTime: number;
  localAddress: string | undefined;
  adjIn: AdjRibIn;
  adjOut: AdjRibOut;
  /** UPDATEs (and End-of-RIB marks) received and not processed yet (processed in batches, not one per event). */
  inbox: (UpdateMessage | EorMark | undefined)[];
  inboxHead: number;
  /** Prefixes in the unprocessed part of the inbox, and whether reading is paused for them. */
  inboxPrefixes: number;
  inboxPaused: boolean;
  /** False after session.send() reported a full socket buffer, until 'drain'. */
  writable: boolean;
  /** End-of-RIB is owed once the initial table has been sent. */
  eorPending: boolean;
  /** A max-prefix reset was requested: ignore what still arrives until 'down'. */
  resetting: boolean;
  refusedLogged: number;
  /** The TCP connection's ends (neighbor detail). */
  connection: { localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number };
}

export class Neighbor {
  readonly session: SessionLike;
  /** Built from config (reconfigure() replaces them); marks are applied on top. */
  importPolicy: ImportFilter;
  exportPolicy: ExportPolicy;
  /** Run-time marks by source (drain, demotion): see setMarks(). */
  private readonly marks = new PolicyMarks();
  private readonly loopLog = new LogLimiter();
  /**
   * Run-time export veto, asked before export policy (liveness steering: a more-specific half goes only to the
   * sessions chosen for it). Consulted when a route is (re)exported; changing its answer re-exports nothing by itself.
   */
  exportVeto: ((prefix: Prefix, best: Path) => boolean) | undefined;
  private up: Up | null = null;
  /** Lost sessions whose paths are still being withdrawn, oldest first (more than one only after quick flaps). */
  private retiring: Retiring[] = [];
  private readonly log: Logger;
  /** Graceful-restart helper: a lost session's routes kept as stale (RFC 4724 §4.2). */
  readonly stale: StaleRoutes;

  constructor(
    /** Replaced by reconfigure() on reload (session parameters stay as the session was built). */
    public config: NeighborConfig,
    private readonly deps: NeighborDeps,
  ) {
    this.log = deps.logger.child({ neighbor: config.name });
    const policy = buildNeighborPolicy(config, deps.router);
    this.importPolicy = policy.importPolicy;
    this.exportPolicy = policy.exportPolicy;
    this.stale = new StaleRoutes({
      clock: deps.clock,
      log: this.log,
      post: deps.post ?? ((_label, fn) => fn()),
      retire: (peer, prefixes) => {
        this.retiring.push({ peer, prefixes });
        this.deps.wantImport();
      },
      tunnelAlive: () => deps.tunnelAlive?.() ?? true,
      dropped: (reason) => deps.onStaleDropped?.(reason),
    });
    const restart = deps.restartCapability ? deps.restartCapability(config) : staticCapability(config);
    this.session = deps.createSession({
      name: config.name,
      peerAddress: config.address,
      port: config.port,
      localAsn: deps.router.asn,
      remoteAsn: config.remoteAsn,
      routerId: deps.router.routerId,
      holdTime: config.holdTime,
      keepalive: config.keepalive,
      connectRetry: config.connectRetry,
      passive: config.passive,
      families: config.families,
      clock: deps.clock,
      logger: deps.logger,
      ...(config.localAddress !== undefined ? { localAddress: config.localAddress } : {}),
      ...(config.shutdownMessage !== undefined ? { shutdownMessage: config.shutdownMessage } : {}),
      ...(restart ? { gracefulRestart: restart } : {}),
    });
  }

  get name(): string {
    return this.config.name;
  }

  start(): void {
    this.session.start();
  }

  /** Administrative stop: Cease/2 with the shutdown communication (RFC 8203). */
  stop(message: string | undefined): void {
    this.session.stop(message !== undefined ? { message } : {});
  }

  accept(socket: net.Socket): void {
    this.session.acceptConnection(socket);
  }

  // ---- session events (the speaker calls these from its serialized loop) -----------------------------

  established(info: EstablishedInfo): void {
    if (this.up && info.handover) this.handOver(this.up, info);
    else if (this.up) this.teardown('replaced by a new session');
    const peer = makePeer({ key: this.name, address: this.config.address, asn: info.peerAsn, routerId: info.peerRouterId, ebgp: info.ctx.ebgp });
    const families = new Set(info.families);
    const nextHops = localNextHops(this.config, info.localAddress);
    this.exportPolicy.setNextHops(nextHops);
    const exporter = this.exporter(families);
    const up: Up = {
      peer,
      families,
      ctx: info.ctx,
      holdTime: info.holdTime,
      localAddress: this.config.localAddress ?? (info.localAddress !== undefined ? unmapIpv4(info.localAddress) : undefined),
      adjIn: new AdjRibIn(peer, this.deps.locRib, this.marks.importFilter(this.importPolicy), {
        keepPrePolicy: this.deps.keepPrePolicy,
        onRefuse: (prefix, reason) => this.refused(prefix, reason),
      }),
      adjOut: new AdjRibOut(this.name, exporter),
      inbox: [],
      inboxPrefixes: 0,
      inboxPaused: false,
      inboxHead: 0,
      writable: true,
      eorPending: true,
      resetting: false,
      refusedLogged: 0,
      connection: { localAddress: info.localAddress, localPort: info.localPort, remoteAddress: info.remoteAddress, remotePort: info.remotePort },
    };
    this.up = up;
    this.rebuild(up);
    for (const f of families) {
      const nh = f === 'ipv4-unicast' ? nextHops.ipv4 : nextHops.ipv6;
      if (nh === undefined) this.log.warn({ family: f }, `no local ${f} next hop on this session: ${f} routes are not advertised to it`);
    }
    this.log.info({ peerRouterId: info.peerRouterId, families: info.families, nextHops, initial: up.adjOut.pendingCount }, 'session established; sending the initial table');
    if (!info.handover) this.stale.established(info);
    this.deps.wantExport();
  }

  /**
   * The session moved to the connection the peer kept after a collision (fsm-peer.ts): for the peer it is a new
   * session, which gets our whole table and sends its own. Its routes of the old connection stay (no withdrawal to
   * other peers, no kernel change) and are replaced by what it sends; at its End-of-RIB what it did not send again
   * goes. A peer that sends no End-of-RIB (no graceful-restart capability) cannot say when its table is complete:
   * its old routes go at once, as for any new session.
   */
  private handOver(old: Up, info: EstablishedInfo): void {
    const families = info.gracefulRestart ? info.families.filter((f) => old.families.has(f)) : [];
    const kept = families.length > 0 && this.stale.handover(old.peer, this.prefixSource(old), old.adjIn.accepted(), families);
    this.teardown('session moved to the connection the peer kept (collision)', kept);
  }

  down(info: DownInfo): void {
    const up = this.up;
    if (!up) return;
    const accepted = up.adjIn.accepted();
    const kept = this.stale.sessionLost(info, up.peer, this.prefixSource(up), accepted);
    this.teardown(info.message, kept);
    if (!kept) this.log.info({ reason: info.reason, withdrawn: accepted }, 'session down: withdrawing its routes');
  }

  /** Gives up the routes kept as stale for a restarting peer (its tunnel died); no-op when none are kept. */
  dropStale(reason: string): void {
    this.stale.drop(reason);
  }

  /** The session is down and its routes are kept as stale while the peer restarts. */
  get keepingStale(): boolean {
    return this.stale.keeping;
  }

  update(msg: UpdateMessage): void {
    const up = this.up;
    if (!up || up.resetting) return;
    up.inbox.push(msg);
    up.inboxPrefixes += prefixesIn(msg);
    if (!up.inboxPaused && up.inboxPrefixes > INBOX_PAUSE && this.session.pauseInbound) {
      up.inboxPaused = true;
      this.session.pauseInbound(true);
    }
    this.deps.wantImport();
  }

  routeRefresh(family: Family): void {
    const up = this.up;
    if (!up) return;
    this.log.info({ family }, 'ROUTE-REFRESH received: re-sending the table');
    up.adjOut.resendAll();
    this.deps.wantExport();
  }

  endOfRib(family: Family): void {
    const up = this.up;
    if (!up) return;
    // Queued behind the UPDATEs before it, so stale paths they refresh are not withdrawn first.
    up.inbox.push({ type: 'eor', family });
    this.deps.wantImport();
  }

  drain(): void {
    if (!this.up || this.up.writable) return;
    this.up.writable = true;
    this.deps.wantExport();
  }

  // ---- import ------------------------------------------------------------------------------------------

  get hasInbound(): boolean {
    return this.retiring.length > 0 || (this.up !== null && this.up.inboxHead < this.up.inbox.length);
  }

  /**
   * Withdraws up to `budget` paths of lost sessions from the Loc-RIB; returns how many prefixes it looked at.
   * A path is withdrawn only if it is still the lost session's (same Peer object), never a newer session's.
   */
  retire(budget: number): number {
    const rib = this.deps.locRib;
    let n = 0;
    while (n < budget && this.retiring.length > 0) {
      const r = this.retiring[0];
      const next = r.prefixes.next();
      if (next.done) {
        this.retiring.shift();
        this.log.debug('routes of the lost session withdrawn');
        continue;
      }
      n++;
      if (rib.pathFrom(r.peer.key, next.value)?.peer === r.peer) rib.withdraw(r.peer.key, next.value);
    }
    return n;
  }

  /**
   * Withdraws a lost session's routes, then applies queued UPDATEs, until about `budget` prefixes were handled;
   * returns how many were. Each UPDATE is split per family (with RFC 7606 treat-as-withdraw) and fed through
   * import policy into the Adj-RIB-In.
   */
  processInbound(budget: number): number {
    // A lost session's withdrawals come first and UPDATEs wait for them: a new session's paths take the same
    // key, and the Adj-RIB-In would count a re-announced prefix as already known if the old path were still there.
    let n = this.retire(budget);
    const up = this.up;
    if (!up) return n;
    while (up.inboxHead < up.inbox.length && n < budget) {
      const msg = up.inbox[up.inboxHead]!;
      up.inbox[up.inboxHead++] = undefined;
      if (msg.type === 'eor') {
        this.log.info({ family: msg.family, accepted: up.adjIn.accepted(msg.family) }, 'End-of-RIB received');
        this.stale.endOfRib(msg.family);
        this.deps.onEndOfRibApplied?.(msg.family);
        continue;
      }
      up.inboxPrefixes -= prefixesIn(msg);
      if (msg.softErrors) this.log.warn({ errors: msg.softErrors }, 'UPDATE with malformed attributes (RFC 7606)');
      const receiver = { routerId: this.deps.router.routerId };
      const loop = reflectionLoop(msg, receiver);
      if (loop) {
        // A peer can send these at will: one line per 10 s, with the count of the ones not logged.
        const line = this.loopLog.hit('loop');
        if (line.log) this.log.warn({ reason: loop, ...(line.suppressed > 0 ? { alsoIgnored: line.suppressed } : {}) }, 'UPDATE looped back through route reflection: its routes are withdrawn');
      }
      const routes = updateToRoutes(msg, receiver);
      for (const r of routes) n += prefixCount(r, 'announce') + prefixCount(r, 'withdraw');
      const signal = up.adjIn.applyAll(routes);
      if (signal && this.onSignal(up, signal)) return n;
    }
    if (up.inboxPaused && up.inboxPrefixes < INBOX_RESUME && this.up === up) {
      up.inboxPaused = false;
      this.session.pauseInbound?.(false);
    }
    if (up.inboxHead === up.inbox.length) {
      up.inbox = [];
      up.inboxHead = 0;
    } else if (up.inboxHead > 4096) {
      up.inbox = up.inbox.slice(up.inboxHead);
      up.inboxHead = 0;
    }
    return n;
  }

  /** Returns true when the session is being reset (stop processing it). */
  private onSignal(up: Up, s: ImportSignal): boolean {
    if (s.kind === 'max-prefix-warning') {
      this.log.warn({ family: s.family, accepted: s.accepted, limit: s.limit }, `accepted prefixes reached ${s.percent}% of max-prefixes`);
      return false;
    }
    this.log.error({ family: s.family, accepted: s.accepted, limit: s.limit }, 'max-prefixes exceeded: closing the session (Cease/Maximum Number of Prefixes Reached)');
    up.resetting = true;
    up.inbox = [];
    up.inboxHead = 0;
    // The message becomes the session's last error; the NOTIFICATION carries RFC 4486's AFI/SAFI/limit data.
    this.session.reset({ ...s.notification, message: `max-prefixes ${s.limit} exceeded (${s.family})` });
    return true;
  }

  private refused(prefix: Prefix, reason: string): void {
    // A peer sending a full table we filter would flood the log: the first few at debug, the rest at trace.
    const up = this.up;
    if (up && up.refusedLogged < 20) {
      up.refusedLogged++;
      this.log.debug({ prefix, reason }, 'route refused by import policy');
    } else this.log.trace({ prefix, reason }, 'route refused by import policy');
  }

  // ---- export ------------------------------------------------------------------------------------------

  /** Feeds a drained batch of Loc-RIB changes through export policy into the Adj-RIB-Out. */
  applyRibChanges(batch: ExportBatch): void {
    this.up?.adjOut.applyBatch(batch);
  }

  /**
   * Sends up to `budget` pending prefixes as packed UPDATEs. Returns true when more are pending and the socket
   * can take them (call again soon); false when done or blocked (then 'drain' calls wantExport()).
   */
  flush(budget: number): boolean {
    const up = this.up;
    if (!up || !up.writable) return false;
    // After our own restart, nothing goes out before route selection has the peers' tables (kickExport resumes).
    if (up.eorPending && this.deps.deferInitialTable?.()) return false;
    let taken = 0;
    while (up.adjOut.pendingCount > 0 && taken < budget) {
      const before = up.adjOut.pendingCount;
      const batches = up.adjOut.flush(Math.min(FLUSH_STEP, budget - taken));
      taken += before - up.adjOut.pendingCount;
      const step: Buffer[] = [];
      for (const b of batches) {
        try {
          const encoded = b.shared && b.family === 'ipv4-unicast' ? sharedAttributeBytes.encode(b.shared, b.attributes, up.ctx) : undefined;
          for (const m of packUpdates(b, up.ctx, encoded)) step.push(m);
        } catch (err) {
          this.log.error({ err, family: b.family, prefixes: b.announce.length + b.withdraw.length }, 'cannot encode UPDATE; routes not sent');
        }
      }
      // The whole step in one write, even when the socket is full: the step is small and already taken off the
      // Adj-RIB-Out; the next step waits for 'drain'.
      if (step.length > 0 && !this.send(step)) up.writable = false;
      if (!up.writable || this.up !== up) return false;
    }
    if (up.adjOut.pendingCount > 0) return true;
    if (up.eorPending) {
      up.eorPending = false;
      for (const f of up.families) this.sendEor(f);
      this.log.info({ advertised: up.adjOut.advertisedCount }, 'initial table sent (End-of-RIB)');
    }
    return false;
  }

  private send(buffers: Buffer[]): boolean {
    try {
      return this.session.send(buffers);
    } catch {
      return false; // not Established any more: 'down' is on its way
    }
  }

  private sendEor(f: Family): void {
    try {
      this.session.sendEndOfRib(f);
    } catch {
      // not Established any more
    }
  }

  /** `keptStale`: the graceful-restart helper kept (or already withdrew) the routes; else they are withdrawn. */
  private teardown(why: string, keptStale = false): void {
    const up = this.up!;
    this.up = null;
    up.inbox = [];
    // The Adj-RIB-In and Adj-RIB-Out go with `up`; the Loc-RIB paths are withdrawn in slices (processInbound).
    if (!keptStale) {
      this.retiring.push({ peer: up.peer, prefixes: this.prefixSource(up)()[Symbol.iterator]() });
      this.deps.wantImport();
    }
    this.log.debug({ why }, 'session state released');
  }

  /** A session's prefixes: the pre-policy copy when kept (not mutated once the session is gone), else a Loc-RIB scan. */
  private prefixSource(up: Up): () => Iterable<Prefix> {
    const rib = this.deps.locRib;
    return () => (up.adjIn.keepsPrePolicy ? mapIterator(up.adjIn.entries('pre'), (e) => e[0]) : mapIterator(rib.pathsFrom(up.peer.key), (e) => e[0]));
  }

  // ---- run-time policy changes (reload, drain) -----------------------------------------------------------

  /**
   * Only negotiated families may be sent (RFC 4760 §6); the policy itself does not know what was negotiated. A
   * learned route the forwarding plane does not hold is not offered (convention 14); our own prefixes always are.
   */
  private exporter(families: ReadonlySet<Family>): ExportFilter {
    const policy = this.exportPolicy;
    const forwarded = this.deps.forwarded;
    return {
      exportRoute: (prefix, best) =>
        families.has(prefixFamily(prefix)) && !this.exportVeto?.(prefix, best) && (best.peer.local || !forwarded || forwarded(prefix)) ? policy.exportTemplate(prefix, best) : undefined,
      exportsLearned: policy.exportsLearned,
      nextHop: (family) => policy.nextHopFor(family),
    };
  }

  private rebuild(up: Up, exporter?: ExportFilter): void {
    const held = up.adjOut.rebuild(this.deps.locRib, exporter, this.deps.holdBack);
    if (held.length > 0) this.deps.heldBack?.(held);
  }

  /**
   * Re-evaluates these prefixes against their current best paths (`bests[i]` for `prefixes[i]`, undefined: none),
   * now that they became forwarded, or stopped being.
   */
  reexport(prefixes: readonly Prefix[], bests: readonly (Path | undefined)[]): void {
    const up = this.up;
    if (!up) return;
    for (let i = 0; i < prefixes.length; i++) up.adjOut.reexport(prefixes[i], bests[i]);
  }

  /**
   * Sets (null: clears) one source's run-time marks ('drain', 'demotion'...), leaving other sources' alone; what we
   * advertise is recomputed (only differences are sent) and what we learned re-imported when the LOCAL_PREF changed.
   */
  setMarks(source: string, mark: PolicyMark | null): ReapplyResult {
    const changed = this.marks.set(source, mark);
    return this.applyPolicy(changed.exportChanged, changed.importChanged);
  }

  marksOf(source: string): PolicyMark | undefined {
    return this.marks.get(source);
  }

  /** Reload: new policy settings for the same session (the caller resets the session when its parameters changed). */
  reconfigure(config: NeighborConfig, router: RouterPolicyConfig & { routerId: string }, what: { import: boolean; export: boolean }): ReapplyResult {
    this.config = config;
    this.deps.router = router;
    const policy = buildNeighborPolicy(config, router);
    this.importPolicy = policy.importPolicy;
    this.exportPolicy = policy.exportPolicy;
    return this.applyPolicy(what.export, what.import);
  }

  /**
   * Re-exports from the Loc-RIB through the current policy, and re-imports from the pre-policy Adj-RIB-In (soft
   * reconfiguration) or, when that copy is not kept, asks the peer for its routes again (ROUTE-REFRESH, RFC 2918).
   */
  private applyPolicy(reexport: boolean, reimport: boolean): ReapplyResult {
    this.exportPolicy.setDynamic(this.marks.exportSettings());
    const up = this.up;
    if (!up) return 'none';
    if (reexport) {
      this.exportPolicy.setNextHops(localNextHops(this.config, up.localAddress));
      this.rebuild(up, this.exporter(up.families));
      this.deps.wantExport();
    }
    if (!reimport) return 'none';
    if (up.adjIn.setPolicy(this.marks.importFilter(this.importPolicy))) return 'soft';
    for (const f of up.families) this.session.sendRouteRefresh?.(f);
    return 'refresh';
  }

  // ---- operator resets (bgpfo clear) ---------------------------------------------------------------------

  /** Hard reset: Cease/Administrative Reset (RFC 4486 subcode 4) with the message, then a new session at once. */
  hardReset(message: string): void {
    this.session.stop({ code: 6, subcode: 4, message });
    this.session.start();
  }

  /**
   * Soft reset inbound: ask the peer for its routes again (ROUTE-REFRESH, RFC 2918) per family, or, when it cannot
   * take one and the pre-policy copy is kept, re-run import policy over that copy. Null when the session is down.
   */
  softIn(): 'route-refresh' | 'soft-reconfiguration' | 'unsupported' | null {
    const up = this.up;
    if (!up) return null;
    if (this.session.info.negotiated?.routeRefresh && this.session.sendRouteRefresh) {
      for (const f of up.families) this.session.sendRouteRefresh(f);
      return 'route-refresh';
    }
    if (up.adjIn.setPolicy(this.marks.importFilter(this.importPolicy))) return 'soft-reconfiguration';
    return 'unsupported';
  }

  /** Soft reset outbound: every prefix of the Adj-RIB-Out is sent again. Returns how many, null when down. */
  softOut(): number | null {
    const up = this.up;
    if (!up) return null;
    up.adjOut.resendAll();
    this.deps.wantExport();
    return up.adjOut.advertisedCount;
  }

  // ---- views for status ---------------------------------------------------------------------------------

  /** The TCP connection's ends, while Established. */
  get connection(): Up['connection'] | undefined {
    return this.up?.connection;
  }

  /** What we advertise now (attributes as sent) and how many prefixes wait to be sent; undefined when down. */
  get adjRibOut(): { entries(): IterableIterator<[Prefix, RouteAttrs]>; advertised(p: Prefix): RouteAttrs | undefined; pending: number } | undefined {
    const out = this.up?.adjOut;
    if (!out) return undefined;
    return { entries: () => out.advertisedEntries(), advertised: (p) => out.advertised(p), pending: out.pendingCount };
  }

  get isUp(): boolean {
    return this.up !== null;
  }

  /** True when we last sent this peer an announcement of `prefix` (its Adj-RIB-Out). */
  advertises(prefix: Prefix): boolean {
    return this.up?.adjOut.isAdvertised(prefix) ?? false;
  }

  /** Up to `limit` prefixes we advertise to this peer now, in no particular order. */
  advertisedPrefixes(limit: number): Prefix[] {
    const out: Prefix[] = [];
    if (!this.up) return out;
    for (const p of this.up.adjOut.advertisedPrefixes()) {
      if (out.length >= limit) break;
      out.push(p);
    }
    return out;
  }

  get negotiatedFamilies(): Family[] | undefined {
    return this.up ? [...this.up.families] : undefined;
  }

  get holdTime(): number | undefined {
    return this.up?.holdTime;
  }

  get localAddress(): string | undefined {
    return this.config.localAddress ?? this.up?.localAddress;
  }

  get peerRouterId(): string | undefined {
    return this.up?.peer.routerId;
  }

  /** Received (pre-policy; accepted when that copy is not kept), accepted and advertised prefixes. */
  counts(): { received: number; accepted: number; advertised: number } {
    const up = this.up;
    if (!up) return { received: 0, accepted: 0, advertised: 0 };
    const accepted = up.adjIn.accepted();
    return { received: up.adjIn.received() ?? accepted, accepted, advertised: up.adjOut.advertisedCount };
  }

  get adjRibIn(): AdjRibIn | undefined {
    return this.up?.adjIn;
  }

  /** The routes this neighbor sent, before or after import policy. */
  adjRibInEntries(policy: 'pre' | 'post'): IterableIterator<[Prefix, RouteAttrs]> | undefined {
    return this.up?.adjIn.entries(policy);
  }
}

/** Without a restart hook: the capability when enabled, as a helper that never claims to have restarted; else aware. */
function staticCapability(config: NeighborConfig): RestartCapability {
  return config.gracefulRestart.enabled ? { restartTime: config.gracefulRestart.restartTime, restarting: false, preserved: [] } : GR_AWARE;
}

function* mapIterator<T, U>(it: Iterable<T>, fn: (t: T) => U): Generator<U> {
  for (const x of it) yield fn(x);
}
