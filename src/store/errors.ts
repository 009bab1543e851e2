// Errors the store throws: every one is a StoreError with a stable `code` callers can switch on.
// They are the store's own types, not HTTP errors: src/api/errors.ts maps each class to a status
// (a wrong store key is a server-side problem, never a token failure). ProtectionStore's public
// methods wrap whatever else escapes (fs, JSON, codec) at the boundary (wrapStoreError), so
// `open`, `backup`, `restore`, `verify`, `gc`, `copy` and the rest only ever reject with these.
// Each is a StoreFailure of the ChunkStores port, whose kind tells services how to report it.
import { StoreFailure, type StoreFailureKind } from "../services/ports/store-error.ts";

export class StoreError extends StoreFailure {
  /** Stable machine-readable kind, e.g. "CHUNK_CORRUPT" (never an errno such as "ENOENT"). */
  readonly code: string;
  constructor(code: string, message: string, options: { cause?: unknown; kind?: StoreFailureKind } = {}) {
    super(options.kind ?? "internal", message, { cause: options.cause });
    this.name = "StoreError";
    this.code = code;
  }
}

/** config.json is missing a field, has one out of range or of the wrong type, or contradicts the store's data. */
export class StoreConfigError extends StoreError {
  /** dotted path of the offending field ("chunking.maxSize"), or "config.json" for the file as a whole */
  readonly field: string;
  constructor(field: string, problem: string, options: { cause?: unknown } = {}) {
    super("STORE_CONFIG_INVALID", `store config.json is invalid: ${field}: ${problem}`, options);
    this.name = "StoreConfigError";
    this.field = field;
  }
}

/** No protection store at that place (no config.json). */
export class StoreNotFoundError extends StoreError {
  constructor(message = "no protection store there (config.json missing)") {
    super("STORE_NOT_FOUND", message, { kind: "not-found" });
    this.name = "StoreNotFoundError";
  }
}

export class StoreExistsError extends StoreError {
  constructor() {
    super("STORE_EXISTS", "a protection store already exists there", { kind: "conflict" });
    this.name = "StoreExistsError";
  }
}

/** A caller's argument the store cannot act on (a bad range, a stream where a path is needed). */
export class StoreArgumentError extends StoreError {
  constructor(message: string) {
    super("STORE_BAD_ARGUMENT", message, { kind: "bad-argument" });
    this.name = "StoreArgumentError";
  }
}

/** Something the store holds is damaged or gone; subclasses say what. */
export class StoreCorruptionError extends StoreError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = "StoreCorruptionError";
  }
}

/** A stored chunk failed its hash, authentication or framing check. Never returns bytes. */
export class ChunkCorruptError extends StoreCorruptionError {
  readonly chunkId: string;
  constructor(chunkId: string, reason: string) {
    super("CHUNK_CORRUPT", `chunk ${chunkId} is corrupt: ${reason}`);
    this.name = "ChunkCorruptError";
    this.chunkId = chunkId;
  }
}

/** A chunk a manifest references is not in the store. */
export class ChunkMissingError extends StoreCorruptionError {
  readonly chunkId: string;
  constructor(chunkId: string) {
    super("CHUNK_MISSING", `chunk ${chunkId} is missing from the store`);
    this.name = "ChunkMissingError";
    this.chunkId = chunkId;
  }
}

/** A backup's manifest cannot be read or decoded. */
export class ManifestCorruptError extends StoreCorruptionError {
  readonly backupId: string;
  constructor(backupId: string, reason: string, options: { cause?: unknown } = {}) {
    super("MANIFEST_CORRUPT", `manifest of backup ${backupId} is damaged: ${reason}`, options);
    this.name = "ManifestCorruptError";
    this.backupId = backupId;
  }
}

export const REPAIR_HINT = "rebuild the index from the packs with `obr store repair-index <store dir>`";

/**
 * Index blobs could not be read (or packs have none), and what the operation needed may have
 * been in them: the chunks are most likely still in their packs, whose trailers repeat each
 * pack's index.
 */
export class StoreIndexDamagedError extends StoreCorruptionError {
  readonly indexes: readonly string[];
  constructor(indexes: readonly string[], needed: string, unindexedPacks = 0) {
    const damage = [
      indexes.length > 0 ? `${indexes.length} index blob(s) cannot be read (${indexes.slice(0, 3).join(", ")}${indexes.length > 3 ? ", …" : ""})` : "",
      unindexedPacks > 0 ? `${unindexedPacks} pack(s) have no index` : "",
    ].filter(Boolean);
    super("INDEX_DAMAGED", `${needed}, and ${damage.join(" and ")}: ${REPAIR_HINT}`);
    this.name = "StoreIndexDamagedError";
    this.indexes = indexes;
  }
}

/** The passphrase or key file does not open this store. */
export class WrongKeyError extends StoreError {
  constructor(message = "wrong passphrase or key file for this store") {
    super("WRONG_KEY", message, { kind: "wrong-key" });
    this.name = "WrongKeyError";
  }
}

/** Someone else holds one of the store's locks. */
export class StoreLockedError extends StoreError {
  constructor(code: string, message: string) {
    super(code, message, { kind: "conflict" });
    this.name = "StoreLockedError";
  }
}

/** Another GC (or an index repair) holds the store's GC lock. */
export class GcLockedError extends StoreLockedError {
  constructor() {
    super("GC_LOCKED", "another garbage collection or index repair is running on this store");
    this.name = "GcLockedError";
  }
}

/** The GC lock's lease lapsed (its holder was silent for a whole lease) or was taken over: the GC stopped. */
export class GcLeaseLostError extends StoreLockedError {
  constructor(reason: string) {
    super("GC_LEASE_LOST", `garbage collection stopped: it lost the GC lock (${reason}); run it again`);
    this.name = "GcLeaseLostError";
  }
}

/** A concurrent GC removed a chunk this backup relied on; the backup was not recorded and may be retried. */
export class ConcurrentGcError extends StoreError {
  constructor(missing: number) {
    super("CONCURRENT_GC", `backup aborted: ${missing} reused chunk(s) were collected by a concurrent GC; retry`, { kind: "conflict" });
    this.name = "ConcurrentGcError";
  }
}

export class BackupNotFoundError extends StoreError {
  constructor(backupId: string) {
    super("BACKUP_NOT_FOUND", `backup ${backupId} not found`, { kind: "not-found" });
    this.name = "BackupNotFoundError";
  }
}

/** The caller's signal aborted the operation; nothing it started is listed (a partial backup's packs are garbage for GC). */
export class OperationCancelledError extends StoreError {
  constructor(op: string) {
    super("CANCELLED", `${op} was cancelled`, { kind: "cancelled" });
    this.name = "OperationCancelledError";
  }
}

/** Throws OperationCancelledError once the signal has aborted: called between batches of work. */
export function throwIfCancelled(signal: AbortSignal | undefined, op: string): void {
  if (signal?.aborted) throw new OperationCancelledError(op);
}

/**
 * The caller's image reader or writer (a snapshot's disk, a VM's disk) failed or broke its
 * contract; `cause` is its own error (a connector's, whose kind decides the status).
 */
export class ImageIoError extends StoreError {
  readonly side: "source" | "target";
  constructor(side: "source" | "target", message: string, options: { cause?: unknown } = {}) {
    super("IMAGE_IO", `${side} image: ${message}`, { ...options, kind: "image-io" });
    this.name = "ImageIoError";
    this.side = side;
  }
}

/** A file system (or object store) call failed; `errno` is its code ("ENOSPC", "EACCES", …). */
export class StoreIoError extends StoreError {
  readonly errno: string;
  constructor(errno: string, message: string, options: { cause?: unknown; kind?: StoreFailureKind } = {}) {
    super("STORE_IO", message, options);
    this.name = "StoreIoError";
    this.errno = errno;
  }
}

/**
 * An I/O failure of the object store holding the store: unreachable, failing (5xx), a cut
 * connection, or a bucket that is missing or refuses the credentials. Nothing of the store is
 * known to be damaged; the message names the request and the endpoint, never credentials.
 */
export class StoreUnavailableError extends StoreIoError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("EIO", message, { ...options, kind: "unavailable" });
    this.name = "StoreUnavailableError";
  }
}

/** Anything else that escaped an operation: a bug, or damage no check recognised. */
export class StoreInternalError extends StoreError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("STORE_INTERNAL", message, options);
    this.name = "StoreInternalError";
  }
}

/**
 * The boundary: a StoreError passes; an fs error becomes StoreIoError (its path shown relative to
 * the store root when inside it, so no server path reaches a client); anything else becomes
 * StoreInternalError, with the original kept as `cause`.
 */
export function wrapStoreError(err: unknown, op: string, root?: string): StoreError {
  if (err instanceof StoreError) return err;
  if (isObjectStoreOutage(err)) return new StoreUnavailableError(`${op} failed: ${err.syscall}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}`, { cause: err });
  if (err instanceof Error && "code" in err && typeof err.code === "string" && /^E[A-Z0-9]+$/.test(err.code)) {
    const syscall = "syscall" in err && typeof err.syscall === "string" ? err.syscall : "i/o";
    const path = "path" in err && typeof err.path === "string" ? err.path : null;
    const where = path && root && path.startsWith(`${root}/`) ? ` ${path.slice(root.length + 1)}` : "";
    return new StoreIoError(err.code, `${op} failed: ${syscall}${where}: ${err.code}`, { cause: err });
  }
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new StoreInternalError(`${op} failed: ${what}`, { cause: err });
}

/**
 * An S3 request (backends/s3-client.ts) that the object store did not answer (network) or failed
 * (5xx) after the client's retries, or whose body was cut short.
 */
function isObjectStoreOutage(err: unknown): err is Error & { syscall: string } {
  if (!(err instanceof Error && err.name === "S3RequestError" && "code" in err && err.code === "EIO" && "syscall" in err && typeof err.syscall === "string")) return false;
  const status = "status" in err ? err.status : undefined;
  return status === undefined || (typeof status === "number" && status >= 500);
}
