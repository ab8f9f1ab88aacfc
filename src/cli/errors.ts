// How a failed command reports itself: one clear text for people (system call errors in words, with what to do),
// or, with --json, one JSON object on stdout ({ "error": { code, message, issues? } }) for scripts.

import { ControlApiError } from '../api/errors';

/** One problem of a file, as the config, topology and scenario loaders report them. */
interface FileIssue {
  line: number;
  path: string;
  message: string;
  fix?: string;
}

export interface CliErrorJson {
  error: {
    /** Stable code: ERR_CONFIG, ERR_TOPOLOGY, ERR_DAEMON_NOT_RUNNING, EACCES, usage, ... */
    code: string;
    message: string;
    /** The file the issues are in, and the kind it was checked as (validate). */
    file?: string;
    kind?: string;
    issues?: FileIssue[];
    /** The daemon's own code when the control API refused the request (e.g. ERR_CONFIG for a refused reload). */
    apiCode?: string;
  };
}

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not on this host',
  ECONNREFUSED: 'connection refused',
  EBUSY: 'busy',
  ENOTEMPTY: 'the directory is not empty',
};

const SYSCALL_VERBS: Record<string, string> = {
  scandir: 'list',
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the directory',
  rmdir: 'remove the directory',
  rm: 'remove',
  unlink: 'remove',
  rename: 'rename',
  stat: 'look at',
  lstat: 'look at',
  access: 'access',
  chmod: 'change the mode of',
  chown: 'change the owner of',
  connect: 'connect to',
  bind: 'listen on',
  listen: 'listen on',
  spawn: 'run',
  copyfile: 'copy',
  symlink: 'link',
};

interface ErrnoLike {
  code: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
}

/** Duck-typed: errors made by Node's own modules may come from another realm (vm, jest) than `Error`. */
function isErrno(e: unknown): e is Error & ErrnoLike {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { syscall?: unknown }).syscall === 'string';
}

/**
 * A system call error in words: "cannot list /run/bgpfo-lab: permission denied (run as root ...)" instead of
 * "EACCES: permission denied, scandir '/run/bgpfo-lab'". Undefined for other errors.
 */
export function errnoMessage(e: unknown, isRoot = process.getuid?.() === 0): string | undefined {
  if (!isErrno(e)) return undefined;
  const words = ERRNO_WORDS[e.code];
  if (!words) return undefined;
  const syscall = e.syscall!.replace(/^spawn\s.*/, 'spawn');
  const verb = SYSCALL_VERBS[syscall] ?? syscall;
  const what = e.path ?? (e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : (/^spawn\s+(\S+)/.exec(e.syscall!)?.[1] ?? ''));
  const hint =
    (e.code === 'EACCES' || e.code === 'EPERM') && !isRoot
      ? ' (run it as root, or as a member of the group that owns it)'
      : e.code === 'ENOENT' && syscall === 'spawn'
        ? ' (the program is not installed or not on PATH)'
        : '';
  return `cannot ${verb}${what ? ` ${what}` : ''}: ${words}${hint}`;
}

function fileIssues(e: unknown): { file?: string; issues?: FileIssue[] } {
  const x = e as { file?: unknown; issues?: unknown };
  if (!Array.isArray(x.issues)) return {};
  const issues = (x.issues as FileIssue[]).map((i) => ({ line: i.line, path: i.path, message: i.message, ...(i.fix ? { fix: i.fix } : {}) }));
  const kind = (e as { kind?: unknown }).kind;
  return { ...(typeof x.file === 'string' ? { file: x.file } : {}), ...(typeof kind === 'string' ? { kind } : {}), issues };
}

/** The text a person sees on stderr for an error that is not a bug. */
export function humanMessage(e: unknown): string {
  return errnoMessage(e) ?? (typeof (e as { message?: unknown })?.message === 'string' ? (e as Error).message : String(e));
}

/** The JSON a script sees on stdout for any error. `code` falls back to 'ERR_INTERNAL' for bugs. */
export function errorJson(e: unknown, fallbackCode = 'ERR_INTERNAL'): CliErrorJson {
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : fallbackCode;
  const message = humanMessage(e);
  return {
    error: {
      code,
      message,
      ...fileIssues(e),
      ...(e instanceof ControlApiError || typeof (e as { apiCode?: unknown }).apiCode === 'string' ? { apiCode: (e as { apiCode: string }).apiCode } : {}),
    },
  };
}
