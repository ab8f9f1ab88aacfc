// The kernel FIB in the daemon: Loc-RIB changes become FibRoutes (tunnel, gateway, interface per path), one
// replaceRoutes per batch; a lost or dead tunnel leaves every nexthop group at once (convention 9), before withdrawals.

import type { Logger } from 'pino';
import { parseAddress } from '../bgp/prefix';
import type { Prefix } from '../bgp/types';
import type { NeighborConfig } from '../config';
import type { Fib, FibResult, FibRoute, NextHop } from '../fib';
import type { Path, RibChange } from '../rib';
import { ipRouteGet, type InterfaceResolver } from './route-get';
import type { ForwardingAck, ForwardingStage, Speaker } from './speaker';

export { ipRouteGet, type InterfaceResolver } from './route-get';

export interface FibBridgeOptions {
  /** null: no FIB (mode none); the bridge still tracks tunnel liveness for graceful restart. */
  fib: Fib | null;
  neighbors: readonly NeighborConfig[];
  logger: Logger;
  /** Default: `ip [-n netns] -json route get ADDRESS`. */
  resolveInterface?: InterfaceResolver;
  /** The namespace the FIB programs (for the default resolver). */
  netns?: string;
  /** Called once per interface the FIB starts using (the daemon checks its host settings). */
  onInterface?: (ifname: string) => void;
}

export interface FibBridgeStats {
  batches: number;
  /** Prefixes handed to the FIB (installs, updates and removals). */
  prefixes: number;
  /** Kernel route writes and group membership changes the FIB reported. */
  routeOps: number;
  groupOps: number;
  errors: number;
  /** Paths not installable: no interface to their gateway, or an IPv6 route with an IPv4(-mapped) next hop. */
  skippedPaths: number;
}

interface Tunnel {
  config: NeighborConfig;
  /** Gateway -> NextHop (with its interface) for this tunnel; null: lookup failed (retried after RETRY_MS). */
  hops: Map<string, NextHop | { failedAt: number }>;
}

/** What the bridge asks the failover core (src/daemon/failover.ts) before writing a batch. */
export interface RoutesGate {
  /** The tunnel's session is back and its next hops wait for its routes. */
  awaitingRoutes(name: string): boolean;
  /** Its routes are about to be written: resolves once the tunnel is back in its groups. */
  routesArriving(names: readonly string[]): Promise<unknown>;
}

const RETRY_MS = 5000;
const NO_TIERS: NextHop[][] = [];

function countMissing(missing: Map<unknown, Set<string>>): number {
  let n = 0;
  for (const s of missing.values()) n += s.size;
  return n;
}

/** fe80::/10: meaningful on one link only. */
function isLinkLocal(address: string): boolean {
  const b = parseAddress(address);
  return b !== null && b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

function isIpv4Mapped(address: string): boolean {
  const b = parseAddress(address);
  if (!b || b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * A drained change as the FIB takes it: its prefix as numbers (IPv4 key, IPv6 words), the text made only if the FIB
 * reads it (error reports, pins, restart adoption, the ip -batch writer).
 */
class ChangeRoute implements FibRoute {
  constructor(
    private readonly change: RibChange,
    readonly tiers: NextHop[][],
    readonly words6: Uint32Array | undefined,
    readonly index6: number,
  ) {}
  /** The change's own (-1 for IPv6): a key passes 2^31, and a field of its own here would box it once more a route. */
  get key(): number {
    return this.change.key;
  }
  get prefix(): Prefix {
    return this.change.prefix;
  }
}

/**
 * Feeds the FIB from the speaker; nexthopDown/nexthopUp are the failover core's (it decides when, this only does).
 * Path -> NextHop: the tunnel is the neighbor's name; the gateway is the path's NEXT_HOP over eBGP, the neighbor's own
 * address over iBGP (the twin router); the interface comes from the neighbor's `interface:` or the kernel. Our
 * originated prefixes are never installed.
 */
export class FibBridge implements ForwardingStage {
  readonly fib: Fib | null;
  private readonly log: Logger;
  private gate: RoutesGate | undefined;
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly resolve: InterfaceResolver;
  private readonly seenInterfaces = new Set<string>();
  /** Route work in arrival order; tunnel up/down never waits here. */
  private chain: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<unknown>>();
  /** Tier lists by their next hops, so prefixes with the same paths share one array (the FIB caches by identity). */
  private tierCache = new Map<string, NextHop[][]>();
  /**
   * Tiers per Loc-RIB ranking (RibChange.ranking: interned, shared by every prefix with the same paths), for the
   * family: a full table is converted with one tiers computation per distinct ranking instead of per prefix. Dropped
   * whenever what a path resolves to may change (a tunnel's config or its gateways' interfaces).
   */
  private byRanking = { v4: new WeakMap<object, NextHop[][]>(), v6: new WeakMap<object, NextHop[][]>() };
  private readonly warned = new Set<string>();
  private closed = false;
  /** Shutting down: what the daemon's teardown does to sessions and liveness must not reach the kernel. */
  private detached = false;
  readonly stats: FibBridgeStats = { batches: 0, prefixes: 0, routeOps: 0, groupOps: 0, errors: 0, skippedPaths: 0 };

  constructor(private readonly opts: FibBridgeOptions) {
    this.fib = opts.fib;
    this.log = opts.logger.child({ component: 'fib' });
    this.resolve = opts.resolveInterface ?? ipRouteGet(opts.netns, this.log);
    for (const n of opts.neighbors) this.addTunnel(n);
  }

  /** A neighbor (re)configured: its next hops are looked up again. */
  private addTunnel(config: NeighborConfig): void {
    this.tunnels.set(config.name, { config, hops: new Map() });
    this.tierCache.clear();
    this.forgetRankings();
  }

  /** Subscribes to the speaker's events; call before speaker.start(). */
  attach(speaker: Speaker, opts: { advertiseAfterInstall?: boolean } = {}): void {
    // Forward before you advertise (convention 14): the speaker hands us each batch and waits for install().
    if (this.fib && opts.advertiseAfterInstall !== false) speaker.setForwardingStage(this);
    else speaker.on('rib-changes', (changes) => void this.install(changes));
    speaker.on('peer-up', (name) => this.peerUp(name));
    // Reload: a new or reset neighbor's routes are installed like the others (a removed one's leave as it goes down).
    speaker.on('neighbor-added', (n) => this.addTunnel(n.config));
  }

  /** The failover core, asked before a batch whether a returning tunnel's routes let it back in. */
  setGate(gate: RoutesGate): void {
    this.gate = gate;
  }

  // ---- the failover core's operations ----------------------------------------------------------------------

  /** Out of every nexthop group now (one kernel operation per group), whatever is queued; resolves once written. */
  nexthopDown(name: string, reason: string): Promise<void> {
    return this.setDown(name, true, reason);
  }

  /** Back into its groups. */
  nexthopUp(name: string, reason: string): Promise<void> {
    return this.setDown(name, false, reason);
  }

  /** Resolves when every batch so far has been written and every tunnel change issued. */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain;
      await Promise.all([...this.pending]);
      if (chain === this.chain && this.pending.size === 0) return;
    }
  }

  /**
   * Stops acting on speaker and liveness events: the daemon is stopping, and taking tunnels out of groups as its
   * sessions close would blackhole traffic that a graceful restart means to keep forwarding (RFC 4724 §4.1).
   */
  detach(): void {
    this.detached = true;
  }

  /** Stops taking work; waits for what was queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle().catch(() => undefined);
  }

  // ---- speaker events -----------------------------------------------------------------------------------

  private peerUp(name: string): void {
    const t = this.tunnels.get(name);
    if (!t || this.detached) return;
    // Interfaces may have changed while the session was down: look them up again.
    t.hops.clear();
    this.tierCache.clear();
    this.forgetRankings();
    if (!t.config.interface) void this.lookup(t, t.config.address);
  }

  /**
   * Writes a batch of Loc-RIB changes; resolves once the kernel has it, with the learned prefixes it does not hold
   * (refused by the kernel, or no usable next hop). Batches are written in the order given; never rejects.
   */
  install(changes: readonly RibChange[]): Promise<ForwardingAck> {
    if (this.closed || this.detached || changes.length === 0 || !this.fib) return Promise.resolve({ refused: [] });
    const done = this.chain.then(() => this.apply(changes));
    this.chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done.catch((err: unknown) => {
      this.log.error({ err }, 'FIB update failed');
      return { refused: [] };
    });
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private setDown(name: string, down: boolean, reason: string): Promise<void> {
    if (!this.fib || this.detached) return Promise.resolve();
    const started = performance.now();
    const p = (down ? this.fib.nexthopDown(name) : this.fib.nexthopUp(name)).then(
      (r) => {
        this.count(r);
        const ms = Math.round((performance.now() - started) * 10) / 10;
        this.log.info({ neighbor: name, reason, groupOps: r.groupOps, ms, errors: r.errors.length ? r.errors.slice(0, 3) : undefined }, down ? 'tunnel out of its nexthop groups' : 'tunnel back in its nexthop groups');
      },
      (err: unknown) => this.log.error({ err, neighbor: name }, `FIB nexthop${down ? 'Down' : 'Up'} failed`),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private async apply(changes: readonly RibChange[]): Promise<ForwardingAck> {
    const fib = this.fib!;
    const missing = new Map<Tunnel, Set<string>>();
    let routes = this.convert(changes, missing);
    if (missing.size > 0) {
      const lookups: Promise<unknown>[] = [];
      for (const [t, gateways] of missing) for (const g of gateways) lookups.push(this.lookup(t, g));
      await Promise.all(lookups);
      routes = this.convert(changes, undefined);
    }
    // Tunnels whose session came back: into their groups just before their first routes are written.
    const gate = this.gate;
    if (gate) {
      const back = [...this.tunnels.keys()].filter((name) => gate.awaitingRoutes(name) && this.mentions(routes, name));
      if (back.length > 0) await gate.routesArriving(back);
    }
    const r = await fib.replaceRoutes(routes);
    this.stats.batches++;
    this.stats.prefixes += routes.length;
    this.count(r);
    if (r.errors.length > 0) {
      this.log.warn({ errors: r.errors.length, first: r.errors.slice(0, 5), prefixes: routes.length }, 'FIB refused some routes');
    } else {
      this.log.debug({ prefixes: routes.length, routeOps: r.routeOps, ops: r.ops }, 'FIB updated');
    }
    // Learned best paths the kernel does not hold: no installable next hop, or a refused write.
    const refused: Prefix[] = [];
    for (let i = 0; i < changes.length; i++) {
      // The route's tiers first: nearly every route has some, and the change's best path is then never read (a getter
      // on an object long since promoted out of the young generation: 60 ns a prefix on an IPv6 table).
      if (routes[i].tiers.length > 0) continue;
      const best = changes[i].best;
      if (best && !best.peer.local) refused.push(changes[i].prefix);
    }
    if (r.errors.length > 0) {
      const learned = new Set(changes.filter((c) => c.best && !c.best.peer.local).map((c) => c.prefix));
      for (const e of r.errors) if (e.prefix !== undefined && learned.has(e.prefix)) refused.push(e.prefix);
    }
    return { refused };
  }

  private count(r: FibResult): void {
    this.stats.routeOps += r.routeOps;
    this.stats.groupOps += r.groupOps;
    this.stats.errors += r.errors.length;
  }

  private mentions(routes: FibRoute[], tunnel: string): boolean {
    const seen = new Set<NextHop[][]>();
    for (const r of routes) {
      if (r.tiers.length === 0 || seen.has(r.tiers)) continue;
      seen.add(r.tiers);
      for (const tier of r.tiers) for (const h of tier) if (h.tunnel === tunnel) return true;
    }
    return false;
  }

  /**
   * RibChanges to FibRoutes. With `missing`, gateways without a known interface are collected there (the caller
   * looks them up and converts again); without it they are left out of their tier.
   */
  private convert(changes: readonly RibChange[], missing: Map<Tunnel, Set<string>> | undefined): FibRoute[] {
    if (this.tierCache.size > 50_000) this.tierCache.clear();
    const out: FibRoute[] = new Array<FibRoute>(changes.length);
    // The IPv6 prefixes' words, one array for the batch: the FIB keys its table and the netlink requests on them.
    let v6 = 0;
    for (let i = 0; i < changes.length; i++) if (changes[i].key < 0) v6++;
    const words6 = v6 > 0 ? new Uint32Array(5 * v6) : undefined;
    let index6 = 0;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      const ranking = c.ranking;
      // key: IPv4's wire key, -1 for IPv6. The family comes from it, not from the text (made only if read).
      const ipv6 = c.key < 0;
      const memo = ipv6 ? this.byRanking.v6 : this.byRanking.v4;
      let tiers = ranking ? memo.get(ranking) : undefined;
      if (!tiers) {
        const unknownBefore = missing ? countMissing(missing) : 0;
        tiers = this.tiersOf(ipv6, c.tiers, missing);
        // A result with a gateway still being looked up is provisional: not remembered.
        if (ranking && (!missing || countMissing(missing) === unknownBefore)) memo.set(ranking, tiers);
      }
      if (ipv6 && words6 && c.ipv6WordsInto(words6, 5 * index6)) out[i] = new ChangeRoute(c, tiers, words6, index6++);
      else out[i] = new ChangeRoute(c, tiers, undefined, 0);
    }
    return out;
  }

  private forgetRankings(): void {
    this.byRanking = { v4: new WeakMap(), v6: new WeakMap() };
  }

  private tiersOf(v6: boolean, tiers: readonly (readonly Path[])[], missing: Map<Tunnel, Set<string>> | undefined): NextHop[][] {
    // Our own prefixes stay out of the FIB: the LAN route reaches them (a local path always ranks first).
    if (tiers.length === 0 || tiers[0][0].peer.local) return NO_TIERS;
    let key = '';
    const hopsPerTier: NextHop[][] = [];
    for (const tier of tiers) {
      const hops: NextHop[] = [];
      for (const path of tier) {
        if (path.peer.local) continue;
        const hop = this.hopOf(path, v6, missing);
        if (!hop) continue;
        hops.push(hop);
        key += hop.tunnel + '@' + hop.gateway + '%' + hop.ifname + ',';
      }
      if (hops.length === 0) continue;
      hopsPerTier.push(hops);
      key += '/';
    }
    if (hopsPerTier.length === 0) return NO_TIERS;
    const cached = this.tierCache.get(key);
    if (cached) return cached;
    this.tierCache.set(key, hopsPerTier);
    return hopsPerTier;
  }

  private hopOf(path: Path, v6: boolean, missing: Map<Tunnel, Set<string>> | undefined): NextHop | undefined {
    const t = this.tunnels.get(path.peer.key);
    if (!t) return undefined;
    const gateway = this.gatewayOf(t, path, v6);
    if (gateway === undefined) return undefined;
    const known = t.hops.get(gateway);
    if (known && 'tunnel' in known) return known;
    if (t.config.interface) {
      const hop = { tunnel: t.config.name, gateway, ifname: t.config.interface };
      t.hops.set(gateway, hop);
      this.forgetRankings();
      this.noteInterface(hop.ifname);
      return hop;
    }
    if (known && Date.now() - known.failedAt < RETRY_MS) {
      this.stats.skippedPaths++;
      return undefined;
    }
    if (missing) {
      let set = missing.get(t);
      if (!set) missing.set(t, (set = new Set()));
      set.add(gateway);
    } else {
      this.stats.skippedPaths++;
    }
    return undefined;
  }

  /** eBGP: the path's NEXT_HOP; iBGP (the twin router): the neighbor itself. Same family as the prefix, or none. */
  private gatewayOf(t: Tunnel, path: Path, v6: boolean): string | undefined {
    const sameFamily = (a: string) => a.includes(':') === v6 && !isIpv4Mapped(a);
    const nh = path.attrs.nextHop;
    const candidates = path.peer.ebgp ? [nh, t.config.address] : [t.config.address, nh];
    for (const c of candidates) if (c !== undefined && sameFamily(c)) return c;
    this.warnOnce(
      `family:${t.config.name}:${v6}`,
      { neighbor: t.config.name, nextHop: nh },
      `IPv${v6 ? 6 : 4} routes from ${t.config.name} have no IPv${v6 ? 6 : 4} next hop (${nh ?? 'none'}): not installed (the kernel cannot route IPv${v6 ? 6 : 4} via an IPv${v6 ? 4 : 6} nexthop object); set next-hop-ipv6 on the peer or run an IPv${v6 ? 6 : 4} session`,
    );
    this.stats.skippedPaths++;
    return undefined;
  }

  private async lookup(t: Tunnel, gateway: string): Promise<void> {
    try {
      // A link-local next hop (fe80::/10) belongs to the link the session runs over; the kernel's answer for the
      // address alone would be whichever interface it lists first. The session's own address names that link.
      const ifname = await this.resolve(isLinkLocal(gateway) ? t.config.address : gateway);
      t.hops.set(gateway, { tunnel: t.config.name, gateway, ifname });
      this.forgetRankings();
      this.warned.delete(`lookup:${gateway}`);
      this.noteInterface(ifname);
    } catch (err) {
      t.hops.set(gateway, { failedAt: Date.now() });
      this.forgetRankings();
      this.warnOnce(`lookup:${gateway}`, { neighbor: t.config.name, gateway, err: (err as Error).message }, `no interface reaches next hop ${gateway}: its routes are not installed until one does`);
    }
  }

  private noteInterface(ifname: string): void {
    if (this.seenInterfaces.has(ifname)) return;
    this.seenInterfaces.add(ifname);
    this.opts.onInterface?.(ifname);
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(obj, msg);
  }
}
