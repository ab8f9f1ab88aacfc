// The lab's errors: one class with a stable `code` (ERR_LAB_*), so the CLI prints the message alone and
// scripts and tests can tell a usage mistake from a timeout or a conflict with another lab.

export type LabErrorCode =
  | 'ERR_LAB_USAGE'
  | 'ERR_LAB_ROOT'
  | 'ERR_LAB_EXISTS'
  | 'ERR_LAB_CONFLICT'
  | 'ERR_LAB_TOOLS'
  | 'ERR_LAB_UNSUPPORTED'
  | 'ERR_LAB_STATE'
  | 'ERR_LAB_SPAWN'
  | 'ERR_LAB_TIMEOUT'
  | 'ERR_LAB_SESSIONS'
  | 'ERR_LAB_ABORTED'
  | 'ERR_LAB_EXEC'
  | 'ERR_LAB_DOWN';

export class LabError extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}
