// Full read of an image: segments are read in order into pooled slots and chunked, hashed and
// encoded in the workers concurrently; only chunks the store lacks are written.
import { SEGMENT } from "./chunker.ts";
import type { ChunkSink } from "./chunk-sink.ts";
import type { ImageSource } from "./image-source.ts";
import { openSequential } from "./image-source.ts";
import type { WorkerPool } from "./worker-pool.ts";

export type Extent = [number, number, string];
export type ProgressFn = (bytesDone: number, bytesTotal: number) => void;

export interface ChunkedImage {
  extents: Extent[];
  size: number;
  bytesRead: number;
}

export async function backupFull(pool: WorkerPool, sink: ChunkSink, source: ImageSource, onProgress?: ProgressFn, sizeHint?: number): Promise<ChunkedImage> {
  const { reader, size } = await openSequential(source);
  const total = size ?? sizeHint ?? 0;
  const perSegment: Array<Promise<Extent[]>> = [];
  let pos = 0;
  let done = 0;
  try {
    for (;;) {
      const slot = await pool.acquireSlot();
      let n: number;
      try {
        n = await reader.read(new Uint8Array(slot, 0, SEGMENT), SEGMENT);
      } catch (err) {
        pool.releaseSlot(slot);
        throw err;
      }
      if (n === 0) {
        pool.releaseSlot(slot);
        break;
      }
      const base = pos;
      pos += n;
      const job = (async () => {
        try {
          const { cuts } = await pool.chunk({ slot, length: n, base, from: base, final: true });
          await sink.store(slot, base, cuts);
          return cuts;
        } finally {
          pool.releaseSlot(slot);
        }
      })();
      job.then(() => {
        done += n;
        onProgress?.(done, Math.max(total, pos));
      }, () => {});
      perSegment.push(job);
      if (n < SEGMENT) break;
    }
    const extents = (await Promise.all(perSegment)).flat();
    return { extents, size: pos, bytesRead: pos };
  } finally {
    await Promise.allSettled(perSegment);
    await reader.close();
  }
}
