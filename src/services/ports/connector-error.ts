// Errors a hypervisor connector reports (part of its port), in its own terms: src/api/errors.ts
// maps each kind to an HTTP status, and services may branch on the kind (an unknown object, a
// wrong state) by type.

export type ConnectorErrorKind = "not-found" | "conflict" | "bad-argument" | "precondition" | "unavailable" | "corrupt";

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  constructor(kind: ConnectorErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ConnectorError";
    this.kind = kind;
  }
}

/** True when `err` is a connector's failure of that kind (an unknown VM, a wrong power state...). */
export function isConnectorError(err: unknown, kind: ConnectorErrorKind): err is ConnectorError {
  return err instanceof ConnectorError && err.kind === kind;
}
