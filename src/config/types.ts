// The daemon's validated configuration (camelCase, every default filled in): what the YAML file means.
// The YAML keys are kebab-case; docs/configuration.md documents each field. No RFC here, only our own contract.

import type { Family, Prefix } from '../bgp/types';
import type { LivenessConfig } from './liveness';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export type NeighborRole = 'primary' | 'backup';

/**
 * A prefix filter entry: `prefix` matches itself only, unless ge/le widen it to more-specifics whose
 * length lies in ge..le (as in FRR prefix-lists). "10.0.0.0/8 le 24" => { prefix: '10.0.0.0/8', le: 24 }.
 */
export interface PrefixFilter {
  prefix: Prefix;
  ge?: number;
  le?: number;
}

export interface RouterConfig {
  asn: number;
  /** Dotted quad (RFC 6286 still requires a 4-octet identifier, written as IPv4). */
  routerId: string;
  /** Addresses to accept BGP connections on; see resolveListen() for the default. */
  listen: string[];
  /** True when `listen` came from the defaults rather than the file. */
  listenDefaulted: boolean;
  port: number;
}

export interface ControlConfig {
  socket: string;
  /** Group allowed to use the control socket besides root; absent = root only. */
  group?: string;
}

export interface RibConfig {
  maxPaths: number;
  keepPrePolicy: boolean;
}

export interface ImportConfig {
  allow: PrefixFilter[];
  deny: PrefixFilter[];
  allowDefault: boolean;
  allowOwn: boolean;
  /** Absent = no limit. */
  maxPrefixes?: number;
  /** Percent of maxPrefixes at which a warning is logged (default 75 when maxPrefixes is set). */
  maxPrefixesWarning?: number;
}

export interface ExportConfig {
  /** Learned routes re-advertised to this neighbor (originated prefixes are always exported). */
  learned: PrefixFilter[];
  /** RFC 1997 communities as unsigned 32-bit numbers (ASN << 16 | value), the wire form. */
  communities: number[];
  /** RFC 8092 large communities. */
  largeCommunities: [number, number, number][];
  /** MULTI_EXIT_DISC put on every route sent (RFC 4271 §5.1.4): a provider that compares MED takes the lowest. */
  med?: number;
}

export interface GracefulRestartConfig {
  enabled: boolean;
  /** Seconds, 1..4095 (12 bits in the capability, RFC 4724 §3). */
  restartTime: number;
}

export interface NeighborConfig {
  name: string;
  /** Canonical text of the peer's address. */
  address: string;
  addressFamily: 'ipv4' | 'ipv6';
  localAddress?: string;
  remoteAsn: number;
  /** remoteAsn === router.asn. */
  ibgp: boolean;
  passive: boolean;
  port: number;
  /** Seconds; 0 disables keepalives and the hold timer (RFC 4271 §4.2). */
  holdTime: number;
  /** Seconds; default holdTime / 3 rounded down (0 when holdTime is 0). */
  keepalive: number;
  connectRetry: number;
  role: NeighborRole;
  /** Extra copies of our ASN on export (on top of the one eBGP always adds). */
  prepend: number;
  localPref: number;
  families: Family[];
  nextHopIpv6?: string;
  import: ImportConfig;
  export: ExportConfig;
  gracefulRestart: GracefulRestartConfig;
  shutdownMessage?: string;
  /** BFD or probe liveness of the tunnel (src/config/liveness.ts); absent: none. */
  liveness?: LivenessConfig;
  /** Interface the peer is reached over (the FIB's next-hop device); absent = looked up with `ip route get`. */
  interface?: string;
}

/** Operator events an alert can be sent for (docs/operations.md). */
export const ALERT_EVENTS = ['failover', 'outage', 'demotion', 'session-down', 'session-up', 'drain', 'reload'] as const;
export type AlertEventType = (typeof ALERT_EVENTS)[number];

export interface MetricsConfig {
  /** TCP address of the Prometheus endpoint; absent = no endpoint. */
  listen?: { host: string; port: number };
}

export interface AlertsConfig {
  /** Run with the event JSON on stdin: a string goes through /bin/sh -c, a list is argv. */
  command?: string | string[];
  /** POSTed the event JSON. */
  url?: string;
  timeoutMs: number;
  events: AlertEventType[];
}

export interface StopConfig {
  /** On SIGTERM leave as for a graceful restart (RFC 4724): no NOTIFICATION, kernel routes stay. */
  gracefulRestart: boolean;
}

/**
 * Where routes go: 'kernel' (Linux nexthop groups, src/fib), 'memory' (no kernel; tests and dry runs), 'none',
 * or 'auto' (kernel when the daemon runs as root on Linux, else none; resolved by runDaemon at start).
 */
export type FibMode = 'auto' | 'kernel' | 'memory' | 'none';

export interface FibConfig {
  mode: FibMode;
  /** Kernel routing table (254 = main). */
  table: number;
  /** Route and nexthop protocol number that marks what bgpfo owns. */
  protocol: number;
  metric: number;
  /** Program this network namespace instead of the daemon's own. */
  netns?: string;
  /** Set wrong host sysctls at start (true) or only report them (false). */
  applySysctls: boolean;
  /**
   * When a learned route is advertised: once the kernel holds it (after-install, the default: peers never send
   * traffic we cannot forward yet) or as soon as it is selected (at-once). Ignored with mode none.
   */
  advertise: 'after-install' | 'at-once';
  /** On a clean stop, put back the sysctls this run changed (not on a graceful-restart stop). */
  restoreSysctls: boolean;
}

export interface DaemonConfig {
  router: RouterConfig;
  originate: Prefix[];
  control: ControlConfig;
  log: { level: LogLevel };
  rib: RibConfig;
  neighbors: NeighborConfig[];
  metrics: MetricsConfig;
  alerts: AlertsConfig;
  stop: StopConfig;
  fib: FibConfig;
}

export const DEFAULTS = {
  port: 179,
  controlSocket: '/run/bgpfo/bgpfo.sock',
  logLevel: 'info' as LogLevel,
  maxPaths: 8,
  keepPrePolicy: true,
  holdTime: 90,
  connectRetry: 5,
  localPref: 100,
  prependPrimary: 0,
  prependBackup: 2,
  families: ['ipv4-unicast', 'ipv6-unicast'] as Family[],
  maxPrefixesWarning: 75,
  restartTime: 120,
  alertTimeoutMs: 5000,
  alertEvents: ['failover', 'outage', 'demotion', 'session-down', 'session-up'] as AlertEventType[],
  fibMode: 'auto' as FibMode,
  fibTable: 254,
  fibProtocol: 201,
  fibMetric: 20,
} as const;
