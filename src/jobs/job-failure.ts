// What a failed job records on its operation: the error's own message where it is written for
// users, with the server's private paths taken out, and the error code a request would answer.
import { ConnectorError } from "../connectors/connector-error.ts";
import { AppError } from "../domain/app-error.ts";
import { redactPrivatePaths } from "../domain/private-paths.ts";
import { portFailureStatus } from "../services/failure-status.ts";
import { TransientJobError } from "./job-handler.ts";

export interface JobFailure {
  message: string;
  code: string;
  /** Not a refusal the job meant to report: worth an error in the log. */
  unexpected: boolean;
}

const GENERIC = "internal error while running the operation";

/**
 * PostgreSQL chose this job's transaction as a deadlock victim, or could not serialise it: the
 * transaction was rolled back whole, so running the job again is safe and usually succeeds
 * (two transactions that bump the same collection versions in opposite orders meet this way).
 */
export function isRetryableDatabaseError(err: unknown): boolean {
  const code = err !== null && typeof err === "object" && "code" in err ? err.code : undefined;
  return code === "40P01" || code === "40001";
}

export function describeFailure(err: unknown): JobFailure {
  if (err instanceof AppError) return { message: redactPrivatePaths(err.message), code: err.errorCode, unexpected: err.httpStatusCode >= 500 };
  if (err instanceof TransientJobError) return { message: redactPrivatePaths(err.message), code: "RETRIES_EXHAUSTED", unexpected: false };
  const port = portFailureStatus(err);
  if (port && err instanceof Error) {
    const [status, code] = port;
    // A connector says what went wrong in the hypervisor's terms (a damaged lab file included);
    // a store's corruption or I/O failure may carry file system details, so it stays generic.
    const told = err instanceof ConnectorError || status < 500 || status === 503;
    return { message: told ? redactPrivatePaths(err.message) : GENERIC, code, unexpected: status >= 500 };
  }
  return { message: GENERIC, code: "INTERNAL_ERROR", unexpected: true };
}
