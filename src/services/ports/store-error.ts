// Failures a chunk store reports (part of the ChunkStores port), in its own terms: src/store/
// errors.ts derives every error it throws from StoreFailure and says its kind, so services and
// api/ map a store failure by kind without importing the store.

export type StoreFailureKind =
  /** the key does not open the store: the server's problem, never a client's bad token */
  | "wrong-key"
  /** the caller's image reader or writer failed; `cause` is its own error */
  | "image-io"
  | "cancelled"
  | "not-found"
  /** a lock, a concurrent GC or an existing store stands in the way */
  | "conflict"
  | "bad-argument"
  /** the object store holding the store cannot be reached or fails (network, 5xx, a refused bucket) */
  | "unavailable"
  /** corruption, I/O, configuration or a bug */
  | "internal";

export class StoreFailure extends Error {
  readonly kind: StoreFailureKind;
  constructor(kind: StoreFailureKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "StoreFailure";
    this.kind = kind;
  }
}
