// Rebuilds lost or damaged index blobs from the packs' trailers. Every pack ends with a copy of
// its index frame (pack-writer.ts), byte for byte the blob its writer put at index/<packId>, so
// a pack that no readable blob covers gets that blob back. The frame is decoded before it is
// written (hash and, when encrypted, authentication checked), and must account for the pack's
// size exactly. Unreadable blobs are removed once the blobs that replace them are durable.
// Runs under the GC lock: a GC must not delete "packs without an index" meanwhile, and only one
// repair or GC rewrites index blobs at a time. Backups may run: a pack a backup has committed
// but not indexed yet gets the very blob the backup is about to write.
import type { BlobBackend } from "./backend.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { GcLockedError } from "./errors.ts";
import { decodeIndex, indexKey, listPacks, packKey, TRAILER_MAGIC } from "./pack-index.ts";
import { loadChunkIndex } from "./index-load.ts";
import { acquireGcLock } from "./gc-lock.ts";

export interface RepairReport {
  /** packs in the store */
  packs: number;
  /** packs no readable index blob covered, whose trailers were read */
  packsScanned: number;
  /** index blobs written from trailers */
  indexesWritten: number;
  /** unreadable index blobs replaced or removed (their packs re-indexed where the trailers allowed) */
  removedIndexes: string[];
  /** packs whose trailer is damaged too: their chunks stay unreachable (verify names the backups) */
  unrecoverable: Array<{ pack: string; reason: string }>;
}

const TRAILER = 8;

/** onProgress hears (packs scanned so far, packs to scan). */
export async function runRepairIndex(backend: BlobBackend, keys: StoreKeys | null, onProgress?: (done: number, total: number) => void): Promise<RepairReport> {
  const lease = await acquireGcLock(backend);
  if (!lease) throw new GcLockedError();
  try {
    const index = await loadChunkIndex(backend, keys, { tolerate: true });
    const packs = await listPacks(backend); // after the indexes: see loadChunkIndex
    const todo = [...packs].filter(([pack]) => !index.packs.has(pack));
    lease.assertHeld();
    const report: RepairReport = { packs: packs.size, packsScanned: 0, indexesWritten: 0, removedIndexes: [], unrecoverable: [] };
    const written = new Set<string>();
    onProgress?.(0, todo.length);
    await forEachLimit(todo, 4, async ([pack, { size }]) => {
      try {
        const frame = await trailerIndex(backend, pack, size, keys);
        await backend.put(indexKey(pack), frame);
        written.add(indexKey(pack));
        report.indexesWritten++;
      } catch (err) {
        report.unrecoverable.push({ pack, reason: err instanceof Error ? err.message : String(err) });
      }
      report.packsScanned++;
      onProgress?.(report.packsScanned, todo.length);
    });
    await backend.flush();
    lease.assertHeld();
    // an unreadable per-pack blob was just replaced by put(); the others (merged blobs, or
    // blobs of packs whose trailer is damaged too) hold nothing readable
    for (const { key } of index.unreadable) {
      if (!written.has(key)) await backend.delete(key);
      report.removedIndexes.push(key);
    }
    await backend.flush();
    report.unrecoverable.sort((a, b) => a.pack.localeCompare(b.pack));
    report.removedIndexes.sort();
    return report;
  } finally {
    await lease.release();
  }
}

/** The index frame a pack's trailer holds, checked: it decodes and its entries end where the trailer starts. */
async function trailerIndex(backend: BlobBackend, pack: string, size: number, keys: StoreKeys | null): Promise<Buffer> {
  const tail = Buffer.alloc(TRAILER);
  if (size < TRAILER || (await backend.readAt(packKey(pack), size - TRAILER, tail)) !== TRAILER) throw new Error(`pack ${pack} is too short for a trailer`);
  if (tail.readUInt32LE(4) !== TRAILER_MAGIC) throw new Error(`pack ${pack} has no trailer (damaged or cut)`);
  const len = tail.readUInt32LE(0);
  if (len > size - TRAILER) throw new Error(`pack ${pack}'s trailer names an index longer than the pack`);
  const frame = Buffer.alloc(len);
  if ((await backend.readAt(packKey(pack), size - TRAILER - len, frame)) !== len) throw new Error(`pack ${pack} changed while read`);
  const entries = decodeIndex(frame, keys); // throws ChunkCorruptError on any damage
  const framesEnd = entries.reduce((n, e) => Math.max(n, e.off + e.len), 0);
  if (framesEnd + len + TRAILER !== size) throw new Error(`pack ${pack}'s trailer does not match its size`);
  return frame;
}
