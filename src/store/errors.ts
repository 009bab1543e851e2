// Errors the store throws. All extend AppError so the API layer maps them without special cases.
import { AppError } from "../domain/app-error.ts";

/** A stored chunk (or manifest) failed its hash, authentication or framing check. Never returns bytes. */
export class ChunkCorruptError extends AppError {
  readonly chunkId: string;
  constructor(chunkId: string, reason: string) {
    super(500, "INTERNAL_ERROR", `chunk ${chunkId} is corrupt: ${reason}`);
    this.name = "ChunkCorruptError";
    this.chunkId = chunkId;
  }
}

/** A chunk a manifest references is not in the store. */
export class ChunkMissingError extends AppError {
  readonly chunkId: string;
  constructor(chunkId: string) {
    super(500, "INTERNAL_ERROR", `chunk ${chunkId} is missing from the store`);
    this.name = "ChunkMissingError";
    this.chunkId = chunkId;
  }
}

/** The passphrase or key file does not open this store. */
export class WrongKeyError extends AppError {
  constructor(message = "wrong passphrase or key file for this store") {
    super(401, "UNAUTHENTICATED", message);
    this.name = "WrongKeyError";
  }
}

/** Another GC holds the store's GC lock. */
export class GcLockedError extends AppError {
  constructor() {
    super(409, "CONFLICT", "another garbage collection is running on this store");
    this.name = "GcLockedError";
  }
}

/** A concurrent GC removed a chunk this backup relied on; the backup was not recorded and may be retried. */
export class ConcurrentGcError extends AppError {
  constructor(missing: number) {
    super(409, "CONFLICT", `backup aborted: ${missing} reused chunk(s) were collected by a concurrent GC; retry`);
    this.name = "ConcurrentGcError";
  }
}

export class BackupNotFoundError extends AppError {
  constructor(backupId: string) {
    super(404, "NOT_FOUND", `backup ${backupId} not found`);
    this.name = "BackupNotFoundError";
  }
}
