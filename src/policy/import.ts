// Import policy of one neighbor: loop detection (RFC 4271 §9.1.2), default/own-prefix refusal, prefix
// filters, LOCAL_PREF (RFC 4271 §5.1.5, RFC 8326 graceful shutdown); max-prefix limits read by the AdjRibIn.

import type { Prefix } from '../bgp/types';
import { isDefaultRoute } from '../bgp/prefix';
import { refLength } from '../bgp/prefix-table';
import type { RouteAttrs } from '../rib/attrs';
import { asPathContains, COMMUNITY_GRACEFUL_SHUTDOWN, hasCommunity, internAttrs } from '../rib/attrs';
import type { ImportFilter } from '../rib/adj-rib-in';
import type { NeighborPolicyConfig, RouterPolicyConfig } from './config';
import { configuredLocalPref, isIbgp, POLICY_DEFAULTS } from './config';
import type { CompiledFilter } from './prefix-match';
import { OwnPrefixes, PrefixList } from './prefix-match';

/** Refusal reasons are constants or built once per filter entry: refusing 1M prefixes allocates no strings. */
export const REFUSED_DEFAULT = 'default route refused (allow-default is off)';
export const REFUSED_NOT_ALLOWED = 'not matched by any import allow filter';

export class ImportPolicy implements ImportFilter {
  readonly maxPrefixes: number | undefined;
  readonly maxPrefixesWarning: number | undefined;
  private readonly localAsn: number;
  private readonly ibgp: boolean;
  private readonly localPref: number;
  private readonly honorGshut: boolean;
  private readonly allowDefault: boolean;
  private readonly allowOwn: boolean;
  private readonly allow: PrefixList;
  private readonly deny: PrefixList;
  private readonly denyReasons = new Map<CompiledFilter, string>();
  private readonly own: OwnPrefixes;
  private readonly ownReasons = new Map<Prefix, string>();
  private readonly loopReason: string;
  /** Attribute verdicts by input set: an UPDATE stream repeats one set for many prefixes. */
  private readonly verdicts = new WeakMap<RouteAttrs, RouteAttrs | string>();
  private lastIn: RouteAttrs | undefined;
  private lastOut: RouteAttrs | string = '';

  constructor(cfg: NeighborPolicyConfig, router: RouterPolicyConfig) {
    const imp = cfg.import ?? {};
    this.localAsn = router.asn;
    this.ibgp = isIbgp(cfg, router);
    this.localPref = configuredLocalPref(cfg);
    this.honorGshut = imp.honorGracefulShutdown ?? true;
    this.allowDefault = imp.allowDefault ?? false;
    this.allowOwn = imp.allowOwn ?? false;
    this.allow = new PrefixList(imp.allow);
    this.deny = new PrefixList(imp.deny);
    for (const e of this.deny.entries) this.denyReasons.set(e, `denied by import filter "${e.text}"`);
    this.own = new OwnPrefixes(this.allowOwn ? [] : router.originate);
    for (const p of this.own.prefixes) this.ownReasons.set(p, `equals or covers our own prefix ${p} (allow-own is off)`);
    this.loopReason = `AS_PATH contains our AS ${router.asn} (loop)`;
    this.maxPrefixes = imp.maxPrefixes;
    this.maxPrefixesWarning = imp.maxPrefixes === undefined ? undefined : (imp.maxPrefixesWarning ?? POLICY_DEFAULTS.maxPrefixesWarning);
  }

  importRoute(prefix: Prefix, attrs: RouteAttrs): RouteAttrs | string {
    const verdict = this.attrVerdict(attrs);
    if (typeof verdict === 'string') return verdict;
    const isDefault = isDefaultRoute(prefix);
    if (isDefault && !this.allowDefault) return REFUSED_DEFAULT;
    // The default route covers everything; it is governed by allow-default alone.
    if (!isDefault && !this.allowOwn) {
      const own = this.own.coveredBy(prefix);
      if (own !== undefined) return this.ownReasons.get(own)!;
    }
    const denied = this.deny.match(prefix);
    if (denied) return this.denyReasons.get(denied)!;
    if (this.allow.size > 0 && !this.allow.match(prefix)) return REFUSED_NOT_ALLOWED;
    return verdict;
  }

  /**
   * importRoute() for a prefix given as a number ref of the prefix tables (an IPv4 wire key, or an IPv6 ref into the
   * bound words: PrefixRef): the same verdicts, no text.
   */
  importRef(ref: number, attrs: RouteAttrs): RouteAttrs | string {
    const verdict = this.attrVerdict(attrs);
    if (typeof verdict === 'string') return verdict;
    // Host bits are clear in a ref, so length 0 is 0.0.0.0/0 or ::/0.
    const isDefault = refLength(ref) === 0;
    if (isDefault && !this.allowDefault) return REFUSED_DEFAULT;
    if (!isDefault && !this.allowOwn) {
      const own = this.own.coveredByRef(ref);
      if (own !== undefined) return this.ownReasons.get(own)!;
    }
    const denied = this.deny.matchRef(ref);
    if (denied) return this.denyReasons.get(denied)!;
    if (this.allow.size > 0 && !this.allow.matchRef(ref)) return REFUSED_NOT_ALLOWED;
    return verdict;
  }

  /** The part of the decision that depends on the attributes only, memoized per interned set. */
  private attrVerdict(attrs: RouteAttrs): RouteAttrs | string {
    if (attrs === this.lastIn) return this.lastOut;
    let v = this.verdicts.get(attrs);
    if (v === undefined) {
      v = this.computeVerdict(attrs);
      this.verdicts.set(attrs, v);
    }
    this.lastIn = attrs;
    this.lastOut = v;
    return v;
  }

  private computeVerdict(attrs: RouteAttrs): RouteAttrs | string {
    if (asPathContains(attrs, this.localAsn)) return this.loopReason;
    let lp = this.ibgp && attrs.localPref !== undefined ? attrs.localPref : this.localPref;
    if (this.honorGshut && hasCommunity(attrs, COMMUNITY_GRACEFUL_SHUTDOWN)) lp = 0;
    return attrs.localPref === lp ? attrs : internAttrs({ ...attrs, localPref: lp });
  }
}
