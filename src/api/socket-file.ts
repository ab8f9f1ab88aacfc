// The control socket's file-system side: group lookup, the 0750 directory, stale-socket detection.
// Access control is by file permissions only (root or control.group), so these must be right before listen.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, chownSync, chmodSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ControlSocketInUse } from './errors';

/** A group's id from its name or number: /etc/group first, then NSS via getent. Throws when unknown. */
export function resolveGroup(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , gid] = line.split(':');
      if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
    }
  } catch {
    // fall through to getent
  }
  try {
    const out = execFileSync('getent', ['group', group], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const gid = out.split(':')[2];
    if (gid && /^\d+$/.test(gid)) return Number(gid);
  } catch {
    // unknown
  }
  throw new Error(`control.group "${group}" is not a group on this host (create it with: groupadd ${group})`);
}

/** Creates the socket's directory (mode 0750, group gid) when missing; an existing directory is left alone. */
export function ensureSocketDir(socketPath: string, gid: number | undefined): void {
  const dir = dirname(socketPath);
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  chmodSync(dir, 0o750); // mkdir's mode is filtered by the umask
  if (gid !== undefined) chownSync(dir, process.getuid?.() ?? 0, gid);
}

/** True when something accepts connections on the Unix socket at path. */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Makes the path free for listen(): a socket left by a crashed daemon is removed; a live one, or a
 * file that is not a socket, is an error (we never delete what we did not create).
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new ControlSocketInUse(`${path} exists and is not a socket; remove it or set control.socket`);
  if (await probe(path)) throw new ControlSocketInUse(`another bgpfo daemon is already running on ${path}`);
  unlinkSync(path);
}

/** Sets mode 0660 and owner (our uid, gid) on the socket file. */
export function secureSocket(path: string, gid: number | undefined): void {
  chownSync(path, process.getuid?.() ?? 0, gid ?? process.getgid?.() ?? 0);
  chmodSync(path, 0o660);
}
