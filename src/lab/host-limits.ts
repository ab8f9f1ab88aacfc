// Host limits a big lab meets before anything of ours does: wireguard-go takes one inotify instance per tunnel end
// (it watches its control socket), and Linux allows 128 per user by default, so a lab past ~120 ends failed.

import { readFileSync, writeFileSync } from 'node:fs';

const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
/** Instances left for everything else root runs on the machine (systemd, editors, other labs). */
const HEADROOM = 256;

/**
 * Raises fs.inotify.max_user_instances so `wireguardEnds` more wireguard-go processes can start, and says what it
 * changed (undefined: nothing to change). Never lowers it; not restored at `lab down` (another lab may need it).
 */
export function ensureInotifyInstances(wireguardEnds: number, file = INOTIFY_INSTANCES): string | undefined {
  if (wireguardEnds === 0) return undefined;
  const now = Number(readFileSync(file, 'utf8').trim());
  const want = wireguardEnds + HEADROOM;
  if (!Number.isFinite(now) || now >= want) return undefined;
  try {
    writeFileSync(file, `${want}\n`);
  } catch (e) {
    return `warning: ${wireguardEnds} WireGuard tunnel ends need fs.inotify.max_user_instances >= ${want} (one per wireguard-go), it is ${now} and could not be raised (${(e as Error).message}): run sysctl -w fs.inotify.max_user_instances=${want}`;
  }
  return `raised fs.inotify.max_user_instances from ${now} to ${want}: each of the ${wireguardEnds} wireguard-go processes takes one (left raised after lab down)`;
}
