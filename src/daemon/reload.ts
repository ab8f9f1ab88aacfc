// Config reload as a pure function: (running config, new config) -> the actions that apply the difference without
// touching what did not change, or the reasons it cannot be applied without a restart. RFC 4486 (Cease subcodes 3, 6).

import type { DaemonConfig, NeighborConfig } from '../config';

/** What a changed neighbor field requires. Fields not listed reset the session (the safe default). */
export type FieldEffect = 'session' | 'export' | 'import' | 'none';

/**
 * NeighborConfig field -> what a change needs. 'session': the BgpSession was built with it (OPEN, timers, transport),
 * so the session is reset with Cease/6. 'export' / 'import': the policy is rebuilt and re-applied on the live session.
 * 'none': read when needed (the shutdown message at stop; the role is shown in status, prepend carries its effect).
 */
export const NEIGHBOR_FIELD_EFFECT: Record<string, FieldEffect> = {
  name: 'session',
  address: 'session',
  addressFamily: 'session',
  localAddress: 'session',
  remoteAsn: 'session',
  ibgp: 'session',
  passive: 'session',
  port: 'session',
  holdTime: 'session',
  keepalive: 'session',
  connectRetry: 'session',
  families: 'session',
  gracefulRestart: 'session',
  prepend: 'export',
  export: 'export',
  nextHopIpv6: 'export',
  import: 'import',
  localPref: 'import',
  role: 'none',
  shutdownMessage: 'none',
};

export type ReloadAction =
  /** Cease/3 Peer De-configured, then forget it (its routes are withdrawn). */
  | { kind: 'remove-neighbor'; name: string }
  /** Cease/6 Other Configuration Change, and a new session with the new parameters. */
  | { kind: 'reset-neighbor'; name: string; config: NeighborConfig; previous: NeighborConfig; changed: string[] }
  | { kind: 'add-neighbor'; name: string; config: NeighborConfig }
  /** Same session; rebuild the policy and re-advertise (export) and/or re-import (import). */
  | { kind: 'update-neighbor'; name: string; config: NeighborConfig; previous: NeighborConfig; export: boolean; import: boolean; changed: string[] }
  | { kind: 'originate'; add: string[]; remove: string[] }
  | { kind: 'listen'; addresses: string[] }
  | { kind: 'log-level'; level: DaemonConfig['log']['level'] }
  | { kind: 'metrics'; config: DaemonConfig['metrics'] }
  | { kind: 'alerts'; config: DaemonConfig['alerts'] }
  | { kind: 'stop'; config: DaemonConfig['stop'] };

export interface ReloadPlan {
  actions: ReloadAction[];
  /** Changes this daemon cannot apply while running; non-empty means the reload is refused as a whole. */
  refused: string[];
}

/** Deep equality for config values (plain data: objects, arrays, strings, numbers, booleans). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameValue(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Fields of two neighbor configs that differ, in a stable order. */
export function changedFields(a: NeighborConfig, b: NeighborConfig): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => !sameValue((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
}

/** Top-level sections the reload applies; any other section that changed needs a restart. */
const APPLIED_SECTIONS = new Set(['router', 'originate', 'log', 'neighbors', 'metrics', 'alerts', 'stop']);

function diffNeighbor(old: NeighborConfig, next: NeighborConfig, originateChanged: boolean): ReloadAction | undefined {
  const changed = changedFields(old, next);
  const effects = new Set(changed.map((f) => NEIGHBOR_FIELD_EFFECT[f] ?? 'session'));
  if (effects.has('session')) return { kind: 'reset-neighbor', name: next.name, config: next, previous: old, changed };
  // Our own prefixes are refused on import unless allow-own: a changed originate list changes every import policy.
  const reimport = effects.has('import') || originateChanged;
  if (!effects.has('export') && !reimport && changed.length === 0) return undefined;
  return { kind: 'update-neighbor', name: next.name, config: next, previous: old, export: effects.has('export'), import: reimport, changed };
}

/**
 * The actions, in the order to apply them: removals and resets first (freeing addresses and names), then new
 * neighbors, policy updates, originated prefixes, and the daemon-wide settings.
 */
export function diffConfig(old: DaemonConfig, next: DaemonConfig): ReloadPlan {
  const refused: string[] = [];
  const r0 = old.router;
  const r1 = next.router;
  if (r0.asn !== r1.asn) refused.push(`router.asn changed (${r0.asn} -> ${r1.asn}): every session and the RIB depend on it; restart the daemon`);
  if (r0.routerId !== r1.routerId) refused.push(`router.router-id changed (${r0.routerId} -> ${r1.routerId}): restart the daemon`);
  if (r0.port !== r1.port) refused.push(`router.port changed (${r0.port} -> ${r1.port}): restart the daemon`);
  for (const k of Object.keys({ ...r0, ...r1 }).sort()) {
    if (['asn', 'routerId', 'port', 'listen', 'listenDefaulted'].includes(k)) continue;
    if (!sameValue((r0 as unknown as Record<string, unknown>)[k], (r1 as unknown as Record<string, unknown>)[k])) refused.push(`router.${k} changed: restart the daemon`);
  }
  if (!sameValue(old.control, next.control)) refused.push('control changed: the control socket cannot move under a running daemon; restart it');
  if (!sameValue(old.rib, next.rib)) refused.push('rib changed: the Loc-RIB is built with these settings; restart the daemon');
  const sections = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const k of [...sections].sort()) {
    if (APPLIED_SECTIONS.has(k) || k === 'control' || k === 'rib') continue;
    const a = (old as unknown as Record<string, unknown>)[k];
    const b = (next as unknown as Record<string, unknown>)[k];
    if (!sameValue(a, b)) refused.push(`${k} changed: not applied by reload; restart the daemon`);
  }

  const actions: ReloadAction[] = [];
  const oldByName = new Map(old.neighbors.map((n) => [n.name, n]));
  const nextByName = new Map(next.neighbors.map((n) => [n.name, n]));
  const originateChanged = !sameValue([...old.originate].sort(), [...next.originate].sort());

  const removals: ReloadAction[] = [];
  const resets: ReloadAction[] = [];
  const adds: ReloadAction[] = [];
  const updates: ReloadAction[] = [];
  for (const n of old.neighbors) if (!nextByName.has(n.name)) removals.push({ kind: 'remove-neighbor', name: n.name });
  for (const n of next.neighbors) {
    const was = oldByName.get(n.name);
    if (!was) {
      adds.push({ kind: 'add-neighbor', name: n.name, config: n });
      continue;
    }
    const a = diffNeighbor(was, n, originateChanged);
    if (a?.kind === 'reset-neighbor') resets.push(a);
    else if (a) updates.push(a);
  }
  actions.push(...removals, ...resets, ...adds, ...updates);

  if (originateChanged) {
    const before = new Set(old.originate);
    const after = new Set(next.originate);
    actions.push({ kind: 'originate', add: next.originate.filter((p) => !before.has(p)), remove: old.originate.filter((p) => !after.has(p)) });
  }
  if (!sameValue(r0.listen, r1.listen)) actions.push({ kind: 'listen', addresses: [...r1.listen] });
  if (old.log.level !== next.log.level) actions.push({ kind: 'log-level', level: next.log.level });
  if (!sameValue(old.metrics, next.metrics)) actions.push({ kind: 'metrics', config: next.metrics });
  if (!sameValue(old.alerts, next.alerts)) actions.push({ kind: 'alerts', config: next.alerts });
  if (!sameValue(old.stop, next.stop)) actions.push({ kind: 'stop', config: next.stop });
  return { actions, refused };
}

/** NeighborConfig fields as the config file names them; null: implied by another field, not worth a word. */
const FIELD_WORDS: Record<string, string | null> = {
  holdTime: 'hold-time',
  connectRetry: 'connect-retry',
  localAddress: 'local-address',
  remoteAsn: 'remote-asn',
  nextHopIpv6: 'next-hop-ipv6',
  localPref: 'local-pref',
  shutdownMessage: 'shutdown-message',
  gracefulRestart: 'graceful-restart',
  import: 'import policy',
  export: 'export policy',
  addressFamily: null,
  ibgp: null,
};

function valueWords(v: unknown): string {
  if (v === undefined) return 'none';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ') || 'none';
  return typeof v === 'object' && v !== null ? '' : JSON.stringify(v).replace(/^"(.*)"$/, '$1');
}

/**
 * What changed on a neighbor in the config file's words, with the old and new value where it is one value:
 * "hold-time 9 -> 30, remote-asn 64512 -> 64599". A keepalive that only follows the hold time is not repeated.
 */
export function changedWords(changed: readonly string[], previous?: NeighborConfig, next?: NeighborConfig): string[] {
  const derivedKeepalive =
    previous && next && changed.includes('holdTime') && previous.keepalive === Math.floor(previous.holdTime / 3) && next.keepalive === Math.floor(next.holdTime / 3);
  const out: string[] = [];
  for (const f of changed) {
    if (f === 'keepalive' && derivedKeepalive) continue;
    const word = f in FIELD_WORDS ? FIELD_WORDS[f] : f;
    if (word === null) continue;
    const a = previous ? valueWords((previous as unknown as Record<string, unknown>)[f]) : '';
    const b = next ? valueWords((next as unknown as Record<string, unknown>)[f]) : '';
    out.push(a && b ? `${word} ${a} -> ${b}` : word);
  }
  return out.length ? out : changed.length ? ['address family'] : [];
}

/** One line per action, for the reload answer, the event and the log, in the config file's words. */
export function describeAction(a: ReloadAction): string {
  switch (a.kind) {
    case 'remove-neighbor':
      return `neighbor ${a.name} removed (Cease/Peer De-configured)`;
    case 'reset-neighbor':
      return `neighbor ${a.name} reset (Cease/Other Configuration Change): ${changedWords(a.changed, a.previous, a.config).join(', ')}`;
    case 'add-neighbor':
      return `neighbor ${a.name} added (${a.config.address}, AS ${a.config.remoteAsn})`;
    case 'update-neighbor': {
      const how = [a.export ? 're-advertised' : '', a.import ? 're-imported' : ''].filter(Boolean).join(' and ');
      const what = a.changed.length ? changedWords(a.changed, a.previous, a.config).join(', ') : 'originated prefixes changed';
      return `neighbor ${a.name}: ${what}${how ? `; ${how}` : ''}`;
    }
    case 'originate':
      return `originate: ${[...a.add.map((p) => `+${p}`), ...a.remove.map((p) => `-${p}`)].join(' ')}`;
    case 'listen':
      return `BGP listen addresses: ${a.addresses.join(', ')}`;
    case 'log-level':
      return `log level ${a.level}`;
    case 'metrics':
      return a.config.listen ? `metrics endpoint on ${fmtHostPort(a.config.listen)}` : 'metrics endpoint off';
    case 'alerts':
      return `alerts: ${[a.config.command ? 'command' : '', a.config.url ? 'url' : ''].filter(Boolean).join(' + ') || 'off'}`;
    case 'stop':
      return `on SIGTERM: ${a.config.gracefulRestart ? 'graceful restart (no NOTIFICATION)' : 'Cease/Administrative Shutdown'}`;
  }
}

export function fmtHostPort(l: { host: string; port: number }): string {
  return l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
}
