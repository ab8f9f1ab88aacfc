// Errors of the control socket with stable `code` strings, worded for the operator who typed the command:
// one line that says what is wrong and what to do.

export class ControlError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

/** No socket file, or nothing listening on it. */
export class DaemonNotRunning extends ControlError {
  readonly socketPath: string;
  constructor(socketPath: string, detail: 'missing' | 'refused') {
    const why = detail === 'missing' ? `no control socket at ${socketPath}` : `nothing is listening on ${socketPath}`;
    super('ERR_DAEMON_NOT_RUNNING', `bgpfo daemon is not running (${why}); start it with: bgpfo daemon --config FILE`);
    this.name = 'DaemonNotRunning';
    this.socketPath = socketPath;
  }
}

export class ControlPermissionDenied extends ControlError {
  constructor(socketPath: string) {
    super(
      'ERR_CONTROL_PERMISSION',
      `permission denied on ${socketPath}: run as root or as a member of the group set in control.group`,
    );
    this.name = 'ControlPermissionDenied';
  }
}

export class ControlTimeout extends ControlError {
  constructor(socketPath: string, ms: number) {
    super('ERR_CONTROL_TIMEOUT', `the daemon did not answer on ${socketPath} within ${ms} ms`);
    this.name = 'ControlTimeout';
  }
}

/** The daemon answered with an error status (e.g. 404 for an unknown neighbor). */
export class ControlApiError extends ControlError {
  readonly status: number;
  readonly apiCode: string;
  constructor(status: number, apiCode: string, message: string) {
    super('ERR_CONTROL_API', message);
    this.name = 'ControlApiError';
    this.status = status;
    this.apiCode = apiCode;
  }
}

/** Another daemon already serves the socket path, or the path is something else. */
export class ControlSocketInUse extends ControlError {
  constructor(message: string) {
    super('ERR_CONTROL_SOCKET_IN_USE', message);
    this.name = 'ControlSocketInUse';
  }
}
