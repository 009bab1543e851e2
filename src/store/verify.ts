// Store verification. Quick: every chunk a manifest references exists. Full: additionally
// re-reads every referenced chunk and re-derives its id in the workers. Each damaged chunk is
// reported with every backup that references it.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import type { ChunkLocation } from "./pack-index.ts";
import { loadChunkIndex, packKey } from "./pack-index.ts";
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
  /** pack indexes that could not be read (their chunks are then reported missing) */
  unreadableIndexes: string[];
}

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
  const unreadableIndexes: string[] = [];
  const index = await loadChunkIndex(backend, keys, (_pack, reason) => unreadableIndexes.push(reason));
  const lostIn = new Map<string, string>(); // chunk id -> the missing pack its index names
  for (const [pack, entries] of index.dangling) for (const e of entries) lostIn.set(e.id, pack);
  const byPack = new Map<string, Array<{ id: string; loc: ChunkLocation }>>();
  for (const id of refs.keys()) {
    const loc = index.chunks.get(id);
    if (!loc) {
      const pack = lostIn.get(id);
      damaged.push({ chunkId: id, problem: "missing", reason: pack ? `pack ${pack} missing` : "not in store", backups: refs.get(id) ?? [] });
      continue;
    }
    const inPack = byPack.get(loc.pack);
    if (inPack) inPack.push({ id, loc });
    else byPack.set(loc.pack, [{ id, loc }]);
  }
  if (full) {
    const p = pool();
    await forEachLimit([...byPack], 2, async ([pack, chunks]) => {
      for (const window of readWindows(chunks, p.slotSize)) {
        const slot = await p.acquireSlot();
        try {
          const from = (window[0] as (typeof window)[number]).loc.off;
          const last = window[window.length - 1] as (typeof window)[number];
          const want = last.loc.off + last.loc.len - from;
          const got = await backend.readAt(packKey(pack), from, Buffer.from(slot, 0, want));
          const items = window.map(({ id, loc }) => ({ off: loc.off - from, len: Math.max(0, Math.min(loc.len, got - (loc.off - from))), id, out: 0, plainLen: 0 }));
          const { errors } = await p.decode({ slot, items, verifyOnly: true });
          errors.forEach((e, i) => {
            const id = items[i]?.id as string;
            if (e !== null) damaged.push({ chunkId: id, problem: "corrupt", reason: e, backups: refs.get(id) ?? [] });
          });
        } catch (err) {
          for (const { id } of window) damaged.push({ chunkId: id, problem: isNotFound(err) ? "missing" : "corrupt", reason: (err as Error).message, backups: refs.get(id) ?? [] });
        } finally {
          p.releaseSlot(slot);
        }
      }
    });
  }
  damaged.sort((a, b) => a.chunkId.localeCompare(b.chunkId));
  return {
    ok: damaged.length === 0 && unreadableBackups.length === 0 && unreadableIndexes.length === 0,
    full,
    backupsChecked: backupIds.length,
    chunksChecked: refs.size,
    damaged,
    unreadableBackups,
    unreadableIndexes,
  };
}

/** The pack's referenced chunks in offset order, cut into spans that each fit one slot. */
function readWindows<T extends { loc: ChunkLocation }>(chunks: T[], max: number): T[][] {
  const sorted = [...chunks].sort((a, b) => a.loc.off - b.loc.off);
  const out: T[][] = [];
  let cur: T[] = [];
  for (const c of sorted) {
    const start = cur[0]?.loc.off ?? c.loc.off;
    if (cur.length > 0 && c.loc.off + c.loc.len - start > max) {
      out.push(cur);
      cur = [];
    }
    cur.push(c);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
