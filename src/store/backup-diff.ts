// Incremental without changed ranges, for a random-access source with a parent: instead of
// content-defining every chunk again, the parent's extents are re-hashed in place (zero extents
// re-checked for zeros) by the workers, which read the image themselves. Extents whose hash
// still matches are unchanged bytes, so the differing ones are exactly a changed-range list:
// mostly-changed segments are read and re-chunked whole, the rest go through the changed-range
// path (chunkSegment), which re-reads only small windows (page-cache hot).
import type { ChunkedImage, Extent, ProgressFn } from "./backup-full.ts";
import type { ChunkSink } from "./chunk-sink.ts";
import { chunkSegment, chunkWholeSegment, forEachSegment, mostlyDirty, normalizeRanges } from "./backup-incremental.ts";
import { readAt } from "./image-source.ts";
import type { Manifest } from "./manifest.ts";
import type { WorkerPool } from "./worker-pool.ts";

export function backupAgainstParent(pool: WorkerPool, sink: ChunkSink, path: string, parent: Manifest, onProgress?: ProgressFn): Promise<ChunkedImage> {
  return forEachSegment(pool, sink, path, parent, onProgress, async ({ segStart, segEnd, size, ctx }) => {
    const len = segEnd - segStart;
    const mine: Extent[] = [];
    const first = ctx.pIndex.get(segStart);
    if (first !== undefined) {
      for (let i = first; i < parent.lens.length && (ctx.pOffs[i + 1] as number) <= Math.min(segEnd, parent.size); i++) {
        mine.push([ctx.pOffs[i] as number, parent.lens[i] as number, parent.ids[i] as string]);
      }
    }
    const { changed } = await pool.diff({ fd: ctx.fh.fd, extents: mine });
    const dirty = normalizeRanges(
      changed.map(([o, l]) => [o, l] as const),
      parent.size,
      size,
    ).filter(([a, b]) => a < segEnd && b > segStart);
    if (!mostlyDirty(dirty, segStart, segEnd)) {
      const r = await chunkSegment(ctx, segStart, dirty);
      return { extents: r.extents, bytesRead: len + r.bytesRead };
    }
    const slot = await pool.acquireSlot();
    try {
      const n = await readAt(ctx.fh, Buffer.from(slot, 0, len), len, segStart);
      if (n !== len) throw new Error(`image shrank while reading at ${segStart}`);
      return { extents: await chunkWholeSegment(ctx, slot, segStart, len), bytesRead: 2 * len };
    } finally {
      pool.releaseSlot(slot);
    }
  });
}
