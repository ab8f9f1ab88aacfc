// The control socket's file-system side: group lookup, the 0750 directory, stale-socket detection.
// Access control is by file permissions only (root or control.group), so these must be right before listen.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, chownSync, chmodSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { acceptsConnections } from '../util/unix-socket';
import { ControlSocketInUse } from './errors';

/** control.group names no group on this host: found before anything is bound (the daemon) or by `bgpfo validate`. */
export class UnknownControlGroup extends Error {
  readonly code = 'ERR_CONTROL_GROUP';
  constructor(readonly group: string) {
    super(`control.group "${group}" is not a group on this host: create it (groupadd ${group}) or remove control.group (then only root can use the control socket)`);
    this.name = 'UnknownControlGroup';
  }
}

/** `bgpfo validate`'s host check: control.group must exist here (the daemon would refuse to start). */
export function checkControlGroup(group: string | undefined, file: string): void {
  if (group === undefined) return;
  try {
    resolveGroup(group);
  } catch (e) {
    if (e instanceof UnknownControlGroup) e.message = `${file}: ${e.message}`;
    throw e;
  }
}

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
  throw new UnknownControlGroup(group);
}

/**
 * Makes the socket's directory reachable by root and control.group only (mode 0750, group gid). A missing one is
 * created. An existing one is adjusted only when it is ours alone: owned by us and holding nothing but the socket
 * (systemd's RuntimeDirectory=bgpfo creates /run/bgpfo as root:root 0750, which would lock the group out); a shared
 * directory (/run, /tmp) is never touched. Returns what was done, for the log.
 */
export function ensureSocketDir(socketPath: string, gid: number | undefined): 'created' | 'adjusted' | 'unchanged' | 'shared' {
  const dir = dirname(socketPath);
  const uid = process.getuid?.() ?? 0;
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    chmodSync(dir, 0o750); // mkdir's mode is filtered by the umask
    if (gid !== undefined) chownSync(dir, uid, gid);
    return 'created';
  }
  if (gid === undefined) return 'unchanged';
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid) return 'shared';
  // The socket's instance lock (src/daemon/instance-lock.ts) belongs to the socket too.
  const others = readdirSync(dir).filter((f) => f !== basename(socketPath) && f !== `${basename(socketPath)}.lock`);
  if (others.length > 0) return 'shared';
  if (st.gid === gid && (st.mode & 0o777) === 0o750) return 'unchanged';
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o750);
  return 'adjusted';
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
  if (await acceptsConnections(path)) throw new ControlSocketInUse(`another bgpfo daemon is already running on ${path}`);
  unlinkSync(path);
}

/** Sets mode 0660 and owner (our uid, gid) on the socket file. */
export function secureSocket(path: string, gid: number | undefined): void {
  chownSync(path, process.getuid?.() ?? 0, gid ?? process.getgid?.() ?? 0);
  chmodSync(path, 0o660);
}
