// The control API's write side and event stream: POST /v1/reload, /v1/drain, /v1/undrain and GET /v1/events,
// answered from the provider's OperationsProvider. Daemon errors (stable codes) become HTTP statuses here.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlApiError } from './errors';
import { parseEventQuery, serveEvents } from './events-stream';
import type { ControlProvider, DrainRequest, OperationsProvider } from './types';

const MAX_BODY = 64 * 1024;

/** Daemon error codes -> HTTP status and API code. Anything else is a 500. */
const STATUS_OF: Record<string, [number, string]> = {
  ERR_CONFIG: [422, 'config-error'],
  ERR_RELOAD_REFUSED: [422, 'reload-refused'],
  ERR_NO_CONFIG_FILE: [409, 'no-config-file'],
  ERR_UNKNOWN_TARGET: [404, 'unknown-target'],
  ERR_BUSY: [409, 'busy'],
  ERR_BAD_REQUEST: [400, 'bad-request'],
};

export const OPS_PATHS = new Set(['/v1/reload', '/v1/drain', '/v1/undrain', '/v1/events']);

function ops(provider: ControlProvider): OperationsProvider {
  if (!provider.operations) throw new ControlApiError(404, 'not-found', 'this daemon has no operations endpoint');
  return provider.operations;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ControlApiError(413, 'too-large', `request body above ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    // A client that disconnects mid-body is a 400 that nobody reads, not an internal error.
    req.on('error', () => reject(new ControlApiError(400, 'aborted', 'the client closed the connection before the request body ended')));
    req.on('aborted', () => reject(new ControlApiError(400, 'aborted', 'the client closed the connection before the request body ended')));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new ControlApiError(400, 'bad-json', 'the request body must be a JSON object'));
      }
    });
  });
}

function drainRequest(b: Record<string, unknown>): DrainRequest {
  const bad = (m: string) => new ControlApiError(400, 'bad-request', m);
  if (typeof b.target !== 'string' || b.target === '') throw bad('target (a neighbor name, peer address, interface or "all") is required');
  const r: DrainRequest = { target: b.target };
  for (const k of ['timeoutS', 'quietPps'] as const) {
    const v = b[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 86_400) throw bad(`${k} must be a number 0..86400`);
    r[k] = v;
  }
  for (const k of ['shutdown', 'force'] as const) {
    const v = b[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw bad(`${k} must be true or false`);
    r[k] = v;
  }
  return r;
}

/** Turns a daemon error with a known `code` into the API error it means. */
export function asApiError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && STATUS_OF[code]) {
    const [status, apiCode] = STATUS_OF[code];
    return new ControlApiError(status, apiCode, err.message);
  }
  return err;
}

/** GET /v1/events: streams (the response is written here, not by the caller). Returns false for other paths. */
export function serveEventStream(provider: ControlProvider, req: IncomingMessage, res: ServerResponse, url: URL, path: string): boolean {
  if (path !== '/v1/events' || req.method !== 'GET') return false;
  const o = provider.operations;
  const q = o ? parseEventQuery(url.searchParams) : 'this daemon has no event stream';
  if (!o || typeof q === 'string') {
    const status = o ? 400 : 404;
    const body = JSON.stringify({ error: { code: o ? 'bad-query' : 'not-found', message: q } });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  }
  serveEvents(o.events, q, req, res);
  return true;
}

/** POST /v1/reload | /v1/drain | /v1/undrain. */
export async function routeOperation(provider: ControlProvider, req: IncomingMessage, path: string): Promise<unknown> {
  if (req.method !== 'POST') throw new ControlApiError(405, 'method-not-allowed', `${path} takes POST`);
  const body = await readJson(req);
  const o = ops(provider);
  try {
    if (path === '/v1/reload') return await o.reload();
    if (path === '/v1/drain') return await o.drain(drainRequest(body));
    if (path === '/v1/undrain') {
      if (typeof body.target !== 'string' || body.target === '') throw new ControlApiError(400, 'bad-request', 'target is required');
      return await o.undrain(body.target);
    }
  } catch (err) {
    throw asApiError(err);
  }
  throw new ControlApiError(404, 'not-found', `no endpoint ${path}`);
}
