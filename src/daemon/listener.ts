// The BGP listener: one TCP server per listen address on the BGP port (RFC 4271 §8.2.1 passive side), each
// accepted socket handed to the speaker, which gives it to the matching neighbor's session or refuses it.

import net from 'node:net';
import type { Logger } from 'pino';

export interface ListenerOptions {
  addresses: readonly string[];
  port: number;
  /** The addresses came from the config's default, not the file: an unusable wildcard is skipped. */
  defaulted: boolean;
  logger: Logger;
  onConnection: (socket: net.Socket) => void;
  /** How often an address that is not (yet) on this host is tried again, in ms (default 5000). */
  retryMs?: number;
}

/** A listen address that cannot be used for a reason retrying will not fix; `code` is stable. */
export class ListenError extends Error {
  readonly code = 'ERR_BGP_LISTEN';
  constructor(
    readonly address: string,
    readonly port: number,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    const hint =
      cause.code === 'EADDRINUSE'
        ? ' (is another BGP daemon running, e.g. FRR bgpd or BIRD?)'
        : cause.code === 'EACCES'
          ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
          : '';
    super(`cannot listen for BGP on ${fmt(address, port)}: ${cause.code ?? cause.message}${hint}`);
    this.name = 'ListenError';
  }
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function fmt(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function listen(address: string, port: number, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    // ipv6Only: "::" must not also take IPv4 (0.0.0.0 has its own socket, and peers keep plain IPv4 addresses).
    server.listen({ host: address, port, ipv6Only: address.includes(':'), exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export class BgpListener {
  private readonly servers = new Map<string, net.Server>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  private constructor(private readonly opts: ListenerOptions) {}

  /**
   * Binds every address. A defaulted wildcard the host cannot bind (IPv6 disabled) is skipped with a warning;
   * a specific address that is not on the host yet (its tunnel is down) is retried until it appears; any
   * other failure (port taken, no permission) rejects with ListenError.
   */
  static async start(opts: ListenerOptions): Promise<BgpListener> {
    const l = new BgpListener(opts);
    try {
      for (const a of opts.addresses) await l.bind(a);
    } catch (e) {
      await l.close();
      throw e;
    }
    return l;
  }

  /** Addresses currently bound. */
  get bound(): string[] {
    return [...this.servers.keys()];
  }

  /** Address and port of every bound socket (the port matters when listening on port 0, as tests do). */
  addressInfo(): net.AddressInfo[] {
    return [...this.servers.values()].map((s) => s.address() as net.AddressInfo);
  }

  /**
   * Reload: listens on exactly these addresses now. New ones are bound (or retried as at start), removed ones closed;
   * sessions already connected are not affected (their sockets are not the listener's).
   */
  async setAddresses(addresses: readonly string[]): Promise<void> {
    const want = new Set(addresses);
    for (const [a, server] of [...this.servers]) {
      if (want.has(a)) continue;
      this.servers.delete(a);
      await new Promise<void>((r) => server.close(() => r()));
    }
    for (const [a, t] of [...this.retries]) {
      if (want.has(a)) continue;
      clearTimeout(t);
      this.retries.delete(a);
    }
    for (const a of want) if (!this.servers.has(a) && !this.retries.has(a)) await this.bind(a);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private async bind(address: string, retrying = false): Promise<void> {
    const { port, logger } = this.opts;
    try {
      const server = await listen(address, port, (s) => this.opts.onConnection(s));
      if (this.closed) {
        server.close();
        return;
      }
      server.on('error', (err) => logger.error({ err, address }, 'BGP listener error'));
      this.servers.set(address, server);
      logger.info({ address, port }, 'listening for BGP connections');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const unusable = err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EINVAL';
      if (WILDCARDS.has(address) && this.opts.defaulted && unusable) {
        logger.warn({ address, port, code: err.code }, 'skipping the default listen address: this host cannot bind it');
        return;
      }
      if (!WILDCARDS.has(address) && err.code === 'EADDRNOTAVAIL') {
        logger[retrying ? 'debug' : 'warn']({ address, port, retryMs: this.retryMs }, 'listen address is not on this host yet; retrying (is the tunnel up?)');
        this.scheduleRetry(address);
        return;
      }
      throw new ListenError(address, port, err);
    }
  }

  private get retryMs(): number {
    return this.opts.retryMs ?? 5000;
  }

  private scheduleRetry(address: string): void {
    const t = setTimeout(() => {
      this.retries.delete(address);
      if (this.closed) return;
      this.bind(address, true).catch((err: unknown) => this.opts.logger.error({ err, address }, 'cannot listen for BGP'));
    }, this.retryMs);
    this.retries.set(address, t);
  }
}
