// The kernel as the FIB engine sees it: a list of nexthop/route operations and what can be read back.
// Two implementations: the Linux one (ip -batch, src/fib/linux-dataplane.ts) and the memory kernel for tests.

import type { Prefix } from '../bgp/types';
import type { IpFamily } from './tiers';

/**
 * One kernel operation. Nexthop ops are "replace" (create or change, like `ip nexthop replace`);
 * a group's members are nexthop object ids. Route ops go to the FIB's table with its protocol and metric.
 */
export type KernelOp =
  | { kind: 'nh'; id: number; gateway: string; ifname: string }
  | { kind: 'blackhole'; id: number; family: IpFamily }
  | { kind: 'group'; id: number; members: number[] }
  | { kind: 'nh-del'; id: number }
  | ({ kind: 'route-add'; prefix: Prefix; nhid: number } & PrefixNumbers)
  | ({ kind: 'route-replace'; prefix: Prefix; nhid: number } & PrefixNumbers)
  /** metric: only when deleting a stale route written with another metric. */
  | { kind: 'route-del'; prefix: Prefix; metric?: number };

/**
 * A route write's prefix as numbers, when the FIB has them (FibRoute key / words6): the netlink writer encodes them
 * without reading `prefix`, which may then be text made only when read (error reports, the ip -batch writer).
 */
export interface PrefixNumbers {
  /** IPv4: address * 64 + length; absent or -1 otherwise. */
  readonly key?: number;
  /** IPv6: the prefix is the index6-th of these words (four address words and the length each). */
  readonly words6?: Uint32Array;
  readonly index6?: number;
}

/** An operation the kernel refused: its index in the applied list and the kernel's words. */
export interface OpFailure {
  index: number;
  message: string;
}

/** A nexthop object as read back from the kernel. */
export interface KernelObject {
  id: number;
  /** Created with our protocol number. */
  ours: boolean;
  gateway?: string;
  ifname?: string;
  blackhole?: boolean;
  group?: number[];
}

/** One of our routes (our protocol, our table) as read back from the kernel. */
export interface KernelRoute {
  prefix: Prefix;
  /** 0 when the route does not use a nexthop object (someone wrote it by hand with our protocol). */
  nhid: number;
  metric: number;
}

export interface Dataplane {
  /** The metric our routes are written with; our routes read back with another one are stale. */
  readonly metric: number;
  /** Applies nexthop-object operations in order; they never wait behind route batches. */
  applyObjects(ops: KernelOp[]): Promise<OpFailure[]>;
  /** Applies route operations in order. */
  applyRoutes(ops: KernelOp[]): Promise<OpFailure[]>;
  /** All nexthop objects in the namespace (any protocol, so that conflicts in our id range show). */
  readObjects(): Promise<KernelObject[]>;
  /** Our routes in our table, both families. */
  readRoutes(): Promise<KernelRoute[]>;
  /**
   * Interface usability changes. The kernel silently deletes every nexthop object on an interface
   * that goes down or loses carrier (no RTM_DELNEXTHOP is sent), together with groups left empty
   * and the routes using them; the engine mirrors that from these events.
   */
  onLink(listener: (ifname: string, usable: boolean) => void): void;
  /** The op in the dataplane's own words (an ip batch line), for error reports. */
  describe(op: KernelOp): string;
  close(): Promise<void>;
}
