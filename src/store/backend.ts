// The narrow blob interface the engine talks to. Keys are '/'-separated relative names
// ("packs/ab/abcd…", "backups/<id>"). Implemented on a local directory (backends/local-dir.ts)
// and on an S3-compatible bucket (backends/s3.ts); both pass the same contract suite
// (test-support/backend-contract.ts).

export interface BlobInfo {
  key: string;
  size: number;
  mtimeMs: number;
}

/** A blob written in pieces (a pack filled as its chunks arrive); see BlobBackend.create. */
export interface BlobWriter {
  /** Writes parts back to back from offset; writes to disjoint ranges may run at once. */
  write(parts: readonly Uint8Array[], offset: number): Promise<void>;
  /** Makes the blob visible under its key, as durable as put() once flush() has returned. */
  commit(): Promise<void>;
  /** Discards what was written; the key stays as it was. */
  abort(): Promise<void>;
}

export interface PutOptions {
  /**
   * Visible is enough: the blob need not survive a crash of the machine (coordination files
   * that only matter while their writer lives). A directory skips the fsync.
   */
  volatile?: boolean;
}

export interface BlobBackend {
  /**
   * How long a GC lock or backup session lives without a renewal (lease.ts; default 60 s).
   * Stores shared by several machines need the machines' clocks to agree to well within it.
   */
  readonly leaseMs?: number | undefined;
  /** Stores the blob so that it survives a crash once flush() has returned. Replaces atomically. */
  put(key: string, data: Uint8Array | readonly Uint8Array[], opts?: PutOptions): Promise<void>;
  /**
   * Starts a blob that is written in pieces and appears whole at commit() (a directory: a
   * temporary file renamed; an object store: a multipart upload, or pieces kept until one PUT).
   * The caller's buffers are free again once each write() resolves. keepCached: the blob is read
   * back soon (a backup's verify-after-write), so a directory keeps its pages cached until uncache().
   */
  create(key: string, opts?: { keepCached?: boolean }): Promise<BlobWriter>;
  /** Makes every put() since the last flush durable (for a directory: fsync the parent dirs). */
  flush(): Promise<void>;
  /** Creates the blob durably and atomically (whole or not at all) only if absent; false when it already exists (lock files). */
  putExclusive(key: string, data: Uint8Array): Promise<boolean>;
  /** The whole blob; rejects with code "ENOENT" when absent. */
  get(key: string): Promise<Buffer>;
  has(key: string): Promise<boolean>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Every blob whose key starts with prefix (prefix ends with "/"). Throws on listing errors. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Like list() but keys only (cheaper where sizes cost extra calls). */
  listKeys(prefix: string): Promise<string[]>;
  /**
   * Reads blob bytes [offset, offset + target.length) into target (no allocation); returns the
   * bytes read (fewer when the blob ends first). Rejects with "ENOENT" when absent.
   */
  readAt(key: string, offset: number, target: Uint8Array): Promise<number>;
  /** Drops the blob's cached pages, once a blob created with keepCached has been read back. Advisory: never rejects. */
  uncache?(key: string): Promise<void>;
  /** Removes the blob; absent blobs are not an error. */
  delete(key: string): Promise<void>;
  /**
   * Until when the storage itself refuses to delete the blob (S3 Object Lock retention), or
   * null when it does not (never retained, or the retention has passed). Absent on backends
   * that cannot lock: GC then treats every blob as deletable.
   */
  retainedUntil?(key: string): Promise<Date | null>;
  /**
   * Where the store is (no credentials), for a store whose blobs are remote: its index blobs
   * are then kept on local disk between processes (index-disk-cache.ts). Absent on a directory.
   */
  cacheName?(): string;
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "ENOENT";
}
