// Copy one backup to another store, writing only chunks the target lacks. When both stores
// name chunks the same way (same id hash, and both plaintext or the same id key) a chunk the target already has
// is not even read; otherwise every chunk is read, verified and renamed for the target. Between
// two plaintext stores a verified frame is copied as it is (no second compression).
import type { BlobBackend } from "./backend.ts";
import { checkStillPresent } from "./backup.ts";
import type { IdHash } from "./chunk-codec.ts";
import { chunkId, decodeChunk, encodeChunk } from "./chunk-codec.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { ChunkCorruptError, ChunkMissingError } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { writeManifest } from "./manifest.ts";
import { loadChunkIndex, packKey } from "./pack-index.ts";
import { PackWriter } from "./pack-writer.ts";
import { BackupSession, waitForNoGc } from "./session.ts";

export interface CopyEnd {
  backend: BlobBackend;
  keys: StoreKeys | null;
  zstdLevel: number;
  idHash: IdHash;
}

export interface CopyReport {
  backupId: string;
  chunksCopied: number;
  bytesCopied: number;
  chunksSkipped: number;
}

export async function copyBackupTo(from: CopyEnd, m: Manifest, to: CopyEnd): Promise<CopyReport> {
  const sameNames = from.idHash === to.idHash && (from.keys?.idKey.toString("hex") ?? "") === (to.keys?.idKey.toString("hex") ?? "");
  // same names and no encryption on either side: a verified frame is valid in the target as it
  // is, so it is written unchanged instead of being compressed again
  const sameFrames = sameNames && !from.keys && !to.keys;
  const session = await BackupSession.start(to.backend);
  try {
    const [source, target] = await Promise.all([loadChunkIndex(from.backend, from.keys), loadChunkIndex(to.backend, to.keys)]);
    const have = target.sizes();
    const writer = new PackWriter(to.backend, to.keys);
    const rename = new Map<string, string>();
    const report: CopyReport = { backupId: m.backupId, chunksCopied: 0, bytesCopied: 0, chunksSkipped: 0 };
    const ids = [...new Set(m.ids)].filter(Boolean);
    await forEachLimit(ids, 8, async (id) => {
      if (sameNames && have.has(id)) {
        rename.set(id, id);
        report.chunksSkipped++;
        return;
      }
      const loc = source.chunks.get(id);
      if (!loc) throw new ChunkMissingError(id);
      const blob = Buffer.allocUnsafe(loc.len);
      if ((await from.backend.readAt(packKey(loc.pack), loc.off, blob)) !== loc.len) throw new ChunkCorruptError(id, `pack ${loc.pack} ends early`);
      const plain = decodeChunk(blob, id, from.keys);
      const newId = sameNames ? id : chunkId(plain, to.keys, to.idHash);
      rename.set(id, newId);
      if (have.has(newId)) {
        report.chunksSkipped++;
        return;
      }
      have.set(newId, 0); // claimed: a second source chunk with the same new id is skipped
      const frame = sameFrames ? blob : encodeChunk(plain, newId, to.keys, to.zstdLevel, to.idHash);
      have.set(newId, await writer.add(newId, [frame], plain.length));
      report.chunksCopied++;
      report.bytesCopied += frame.length;
    });
    const newIds = m.ids.map((id) => (id ? (rename.get(id) as string) : ""));
    session.add(newIds);
    await writer.finish();
    await to.backend.flush();
    await session.flush();
    await waitForNoGc(to.backend);
    await checkStillPresent(to.backend, to.keys, newIds);
    const stored = newIds.map((id) => (id ? (have.get(id) ?? 0) : 0));
    await writeManifest(to.backend, { ...m, ids: newIds, stored }, to.keys);
    return report;
  } finally {
    await session.end();
  }
}
