// Copy one backup to another store, writing only chunks the target lacks. When both stores
// name chunks the same way (same id hash, and both plaintext or the same id key) a chunk the
// target already has is not even read; otherwise every chunk is read, verified and named for
// the target, and only those the target lacks under that name are encoded for it.
// Frames travel as in a restore (restore.ts): read in batches into the upper half of a pooled
// slot, one read per run of chunks adjacent in a pack, and verified by the workers; between
// two plaintext stores a verified frame is written as it is (no second compression), else it
// is decoded into the lower half, named and encoded by the target's workers in place.
import type { BlobBackend } from "./backend.ts";
import type { ProgressFn } from "./backup-full.ts";
import { checkIfGcRan } from "./backup.ts";
import type { IdHash } from "./chunk-codec.ts";
import { allSettledOrThrow, forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { throwIfCancelled } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { writeManifest } from "./manifest.ts";
import type { IndexCache } from "./index-load.ts";
import { loadChunkIndex } from "./index-load.ts";
import { PackWriter } from "./pack-writer.ts";
import type { Piece } from "./restore.ts";
import { assertDecoded, fetchIntoSlot, slotBatches } from "./restore.ts";
import { gcSnapshot } from "./gc-lock.ts";
import { BackupSession } from "./session.ts";
import type { DecodeItem } from "./worker-protocol.ts";
import type { WorkerPool } from "./worker-pool.ts";
import type { WrittenPackCheck } from "./written-pack-check.ts";

export interface CopyEnd {
  backend: BlobBackend;
  keys: StoreKeys | null;
  idHash: IdHash;
  /** the store's view of the worker threads (tasks carry its keys and parameters) */
  pool: WorkerPool;
  /** the open store's decoded index blobs (and a remote store's local copies of them) */
  indexCache: IndexCache;
}

export interface CopyReport {
  backupId: string;
  chunksCopied: number;
  bytesCopied: number;
  chunksSkipped: number;
}

/** Batches in flight: each holds one slot until its frames are written. */
const BATCHES_IN_FLIGHT = 4;

/**
 * onProgress hears (stored bytes read and copied so far, stored bytes the copy has to read). An
 * aborted signal stops it between batches (OperationCancelledError) before the target lists it.
 */
/** check: re-reads each pack written into the target as soon as it is durable (written-pack-check.ts). */
export async function copyBackupTo(from: CopyEnd, m: Manifest, to: CopyEnd, onProgress?: ProgressFn, signal?: AbortSignal, check?: WrittenPackCheck): Promise<CopyReport> {
  const sameNames = from.idHash === to.idHash && (from.keys?.idKey.toString("hex") ?? "") === (to.keys?.idKey.toString("hex") ?? "");
  // same names and no encryption on either side: a verified frame is valid in the target as it
  // is, so it is written unchanged instead of being compressed again
  const sameFrames = sameNames && !from.keys && !to.keys;
  // before the target's index is read: a GC that removes a chunk the copy finds there changes the epoch
  const gcBefore = await gcSnapshot(to.backend);
  const session = BackupSession.start(to.backend);
  let writer: PackWriter | null = null;
  try {
    const load = (end: CopyEnd) => loadChunkIndex(end.backend, end.keys, { cache: end.indexCache, tolerate: true });
    const [source, target] = await Promise.all([load(from), load(to)]);
    /** target id -> stored size (0 while this copy is writing it) */
    const have = target.sizes();
    writer = new PackWriter(to.backend, to.keys, { disk: to.indexCache.disk, ...(check ? { afterCommit: (pack, entries) => check.check(pack, entries) } : {}) });
    const packs = writer;
    const rename = new Map<string, string>();
    const report: CopyReport = { backupId: m.backupId, chunksCopied: 0, bytesCopied: 0, chunksSkipped: 0 };
    const lens = new Map<string, number>(m.ids.map((id, i) => [id, m.lens[i] as number]));
    const pieces: Piece[] = [];
    for (const [id, len] of lens) {
      if (!id) continue;
      if (sameNames && have.has(id)) {
        rename.set(id, id);
        report.chunksSkipped++;
        continue;
      }
      const loc = source.chunks.get(id);
      if (!loc) throw source.missing(id);
      pieces.push({ id, extOff: 0, len, loc });
    }
    const half = from.pool.slotSize / 2;
    const total = pieces.reduce((n, p) => n + p.loc.len, 0);
    let done = 0;
    onProgress?.(0, total);
    await forEachLimit(slotBatches(pieces, half), BATCHES_IN_FLIGHT, async (batch) => {
      throwIfCancelled(signal, "copy");
      const slot = await from.pool.acquireSlot();
      try {
        throwIfCancelled(signal, "copy");
        const items = await fetchIntoSlot(from.backend, slot, half, batch);
        const { errors, at } = await from.pool.decode({ slot, items, verifyOnly: sameFrames });
        assertDecoded(batch, errors);
        const newIds = sameNames ? batch.map((p) => p.id) : (await to.pool.hash({ slot, pieces: batch.map((p, i) => [at[i] as number, p.len]) })).ids;
        // each new name once: the target may have it already, or it is being written
        const fresh: number[] = [];
        batch.forEach((p, i) => {
          const newId = newIds[i] as string;
          rename.set(p.id, newId);
          if (have.has(newId)) report.chunksSkipped++;
          else {
            have.set(newId, 0);
            fresh.push(i);
          }
        });
        const frames = sameFrames
          ? fresh.map((i) => [Buffer.from(slot, (items[i] as DecodeItem).off, (items[i] as DecodeItem).len)])
          : (await to.pool.encode({ slot, base: 0, pieces: fresh.map((i) => [at[i] as number, (batch[i] as Piece).len, newIds[i] as string]) })).frames.map((f, k) => [
              f.header,
              Buffer.from(slot, at[fresh[k] as number] as number, f.payloadLen),
            ]);
        // settled before the slot is released: the frames are written from it
        await allSettledOrThrow(
          fresh.map(async (i, k) => {
            const newId = newIds[i] as string;
            const stored = await packs.add(newId, frames[k] as Uint8Array[], (batch[i] as Piece).len);
            have.set(newId, stored);
            report.chunksCopied++;
            report.bytesCopied += stored;
          }),
        );
        done += batch.reduce((n, p) => n + p.loc.len, 0);
        onProgress?.(done, total);
      } finally {
        from.pool.releaseSlot(slot);
      }
    });
    const newIds = m.ids.map((id) => (id ? (rename.get(id) as string) : ""));
    session.add(newIds);
    throwIfCancelled(signal, "copy");
    await writer.finish();
    await to.backend.flush();
    await session.flush();
    // re-reading the target's whole index only when a GC ran: on S3 that is a GET per index blob
    await checkIfGcRan(to.backend, to.keys, newIds, gcBefore, to.indexCache);
    const stored = newIds.map((id) => (id ? (have.get(id) ?? 0) : 0));
    throwIfCancelled(signal, "copy"); // the last moment: after the manifest the target holds the backup
    await writeManifest(to.backend, { ...m, ids: newIds, stored }, to.keys);
    return report;
  } catch (err) {
    await writer?.abandon(); // the open pack's temporary file; sealed packs are garbage for GC
    throw err;
  } finally {
    await session.end();
  }
}
