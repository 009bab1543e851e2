// Store verification. Quick: every chunk a manifest references is indexed, every pack is as
// long as its index says and ends in an intact trailer, and every parent a backup names exists.
// Full: additionally re-reads every referenced chunk and re-derives its id in the workers.
// Every finding names every backup it affects.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import { REPAIR_HINT } from "./errors.ts";
import type { ChunkIndex, ChunkLocation } from "./pack-index.ts";
import { checkWindow, readWindows } from "./pack-check.ts";
import { listPacks, packKey, TRAILER_MAGIC } from "./pack-index.ts";
import { loadChunkIndex } from "./index-load.ts";
import type { WorkerPool } from "./worker-pool.ts";

export interface DamagedChunk {
  chunkId: string;
  /** truncated: its bytes lie past the end of its pack */
  problem: "missing" | "corrupt" | "truncated";
  reason: string;
  backups: string[];
}

export interface VerifyReport {
  /** every remaining backup can be restored and nothing the store holds is damaged */
  ok: boolean;
  full: boolean;
  backupsChecked: number;
  chunksChecked: number;
  damaged: DamagedChunk[];
  unreadableBackups: Array<{ backupId: string; reason: string }>;
  /** index blobs that could not be read, with the backups whose chunks are then in no readable index */
  unreadableIndexes: Array<{ key: string; reason: string; backups: string[] }>;
  /** packs shorter than their index says, or whose trailer (the copy of their index) is damaged */
  damagedPacks: Array<{ pack: string; problem: "truncated" | "trailer"; reason: string; backups: string[] }>;
  /**
   * Parents named by remaining backups whose manifests are gone (deleted or lost). Not counted
   * against `ok`: the children restore on their own, and expiring a parent is normal; the
   * protection workflow's reconciler compares manifests with its database.
   */
  missingParents: Array<{ backupId: string; backups: string[] }>;
}

const TRAILER = 8; // index frame length u32le | "OBPI"

export async function runVerify(backend: BlobBackend, keys: StoreKeys | null, pool: () => WorkerPool, full: boolean): Promise<VerifyReport> {
  const refs = new Map<string, string[]>(); // chunk id -> backups
  const unreadableBackups: VerifyReport["unreadableBackups"] = [];
  const backupIds = await listBackupIds(backend);
  const children = new Map<string, string[]>(); // parent -> backups naming it
  for (const b of backupIds) {
    try {
      const m = await readManifest(backend, b, keys);
      for (const id of new Set(m.ids)) if (id) refs.set(id, [...(refs.get(id) ?? []), b]);
      if (m.parent) children.set(m.parent, [...(children.get(m.parent) ?? []), b]);
    } catch (err) {
      unreadableBackups.push({ backupId: b, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const present = new Set(backupIds);
  const missingParents = [...children].filter(([p]) => !present.has(p)).map(([backupId, backups]) => ({ backupId, backups }));
  const damaged: DamagedChunk[] = [];
  const index = await loadChunkIndex(backend, keys, { tolerate: true });
  const lostIn = new Map<string, string>(); // chunk id -> the missing pack its index names
  for (const [pack, entries] of index.dangling) for (const e of entries) lostIn.set(e.id, pack);
  const unindexed = new Set<string>(); // backups with chunks in no readable index
  const byPack = new Map<string, Array<{ id: string; loc: ChunkLocation }>>();
  for (const [id, backups] of refs) {
    const loc = index.chunks.get(id);
    if (!loc) {
      const pack = lostIn.get(id);
      const reason = pack ? `pack ${pack} missing` : index.unreadable.length > 0 ? `in no readable index: ${REPAIR_HINT}` : "not in store";
      if (!pack) for (const b of backups) unindexed.add(b);
      damaged.push({ chunkId: id, problem: "missing", reason, backups });
      continue;
    }
    const inPack = byPack.get(loc.pack);
    if (inPack) inPack.push({ id, loc });
    else byPack.set(loc.pack, [{ id, loc }]);
  }
  const unreadableIndexes = index.unreadable.map((u) => ({ ...u, backups: [...unindexed].sort() }));
  const damagedPacks = await checkPacks(backend, index, byPack, refs, damaged);
  if (full) {
    const p = pool();
    await forEachLimit([...byPack], 2, async ([pack, chunks]) => {
      for (const window of readWindows(chunks, p.slotSize)) {
        const slot = await p.acquireSlot();
        try {
          const errors = await checkWindow(backend, p, pack, window, slot);
          window.forEach(({ id }, i) => {
            const e = errors[i];
            if (e) damaged.push({ chunkId: id, problem: "corrupt", reason: e, backups: refs.get(id) ?? [] });
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
    ok: damaged.length === 0 && unreadableBackups.length === 0 && unreadableIndexes.length === 0 && damagedPacks.length === 0,
    full,
    backupsChecked: backupIds.length,
    chunksChecked: refs.size,
    damaged,
    unreadableBackups,
    unreadableIndexes,
    damagedPacks,
    missingParents,
  };
}

/**
 * Both modes: every indexed pack's size against its index and its trailer (8 bytes read per
 * pack). Referenced chunks past a pack's end are reported truncated and dropped from byPack,
 * so a full verify does not read them again.
 */
async function checkPacks(
  backend: BlobBackend,
  index: ChunkIndex,
  byPack: Map<string, Array<{ id: string; loc: ChunkLocation }>>,
  refs: ReadonlyMap<string, string[]>,
  damaged: DamagedChunk[],
): Promise<VerifyReport["damagedPacks"]> {
  const sizes = await listPacks(backend);
  const out: VerifyReport["damagedPacks"] = [];
  await forEachLimit([...index.packs], 16, async ([pack, entries]) => {
    const size = sizes.get(pack)?.size;
    if (size === undefined) return; // removed since the index was loaded (a GC)
    const framesEnd = entries.reduce((n, e) => Math.max(n, e.off + e.len), 0);
    const users = new Set<string>();
    for (const c of byPack.get(pack) ?? []) for (const b of refs.get(c.id) ?? []) users.add(b);
    const backups = [...users].sort();
    if (size < framesEnd) {
      const cut = (byPack.get(pack) ?? []).filter((c) => c.loc.off + c.loc.len > size);
      for (const c of cut) damaged.push({ chunkId: c.id, problem: "truncated", reason: `pack ${pack} is ${size} bytes, the chunk ends at ${c.loc.off + c.loc.len}`, backups: refs.get(c.id) ?? [] });
      byPack.set(pack, (byPack.get(pack) ?? []).filter((c) => c.loc.off + c.loc.len <= size));
      out.push({ pack, problem: "truncated", reason: `${size} bytes, its index needs at least ${framesEnd}`, backups });
      return;
    }
    const tail = Buffer.alloc(TRAILER);
    const n = size >= TRAILER ? await backend.readAt(packKey(pack), size - TRAILER, tail) : 0;
    const ok = n === TRAILER && tail.readUInt32LE(4) === TRAILER_MAGIC && framesEnd + tail.readUInt32LE(0) + TRAILER === size;
    if (!ok) out.push({ pack, problem: "trailer", reason: "its trailer (the copy of its index that repair-index uses) is damaged or cut", backups });
  });
  return out.sort((a, b) => a.pack.localeCompare(b.pack));
}
