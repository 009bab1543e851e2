// One backup, start to finish: GC session, chunking (full read or changed ranges), then the
// commit sequence that makes "backup exists" true only after everything it names is durable.
import type { BlobBackend } from "./backend.ts";
import type { ChunkedImage, ProgressFn } from "./backup-full.ts";
import { backupFull } from "./backup-full.ts";
import type { ChangedRange } from "./backup-incremental.ts";
import { backupAgainstParent } from "./backup-diff.ts";
import { backupChangedRanges, validRange } from "./backup-incremental.ts";
import type { ChunkingParams } from "./chunker.ts";
import { ChunkSink } from "./chunk-sink.ts";
import type { StoreKeys } from "./crypto.ts";
import { ConcurrentGcError, StoreArgumentError, throwIfCancelled } from "./errors.ts";
import type { ImageSource } from "./image-source.ts";
import { isImageReader } from "./image-source.ts";
import type { BackupStats, Manifest } from "./manifest.ts";
import type { IndexCache } from "./index-load.ts";
import { loadChunkIndex } from "./index-load.ts";
import { PackWriter } from "./pack-writer.ts";
import { encodeManifest, newBackupId, putManifest, readManifest } from "./manifest.ts";
import type { GcSnapshot } from "./gc-lock.ts";
import { gcSnapshot, readGcEpoch, waitForNoGc } from "./gc-lock.ts";
import { BackupSession } from "./session.ts";
import type { WorkerPool } from "./worker-pool.ts";
import type { WrittenPackCheck } from "./written-pack-check.ts";

export interface BackupOptions {
  /** Parent backup id: enables changed-range incrementals (and is recorded in the manifest). */
  parent?: string;
  /** Changed byte ranges [offset, length] since the parent (changed-block tracking); needs a path or ImageReader source. */
  changedRanges?: readonly ChangedRange[];
  onProgress?: ProgressFn;
  /** Free-form label stored in the manifest (e.g. the protected asset's name). */
  label?: string;
  /** Expected size of a stream source, for progress reporting only. */
  sizeHint?: number;
  /** Aborting ends the backup with OperationCancelledError within one batch; nothing is recorded. */
  signal?: AbortSignal;
  /** Re-reads each pack the backup writes as soon as it is durable; what it found intact is in its `verified`. */
  writtenCheck?: WrittenPackCheck;
}

export interface StoreContext {
  backend: BlobBackend;
  keys: StoreKeys | null;
  chunking: ChunkingParams;
  pool: () => WorkerPool;
  /** the open store's decoded index blobs, kept between operations */
  indexCache?: IndexCache;
}

export async function runBackup(ctx: StoreContext, source: ImageSource, opts: BackupOptions): Promise<Manifest> {
  const { backend, keys } = ctx;
  // refused before anything is written (they are read lazily, segment by segment)
  const bad = opts.changedRanges?.find(([o, l]) => !validRange(o, l));
  if (bad) throw new StoreArgumentError(`bad changed range [${bad[0]}, ${bad[1]}]: offset and length must be non-negative integers`);
  const pool = ctx.pool();
  const createdAt = new Date();
  const gcBefore = await gcSnapshot(backend);
  // both read after the snapshot, so a GC that removes a chunk they name changes the epoch we
  // compare at the commit. Chunking waits for the parent, not for the index (the sink needs it
  // only to pick new chunks), so the index loads while the first windows are read. It starts
  // once the parent is in: its listing queues hundreds of directory reads on the same I/O
  // threads, behind which the parent's read waited ~12 ms.
  const parentRead = opts.parent ? readManifest(backend, opts.parent, keys) : Promise.resolve(null);
  parentRead.catch(() => {}); // awaited below once the session exists
  const index = parentRead.then(() => loadChunkIndex(backend, keys, { ...(ctx.indexCache ? { cache: ctx.indexCache } : {}), tolerate: true })).then((i) => i.chunks);
  index.catch(() => {}); // a failed load is reported when the sink needs it
  const session = BackupSession.start(backend);
  // the parent's ids are registered while chunking starts: the commit's GC check covers them
  let registered: Promise<void> = Promise.resolve();
  let writer: PackWriter | null = null;
  try {
    const parent = await parentRead;
    const check = opts.writtenCheck;
    writer = new PackWriter(backend, keys, { disk: ctx.indexCache?.disk ?? null, ...(check ? { afterCommit: (pack, entries) => check.check(pack, entries) } : {}) });
    const sink = new ChunkSink(writer, pool, session, index);
    const sameChunking = parent !== null && JSON.stringify(parent.chunking) === JSON.stringify(ctx.chunking);
    const ranges = opts.changedRanges && sameChunking ? opts.changedRanges : null;
    const random = typeof source === "string" || isImageReader(source) ? source : null;
    if (ranges && random === null) throw new StoreArgumentError("changed-range backups need a file or block device path or an image reader as source");
    // a reader without changed ranges is read whole (its chunks still dedup against the parent's):
    // comparing with the parent in place needs the workers to read the image themselves
    const reuseParent = parent !== null && sameChunking && (typeof source === "string" || ranges !== null);
    if (reuseParent) {
      session.add(parent.ids);
      registered = session.flush();
      registered.catch(() => {}); // awaited before the commit
    }
    const work = { onProgress: opts.onProgress, signal: opts.signal };
    let img: ChunkedImage;
    if (reuseParent && ranges && random !== null) img = await backupChangedRanges(pool, sink, random, parent, ranges, work);
    else if (reuseParent && typeof source === "string") img = await backupAgainstParent(pool, sink, source, parent, work);
    else img = await backupFull(pool, sink, source, { ...work, sizeHint: opts.sizeHint });
    throwIfCancelled(opts.signal, "backup"); // the last moment: after the manifest the backup exists
    const m = buildManifest(img, sink, await sink.storedSizes(), parent?.backupId ?? null, createdAt, ctx.chunking, opts.label ?? null);
    // commit: packs and indexes durable -> session visible -> no GC can still remove what we use.
    // The manifest is encoded while the last pack's fsync runs.
    const sealed = writer.finish();
    const frame = encodeManifest(m, keys);
    await sealed;
    await backend.flush();
    await registered;
    await session.flush();
    await checkIfGcRan(backend, keys, m.ids, gcBefore, ctx.indexCache);
    await putManifest(backend, m.backupId, frame);
    return m;
  } catch (err) {
    // the open pack's temporary file goes now; sealed packs stay, garbage for the next GC
    await writer?.abandon();
    throw err;
  } finally {
    await registered.catch(() => {}); // a part written after end() would outlive the session
    await session.end();
  }
}

/**
 * The commit's GC check, once the session holding ids is visible: waits until no GC runs and,
 * if one ran since `before` (taken before the index the writer trusted was read), checks that
 * every chunk in ids still exists (ConcurrentGcError if not). Without a GC nothing is read.
 */
export async function checkIfGcRan(backend: BlobBackend, keys: StoreKeys | null, ids: readonly string[], before: GcSnapshot, cache?: IndexCache): Promise<void> {
  await waitForNoGc(backend);
  // only the epoch: the lock was just seen free, and a GC starting now cannot take the chunks
  // (the session holding ids is visible), so a second read of the lock would tell nothing
  const epoch = await readGcEpoch(backend);
  if (before.locked || epoch !== before.epoch) await checkStillPresent(backend, keys, ids, cache);
}

export async function checkStillPresent(backend: BlobBackend, keys: StoreKeys | null, ids: readonly string[], cache?: IndexCache): Promise<void> {
  const index = await loadChunkIndex(backend, keys, { ...(cache ? { cache } : {}), tolerate: true });
  let missing = 0;
  let first = "";
  for (const id of new Set(ids)) {
    if (id && !index.chunks.has(id)) {
      missing++;
      first ||= id;
    }
  }
  // a chunk an unreadable index blob may name is not proof that a GC removed it
  if (missing > 0 && index.unreadable.length > 0) throw index.missing(first);
  if (missing > 0) throw new ConcurrentGcError(missing);
}

function buildManifest(img: ChunkedImage, sink: ChunkSink, storedSize: (id: string) => number | undefined, parent: string | null, createdAt: Date, chunking: ChunkingParams, label: string | null): Manifest {
  const lens: number[] = [];
  const ids: string[] = [];
  const stored: number[] = [];
  const unique = new Map<string, number>();
  let zeroBytes = 0;
  let chunkCount = 0;
  let expect = 0;
  for (const [off, len, id] of img.extents) {
    if (off !== expect) throw new Error(`internal: extent at ${off}, expected ${expect}`);
    expect += len;
    lens.push(len);
    ids.push(id);
    const s = id ? (storedSize(id) ?? 0) : 0;
    stored.push(s);
    if (!id) zeroBytes += len;
    else {
      chunkCount++;
      unique.set(id, len);
    }
  }
  if (expect !== img.size) throw new Error(`internal: extents cover ${expect} of ${img.size} bytes`);
  let uniqueChunkBytes = 0;
  let storedBytes = 0;
  for (const [id, len] of unique) {
    uniqueChunkBytes += len;
    storedBytes += storedSize(id) ?? 0;
  }
  const stats: BackupStats = {
    logicalBytes: img.size,
    zeroBytes,
    chunkCount,
    uniqueChunks: unique.size,
    uniqueChunkBytes,
    storedBytes,
    newChunks: sink.newChunks,
    newStoredBytes: sink.newStoredBytes,
    bytesRead: img.bytesRead,
    dedupRatio: ratio(img.size - zeroBytes, uniqueChunkBytes),
    compressionRatio: ratio(uniqueChunkBytes, storedBytes),
  };
  return { version: 1, backupId: newBackupId(createdAt), createdAt: createdAt.toISOString(), parent, size: img.size, chunking, label, lens, ids, stored, stats };
}

export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 1;
}
