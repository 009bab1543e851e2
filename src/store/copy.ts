// Copy one backup to another store, writing only chunks the target lacks. When both stores
// name chunks the same way (both plaintext, or the same id key) a chunk the target already has
// is not even read; otherwise every chunk is read, verified and renamed for the target.
import type { BlobBackend } from "./backend.ts";
import { chunkKey, listChunks } from "./chunk-sink.ts";
import { chunkId, decodeChunk, encodeChunk } from "./chunk-codec.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { ConcurrentGcError } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { writeManifest } from "./manifest.ts";
import { BackupSession, waitForNoGc } from "./session.ts";

export interface CopyEnd {
  backend: BlobBackend;
  keys: StoreKeys | null;
  zstdLevel: number;
}

export interface CopyReport {
  backupId: string;
  chunksCopied: number;
  bytesCopied: number;
  chunksSkipped: number;
}

export async function copyBackupTo(from: CopyEnd, m: Manifest, to: CopyEnd): Promise<CopyReport> {
  const sameNames = (from.keys?.idKey.toString("hex") ?? "") === (to.keys?.idKey.toString("hex") ?? "");
  const session = await BackupSession.start(to.backend);
  try {
    const have = await listChunks(to.backend);
    const rename = new Map<string, string>();
    const report: CopyReport = { backupId: m.backupId, chunksCopied: 0, bytesCopied: 0, chunksSkipped: 0 };
    const ids = [...new Set(m.ids)].filter(Boolean);
    await forEachLimit(ids, 8, async (id) => {
      if (sameNames && have.has(id)) {
        rename.set(id, id);
        report.chunksSkipped++;
        return;
      }
      const plain = decodeChunk(await from.backend.get(chunkKey(id)), id, from.keys);
      const newId = sameNames ? id : chunkId(plain, to.keys);
      rename.set(id, newId);
      if (have.has(newId)) {
        report.chunksSkipped++;
        return;
      }
      const blob = encodeChunk(plain, newId, to.keys, to.zstdLevel);
      await to.backend.put(chunkKey(newId), blob);
      have.set(newId, blob.length);
      report.chunksCopied++;
      report.bytesCopied += blob.length;
    });
    const newIds = m.ids.map((id) => (id ? (rename.get(id) as string) : ""));
    session.add(newIds);
    await to.backend.flush();
    await session.flush();
    await waitForNoGc(to.backend);
    let missing = 0;
    await forEachLimit([...new Set(newIds)].filter(Boolean), 32, async (id) => {
      if (!(await to.backend.has(chunkKey(id)))) missing++;
    });
    if (missing > 0) throw new ConcurrentGcError(missing);
    const stored = newIds.map((id) => (id ? (have.get(id) ?? 0) : 0));
    await writeManifest(to.backend, { ...m, ids: newIds, stored }, to.keys);
    return report;
  } finally {
    await session.end();
  }
}
