// What `obr`'s exit status means, for scripts (README "The command line" lists them).
export const EXIT = {
  OK: 0,
  /** Anything not covered below (a server error, a bug). */
  FAILURE: 1,
  /** Wrong arguments or options, an unreadable input file, a name that matches several objects. */
  USAGE: 2,
  /** Not logged in, the token request refused (wrong secret, locked out), or the role does not allow it. */
  AUTH: 3,
  /** The object named does not exist (or belongs to another workspace). */
  NOT_FOUND: 4,
  /** The server refused the request as it stands: 400/409/412/422 (bad input, wrong state). */
  REJECTED: 5,
  /** An operation waited for (--wait) ended FAILED, CANCELLED or TIMEDOUT. */
  OPERATION_FAILED: 6,
  /** The server could not be reached. */
  UNREACHABLE: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line with its exit code (never a stack). */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}
