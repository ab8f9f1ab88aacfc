// FIB input/output model shared by the memory FIB, the Linux FIB and their callers (RIB, daemon, status).
// Architecture convention 9 (prefix-independent failover); the RIB hands over per-prefix tiers of next hops.

import type { Prefix } from '../bgp/types';
import type { PrefixNumbers } from './dataplane';

/** One way out: a tunnel's peer address reached over an interface. */
export interface NextHop {
  /** Failure domain: nexthopDown/nexthopUp name this (an interface or tunnel id). */
  tunnel: string;
  /** The peer's tunnel address (IPv4 or IPv6, same family as the prefix). */
  gateway: string;
  /** Interface the gateway is reached over. */
  ifname: string;
}

/**
 * A prefix and its next hops in preference order: tiers[0] is the ECMP set of best paths,
 * tiers[1] the next-best set (e.g. the backup-ISP tunnels), and so on. An empty list (or only
 * empty tiers) means "no route": the prefix is removed.
 */
export interface FibRoute extends PrefixNumbers {
  /**
   * The prefix. A route from the RIB has its numbers too (key: RibChange.key; words6 / index6) and makes this text
   * only when read: the FIB takes the numbers on its way to the kernel.
   */
  readonly prefix: Prefix;
  tiers: NextHop[][];
}

/** Stable error codes of FIB operations (architecture convention 3). */
export type FibErrorCode =
  | 'FIB_BAD_ROUTE' // a route the FIB cannot express (family mismatch, bad address)
  | 'FIB_KERNEL_REJECTED' // the kernel (or the memory kernel) refused one operation
  | 'FIB_IP_EXITED' // the ip -batch child died; the batch's outcome is unknown
  | 'FIB_ID_CONFLICT' // a nexthop id in our range belongs to another protocol
  | 'FIB_CLOSED';

export interface FibIssue {
  code: FibErrorCode;
  message: string;
  prefix?: Prefix;
  /** The kernel operation, as an ip batch line or its memory equivalent. */
  op?: string;
}

export class FibError extends Error {
  constructor(
    readonly code: FibErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FibError';
  }
}

/** What one FIB call did. Kernel failures are reported here, not thrown: the rest of the work still happened. */
export interface FibResult {
  /** Kernel operations issued (each nexthop/group/route add, replace or delete is one). */
  ops: number;
  /** Of those, nexthop group membership replacements (the failover operations). */
  groupOps: number;
  /** Routes whose kernel entry was written (added, replaced or deleted). */
  routeOps: number;
  errors: FibIssue[];
}

export interface ReconcileOptions {
  /**
   * What to do with our routes and nexthop objects found in the kernel that the FIB does not (yet)
   * want: 'remove' deletes them now; 'keep' adopts them as stale (they keep forwarding, and objects
   * matching later routes are reused) until sweepStale() is called, e.g. after a restart.
   */
  stale?: 'remove' | 'keep';
}

export interface ReconcileReport extends FibResult {
  /** Our routes found in the kernel. */
  kernelRoutes: number;
  /** Routes found in the kernel that the FIB did not want: removed, or kept as stale. */
  staleRoutes: number;
  /** Our nexthop objects (by protocol) found in the kernel that the FIB did not know. */
  staleObjects: number;
  /** Routes/objects the FIB wanted that were missing or different in the kernel, now rewritten. */
  repaired: number;
}

export interface NextHopSnapshot {
  id: number;
  tunnel: string;
  gateway: string;
  ifname: string;
  /** The tunnel is not marked down. */
  up: boolean;
  /** The kernel object exists (it cannot while its interface has no carrier). */
  present: boolean;
}

export interface GroupSnapshot {
  /** Kernel nexthop id the group's routes point at (a group object, or a single nexthop object). */
  id: number;
  kind: 'group' | 'single';
  family: 4 | 6;
  tiers: NextHop[][];
  /** Index of the tier now forwarding; -1 when no next hop is usable (traffic is dropped). */
  activeTier: number;
  /** Next hops the kernel group holds now (empty when blackholed). */
  active: NextHop[];
  routes: number;
}

export interface FibSnapshot {
  nexthops: NextHopSnapshot[];
  groups: GroupSnapshot[];
  /** Per prefix: the kernel nhid it points at, or 0 when it is not in the kernel. Omitted with { routes: false }. */
  routes?: Map<Prefix, { nhid: number; groupId: number }>;
  routeCount: number;
  installedCount: number;
  staleRoutes: number;
  downTunnels: string[];
}

/**
 * The FIB as the daemon uses it. Calls are serialized per kind: route changes queue behind each
 * other, while nexthopDown/nexthopUp are issued at once, ahead of queued per-prefix work.
 */
export interface Fib {
  /** Installs or updates these prefixes (upsert); unchanged prefixes cost nothing. */
  replaceRoutes(routes: FibRoute[]): Promise<FibResult>;
  removeRoutes(prefixes: Prefix[]): Promise<FibResult>;
  /** The tunnel is down: removed from every group holding it, one kernel operation per group. */
  nexthopDown(tunnel: string): Promise<FibResult>;
  nexthopUp(tunnel: string): Promise<FibResult>;
  /** Reads the kernel and makes it match the FIB; at start this adopts or removes a previous run's state. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport>;
  /** Removes the stale routes and objects that reconcile({ stale: 'keep' }) adopted and nobody claimed. */
  sweepStale(): Promise<FibResult>;
  snapshot(options?: { routes?: boolean }): FibSnapshot;
  /** Stops child processes; with flush, removes everything the FIB installed first. */
  close(options?: { flush?: boolean }): Promise<void>;
}
