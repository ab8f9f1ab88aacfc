// Probe-mode steering (issue 3 item 5): when a tunnel dies in probe mode, its far side keeps sending into it until its
// own hold timer expires (AWS 30 s, Azure 180 s). More-specific halves (/n+1) of our prefixes, advertised over the
// surviving sessions to the same far AS, win there by longest match at once; they go when the tunnel is back.

import { formatPrefix, parsePrefix } from '../bgp/prefix';
import type { Prefix } from '../bgp/types';
import type { LocRib } from '../rib';

/** A session as steering sees it. */
export interface SteeringSession {
  name: string;
  remoteAsn: number;
  ebgp: boolean;
  /** Established and its tunnel not down: it can carry the halves. */
  alive: boolean;
  /** It advertises this prefix now (originated or passed on; export policy, negotiated family). */
  exports(prefix: Prefix): boolean;
}

/** A tunnel that died in probe mode with steering on. */
export interface DeadTunnel {
  name: string;
  remoteAsn: number;
  /** The prefixes we advertised over it when it died: originated ones and learned ones we pass on. */
  affected: readonly Prefix[];
}

export interface SteeringPlan {
  /** Each half and the sessions it goes to. */
  halves: Map<Prefix, Set<string>>;
  /** Prefixes (or halves) not steered, and why. */
  skipped: { tunnel: string; prefix: Prefix; why: string }[];
}

/** The two halves of a prefix, or undefined for a host route (/32, /128), which cannot be split. */
export function halvesOf(prefix: Prefix): [Prefix, Prefix] | undefined {
  const p = parsePrefix(prefix, false);
  if (p.length >= p.bytes.length * 8) return undefined;
  const length = p.length + 1;
  const low = { ...p, length, bytes: p.bytes.slice() };
  const high = { ...p, length, bytes: p.bytes.slice() };
  high.bytes[p.length >> 3] |= 0x80 >> (p.length & 7);
  return [formatPrefix(low), formatPrefix(high)];
}

/**
 * Which halves to advertise where. Survivors of a dead tunnel are the other live eBGP sessions to the same far AS
 * (the far side that had the dead tunnel's routes) that advertise the parent prefix; a parent nobody survives for is
 * not split (the guard: more-specifics only help if some session carries them). A half that we originate anyway is
 * left alone. Halves of several dead tunnels merge.
 */
export function planSteering(
  dead: readonly DeadTunnel[],
  sessions: readonly SteeringSession[],
  originated: ReadonlySet<Prefix>,
  /** A half some peer already gives us: originating it would take it from the kernel FIB (local routes are not installed). */
  learned: (prefix: Prefix) => boolean = () => false,
): SteeringPlan {
  const halves = new Map<Prefix, Set<string>>();
  const skipped: SteeringPlan['skipped'] = [];
  const deadNames = new Set(dead.map((d) => d.name));
  for (const d of dead) {
    const survivors = sessions.filter((s) => !deadNames.has(s.name) && s.alive && s.ebgp && s.remoteAsn === d.remoteAsn);
    for (const parent of d.affected) {
      const h = halvesOf(parent);
      if (!h) {
        skipped.push({ tunnel: d.name, prefix: parent, why: 'a host route cannot be split into halves' });
        continue;
      }
      const targets = survivors.filter((s) => s.exports(parent)).map((s) => s.name);
      if (targets.length === 0) {
        skipped.push({ tunnel: d.name, prefix: parent, why: `no surviving session to AS ${d.remoteAsn} advertises it` });
        continue;
      }
      for (const half of h) {
        if (originated.has(half)) {
          skipped.push({ tunnel: d.name, prefix: half, why: 'originated by configuration already' });
          continue;
        }
        if (learned(half)) {
          skipped.push({ tunnel: d.name, prefix: half, why: 'learned from a peer already' });
          continue;
        }
        const set = halves.get(half) ?? new Set<string>();
        for (const t of targets) set.add(t);
        halves.set(half, set);
      }
    }
  }
  return { halves, skipped };
}

export interface SteeringChanges {
  added: Prefix[];
  removed: Prefix[];
  /** Still advertised, to another set of sessions. */
  retargeted: Prefix[];
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * The halves in force: originated into the Loc-RIB (so they flow through the normal export path, next hops and
 * prepends included) and vetoed towards every session that is not one of their targets (Neighbor.exportVeto).
 */
export class Steering {
  private current = new Map<Prefix, Set<string>>();

  constructor(private readonly locRib: LocRib) {}

  /** True when `prefix` is a half that must not go to `session`. */
  vetoes(session: string, prefix: Prefix): boolean {
    const targets = this.current.get(prefix);
    return targets !== undefined && !targets.has(session);
  }

  /** The halves advertised now, with their sessions. */
  get halves(): ReadonlyMap<Prefix, ReadonlySet<string>> {
    return this.current;
  }

  /** Moves to the plan's halves. Call from the daemon loop: the Loc-RIB changes go out with the next export slice. */
  apply(plan: SteeringPlan): SteeringChanges {
    const prev = this.current;
    // The veto answers from the new state before any Loc-RIB change is exported.
    this.current = plan.halves;
    const out: SteeringChanges = { added: [], removed: [], retargeted: [] };
    for (const [p, targets] of plan.halves) {
      const before = prev.get(p);
      if (!before) {
        this.locRib.originate(p);
        out.added.push(p);
      } else if (!sameSet(before, targets)) {
        // A new Path object for the same prefix is a best-path change, so every session re-exports it through the
        // veto: the new targets get it, the old ones get a withdrawal.
        this.locRib.unoriginate(p);
        this.locRib.originate(p);
        out.retargeted.push(p);
      }
    }
    for (const p of prev.keys()) {
      if (plan.halves.has(p)) continue;
      this.locRib.unoriginate(p);
      out.removed.push(p);
    }
    return out;
  }
}
