// The real network for the BFD engine: UDP sockets per RFC 5881 (single hop), IPv4 and IPv6.
// RFC 5881 §4 (dst port 3784, src port 49152-65535 unique per session), §5 (TTL/Hop Limit 255, GTSM).

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { BfdListener, BfdNet, BfdTxSocket } from './engine';

export const BFD_CONTROL_PORT = 3784;
export const SRC_PORT_MIN = 49152;
export const SRC_PORT_MAX = 65535;

/**
 * GTSM on reception (RFC 5881 §5: "MUST discard ... TTL or Hop Limit not 255") cannot be done by Node:
 * dgram gives no access to IP_RECVTTL / IPV6_RECVHOPLIMIT ancillary data. What we check instead: the
 * socket is bound to the tunnel's local address and a packet must come from the configured peer
 * address (engine.ts). Where the full check matters, the host should drop the packets in the kernel;
 * these nftables rules do it (the realizer can install them in its table's input chain):
 */
export function gtsmNftRules(): string[] {
  return [
    `udp dport ${BFD_CONTROL_PORT} ip ttl != 255 drop`,
    `udp dport ${BFD_CONTROL_PORT} ip6 hoplimit != 255 drop`,
  ];
}

/** Link-local IPv6 needs its zone to bind or send; `ifname` supplies it. */
function withZone(addr: string, ifname: string | undefined): string {
  return ifname && isIPv6(addr) && addr.toLowerCase().startsWith('fe80') && !addr.includes('%') ? `${addr}%${ifname}` : addr;
}

function socketFor(addr: string): dgram.Socket {
  return dgram.createSocket({ type: isIPv6(addr.split('%')[0]!) ? 'udp6' : 'udp4', reuseAddr: false });
}

export class UdpBfdNet implements BfdNet {
  constructor(private readonly random: () => number = Math.random) {}

  listen(local: string, ifname: string | undefined, onPacket: (bytes: Uint8Array, from: string) => void, onError: (err: Error) => void): BfdListener {
    const sock = socketFor(local);
    sock.on('error', onError);
    sock.on('message', (msg, rinfo) => onPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo.address));
    sock.bind({ address: withZone(local, ifname), port: BFD_CONTROL_PORT, exclusive: true });
    return { close: () => sock.close() };
  }

  openTx(local: string, ifname: string | undefined, onError: (err: Error) => void, peer?: string): BfdTxSocket {
    let sock: dgram.Socket | undefined;
    let ready = false;
    /** The peer the socket is connected to: its sends skip Node's per-packet address lookup. */
    let connectedTo: string | undefined;
    let closing = false;
    let pending = 0;
    const queue: [Uint8Array, string][] = [];
    const flush = () => {
      for (const [b, p] of queue.splice(0)) send(b, p);
    };
    // A connected socket hears the peer's ICMP port unreachable (its BFD not running yet) as ECONNREFUSED, on a
    // later send or as a socket error; an unconnected one never does, and it does not matter: BFD's timers decide.
    const report = (err: Error) => {
      if (!closing && (err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') onError(err);
    };
    const sent = (err: Error | null) => {
      pending -= 1;
      if (err) report(err);
      if (closing && pending === 0) sock!.close();
    };
    const send = (bytes: Uint8Array, to: string) => {
      pending += 1;
      if (to === connectedTo) sock!.send(bytes, sent);
      else sock!.send(bytes, BFD_CONTROL_PORT, withZone(to, ifname), sent);
    };
    const becomeReady = (s: dgram.Socket) => {
      s.on('error', report);
      sock = s;
      ready = true;
      flush();
      if (closing && pending === 0) s.close();
    };
    // A random source port from the range, retried on collision (RFC 5881 §4: SHOULD be unique per session).
    const tryBind = (attempt: number) => {
      const port = SRC_PORT_MIN + Math.floor(this.random() * (SRC_PORT_MAX - SRC_PORT_MIN + 1));
      const s = socketFor(local);
      s.once('error', (err: NodeJS.ErrnoException) => {
        s.close();
        if (err.code === 'EADDRINUSE' && attempt < 50) tryBind(attempt + 1);
        else onError(err);
      });
      s.bind({ address: withZone(local, ifname), port, exclusive: true }, () => {
        s.removeAllListeners('error');
        s.setTTL(255); // libuv sets IPV6_UNICAST_HOPS on udp6 sockets
        if (peer === undefined) return becomeReady(s);
        // Connected to the session's one peer: ~7 packets a second per session at 300 ms, thousands on a hub, each
        // otherwise resolved as an address by Node before it is sent. Without a route yet (connect fails), it
        // sends unconnected, as before.
        s.once('error', () => becomeReady(s));
        s.connect(BFD_CONTROL_PORT, withZone(peer, ifname), () => {
          s.removeAllListeners('error');
          connectedTo = peer;
          becomeReady(s);
        });
      });
    };
    tryBind(0);
    return {
      send: (bytes, peer) => {
        if (closing) return;
        if (ready) send(bytes, peer);
        else queue.push([bytes, peer]);
      },
      close: () => {
        if (closing) return;
        closing = true;
        if (ready) {
          flush();
          if (pending === 0) sock!.close();
        }
      },
    };
  }
}
