// ControlClient: the CLI's side of the control API (HTTP/1.1 over the daemon's Unix socket).
// Connection failures become one-line operator errors (DaemonNotRunning, ControlPermissionDenied).

import { request } from 'node:http';
import { ControlApiError, ControlError, ControlPermissionDenied, ControlTimeout, DaemonNotRunning } from './errors';
import type { OpsEvent } from './events';
import type { AdjRibOutResponse, ClearResponse, ClearType, NeighborDetail } from './neighbor-types';
import { LineSplitter } from './events-stream';
import type { AdjRibInResponse, ApiErrorBody, DrainRequest, DrainResponse, ReloadResponse, RoutesResponse, StatusResponse, UndrainResponse } from './types';

export const DEFAULT_SOCKET = '/run/bgpfo/bgpfo.sock';

export interface ControlClientOptions {
  socketPath?: string;
  timeoutMs?: number;
}

export interface RoutesOptions {
  /** "10.1.0.0/16" for that prefix, or an address for the longest match. */
  prefix?: string;
  limit?: number;
}

export class ControlClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(opts: ControlClientOptions = {}) {
    this.socketPath = opts.socketPath ?? DEFAULT_SOCKET;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  status(): Promise<StatusResponse> {
    return this.get('/v1/status');
  }

  routes(opts: RoutesOptions = {}): Promise<RoutesResponse> {
    return this.get('/v1/routes' + query({ prefix: opts.prefix, limit: opts.limit }));
  }

  adjRibIn(neighbor: string, policy: 'pre' | 'post' = 'post', opts: RoutesOptions = {}): Promise<AdjRibInResponse> {
    return this.get(`/v1/neighbors/${encodeURIComponent(neighbor)}/adj-rib-in` + query({ policy, prefix: opts.prefix, limit: opts.limit }));
  }

  /** Neighbor detail: negotiated capabilities, counters, last error (GET /v1/neighbors/NAME). */
  neighbor(name: string): Promise<NeighborDetail> {
    return this.get(`/v1/neighbors/${encodeURIComponent(name)}`);
  }

  /** What we advertise to a neighbor, attributes as sent. */
  adjRibOut(neighbor: string, opts: RoutesOptions = {}): Promise<AdjRibOutResponse> {
    return this.get(`/v1/neighbors/${encodeURIComponent(neighbor)}/adj-rib-out` + query({ prefix: opts.prefix, limit: opts.limit }));
  }

  /** Resets a neighbor ("all": every one): hard (Cease/Administrative Reset), soft-in (ROUTE-REFRESH), soft-out, soft. */
  clear(target: string, type: ClearType = 'hard'): Promise<ClearResponse> {
    return this.post(`/v1/neighbors/${encodeURIComponent(target)}/clear` + query({ type }), {});
  }

  /** Re-reads the daemon's config file; a refused config rejects with ControlApiError (apiCode 'config-error'). */
  reload(): Promise<ReloadResponse> {
    return this.post('/v1/reload', {});
  }

  /** Drains a target; waits as long as the drain does (its timeout plus a margin). */
  drain(req: DrainRequest): Promise<DrainResponse> {
    return this.post('/v1/drain', req, ((req.timeoutS ?? 30) + 30) * 1000);
  }

  undrain(target: string): Promise<UndrainResponse> {
    return this.post('/v1/undrain', { target });
  }

  /**
   * Follows GET /v1/events: calls onEvent per event until close() or the daemon goes away. `ready` resolves once
   * subscribed (events from then on are delivered); `done` when the stream ends (rejects on connection errors).
   */
  events(onEvent: (e: OpsEvent) => void, opts: { since?: number; types?: string[] } = {}): { ready: Promise<void>; done: Promise<void>; close(): void } {
    let closed = false;
    let req: ReturnType<typeof request> | undefined;
    let onReady: () => void = () => {};
    const ready = new Promise<void>((r) => (onReady = r));
    const done = new Promise<void>((resolve, reject) => {
      const path = '/v1/events' + query({ since: opts.since, types: opts.types?.join(',') });
      req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { accept: 'application/x-ndjson' } }, (res) => {
        if ((res.statusCode ?? 0) !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(apiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        onReady();
        const lines = new LineSplitter();
        res.on('data', (c: Buffer) => {
          for (const l of lines.push(c)) {
            try {
              onEvent(JSON.parse(l) as OpsEvent);
            } catch {
              // a torn line at shutdown: ignore
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      });
      req.on('error', (e: NodeJS.ErrnoException) => (closed ? resolve() : reject(this.translate(e))));
      req.end();
    });
    done.catch(() => onReady());
    return {
      ready,
      done,
      close: () => {
        closed = true;
        req?.destroy();
      },
    };
  }

  /** POST a JSON body and parse the JSON answer; non-2xx answers throw ControlApiError. */
  post<T>(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    return this.call('POST', path, JSON.stringify(body), timeoutMs);
  }

  /** GET a path and parse the JSON answer; non-2xx answers throw ControlApiError. */
  get<T>(path: string): Promise<T> {
    return this.call('GET', path, undefined, this.timeoutMs);
  }

  private call<T>(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      const req = request({ socketPath: this.socketPath, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new ControlError('ERR_CONTROL_IO', `reading the daemon's answer failed: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            reject(new ControlError('ERR_CONTROL_IO', `the daemon sent something that is not JSON (HTTP ${res.statusCode})`));
            return;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(body as T);
          else {
            const err = (body as ApiErrorBody).error ?? { code: 'unknown', message: `HTTP ${status}` };
            reject(new ControlApiError(status, err.code, err.message));
          }
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new ControlTimeout(this.socketPath, timeoutMs)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.translate(e)));
      req.end(body);
    });
  }

  private translate(e: NodeJS.ErrnoException): Error {
    if (e instanceof ControlError) return e;
    switch (e.code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return new DaemonNotRunning(this.socketPath, 'missing');
      case 'ECONNREFUSED':
      case 'ENOTSOCK':
        return new DaemonNotRunning(this.socketPath, 'refused');
      case 'EACCES':
      case 'EPERM':
        return new ControlPermissionDenied(this.socketPath);
      default:
        return new ControlError('ERR_CONTROL_IO', `cannot talk to the daemon on ${this.socketPath}: ${e.message}`);
    }
  }
}

function apiError(status: number, text: string): ControlError {
  try {
    const err = (JSON.parse(text) as ApiErrorBody).error;
    return new ControlApiError(status, err.code, err.message);
  } catch {
    return new ControlError('ERR_CONTROL_IO', `the daemon answered HTTP ${status}`);
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
