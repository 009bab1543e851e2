// Restore: extents overlapping the requested range are read in batches into the upper half of
// a pooled shared slot (no fresh memory per blob; chunks adjacent in a pack, as a backup wrote
// them, come in one read); a worker decodes and re-hashes each into its place in the lower
// half, where the batch's plaintext lies in image order, so each contiguous run is written with
// one positional write. Zero extents are skipped (the target was truncated
// to size, so they read back as zeros and stay sparse) unless the target cannot be sparse
// (block devices), where zeros are written, or the target zeroes ranges itself (an
// ImageWriter over a disk that holds old data), where each zero run is one call.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { ProgressFn } from "./backup-full.ts";
import { forEachLimit } from "./concurrency.ts";
import { ChunkCorruptError, ChunkMissingError, throwIfCancelled } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { extentOffsets } from "./manifest.ts";
import type { ChunkIndex, ChunkLocation } from "./pack-index.ts";
import { packKey } from "./pack-index.ts";
import type { WorkerPool } from "./worker-pool.ts";
import type { DecodeItem } from "./worker-protocol.ts";

/** Writes buffers contiguously at `pos` (relative to the range start). */
export type WriteFn = (data: Uint8Array[], pos: number) => Promise<void>;

/** One stored chunk to fetch: where it lies in a pack, and (for restores) in the image. */
export interface Piece {
  id: string;
  extOff: number; // absolute offset of the extent (restores)
  len: number;
  loc: ChunkLocation;
}

/** Batches in flight bound memory (each holds one slot: plaintext below half, blobs above). */
const BATCHES_IN_FLIGHT = 4;
const ZEROS = new Uint8Array(1 << 20);

export async function restoreRange(
  backend: BlobBackend,
  index: ChunkIndex,
  pool: WorkerPool,
  m: Manifest,
  start: number,
  length: number,
  write: WriteFn,
  opts: {
    writeZeros: boolean;
    /** Makes [pos, pos + length) (relative to the range start) read as zeros; instead of writeZeros. */
    zero?: (pos: number, length: number) => Promise<void>;
    onProgress?: ProgressFn | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  const end = start + length;
  const offs = extentOffsets(m);
  const pieces: Piece[] = [];
  const zeroRuns: Array<[number, number]> = [];
  for (let i = 0; i < m.lens.length; i++) {
    const o = offs[i] as number;
    const len = m.lens[i] as number;
    if (o + len <= start) continue;
    if (o >= end) break;
    const id = m.ids[i] as string;
    if (!id) {
      const a = Math.max(o, start);
      const last = zeroRuns[zeroRuns.length - 1];
      // adjacent zero extents (one per segment of an empty stretch) are one run
      if (last && last[1] === a) last[1] = Math.min(o + len, end);
      else zeroRuns.push([a, Math.min(o + len, end)]);
      continue;
    }
    const loc = index.chunks.get(id);
    if (!loc) throw index.missing(id);
    pieces.push({ id, extOff: o, len, loc });
  }
  const batches = slotBatches(pieces, pool.slotSize / 2);

  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, length);
  };
  for (const [a, b] of zeroRuns) {
    throwIfCancelled(opts.signal, "restore");
    if (opts.zero) await opts.zero(a - start, b - a);
    else if (opts.writeZeros) for (let p = a; p < b; p += ZEROS.length) await write([ZEROS.subarray(0, Math.min(ZEROS.length, b - p))], p - start);
    progress(b - a);
  }

  await forEachLimit(batches, BATCHES_IN_FLIGHT, async (batch) => {
    throwIfCancelled(opts.signal, "restore");
    const slot = await pool.acquireSlot();
    try {
      throwIfCancelled(opts.signal, "restore");
      const items = await fetchIntoSlot(backend, slot, pool.slotSize / 2, batch);
      const { errors, at } = await pool.decode({ slot, items, verifyOnly: false });
      assertDecoded(batch, errors);
      // contiguous runs of the image, clipped to [start, end), one write each: the decoded
      // plaintexts lie in order below half the slot, raw ones where they were read
      let i = 0;
      while (i < batch.length) {
        let j = i + 1;
        while (j < batch.length && (batch[j] as Piece).extOff === (batch[j - 1] as Piece).extOff + (batch[j - 1] as Piece).len) j++;
        const parts: Buffer[] = [];
        for (let k = i; k < j; k++) {
          const p = batch[k] as Piece;
          const a = Math.max(p.extOff, start);
          const b = Math.min(p.extOff + p.len, end);
          const from = (at[k] as number) + a - p.extOff;
          const last = parts[parts.length - 1];
          // pieces that ended up adjacent in the slot stay one buffer
          if (last && last.byteOffset + last.length === from) parts[parts.length - 1] = Buffer.from(slot, last.byteOffset, last.length + b - a);
          else parts.push(Buffer.from(slot, from, b - a));
        }
        const a = Math.max((batch[i] as Piece).extOff, start);
        const bytes = parts.reduce((n, x) => n + x.length, 0);
        await write(parts, a - start);
        progress(bytes);
        i = j;
      }
    } finally {
      pool.releaseSlot(slot);
    }
  });
}

/** Throws ChunkCorruptError for the first piece the worker could not decode and verify. */
export function assertDecoded(batch: readonly Piece[], errors: ReadonlyArray<string | null>): void {
  errors.forEach((e, i) => {
    if (e !== null) throw new ChunkCorruptError(batch[i]?.id ?? "?", e.replace(/^chunk \S+ is corrupt: /, ""));
  });
}

/** Pieces in order, grouped so that each group's plaintext and stored bytes fit in `half` each. */
export function slotBatches(pieces: readonly Piece[], half: number): Piece[][] {
  const batches: Piece[][] = [];
  let cur: Piece[] = [];
  let plain = 0;
  let stored = 0;
  for (const p of pieces) {
    if ((plain + p.len > half || stored + p.loc.len > half) && cur.length > 0) {
      batches.push(cur);
      cur = [];
      plain = 0;
      stored = 0;
    }
    cur.push(p);
    plain += p.len;
    stored += p.loc.len;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/**
 * Reads each blob into its place in the slot from blobBase on, one read per run of chunks that
 * lie back to back in a pack, and assigns each plaintext its place below blobBase, in order.
 */
export async function fetchIntoSlot(backend: BlobBackend, slot: SharedArrayBuffer, blobBase: number, batch: Piece[]): Promise<DecodeItem[]> {
  let off = blobBase;
  let out = 0;
  const items: DecodeItem[] = batch.map((p) => {
    const it = { off, len: p.loc.len, id: p.id, out, plainLen: p.len };
    off += it.len;
    out += p.len;
    return it;
  });
  const runs: Array<[number, number]> = []; // [first, last] piece indexes
  batch.forEach((p, i) => {
    const run = runs[runs.length - 1];
    const prev = batch[i - 1]?.loc;
    if (run && prev && prev.pack === p.loc.pack && prev.off + prev.len === p.loc.off) run[1] = i;
    else runs.push([i, i]);
  });
  await forEachLimit(runs, 8, async ([a, b]) => {
    const first = batch[a] as Piece;
    const from = (items[a] as DecodeItem).off;
    const to = (items[b] as DecodeItem).off + (items[b] as DecodeItem).len;
    let n: number;
    try {
      n = await backend.readAt(packKey(first.loc.pack), first.loc.off, Buffer.from(slot, from, to - from));
    } catch (err) {
      if (isNotFound(err)) throw new ChunkMissingError(first.id);
      throw err;
    }
    if (n !== to - from) throw new ChunkCorruptError(first.id, `pack ${first.loc.pack} ends ${to - from - n} bytes early`);
  });
  return items;
}
