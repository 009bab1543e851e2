// Store-wide statistics from the manifests and the pack indexes.
import type { BlobBackend } from "./backend.ts";
import { ratio } from "./backup.ts";
import type { StoreKeys } from "./crypto.ts";
import type { BackupStats } from "./manifest.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import type { IndexCache } from "./index-load.ts";
import { loadChunkIndex } from "./index-load.ts";

export interface StoreStats {
  backups: number;
  /** sum of the backups' image sizes */
  logicalBytes: number;
  zeroBytes: number;
  /** bytes of all chunk frames in the store's packs (including unreferenced ones awaiting GC) */
  storedBytes: number;
  chunkCount: number;
  /** plaintext bytes of the distinct referenced chunks */
  uniqueChunkBytes: number;
  /** non-zero logical bytes / unique chunk bytes */
  dedupRatio: number;
  /** unique chunk bytes / their stored bytes */
  compressionRatio: number;
  perBackup: Array<{ backupId: string; createdAt: string; parent: string | null; label: string | null; stats: BackupStats }>;
}

export async function computeStats(backend: BlobBackend, keys: StoreKeys | null, cache?: IndexCache): Promise<StoreStats> {
  const chunks = (await loadChunkIndex(backend, keys, { ...(cache ? { cache } : {}) })).sizes();
  const unique = new Map<string, number>();
  const perBackup: StoreStats["perBackup"] = [];
  let logicalBytes = 0;
  let zeroBytes = 0;
  for (const b of await listBackupIds(backend)) {
    const m = await readManifest(backend, b, keys);
    logicalBytes += m.size;
    zeroBytes += m.stats.zeroBytes;
    m.ids.forEach((id, i) => {
      if (id) unique.set(id, m.lens[i] as number);
    });
    perBackup.push({ backupId: m.backupId, createdAt: m.createdAt, parent: m.parent, label: m.label, stats: m.stats });
  }
  let uniqueChunkBytes = 0;
  let referencedStored = 0;
  for (const [id, len] of unique) {
    uniqueChunkBytes += len;
    referencedStored += chunks.get(id) ?? 0;
  }
  let storedBytes = 0;
  for (const s of chunks.values()) storedBytes += s;
  return {
    backups: perBackup.length,
    logicalBytes,
    zeroBytes,
    storedBytes,
    chunkCount: chunks.size,
    uniqueChunkBytes,
    dedupRatio: ratio(logicalBytes - zeroBytes, uniqueChunkBytes),
    compressionRatio: ratio(uniqueChunkBytes, referencedStored),
    perBackup,
  };
}
