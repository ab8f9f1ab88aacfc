// How the daemon config is checked past schema errors (src/util/partial-check.ts): neighbors go one by one, and
// the router's and a neighbor's identity get stand-ins so the rest of the neighbor is still checked.

import type { PruneOptions } from '../util/partial-check';

type Path = (string | number)[];

/**
 * Values that stand in for a required field the schema refused, so the rest of its neighbor is still checked.
 * Issues that mention the field are dropped (src/util/partial-check.ts), so a stand-in never shows in a message.
 */
const STAND_IN = { asn: 4294967293, routerId: '192.0.2.1', remoteAsn: 4294967294 } as const;

function configStandIn(path: Path): unknown {
  if (path.length === 1 && path[0] === 'router') return { asn: STAND_IN.asn, 'router-id': STAND_IN.routerId };
  if (path.length === 2 && path[0] === 'router') return path[1] === 'asn' ? STAND_IN.asn : path[1] === 'router-id' ? STAND_IN.routerId : undefined;
  if (path.length !== 3 || path[0] !== 'neighbors' || typeof path[1] !== 'number') return undefined;
  const i = path[1];
  if (path[2] === 'name') return `unchecked-neighbor-${i}`;
  if (path[2] === 'address') return `2001:db8:ffff::${(i + 1).toString(16)}`;
  if (path[2] === 'remote-asn') return STAND_IN.remoteAsn;
  return undefined;
}

/** The daemon config's pruning: neighbors go one by one; router and a neighbor's identity have stand-ins. */
export const CONFIG_PRUNING: PruneOptions = { standIn: configStandIn, list: 'neighbors' };

