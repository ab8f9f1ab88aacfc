// From the schema-checked file to DaemonConfig: fills defaults and checks what one field alone cannot
// (duplicates, address families that must agree, timers that must fit each other: RFC 4271 §4.2, §4.4).

import type { Family } from '../bgp/types';
import { configuredLocalPref } from '../policy/config';
import { addressFamily } from './fields';
import { buildLiveness, checkLiveness } from './liveness';
import type { RawConfig, RawNeighbor } from './schema';
import { DEFAULTS, type DaemonConfig, type NeighborConfig } from './types';

export interface PathIssue {
  path: PropertyKey[];
  message: string;
}

const WILDCARD = { ipv4: '0.0.0.0', ipv6: '::' } as const;

function buildNeighbor(n: RawNeighbor, routerAsn: number): NeighborConfig {
  const role = n.role ?? 'primary';
  const holdTime = n['hold-time'] ?? DEFAULTS.holdTime;
  const ibgp = n['remote-asn'] === routerAsn;
  const imp = n.import ?? {};
  const exp = n.export ?? {};
  const gr = n['graceful-restart'] ?? {};
  const out: NeighborConfig = {
    name: n.name,
    address: n.address,
    addressFamily: addressFamily(n.address),
    remoteAsn: n['remote-asn'],
    ibgp,
    passive: n.passive ?? false,
    port: n.port ?? DEFAULTS.port,
    holdTime,
    keepalive: n.keepalive ?? Math.floor(holdTime / 3),
    connectRetry: n['connect-retry'] ?? DEFAULTS.connectRetry,
    role,
    // iBGP never prepends (the AS path only grows at AS borders), so a backup iBGP neighbor defaults to 0.
    prepend: n.prepend ?? (role === 'backup' && !ibgp ? DEFAULTS.prependBackup : DEFAULTS.prependPrimary),
    // A backup is backup in both directions by default: prepends for the far side, a lower LOCAL_PREF for us.
    localPref: configuredLocalPref({ localPref: n['local-pref'], role }),
    families: n.families ? [...n.families] : [...DEFAULTS.families],
    import: {
      allow: imp.allow ?? [],
      deny: imp.deny ?? [],
      allowDefault: imp['allow-default'] ?? false,
      allowOwn: imp['allow-own'] ?? false,
    },
    export: {
      learned: exp.learned ?? [],
      communities: exp.communities ?? [],
      largeCommunities: exp['large-communities'] ?? [],
    },
    gracefulRestart: { enabled: gr.enabled ?? false, restartTime: gr['restart-time'] ?? DEFAULTS.restartTime },
  };
  if (exp.med !== undefined) out.export.med = exp.med;
  if (n['local-address'] !== undefined) out.localAddress = n['local-address'];
  if (n['next-hop-ipv6'] !== undefined) out.nextHopIpv6 = n['next-hop-ipv6'];
  if (imp['max-prefixes'] !== undefined) {
    out.import.maxPrefixes = imp['max-prefixes'];
    out.import.maxPrefixesWarning = imp['max-prefixes-warning'] ?? DEFAULTS.maxPrefixesWarning;
  }
  if (n['shutdown-message'] !== undefined) out.shutdownMessage = n['shutdown-message'];
  const liveness = buildLiveness(n.liveness);
  if (liveness) out.liveness = liveness;
  if (n.interface !== undefined) out.interface = n.interface;
  return out;
}

function checkNeighbor(n: RawNeighbor, built: NeighborConfig, at: PropertyKey[], issues: PathIssue[]): void {
  const add = (key: PropertyKey[], message: string) => issues.push({ path: [...at, ...key], message });
  const local = n['local-address'];
  if (local !== undefined) {
    if (addressFamily(local) !== built.addressFamily) {
      add(['local-address'], `${local} is ${addressFamily(local)} but the neighbor address ${n.address} is ${built.addressFamily}; they must be of one family`);
    } else if (local === n.address) {
      add(['local-address'], `${local} is the neighbor's own address; local-address is this router's side of the link`);
    }
  }
  if (n.keepalive !== undefined) {
    if (built.holdTime === 0) add(['keepalive'], 'hold-time 0 turns keepalives off (RFC 4271 §4.4); remove keepalive or set a hold-time');
    else if (n.keepalive >= built.holdTime) {
      add(['keepalive'], `keepalive ${n.keepalive} must be less than hold-time ${built.holdTime} (one third of it is usual, RFC 4271 §10)`);
    }
  }
  if (built.ibgp && n.prepend !== undefined && n.prepend > 0) {
    add(['prepend'], `remote-asn ${n['remote-asn']} is our own AS (iBGP): the AS path is not prepended towards iBGP peers`);
  }
  if (n.families) {
    const seen = new Set<Family>();
    n.families.forEach((f, i) => {
      if (seen.has(f)) add(['families', i], `${f} is listed twice`);
      seen.add(f);
    });
  }
  if (built.addressFamily === 'ipv6' && !built.families.includes('ipv6-unicast')) {
    // An IPv4 route needs an IPv4 next hop, which an IPv6 session cannot give (RFC 8950 is not implemented).
    add(['families'], `an IPv6 session with only ipv4-unicast can never carry a route (IPv4 routes need an IPv4 next hop); add ipv6-unicast, or peer over IPv4 for IPv4 routes`);
  }
  if (n['next-hop-ipv6'] !== undefined && !built.families.includes('ipv6-unicast')) {
    add(['next-hop-ipv6'], 'next-hop-ipv6 is set but ipv6-unicast is not in families');
  }
  checkLiveness(n.liveness, local !== undefined, (path, message) => add(['liveness', ...path], message));
  const imp = n.import;
  if (imp && imp['max-prefixes-warning'] !== undefined && imp['max-prefixes'] === undefined) {
    add(['import', 'max-prefixes-warning'], 'max-prefixes-warning needs import.max-prefixes');
  }
}

/** The listen default: every neighbor's local-address when all have one, else both wildcards. */
function defaultListen(neighbors: NeighborConfig[]): string[] {
  if (neighbors.length > 0 && neighbors.every((n) => n.localAddress !== undefined)) {
    return [...new Set(neighbors.map((n) => n.localAddress as string))];
  }
  return [WILDCARD.ipv4, WILDCARD.ipv6];
}

export function buildConfig(raw: RawConfig): { config: DaemonConfig; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const rawNeighbors = raw.neighbors ?? [];
  const neighbors = rawNeighbors.map((n) => buildNeighbor(n, raw.router.asn));
  rawNeighbors.forEach((n, i) => checkNeighbor(n, neighbors[i], ['neighbors', i], issues));

  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  neighbors.forEach((n, i) => {
    const sameName = names.get(n.name);
    if (sameName !== undefined) issues.push({ path: ['neighbors', i, 'name'], message: `duplicate neighbor name "${n.name}" (also neighbors[${sameName}])` });
    else names.set(n.name, i);
    const sameAddr = addresses.get(n.address);
    if (sameAddr !== undefined) {
      issues.push({ path: ['neighbors', i, 'address'], message: `duplicate neighbor address ${n.address} (also neighbors[${sameAddr}]); an incoming connection could not be told apart` });
    } else addresses.set(n.address, i);
  });

  const originate = raw.originate ?? [];
  if (raw['originate-allow-default'] === true && !originate.some((p) => p === '0.0.0.0/0' || p === '::/0')) {
    issues.push({ path: ['originate-allow-default'], message: 'originate-allow-default: true but originate has no default route (0.0.0.0/0 or ::/0); remove it' });
  }
  const seenPrefixes = new Map<string, number>();
  originate.forEach((p, i) => {
    const first = seenPrefixes.get(p);
    if (first !== undefined) issues.push({ path: ['originate', i], message: `${p} is listed twice (also originate[${first}])` });
    else seenPrefixes.set(p, i);
    if ((p === '0.0.0.0/0' || p === '::/0') && raw['originate-allow-default'] !== true) {
      issues.push({
        path: ['originate', i],
        message: `${p} is the default route: every neighbor would send us all its ${p === '::/0' ? 'IPv6' : 'IPv4'} traffic; if that is meant, add originate-allow-default: true`,
      });
    }
  });

  const listen = raw.router.listen ? [...new Set(raw.router.listen)] : defaultListen(neighbors);
  if (raw.router.listen) {
    raw.router.listen.forEach((a, i) => {
      if (raw.router.listen!.indexOf(a) !== i) issues.push({ path: ['router', 'listen', i], message: `${a} is listed twice` });
    });
    neighbors.forEach((n, i) => {
      if (!n.passive) return;
      const ok = listen.includes(WILDCARD[n.addressFamily]) || (n.localAddress !== undefined && listen.includes(n.localAddress));
      if (!ok) {
        issues.push({
          path: ['neighbors', i, 'passive'],
          message: `a passive neighbor waits for ${n.address} to connect, but router.listen has neither its local-address nor ${WILDCARD[n.addressFamily]}`,
        });
      }
    });
  }

  const config: DaemonConfig = {
    router: {
      asn: raw.router.asn,
      routerId: raw.router['router-id'],
      listen,
      listenDefaulted: !raw.router.listen,
      port: raw.router.port ?? DEFAULTS.port,
    },
    originate,
    control: { socket: raw.control?.socket ?? DEFAULTS.controlSocket },
    log: { level: raw.log?.level ?? DEFAULTS.logLevel },
    rib: {
      maxPaths: raw.rib?.['max-paths'] ?? DEFAULTS.maxPaths,
      keepPrePolicy: raw.rib?.['keep-pre-policy'] ?? DEFAULTS.keepPrePolicy,
    },
    neighbors,
    metrics: raw.metrics?.listen ? { listen: raw.metrics.listen } : {},
    alerts: { timeoutMs: raw.alerts?.['timeout-ms'] ?? DEFAULTS.alertTimeoutMs, events: [...new Set(raw.alerts?.events ?? DEFAULTS.alertEvents)] },
    stop: { gracefulRestart: raw.stop?.['graceful-restart'] ?? false },
    fib: {
      mode: raw.fib?.mode ?? DEFAULTS.fibMode,
      table: raw.fib?.table ?? DEFAULTS.fibTable,
      protocol: raw.fib?.protocol ?? DEFAULTS.fibProtocol,
      metric: raw.fib?.metric ?? DEFAULTS.fibMetric,
      applySysctls: raw.fib?.['apply-sysctls'] ?? true,
      advertise: raw.fib?.advertise ?? 'after-install',
      restoreSysctls: raw.fib?.['restore-sysctls'] ?? true,
    },
  };
  if (raw.alerts?.command !== undefined) config.alerts.command = raw.alerts.command;
  if (raw.alerts?.url !== undefined) config.alerts.url = raw.alerts.url;
  if (raw.control?.group !== undefined) config.control.group = raw.control.group;
  if (raw.fib?.netns !== undefined) config.fib.netns = raw.fib.netns;
  return { config, issues };
}
