// The control API server: HTTP/1.1 on a Unix socket (mode 0660, root + control.group), JSON endpoints under /v1
// answered from a ControlProvider (writes and the event stream: server-ops.ts), testable with a fake provider.

import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { canonicalPrefix, PrefixError } from '../bgp/prefix';
import { ControlApiError } from './errors';
import { API_ROUTES, matchRoute } from './routes';
import { routeNeighbor } from './server-neighbors';
import { OPS_PATHS, routeOperation, serveEventStream } from './server-ops';
import { clearStaleSocket, ensureSocketDir, resolveGroup, secureSocket } from './socket-file';
import type { ApiErrorBody, ControlProvider, RouteQuery } from './types';

export interface ControlServerOptions {
  socketPath: string;
  /** Group allowed to connect besides root (name or number). */
  group?: string;
  provider: ControlProvider;
  logger?: Logger;
}

export interface ControlServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads ?prefix= and ?limit=: a prefix with a length is an exact match, a bare address a longest match. */
export function parseRouteQuery(params: URLSearchParams): RouteQuery {
  const q: RouteQuery = {};
  const prefix = params.get('prefix');
  if (prefix !== null && prefix !== '') {
    try {
      q.prefix = canonicalPrefix(prefix, false);
    } catch (e) {
      throw new HttpError(400, 'bad-prefix', e instanceof PrefixError ? e.message : `bad prefix "${prefix}"`);
    }
    q.match = prefix.includes('/') ? 'exact' : 'longest';
  }
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d{1,9}$/.test(limit)) throw new HttpError(400, 'bad-limit', `limit must be a non-negative integer (got "${limit}")`);
    q.limit = Number(limit);
  }
  return q;
}

async function route(provider: ControlProvider, req: IncomingMessage, url: URL, path: string): Promise<unknown> {
  if (OPS_PATHS.has(path)) return routeOperation(provider, req, path);
  if (!path.endsWith('/adj-rib-in')) {
    const r = await routeNeighbor(provider, req, url, path, parseRouteQuery);
    if (r !== undefined) return r;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method-not-allowed', `${req.method} is not supported here (GET)`);
  if (path === '/v1/status') return provider.getStatus();
  if (path === '/v1/routes') return provider.getRoutes(parseRouteQuery(url.searchParams));
  const m = /^\/v1\/neighbors\/([^/]+)\/adj-rib-in$/.exec(path);
  if (m) {
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      throw new HttpError(400, 'bad-path', `malformed percent-escape in the neighbor name ${JSON.stringify(m[1].slice(0, 80))}`);
    }
    const policy = url.searchParams.get('policy') ?? 'post';
    if (policy !== 'pre' && policy !== 'post') throw new HttpError(400, 'bad-policy', `policy must be pre or post (got "${policy}")`);
    const r = await provider.getAdjRibIn(name, policy, parseRouteQuery(url.searchParams));
    if (r === null) throw new HttpError(404, 'unknown-neighbor', `no neighbor named "${name}"`);
    return r;
  }
  throw new HttpError(404, 'not-found', `no endpoint ${url.pathname}; try /v1/status, /v1/routes, /v1/neighbors/NAME, /v1/neighbors/NAME/adj-rib-in, /v1/neighbors/NAME/adj-rib-out (docs/openapi.yaml)`);
}

/** Creates the socket (removing a stale one), secures it, and serves until close(). */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const gid = opts.group !== undefined ? resolveGroup(opts.group) : undefined;
  const dir = ensureSocketDir(opts.socketPath, gid);
  if (dir === 'shared' && gid !== undefined) {
    opts.logger?.warn({ socket: opts.socketPath, group: opts.group }, 'the control socket\'s directory is shared (not ours alone): its group and mode are left as they are, so members of control.group need search (x) permission on it');
  }
  await clearStaleSocket(opts.socketPath);

  const server: Server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://bgpfo');
    } catch {
      send(res, 400, { error: { code: 'bad-url', message: 'the request URL cannot be parsed' } } satisfies ApiErrorBody);
      return;
    }
    const path = url.pathname.replace(/\/+$/, '');
    // Only what API_ROUTES lists (and docs/openapi.yaml documents) is served.
    const known = matchRoute(req.method ?? 'GET', path);
    if (known.result === 'path') {
      send(res, 404, { error: { code: 'not-found', message: `no endpoint ${url.pathname}; the endpoints: ${API_ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')} (docs/openapi.yaml)` } } satisfies ApiErrorBody);
      return;
    }
    if (known.result === 'method') {
      send(res, 405, { error: { code: 'method-not-allowed', message: `${req.method} is not supported on ${url.pathname} (${known.allowed.join(', ')})` } } satisfies ApiErrorBody);
      return;
    }
    if (serveEventStream(opts.provider, req, res, url, path)) return;
    route(opts.provider, req, url, path).then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        if (err instanceof HttpError || err instanceof ControlApiError) {
          const code = err instanceof HttpError ? err.code : err.apiCode;
          send(res, err.status, { error: { code, message: err.message } } satisfies ApiErrorBody);
          return;
        }
        // A client that went away mid-request is not a daemon failure.
        if (req.socket.destroyed || res.destroyed || (err as NodeJS.ErrnoException)?.code === 'ECONNRESET') {
          opts.logger?.debug({ url: req.url?.slice(0, 200) }, 'control API client went away mid-request');
          return;
        }
        opts.logger?.error({ err, url: req.url?.slice(0, 200) }, 'control API request failed');
        send(res, 500, { error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } } satisfies ApiErrorBody);
      },
    );
  });
  server.keepAliveTimeout = 5000;

  // The umask keeps the socket private between bind() and chmod(): nobody else can connect in that window.
  // bind() happens synchronously inside listen(), so the umask is restored before anything else runs.
  const oldMask = process.umask(0o177);
  let listening: Promise<void>;
  try {
    listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  await listening;
  secureSocket(opts.socketPath, gid);
  opts.logger?.info({ socket: opts.socketPath, group: opts.group }, 'control API listening');

  return {
    socketPath: opts.socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(opts.socketPath, { force: true }); // libuv unlinks it too; this covers older behaviour
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
