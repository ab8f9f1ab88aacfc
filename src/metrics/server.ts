// The Prometheus endpoint: GET /metrics over plain HTTP on the configured TCP address (metrics.listen; off when
// absent). Read-only and cheap; bind it to loopback or a management address, it has no access control.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { BgpfoMetrics } from './registry';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: BgpfoMetrics;
  logger?: Logger;
}

export interface MetricsServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

/** A metrics address that cannot be bound; `code` is stable. */
export class MetricsListenError extends Error {
  readonly code = 'ERR_METRICS_LISTEN';
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    super(`cannot listen for metrics on ${where}: ${cause.code ?? cause.message}${cause.code === 'EADDRINUSE' ? ' (is another exporter or bgpfo using that port?)' : ''}`);
    this.name = 'MetricsListenError';
  }
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      opts.metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.metrics.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          opts.logger?.error({ err }, 'metrics collection failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
        },
      );
      return;
    }
    const body = path === '/' ? 'bgpfo metrics: see /metrics\n' : 'not found: try /metrics\n';
    res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new MetricsListenError(opts.host, opts.port, e)));
    server.listen({ host: opts.host, port: opts.port, ipv6Only: opts.host.includes(':') }, () => resolve());
  });
  opts.logger?.info({ address: server.address() }, 'metrics endpoint listening');
  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
