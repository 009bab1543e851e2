// Re-reading chunks from a pack and re-deriving their ids in the workers: the step every kind of
// verification shares (the whole store's, one image's, and a backup's own packs as they become
// durable). Chunks are read in windows of adjacent chunks that each fit one buffer.
import type { BlobBackend } from "./backend.ts";
import type { ChunkLocation } from "./pack-index.ts";
import { packKey } from "./pack-index.ts";
import type { WorkerPool } from "./worker-pool.ts";

export interface PackChunk {
  id: string;
  loc: Pick<ChunkLocation, "off" | "len">;
}

/** The pack's chunks in offset order, cut into spans that each fit `max` bytes. */
export function readWindows<T extends PackChunk>(chunks: readonly T[], max: number): T[][] {
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

/**
 * Reads one window of pack's chunks into buffer and re-derives each chunk's id in the workers:
 * per chunk null when it is intact, else why not (a chunk cut off by the pack's end is damaged).
 * Rejects when the pack cannot be read at all (ENOENT when it is missing).
 */
export async function checkWindow(backend: BlobBackend, pool: WorkerPool, pack: string, window: readonly PackChunk[], buffer: SharedArrayBuffer): Promise<Array<string | null>> {
  const first = window[0];
  const last = window[window.length - 1];
  if (!first || !last) return [];
  const from = first.loc.off;
  const got = await backend.readAt(packKey(pack), from, Buffer.from(buffer, 0, last.loc.off + last.loc.len - from));
  const items = window.map(({ id, loc }) => ({ off: loc.off - from, len: Math.max(0, Math.min(loc.len, got - (loc.off - from))), id, out: 0, plainLen: 0 }));
  return (await pool.decode({ slot: buffer, items, verifyOnly: true })).errors;
}
