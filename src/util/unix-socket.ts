// Whether something listens on a Unix socket: the control socket of a running daemon, wireguard-go's UAPI socket.
// A file at the path is not enough: it appears at bind(), and outlives a process that crashed.

import { connect } from 'node:net';

/** True when something accepts connections on the Unix socket at `path` (a connection is made, then closed). */
export function acceptsConnections(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
