// The status and error code of a failure from a port (a connector, the chunk store), by type and
// never by message. api/errors.ts answers requests with it and the job worker records it on a
// failed operation, so a connector's 409 reads the same in a response and in an operation.
import { ConnectorError, type ConnectorErrorKind } from "./ports/connector-error.ts";
import type { ErrorCode } from "../domain/app-error.ts";
import { StoreFailure, type StoreFailureKind } from "./ports/store-error.ts";

export type FailureStatus = [status: number, code: ErrorCode];

// A store that its key does not open is the server's problem (503 until an operator fixes it),
// never a 401 that clients would read as a bad token; an object store that cannot be reached is
// a 503 too (its message names the request and endpoint, so a failed operation says it). Corruption, I/O, config and internal
// failures are 500s.
const STORE_STATUS: Record<Exclude<StoreFailureKind, "image-io">, FailureStatus> = {
  "wrong-key": [503, "SERVICE_UNAVAILABLE"],
  unavailable: [503, "SERVICE_UNAVAILABLE"],
  cancelled: [409, "CONFLICT"],
  "not-found": [404, "NOT_FOUND"],
  conflict: [409, "CONFLICT"],
  "bad-argument": [400, "BAD_REQUEST"],
  internal: [500, "INTERNAL_ERROR"],
};

function storeStatus(err: StoreFailure): FailureStatus {
  // the disk being read or written failed: its own error (a connector's) says how
  if (err.kind === "image-io") return portFailureStatus(err.cause) ?? [500, "INTERNAL_ERROR"];
  return STORE_STATUS[err.kind];
}

const CONNECTOR_STATUS: Record<ConnectorErrorKind, FailureStatus> = {
  "not-found": [404, "NOT_FOUND"],
  conflict: [409, "CONFLICT"],
  "bad-argument": [400, "BAD_REQUEST"],
  precondition: [412, "PRECONDITION_FAILED"],
  unavailable: [503, "SERVICE_UNAVAILABLE"],
  corrupt: [500, "INTERNAL_ERROR"],
};

/** The status of a store or connector error; undefined for anything else. */
export function portFailureStatus(err: unknown): FailureStatus | undefined {
  if (err instanceof StoreFailure) return storeStatus(err);
  if (err instanceof ConnectorError) return CONNECTOR_STATUS[err.kind];
  return undefined;
}
