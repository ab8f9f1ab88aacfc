// What the per-neighbor policy reads from the daemon's configuration (a structural subset of
// src/config/types.ts NeighborConfig, so a validated neighbor can be passed as is), and its defaults.

import type { Prefix } from '../bgp/types';
import type { PrefixFilterInput } from './prefix-match';

export interface ImportPolicyConfig {
  /** When non-empty, only prefixes matching an entry are accepted. Empty/absent: all (subject to the rest). */
  allow?: readonly PrefixFilterInput[];
  /** Prefixes matching an entry are refused (checked before allow). */
  deny?: readonly PrefixFilterInput[];
  /** Accept 0.0.0.0/0 and ::/0 (default false). */
  allowDefault?: boolean;
  /** Accept routes equal to or covering a prefix we originate (default false). */
  allowOwn?: boolean;
  /** Accepted prefixes per family before the session is closed with Cease/1 (absent: no limit). */
  maxPrefixes?: number;
  /** Percent of maxPrefixes at which to warn (default 75 when maxPrefixes is set). */
  maxPrefixesWarning?: number;
  /**
   * RFC 8326 §4.1: lower LOCAL_PREF to 0 on routes carrying GRACEFUL_SHUTDOWN, so a peer that drains a tunnel
   * moves our traffic off it before the session closes. Default true.
   */
  honorGracefulShutdown?: boolean;
}

export interface ExportPolicyConfig {
  /** Learned routes re-advertised to this neighbor (e.g. far-side prefixes to a LAN router or iBGP twin). */
  learned?: readonly PrefixFilterInput[];
  /** Prefixes never advertised to this neighbor, originated ones included. */
  deny?: readonly PrefixFilterInput[];
  /** RFC 1997 communities (32-bit wire values) added to everything sent. */
  communities?: readonly number[];
  /** RFC 8092 large communities added to everything sent. */
  largeCommunities?: readonly (readonly [number, number, number])[];
  /** MULTI_EXIT_DISC set on everything sent (RFC 4271 §5.1.4), replacing any MED the route had. */
  med?: number;
}

export interface NeighborPolicyConfig {
  name: string;
  remoteAsn: number;
  /** Default: remoteAsn equals our ASN. */
  ibgp?: boolean;
  role?: 'primary' | 'backup';
  /** Extra copies of our ASN on eBGP export, on top of the one always added. Default 0 (primary), 2 (backup). */
  prepend?: number;
  /** LOCAL_PREF set on import (eBGP; iBGP keeps the twin's value when it sent one). Default 100 (primary), 50 (backup). */
  localPref?: number;
  import?: ImportPolicyConfig;
  export?: ExportPolicyConfig;
}

export interface RouterPolicyConfig {
  asn: number;
  /** Prefixes this router originates (canonical or any text form). */
  originate: readonly Prefix[];
}

export const POLICY_DEFAULTS = Object.freeze({
  localPref: 100,
  /** A backup is backup in both directions: the far side sees prepends, we prefer the primary's routes. */
  localPrefBackup: 50,
  prependPrimary: 0,
  prependBackup: 2,
  maxPrefixesWarning: 75,
});

export function isIbgp(cfg: NeighborPolicyConfig, router: RouterPolicyConfig): boolean {
  return cfg.ibgp ?? cfg.remoteAsn === router.asn;
}

/** The LOCAL_PREF given on import to routes from this neighbor when none was configured. */
export function configuredLocalPref(cfg: Pick<NeighborPolicyConfig, 'localPref' | 'role'>): number {
  return cfg.localPref ?? (cfg.role === 'backup' ? POLICY_DEFAULTS.localPrefBackup : POLICY_DEFAULTS.localPref);
}

export function configuredPrepend(cfg: NeighborPolicyConfig): number {
  return cfg.prepend ?? (cfg.role === 'backup' ? POLICY_DEFAULTS.prependBackup : POLICY_DEFAULTS.prependPrimary);
}
