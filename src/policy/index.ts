// Per-neighbor policy built from the daemon's configuration: the import side feeds AdjRibIn, the export
// side AdjRibOut; plus keeping the Loc-RIB's originated prefixes in step with the config (RFC 4271 §9.4).

import { canonicalPrefix } from '../bgp/prefix';
import type { Prefix } from '../bgp/types';
import type { LocRib } from '../rib/loc-rib';
import type { NeighborPolicyConfig, RouterPolicyConfig } from './config';
import type { LocalNextHops } from './export';
import { ExportPolicy } from './export';
import { ImportPolicy } from './import';

export * from './config';
export * from './export';
export * from './import';
export { parsePrefixFilter, PrefixList, OwnPrefixes } from './prefix-match';
export type { CompiledFilter, PrefixFilterInput } from './prefix-match';

export interface NeighborPolicy {
  importPolicy: ImportPolicy;
  exportPolicy: ExportPolicy;
}

/** Builds both directions of a neighbor's policy; throws PrefixError on a bad filter or prefix. */
export function buildNeighborPolicy(cfg: NeighborPolicyConfig, router: RouterPolicyConfig, nextHops: LocalNextHops = {}): NeighborPolicy {
  return { importPolicy: new ImportPolicy(cfg, router), exportPolicy: new ExportPolicy(cfg, router, nextHops) };
}

/**
 * Makes the Loc-RIB originate exactly `next` (config load or reload): originates the new prefixes and
 * withdraws those no longer listed. Returns the canonical list to pass as `previous` next time.
 */
export function syncOriginated(locRib: LocRib, previous: readonly Prefix[], next: readonly Prefix[]): Prefix[] {
  const want = new Set(next.map((p) => canonicalPrefix(p)));
  for (const p of previous) {
    const c = canonicalPrefix(p);
    if (!want.has(c)) locRib.unoriginate(c);
  }
  for (const p of want) if (!locRib.get(p)?.paths.some((x) => x.peer.local)) locRib.originate(p);
  return [...want];
}
