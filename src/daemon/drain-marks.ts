// Run-time policy marks on one neighbor, kept per source (drain, demotion...) so each can be added and taken back
// without undoing another's: extra prepends and communities on export, a forced LOCAL_PREF on import (RFC 8326 §4).

import type { Prefix } from '../bgp/types';
import type { DynamicExportSettings } from '../policy';
import { COMMUNITY_GRACEFUL_SHUTDOWN, internAttrs, type RouteAttrs } from '../rib/attrs';
import type { ImportFilter } from '../rib/adj-rib-in';
import { importByRef } from '../rib/adj-rib-in';

/** What one source wants on a neighbor. Absent fields: no change. */
export interface PolicyMark {
  /** Copies of our ASN added on eBGP export (the sources' values add up). */
  extraPrepend?: number;
  /** RFC 1997 communities (32-bit wire values) added to everything sent. */
  communities?: readonly number[];
  largeCommunities?: readonly (readonly [number, number, number])[];
  /** LOCAL_PREF forced on the routes learned from the neighbor (the lowest of the sources wins). */
  importLocalPref?: number;
}

/** The marks of a drained neighbor: RFC 8326 §4.1 community, three more copies of our AS, LOCAL_PREF 0 inbound. */
export const DRAIN_MARK: PolicyMark = Object.freeze({ extraPrepend: 3, communities: [COMMUNITY_GRACEFUL_SHUTDOWN], importLocalPref: 0 });
/** The marks source names on a neighbor (Neighbor.setMarks). */
export const DRAIN_SOURCE = 'drain';
export const DEMOTION_MARK = 'demotion';
/** RFC 8203 text of the Cease sent when a drain takes a session down. */
export const DRAIN_SHUTDOWN_MESSAGE = 'bgpfo drain: maintenance';

/** How a neighbor re-applied its import policy: not at all, from the pre-policy copy, or by ROUTE-REFRESH. */
export type ReapplyResult = 'none' | 'soft' | 'refresh';

/** An import policy with LOCAL_PREF forced to one value on everything it accepts (memoized per attribute set). */
export class LocalPrefOverride implements ImportFilter {
  private readonly memo = new WeakMap<RouteAttrs, RouteAttrs>();
  constructor(
    readonly base: ImportFilter,
    readonly localPref: number,
  ) {}

  get maxPrefixes(): number | undefined {
    return this.base.maxPrefixes;
  }

  get maxPrefixesWarning(): number | undefined {
    return this.base.maxPrefixesWarning;
  }

  importRoute(prefix: Prefix, attrs: RouteAttrs): RouteAttrs | string {
    return this.override(this.base.importRoute(prefix, attrs));
  }

  importRef(ref: number, attrs: RouteAttrs): RouteAttrs | string {
    return this.override(importByRef(this.base, ref, attrs));
  }

  private override(r: RouteAttrs | string): RouteAttrs | string {
    if (typeof r === 'string' || r.localPref === this.localPref) return r;
    let out = this.memo.get(r);
    if (!out) {
      out = internAttrs({ ...r, localPref: this.localPref });
      this.memo.set(r, out);
    }
    return out;
  }
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

export class PolicyMarks {
  private readonly bySource = new Map<string, PolicyMark>();
  private cached: { base: ImportFilter; lp: number; filter: LocalPrefOverride } | undefined;

  /** Sets or (null) clears a source's mark; says which direction changed. */
  set(source: string, mark: PolicyMark | null): { exportChanged: boolean; importChanged: boolean } {
    const beforeExport = this.exportSettings();
    const beforeLp = this.importLocalPref();
    if (mark === null) this.bySource.delete(source);
    else this.bySource.set(source, { ...mark });
    const after = this.exportSettings();
    return {
      exportChanged:
        after.extraPrepend !== beforeExport.extraPrepend ||
        !sameList(after.communities, beforeExport.communities) ||
        !sameList(after.largeCommunities, beforeExport.largeCommunities),
      importChanged: this.importLocalPref() !== beforeLp,
    };
  }

  get(source: string): PolicyMark | undefined {
    return this.bySource.get(source);
  }

  get sources(): string[] {
    return [...this.bySource.keys()];
  }

  /** The merged export settings (ExportPolicy.setDynamic): prepends add up, communities are united in source order. */
  exportSettings(): DynamicExportSettings {
    let extraPrepend = 0;
    const communities: number[] = [];
    const large: [number, number, number][] = [];
    for (const m of this.bySource.values()) {
      extraPrepend += m.extraPrepend ?? 0;
      for (const c of m.communities ?? []) if (!communities.includes(c)) communities.push(c);
      for (const c of m.largeCommunities ?? []) if (!large.some((x) => x[0] === c[0] && x[1] === c[1] && x[2] === c[2])) large.push([c[0], c[1], c[2]]);
    }
    return { extraPrepend, communities, largeCommunities: large };
  }

  /** The forced LOCAL_PREF, when a source sets one (the lowest). */
  importLocalPref(): number | undefined {
    let lp: number | undefined;
    for (const m of this.bySource.values()) if (m.importLocalPref !== undefined) lp = lp === undefined ? m.importLocalPref : Math.min(lp, m.importLocalPref);
    return lp;
  }

  /** The import filter to use: base itself, or base with the forced LOCAL_PREF (the same object while unchanged). */
  importFilter(base: ImportFilter): ImportFilter {
    const lp = this.importLocalPref();
    if (lp === undefined) return base;
    if (this.cached?.base !== base || this.cached.lp !== lp) this.cached = { base, lp, filter: new LocalPrefOverride(base, lp) };
    return this.cached.filter;
  }
}
