// Store verification. Quick: every chunk a manifest references exists. Full: additionally
// re-reads every referenced chunk and re-derives its id in the workers. Each damaged chunk is
// reported with every backup that references it.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { chunkKey, listChunks } from "./chunk-sink.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import type { WorkerPool } from "./worker-pool.ts";

export interface DamagedChunk {
  chunkId: string;
  problem: "missing" | "corrupt";
  reason: string;
  backups: string[];
}

export interface VerifyReport {
  ok: boolean;
  full: boolean;
  backupsChecked: number;
  chunksChecked: number;
  damaged: DamagedChunk[];
  unreadableBackups: Array<{ backupId: string; reason: string }>;
}

const BATCH = 32;

export async function runVerify(backend: BlobBackend, keys: StoreKeys | null, pool: () => WorkerPool, full: boolean): Promise<VerifyReport> {
  const refs = new Map<string, string[]>(); // chunk id -> backups
  const unreadableBackups: VerifyReport["unreadableBackups"] = [];
  const backupIds = await listBackupIds(backend);
  for (const b of backupIds) {
    try {
      const m = await readManifest(backend, b, keys);
      for (const id of new Set(m.ids)) if (id) refs.set(id, [...(refs.get(id) ?? []), b]);
    } catch (err) {
      unreadableBackups.push({ backupId: b, reason: (err as Error).message });
    }
  }
  const damaged: DamagedChunk[] = [];
  const present = await listChunks(backend);
  const ids = [...refs.keys()].filter((id) => {
    if (present.has(id)) return true;
    damaged.push({ chunkId: id, problem: "missing", reason: "not in store", backups: refs.get(id) ?? [] });
    return false;
  });
  if (full) {
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH));
    await forEachLimit(batches, 4, async (batch) => {
      const items: Array<{ blob: Uint8Array; off: number; len: number; id: string; out: number; plainLen: number }> = [];
      for (const id of batch) {
        try {
          items.push({ blob: await backend.get(chunkKey(id)), off: 0, len: 0, id, out: 0, plainLen: 0 });
        } catch (err) {
          const problem = isNotFound(err) ? "missing" : "corrupt";
          damaged.push({ chunkId: id, problem, reason: (err as Error).message, backups: refs.get(id) ?? [] });
        }
      }
      const { errors } = await pool().decode({ slot: null, items, verifyOnly: true });
      errors.forEach((e, i) => {
        const id = items[i]?.id as string;
        if (e !== null) damaged.push({ chunkId: id, problem: "corrupt", reason: e, backups: refs.get(id) ?? [] });
      });
    });
  }
  damaged.sort((a, b) => a.chunkId.localeCompare(b.chunkId));
  return {
    ok: damaged.length === 0 && unreadableBackups.length === 0,
    full,
    backupsChecked: backupIds.length,
    chunksChecked: refs.size,
    damaged,
    unreadableBackups,
  };
}
