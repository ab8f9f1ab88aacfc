// The control API's per-neighbor endpoints: GET /v1/neighbors/NAME (detail), GET /v1/neighbors/NAME/adj-rib-out,
// POST /v1/neighbors/NAME/clear?type=hard|soft-in|soft-out|soft (RFC 4486 Cease/4, RFC 2918 ROUTE-REFRESH).

import type { IncomingMessage } from 'node:http';
import { ControlApiError } from './errors';
import type { ClearType, NeighborDetail, NeighborProvider } from './neighbor-types';
import type { ControlProvider, RouteQuery } from './types';

const CLEAR_TYPES: readonly ClearType[] = ['hard', 'soft-in', 'soft-out', 'soft'];

function neighbors(provider: ControlProvider): NeighborProvider {
  if (!provider.neighbors) throw new ControlApiError(404, 'not-found', 'this daemon has no neighbor detail endpoints');
  return provider.neighbors;
}

function unknown(name: string): ControlApiError {
  return new ControlApiError(404, 'unknown-neighbor', `no neighbor named "${name}"`);
}

/**
 * Answers the per-neighbor paths; undefined for any other path (the caller goes on). parseQuery reads ?prefix=
 * and ?limit= the way /v1/routes does.
 */
export async function routeNeighbor(
  provider: ControlProvider,
  req: IncomingMessage,
  url: URL,
  path: string,
  parseQuery: (p: URLSearchParams) => RouteQuery,
): Promise<unknown> {
  const m = /^\/v1\/neighbors\/([^/]+)(?:\/(adj-rib-out|clear))?$/.exec(path);
  if (!m) return undefined;
  const name = decodeURIComponent(m[1]);
  const what = m[2];
  if (what === 'clear') {
    if (req.method !== 'POST') throw new ControlApiError(405, 'method-not-allowed', `${path} takes POST`);
    const type = (url.searchParams.get('type') ?? 'hard') as ClearType;
    if (!CLEAR_TYPES.includes(type)) throw new ControlApiError(400, 'bad-clear-type', `type must be one of ${CLEAR_TYPES.join(', ')} (got "${type}")`);
    return neighbors(provider).clear(name, type);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new ControlApiError(405, 'method-not-allowed', `${req.method} is not supported here (GET)`);
  if (what === 'adj-rib-out') {
    const r = await neighbors(provider).getAdjRibOut(name, parseQuery(url.searchParams));
    if (r === null) throw unknown(name);
    return r;
  }
  const nb = neighbors(provider);
  const [detail, status] = await Promise.all([nb.getNeighbor(name), provider.getStatus()]);
  const session = status.sessions.find((s) => s.name === name);
  if (detail === null || !session) throw unknown(name);
  // The status entry carries what decorators add (liveness, quality, drain).
  const { name: detailName, ...rest } = detail;
  return { name: detailName, session, ...rest } satisfies NeighborDetail;
}
