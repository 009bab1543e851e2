// Full read of an image: segments are read in order into pooled slots and chunked, hashed and
// encoded in the workers concurrently; only chunks the store lacks are written.
import { SEGMENT } from "./chunker.ts";
import type { ChunkSink } from "./chunk-sink.ts";
import { throwIfCancelled } from "./errors.ts";
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

export interface FullOptions {
  onProgress?: ProgressFn | undefined;
  /** Expected size of a stream source, for progress only. */
  sizeHint?: number | undefined;
  signal?: AbortSignal | undefined;
}

export async function backupFull(pool: WorkerPool, sink: ChunkSink, source: ImageSource, opts: FullOptions = {}): Promise<ChunkedImage> {
  const { reader, size } = await openSequential(source);
  const total = size ?? opts.sizeHint ?? 0;
  const perSegment: Array<Promise<Extent[]>> = [];
  let pos = 0;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, Math.max(total, pos));
  };
  try {
    for (;;) {
      throwIfCancelled(opts.signal, "backup");
      // an unallocated segment is the one zero extent the chunker would make of it (it is at
      // least a zero run long): nothing to read, chunk or store
      const zero = reader.skipZero?.(SEGMENT) ?? 0;
      if (zero > 0) {
        perSegment.push(Promise.resolve([[pos, zero, ""]]));
        pos += zero;
        progress(zero);
        if (zero < SEGMENT) break;
        continue;
      }
      const slot = await pool.acquireSlot();
      let n: number;
      try {
        throwIfCancelled(opts.signal, "backup");
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
      job.then(() => progress(n), () => {});
      perSegment.push(job);
      if (n < SEGMENT) break;
    }
    const extents = (await Promise.all(perSegment)).flat();
    return { extents, size: pos, bytesRead: reader.bytesRead };
  } finally {
    await Promise.allSettled(perSegment);
    await reader.close();
  }
}
