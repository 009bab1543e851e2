// The public engine: one ProtectionStore per store directory (or other BlobBackend).
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { BackedUpImage, ImageBackupOptions, ImageCopyOptions, ImageLock, ImageReader, ImageStore, ImageVerification, ImageVerifyOptions, ImageWork, ImageWriter, StoredImage, VerifiedOnWrite } from "../services/infrastructure/image-store.ts";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { BackupOptions, StoreContext } from "./backup.ts";
import { runBackup } from "./backup.ts";
import type { ProgressFn } from "./backup-full.ts";
import { LocalDirBackend } from "./backends/local-dir.ts";
import type { IdHash } from "./chunk-codec.ts";
import type { ChunkingParams } from "./chunker.ts";
import { DEFAULT_CHUNKING } from "./chunker.ts";
import type { CopyEnd, CopyReport } from "./copy.ts";
import { copyBackupTo } from "./copy.ts";
import type { KeySource, StoreKeys } from "./crypto.ts";
import { createEncryption, openEncryption } from "./crypto.ts";
import { checkConfigAgainstData, sampleData } from "./config-evidence.ts";
import { BackupNotFoundError, ManifestCorruptError, StoreArgumentError, StoreConfigError, wrapStoreError } from "./errors.ts";
import type { GcOptions, GcReport } from "./gc.ts";
import { runGc } from "./gc.ts";
import { restoreIntoWriter, storedImage } from "./image-io.ts";
import { imageObjectKeys, lockImageObjects, lockSupport } from "./image-lock.ts";
import type { ImageSource } from "./image-source.ts";
import { verifyImageChunks } from "./image-verify.ts";
import type { Manifest } from "./manifest.ts";
import { BACKUP_PREFIX, listBackupIds, readManifest, validBackupId } from "./manifest.ts";
import { DropBehind } from "../platform/page-cache.ts";
import { restoreRange } from "./restore.ts";
import { writevAll } from "./write-all.ts";
import type { StoreStats } from "./stats.ts";
import { computeStats } from "./stats.ts";
import type { StoreConfig } from "./store-config.ts";
import { readConfig, validateConfig, writeNewConfig } from "./store-config.ts";
import type { RepairReport } from "./repair-index.ts";
import { runRepairIndex } from "./repair-index.ts";
import type { VerifyReport } from "./verify.ts";
import { runVerify } from "./verify.ts";
import { IndexDiskCache } from "./index-disk-cache.ts";
import { IndexCache, loadChunkIndex } from "./index-load.ts";
import { sharedThreadPool, ThreadPool, WorkerPool } from "./worker-pool.ts";
import { WrittenPackCheck } from "./written-pack-check.ts";

export interface OpenOptions extends KeySource {
  /** Worker threads for hashing/compression (default: one per core). */
  threads?: number;
  /**
   * Where a remote (S3) store's index blobs are kept on local disk between processes, one
   * directory per store under it (index-disk-cache.ts); absent: no copies, every process
   * fetches them. A directory store ignores it.
   */
  cacheDir?: string;
}

export interface CreateOptions extends OpenOptions {
  /** Encrypt the store (needs passphrase or keyFile). Default: encrypted iff a key is given. */
  encrypt?: boolean;
  chunking?: ChunkingParams;
  zstdLevel?: number;
  /** Chunk id hash (default BLAKE3; "sha256" for compatibility with older obr). */
  idHash?: IdHash;
  /** scrypt cost (default 2^15); tests lower it. */
  scryptN?: number;
}

export interface RestoreOptions {
  /** Restore only [offset, offset + length) of the image, written at the target's start. */
  range?: { offset: number; length: number };
  onProgress?: ProgressFn;
  /** fsync the target before returning (default false, like restic and borg). */
  sync?: boolean;
  /** Aborting ends the restore with OperationCancelledError within one batch. */
  signal?: AbortSignal;
}

export type BackupSummary = Pick<Manifest, "backupId" | "createdAt" | "parent" | "size" | "label" | "stats">;

export class ProtectionStore implements ImageStore {
  readonly backend: BlobBackend;
  readonly config: StoreConfig;
  readonly #keys: StoreKeys | null;
  /** A pool of the store's own when `threads` was given (closed with the store), else the shared one. */
  readonly #ownThreads: ThreadPool | null;
  readonly #pool: WorkerPool;
  readonly #indexCache: IndexCache;
  /** "" when the store's storage enforces locks, else why not (asked of the bucket once). */
  readonly #lockSupport: () => Promise<string>;

  private constructor(backend: BlobBackend, config: StoreConfig, keys: StoreKeys | null, opts: OpenOptions) {
    const { threads } = opts;
    this.backend = backend;
    this.config = config;
    this.#keys = keys;
    this.#indexCache = new IndexCache(IndexDiskCache.of(opts.cacheDir, backend, config));
    // started now: the threads boot while the caller's first operation lists and reads metadata
    this.#ownThreads = threads ? new ThreadPool({ threads }) : null;
    const profile = { encKey: keys?.encKey ?? null, idKey: keys?.idKey ?? null, chunking: config.chunking, zstdLevel: config.zstdLevel, idHash: this.idHash };
    this.#pool = new WorkerPool(this.#ownThreads ?? sharedThreadPool(), profile);
    this.#lockSupport = lockSupport(backend);
  }

  static create(dir: string, opts: CreateOptions = {}): Promise<ProtectionStore> {
    return ProtectionStore.createOn(new LocalDirBackend(dir), opts);
  }

  static open(dir: string, opts: OpenOptions = {}): Promise<ProtectionStore> {
    return ProtectionStore.openOn(new LocalDirBackend(dir), opts);
  }

  static createOn(backend: BlobBackend, opts: CreateOptions = {}): Promise<ProtectionStore> {
    return guard("create", backend, async () => {
      const encrypt = opts.encrypt ?? (opts.passphrase !== undefined || opts.keyFile !== undefined);
      if (encrypt && opts.passphrase === undefined && opts.keyFile === undefined) throw new StoreArgumentError("an encrypted store needs a passphrase or key file");
      const scrypt = opts.scryptN ?? 2 ** 15;
      if (encrypt && opts.keyFile === undefined && !(Number.isSafeInteger(scrypt) && scrypt >= 2 ** 10 && scrypt <= 2 ** 20 && (scrypt & (scrypt - 1)) === 0)) {
        throw new StoreArgumentError(`scryptN ${scrypt} is not a power of two in [2^10, 2^20]`);
      }
      const enc = encrypt ? createEncryption(opts, scrypt) : null;
      let config: StoreConfig = {
        format: "obr-protection-store",
        version: 1,
        createdAt: new Date().toISOString(),
        chunking: opts.chunking ?? DEFAULT_CHUNKING,
        zstdLevel: opts.zstdLevel ?? 1,
        idHash: opts.idHash ?? "blake3",
        encryption: enc?.config ?? null,
      };
      try {
        validateConfig(config); // the bounds every open checks, so no store is created that cannot be opened
      } catch (err) {
        if (err instanceof StoreConfigError) throw new StoreArgumentError(`bad store option ${err.field}: ${err.message.replace(/^.*?: .*?: /, "")}`);
        throw err;
      }
      config = await writeNewConfig(backend, config);
      return new ProtectionStore(backend, config, enc?.keys ?? null, opts);
    });
  }

  /**
   * Opens a store after validating config.json (StoreConfigError naming the field) and checking
   * it against what the store's data says (encryption, chunk id hash).
   */
  static openOn(backend: BlobBackend, opts: OpenOptions = {}): Promise<ProtectionStore> {
    return guard("open", backend, async () => {
      const evidence = sampleData(backend);
      evidence.catch(() => {}); // config.json's error, when it has one, is the one reported
      const config = await readConfig(backend);
      checkConfigAgainstData(await evidence, config);
      const keys = config.encryption ? openEncryption(config.encryption, opts) : null;
      return new ProtectionStore(backend, config, keys, opts);
    });
  }

  /** How this store names chunks (stores from before BLAKE3 say nothing: SHA-256). */
  get idHash(): IdHash {
    return this.config.idHash ?? "sha256";
  }

  get encrypted(): boolean {
    return this.#keys !== null;
  }

  #getPool = (): WorkerPool => this.#pool;

  #copyEnd(): CopyEnd {
    return { backend: this.backend, keys: this.#keys, idHash: this.idHash, pool: this.#pool, indexCache: this.#indexCache };
  }

  #ctx(): StoreContext {
    return { backend: this.backend, keys: this.#keys, chunking: this.config.chunking, pool: this.#getPool, indexCache: this.#indexCache };
  }

  /** Backs up an image; resolves once the backup is durable and restorable. */
  backup(source: ImageSource, opts: BackupOptions = {}): Promise<BackupSummary> {
    return guard("backup", this.backend, async () => summary(await runBackup(this.#ctx(), source, opts)));
  }

  listBackups(): Promise<BackupSummary[]> {
    return guard("list backups", this.backend, async () => {
      const out: BackupSummary[] = [];
      for (const id of await listBackupIds(this.backend)) out.push(summary(await readManifest(this.backend, id, this.#keys)));
      return out;
    });
  }

  manifest(backupId: string): Promise<Manifest> {
    return guard("read manifest", this.backend, () => readManifest(this.backend, backupId, this.#keys));
  }

  /** Writes the image (or a range of it) to a file or block device, byte-exact. */
  restore(backupId: string, target: string, opts: RestoreOptions = {}): Promise<void> {
    return guard("restore", this.backend, () => this.#restore(backupId, target, opts));
  }

  async #restore(backupId: string, target: string, opts: RestoreOptions): Promise<void> {
    const m = await readManifest(this.backend, backupId, this.#keys);
    const { offset, length } = clampRange(m, opts.range);
    let fh: FileHandle;
    let blockDevice = false;
    try {
      fh = await open(target, "r+");
      blockDevice = (await fh.stat()).isBlockDevice();
      if (!blockDevice) await fh.truncate(0);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      fh = await open(target, "w");
    }
    try {
      if (!blockDevice) await fh.truncate(length); // zero extents stay holes
      const behind = new DropBehind(fh.fd);
      const write = async (bufs: Uint8Array[], pos: number) => {
        const bytes = bufs.reduce((n, b) => n + b.length, 0);
        await writevAll(fh, bufs, pos);
        behind.wrote(bytes);
      };
      try {
        await restoreRange(this.backend, await this.#index(), this.#getPool(), m, offset, length, write, { writeZeros: blockDevice, onProgress: opts.onProgress, signal: opts.signal });
        if (opts.sync) await fh.sync();
      } finally {
        await behind.settle();
      }
    } finally {
      await fh.close();
    }
  }

  /** Returns image bytes [offset, offset + length) (clipped to the image size). */
  readRange(backupId: string, offset: number, length: number): Promise<Buffer> {
    return guard("read range", this.backend, () => this.#readRange(backupId, offset, length));
  }

  async #readRange(backupId: string, offset: number, length: number): Promise<Buffer> {
    const m = await readManifest(this.backend, backupId, this.#keys);
    const r = clampRange(m, { offset, length });
    const out = Buffer.alloc(r.length);
    const copyIn = async (bufs: Uint8Array[], pos: number) => {
      for (const b of bufs) {
        out.set(b, pos);
        pos += b.length;
      }
    };
    await restoreRange(this.backend, await this.#index(), this.#getPool(), m, r.offset, r.length, copyIn, { writeZeros: false });
    return out;
  }

  /** Copies a backup into another store, transferring only chunks it lacks; progress counts stored bytes read. */
  copyBackup(backupId: string, to: ProtectionStore, opts: { onProgress?: ProgressFn; signal?: AbortSignal } = {}): Promise<CopyReport> {
    return guard("copy", this.backend, async () => {
      const m = await readManifest(this.backend, backupId, this.#keys);
      return copyBackupTo(this.#copyEnd(), m, to.#copyEnd(), opts.onProgress, opts.signal);
    });
  }

  /** Removes the backup's manifest; its chunks are reclaimed by a later gc(). */
  deleteBackup(backupId: string): Promise<void> {
    return guard("delete backup", this.backend, async () => {
      if (!validBackupId(backupId) || !(await this.backend.has(BACKUP_PREFIX + backupId))) throw new BackupNotFoundError(backupId);
      await this.backend.delete(BACKUP_PREFIX + backupId);
      await this.backend.flush();
    });
  }

  verify(opts: { full?: boolean } = {}): Promise<VerifyReport> {
    return guard("verify", this.backend, () => runVerify(this.backend, this.#keys, this.#getPool, opts.full ?? false));
  }

  gc(opts: GcOptions = {}): Promise<GcReport> {
    return guard("gc", this.backend, () => runGc(this.backend, this.#keys, opts));
  }

  /**
   * Rebuilds the index blobs no longer readable (or missing) from the packs' trailers, under
   * the GC lock; onProgress hears (packs scanned, packs to scan).
   */
  repairIndex(opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<RepairReport> {
    return guard("repair index", this.backend, () => runRepairIndex(this.backend, this.#keys, opts.onProgress));
  }

  // ImageStore: disk images in and out at random positions (the protection workflow's port).

  /** Backs up a disk read at random positions; unallocated ranges are not read, a changed-range incremental reads only its ranges. */
  backupImage(source: ImageReader, options: ImageBackupOptions = {}): Promise<BackedUpImage> {
    const { parent, changedRanges, label, signal, onProgress } = options;
    const opts: BackupOptions = { ...(parent !== undefined ? { parent } : {}), ...(label !== undefined ? { label } : {}), ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) };
    if (changedRanges) opts.changedRanges = changedRanges.map((r) => [r.offset, r.length] as const);
    const check = options.verifyWritten ? new WrittenPackCheck(this.backend, this.#getPool(), signal) : undefined;
    if (check) opts.writtenCheck = check;
    return guard("backup", this.backend, async () => {
      const image = storedImage(await runBackup(this.#ctx(), source, opts));
      return check ? { ...image, verifiedOnWrite: check.verified } : image;
    });
  }

  /** Writes the image byte-exact into the first sizeBytes of target (zero extents as zero() calls), then flushes it. */
  restoreImage(imageId: string, target: ImageWriter, options: ImageWork = {}): Promise<void> {
    return guard("restore", this.backend, async () => {
      const m = await readManifest(this.backend, imageId, this.#keys);
      await restoreIntoWriter(m, target, (write, zero) => this.#index().then((index) => restoreRange(this.backend, index, this.#getPool(), m, 0, m.size, write, { writeZeros: false, zero, onProgress: options.onProgress, signal: options.signal })));
    });
  }

  /** copyBackup into another ProtectionStore; a target that holds the image already moves nothing. */
  copyImage(imageId: string, to: ImageStore, options: ImageCopyOptions = {}): Promise<{ imageId: string; bytesMoved: number; verifiedOnWrite?: VerifiedOnWrite }> {
    return guard("copy", this.backend, async () => {
      if (!(to instanceof ProtectionStore)) throw new StoreArgumentError("an image is copied only into another protection store");
      const m = await readManifest(this.backend, imageId, this.#keys);
      if (await to.backend.has(BACKUP_PREFIX + imageId)) return { imageId, bytesMoved: 0 };
      // the target's own profile decodes what the target holds
      const check = options.verifyWritten ? new WrittenPackCheck(to.backend, to.#getPool(), options.signal) : undefined;
      const report = await copyBackupTo(this.#copyEnd(), m, to.#copyEnd(), options.onProgress, options.signal, check);
      return { imageId, bytesMoved: report.bytesCopied, ...(check ? { verifiedOnWrite: check.verified } : {}) };
    });
  }

  /**
   * Re-reads and re-hashes every chunk the image references, but those it shares with
   * options.verifiedBase, which are looked up only; a damaged manifest is a problem, an unknown
   * image BackupNotFoundError.
   */
  verifyImage(imageId: string, options: ImageVerifyOptions = {}): Promise<ImageVerification> {
    return guard("verify", this.backend, async () => {
      let m: Manifest;
      try {
        m = await readManifest(this.backend, imageId, this.#keys);
      } catch (err) {
        if (err instanceof ManifestCorruptError) return { ok: false, chunksChecked: 0, bytesChecked: 0, chunksCheckedOnWrite: 0, chunksFoundInPlace: 0, problems: [err.message] };
        throw err;
      }
      // a base that cannot be read vouches for nothing: everything is re-read then
      const base = options.verifiedBase === undefined ? null : await readManifest(this.backend, options.verifiedBase, this.#keys).catch(() => null);
      return verifyImageChunks(this.backend, await this.#index(), this.#getPool(), m, { ...options, ...(base ? { verified: new Set(base.ids) } : {}) });
    });
  }

  image(imageId: string): Promise<StoredImage | undefined> {
    return guard("read manifest", this.backend, async () => {
      try {
        return storedImage(await readManifest(this.backend, imageId, this.#keys));
      } catch (err) {
        if (err instanceof BackupNotFoundError) return undefined;
        throw err;
      }
    });
  }

  async listImages(): Promise<StoredImage[]> {
    return (await this.listBackups()).map(storedImage);
  }

  /** deleteBackup without the not-found error. */
  deleteImage(imageId: string): Promise<void> {
    return guard("delete backup", this.backend, async () => {
      if (!validBackupId(imageId)) return;
      await this.backend.delete(BACKUP_PREFIX + imageId);
      await this.backend.flush();
    });
  }

  /**
   * COMPLIANCE retention until `until` on the image's manifest and every pack holding its chunks,
   * extending only; on storage without Object Lock nothing happens and the result says so.
   */
  lockImage(imageId: string, until: Date): Promise<ImageLock> {
    return guard("lock", this.backend, async () => {
      const unsupported = await this.#lockSupport();
      if (unsupported !== "") return { enforced: false, extended: 0, kept: 0, note: unsupported };
      const m = await readManifest(this.backend, imageId, this.#keys);
      return lockImageObjects(this.backend, imageObjectKeys(m, await this.#index()), until);
    });
  }

  #index() {
    return loadChunkIndex(this.backend, this.#keys, { cache: this.#indexCache, tolerate: true });
  }

  stats(): Promise<StoreStats> {
    return guard("stats", this.backend, () => computeStats(this.backend, this.#keys, this.#indexCache));
  }

  /**
   * Releases the store; the object must not be used afterwards. The shared worker threads stay
   * (idle, they do not keep the process alive); a store's own (`threads` option) stop.
   */
  async close(): Promise<void> {
    await this.#ownThreads?.close();
  }
}

/** Runs one public operation: whatever it rejects with reaches the caller as a StoreError. */
async function guard<T>(op: string, backend: BlobBackend, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrapStoreError(err, op, backend instanceof LocalDirBackend ? backend.root : undefined);
  }
}

function summary(m: Manifest): BackupSummary {
  return { backupId: m.backupId, createdAt: m.createdAt, parent: m.parent, size: m.size, label: m.label, stats: m.stats };
}

function clampRange(m: Manifest, r: { offset: number; length: number } | undefined): { offset: number; length: number } {
  if (!r) return { offset: 0, length: m.size };
  if (!(Number.isSafeInteger(r.offset) && Number.isSafeInteger(r.length) && r.offset >= 0 && r.length >= 0)) throw new StoreArgumentError("bad range: offset and length must be non-negative integers");
  const offset = Math.min(r.offset, m.size);
  return { offset, length: Math.min(r.length, m.size - offset) };
}
