// Errors a hypervisor connector reports, in its own terms: src/api/errors.ts maps each kind to an
// HTTP status, and services may branch on the kind (an unknown object, a wrong state) by type.

export type ConnectorErrorKind = "not-found" | "conflict" | "bad-argument" | "precondition" | "unavailable" | "corrupt";

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  constructor(kind: ConnectorErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ConnectorError";
    this.kind = kind;
  }
}
