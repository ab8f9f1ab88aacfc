// ControlClient: the CLI's side of the control API (HTTP/1.1 over the daemon's Unix socket).
// Connection failures become one-line operator errors (DaemonNotRunning, ControlPermissionDenied).

import { request } from 'node:http';
import { ControlApiError, ControlError, ControlPermissionDenied, ControlTimeout, DaemonNotRunning } from './errors';
import type { AdjRibInResponse, ApiErrorBody, RoutesResponse, StatusResponse } from './types';

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

  /** GET a path and parse the JSON answer; non-2xx answers throw ControlApiError. */
  get<T>(path: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { accept: 'application/json' } }, (res) => {
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
      req.setTimeout(this.timeoutMs, () => req.destroy(new ControlTimeout(this.socketPath, this.timeoutMs)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.translate(e)));
      req.end();
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

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
