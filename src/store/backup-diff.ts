// Incremental without changed ranges, for a random-access source with a parent: instead of
// content-defining every chunk again, the parent's extents are re-hashed in place (zero extents
// re-checked for zeros) by the workers, which read the image themselves. Extents whose hash
// still matches are unchanged bytes, so the differing ones are exactly a changed-range list:
// mostly-changed segments are read and re-chunked whole, the rest go through the changed-range
// path (chunkSegment), which re-reads only small windows (page-cache hot).
import type { ChunkedImage, Extent } from "./backup-full.ts";
import type { ChunkSink } from "./chunk-sink.ts";
import type { SegmentWork } from "./backup-incremental.ts";
import { chunkSegment, chunkWholeSegment, forEachSegment, mostlyDirty, normalizeRanges } from "./backup-incremental.ts";
import type { Manifest } from "./manifest.ts";
import type { WorkerPool } from "./worker-pool.ts";

export function backupAgainstParent(pool: WorkerPool, sink: ChunkSink, path: string, parent: Manifest, work: SegmentWork = {}): Promise<ChunkedImage> {
  return forEachSegment(pool, sink, path, parent, work, async ({ segStart, segEnd, size, ctx }) => {
    const len = segEnd - segStart;
    const mine: Extent[] = [];
    const first = ctx.pIndex.get(segStart);
    if (first !== undefined) {
      for (let i = first; i < parent.lens.length && (ctx.pOffs[i + 1] as number) <= Math.min(segEnd, parent.size); i++) {
        mine.push([ctx.pOffs[i] as number, parent.lens[i] as number, parent.ids[i] as string]);
      }
    }
    const fd = ctx.src.fd;
    if (fd === undefined) throw new Error("internal: a diff needs a path source"); // the workers read it
    const { changed } = await pool.diff({ fd, extents: mine });
    const dirty = normalizeRanges(
      changed.map(([o, l]) => [o, l] as const),
      parent.size,
      size,
    ).filter(([a, b]) => a < segEnd && b > segStart);
    const r = mostlyDirty(dirty, segStart, segEnd) ? await chunkWholeSegment(ctx, segStart) : await chunkSegment(ctx, segStart, dirty);
    return { extents: r.extents, bytesRead: len + r.bytesRead };
  });
}
