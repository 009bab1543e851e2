// Changed-range incremental: only windows around the changed bytes are read and re-chunked;
// everything else reuses the parent's extents. Correct because of the chunker's invariants
// (chunker.ts): re-chunking restarts at a parent cut at least LOOKAHEAD before the change and
// stops at the first new cut past the change that the parent also had. The caller registers the
// parent's ids with the GC session before calling.
import type { ImageReader } from "../services/infrastructure/image-store.ts";
import type { Extent, ProgressFn } from "./backup-full.ts";
import type { ChunkedImage } from "./backup-full.ts";
import { BLOCK, LOOKAHEAD, SEGMENT, ZERO_RUN_BLOCKS } from "./chunker.ts";
import type { ChunkSink } from "./chunk-sink.ts";
import { forEachLimit } from "./concurrency.ts";
import { StoreArgumentError, throwIfCancelled } from "./errors.ts";
import type { RandomSource } from "./image-source.ts";
import { openRandomSource } from "./image-source.ts";
import type { Manifest } from "./manifest.ts";
import { extentOffsets } from "./manifest.ts";
import type { WorkerPool } from "./worker-pool.ts";
import type { ChunkResult, ChunkTask } from "./worker-protocol.ts";

/** Read past a change's end on the first try: the next common cut is usually within a chunk or two. */
const FIRST_EXTRA = 512 << 10;
/** What a window reads beyond its change, on average: the lookahead, half a chunk, FIRST_EXTRA. */
const WINDOW_EXTRA = LOOKAHEAD + (128 << 10) + FIRST_EXTRA;
/** Above this share of the segment, windows would read about as much as one whole read. */
const REWRITE_SHARE = 0.75;
/** Changes closer than this are re-chunked as one range (their chunks overlap anyway). */
const MERGE_GAP = 1 << 20;

export type ChangedRange = readonly [offset: number, length: number];

export function validRange(offset: number, length: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0;
}

/** Sorted, merged [start, end) ranges clipped to size, plus the resized tail when the size changed. */
export function normalizeRanges(ranges: readonly ChangedRange[], oldSize: number, newSize: number): Array<[number, number]> {
  const r: Array<[number, number]> = [];
  for (const [o, l] of ranges) {
    if (!validRange(o, l)) throw new StoreArgumentError(`bad changed range [${o}, ${l}]`);
    const e = Math.min(newSize, o + l);
    if (e > o) r.push([o, e]);
  }
  // the old end was a forced cut and the new end is one: re-chunk around both
  if (newSize !== oldSize && newSize > 0) r.push([Math.max(0, Math.min(oldSize, newSize) - 1), newSize]);
  r.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const x of r) {
    const last = out[out.length - 1];
    if (last && x[0] <= last[1] + MERGE_GAP) last[1] = Math.max(last[1], x[1]);
    else out.push([x[0], x[1]]);
  }
  return out;
}

export async function backupChangedRanges(
  pool: WorkerPool,
  sink: ChunkSink,
  source: string | ImageReader,
  parent: Manifest,
  ranges: readonly ChangedRange[],
  work: SegmentWork = {},
): Promise<ChunkedImage> {
  let all: Array<[number, number]> | null = null; // normalised once: CBT lists can be long
  const dirtyIn = (segStart: number, segEnd: number, size: number) => {
    all ??= normalizeRanges(ranges, parent.size, size);
    return rangesWithin(all, segStart, segEnd);
  };
  const planner: SegmentPlanner = async ({ segStart, segEnd, ctx, size }) => {
    const dirty = dirtyIn(segStart, segEnd, size);
    // scattered churn: one read and one pass over the segment beats re-chunking window by window
    return mostlyDirty(dirty, segStart, segEnd) ? chunkWholeSegment(ctx, segStart) : chunkSegment(ctx, segStart, dirty);
  };
  return forEachSegment(pool, sink, source, parent, work, planner, (segStart, segEnd, size) => Math.min(segEnd - segStart, windowBytes(dirtyIn(segStart, segEnd, size), segStart, segEnd)));
}

/**
 * Whether re-chunking the dirty ranges (within the segment) window by window would read about
 * as much as the whole segment: each window also reads back to a parent cut before the change
 * and on past it until the chunking meets the parent's again (about WINDOW_EXTRA in all).
 * Then one read and one pass over the segment is cheaper (scattered churn); clustered churn of
 * a few MiB in a segment stays with windows.
 */
export function mostlyDirty(dirty: ReadonlyArray<readonly [number, number]>, segStart: number, segEnd: number): boolean {
  return windowBytes(dirty, segStart, segEnd) >= REWRITE_SHARE * (segEnd - segStart);
}

/** About how many bytes re-chunking the dirty ranges of a segment window by window reads. */
function windowBytes(dirty: ReadonlyArray<readonly [number, number]>, segStart: number, segEnd: number): number {
  return dirty.reduce((t, [a, b]) => t + Math.min(b, segEnd) - Math.max(a, segStart) + WINDOW_EXTRA, 0);
}

/** The sorted, disjoint ranges that overlap [start, end) (binary search for the first). */
function rangesWithin(sorted: ReadonlyArray<[number, number]>, start: number, end: number): Array<[number, number]> {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as [number, number])[1] <= start) lo = mid + 1;
    else hi = mid;
  }
  const out: Array<[number, number]> = [];
  for (let i = lo; i < sorted.length && (sorted[i] as [number, number])[0] < end; i++) out.push(sorted[i] as [number, number]);
  return out;
}

/** Reads, chunks and stores the whole segment from segStart, in one worker task. */
export async function chunkWholeSegment(ctx: SegCtx, segStart: number): Promise<{ extents: Extent[]; bytesRead: number }> {
  const length = ctx.segEnd - segStart;
  const slot = await ctx.pool.acquireSlot();
  try {
    const encodeExcept = parentIdsIn(ctx, segStart, ctx.segEnd);
    const { cuts, frames } = await chunkFromSource(ctx, { slot, length, base: segStart, from: segStart, final: true, encodeExcept });
    await ctx.sink.storeEncoded(slot, segStart, cuts, frames ?? []);
    return { extents: cuts, bytesRead: length };
  } finally {
    ctx.pool.releaseSlot(slot);
  }
}

export type SegmentPlanner = (seg: { segStart: number; segEnd: number; size: number; ctx: SegCtx }) => Promise<{ extents: Extent[]; bytesRead: number }>;

export interface SegmentWork {
  onProgress?: ProgressFn | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A chunk task over image [base, base + length) of the source: a path's bytes are read by the
 * worker itself (one hop between threads per window), a reader's into the slot first.
 */
function chunkFromSource(ctx: SegCtx, task: Omit<ChunkTask, "op" | "fd">): Promise<ChunkResult> {
  const fd = ctx.src.fd;
  if (fd !== undefined) return ctx.pool.chunk({ ...task, fd });
  return ctx.src.readInto(new Uint8Array(task.slot, 0, task.length), task.base).then(() => ctx.pool.chunk(task));
}

/**
 * Runs planner on every 16 MiB segment of the image at path (or of the reader) (a few at a time) and joins the
 * extents. With weigh (the work a segment will take), the heaviest segments go first: a large
 * one left for the end (an image's grown tail is one whole new segment) ran alone on one
 * worker while the other had nothing left to do.
 */
export async function forEachSegment(
  pool: WorkerPool,
  sink: ChunkSink,
  source: string | ImageReader,
  parent: Manifest,
  work: SegmentWork,
  planner: SegmentPlanner,
  weigh?: (segStart: number, segEnd: number, size: number) => number,
): Promise<ChunkedImage> {
  const src = await openRandomSource(source);
  const { size } = src;
  try {
    const pOffs = extentOffsets(parent);
    const pIndex = new Map<number, number>(pOffs.map((o, i) => [o, i]));
    const nSeg = Math.ceil(size / SEGMENT);
    const perSeg: Extent[][] = new Array(nSeg);
    let bytesRead = 0;
    let done = 0;
    const segs = Array.from({ length: nSeg }, (_, s) => s);
    if (weigh) {
      const w = segs.map((s) => weigh(s * SEGMENT, Math.min(size, (s + 1) * SEGMENT), size));
      segs.sort((a, b) => (w[b] as number) - (w[a] as number)); // stable: equal weights keep image order
    }
    await forEachLimit(segs, 4, async (s) => {
      throwIfCancelled(work.signal, "backup");
      const segStart = s * SEGMENT;
      const segEnd = Math.min(size, segStart + SEGMENT);
      const ctx: SegCtx = { src, pool, sink, parent, pOffs, pIndex, segEnd, signal: work.signal };
      const r = await planner({ segStart, segEnd, size, ctx });
      perSeg[s] = r.extents;
      bytesRead += r.bytesRead;
      done += segEnd - segStart;
      work.onProgress?.(done, size);
    });
    return { extents: perSeg.flat(), size, bytesRead };
  } finally {
    await src.close();
  }
}

export interface SegCtx {
  src: RandomSource;
  pool: WorkerPool;
  sink: ChunkSink;
  parent: Manifest;
  pOffs: number[];
  pIndex: Map<number, number>;
  segEnd: number;
  signal: AbortSignal | undefined;
}

/** The parent's cuts in [from, to]: where re-chunking may meet the parent's chunking again. */
function parentCutsIn(ctx: SegCtx, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = extentAt(ctx.pOffs, from); k < ctx.pOffs.length && (ctx.pOffs[k] as number) <= to; k++) if ((ctx.pOffs[k] as number) >= from) out.push(ctx.pOffs[k] as number);
  return out;
}

/** The ids of the parent's chunks that overlap [from, to): a window re-chunking there mostly finds some of them again. */
function parentIdsIn(ctx: SegCtx, from: number, to: number): string[] {
  const out: string[] = [];
  for (let k = extentAt(ctx.pOffs, from); k < ctx.parent.ids.length && (ctx.pOffs[k] as number) < to; k++) if (ctx.parent.ids[k]) out.push(ctx.parent.ids[k] as string);
  return out;
}

/** Index of the parent extent holding byte pos (pOffs ascending, pOffs[0] = 0). */
function extentAt(pOffs: readonly number[], pos: number): number {
  let lo = 0;
  let hi = pOffs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((pOffs[mid] as number) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * When a new cut pos falls inside a zero extent of the parent and the bytes from pos on are
 * unchanged, the new image is known to be zero there without reading it. Returns the end of
 * that known zero run, or null when there is none worth skipping:
 * - synced: the rest of the parent's zero extent and the block after it are unchanged, so the
 *   zero run from pos ends exactly where the parent's did (a parent zero extent ends at a
 *   non-zero block or at the segment end) and the next cut is that parent cut;
 * - not synced: a later change falls inside the zero extent; the run is zero at least up to
 *   that change's first block. Re-chunking resumes ZERO_RUN_BLOCKS before it, so the chunker
 *   still sees a run long enough to be a zero extent if the change starts with zeros (the two
 *   zero extents are joined afterwards).
 * Without this, a change followed by a long zero region was re-read up to the segment end.
 */
function unchangedZeroRun(ctx: SegCtx, pos: number, dirty: ReadonlyArray<readonly [number, number]>): { end: number; synced: boolean } | null {
  const { parent, pOffs, segEnd } = ctx;
  if (pos % BLOCK !== 0 || pos >= parent.size) return null;
  const k = extentAt(pOffs, pos);
  const end = pOffs[k + 1] as number;
  if (parent.ids[k] !== "" || end > segEnd) return null;
  const checkTo = Math.min(segEnd, end + BLOCK);
  const next = dirty.find(([a, b]) => a < checkTo && b > pos);
  const zeroTo = next ? Math.floor(next[0] / BLOCK) * BLOCK - ZERO_RUN_BLOCKS * BLOCK : end;
  if (zeroTo - pos < ZERO_RUN_BLOCKS * BLOCK) return null;
  return { end: zeroTo, synced: !next };
}

/** Joins adjacent zero extents (a zero run split where a skipped stretch met a re-chunked one). */
function joinZeroExtents(extents: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of extents) {
    const last = out[out.length - 1];
    if (last && last[2] === "" && e[2] === "" && last[0] + last[1] === e[0]) last[1] += e[1];
    else out.push(e);
  }
  return out;
}

/** Re-chunks the dirty ranges of one segment and reuses the parent's extents elsewhere. */
export async function chunkSegment(ctx: SegCtx, segStart: number, dirty: Array<[number, number]>): Promise<{ extents: Extent[]; bytesRead: number }> {
  const { parent, pOffs, pIndex, segEnd } = ctx;
  const out: Extent[] = [];
  let bytesRead = 0;
  let pos = segStart; // a cut of both the parent and the new image
  let pi = pIndex.get(segStart) ?? -1; // parent extent starting at pos, -1 when parent has none
  const reuse = (until: number) => {
    // copy parent extents that end at or before `until`
    while (pi >= 0 && pi < parent.lens.length && (pOffs[pi + 1] as number) <= until) {
      out.push([pOffs[pi] as number, parent.lens[pi] as number, parent.ids[pi] as string]);
      pos = pOffs[pi + 1] as number;
      pi++;
    }
  };
  for (const [x, y] of dirty) {
    if (y <= pos) continue;
    reuse(Math.min(segEnd, x - LOOKAHEAD));
    // re-chunk from pos until a new cut >= y coincides with a parent cut (or the segment ends)
    let synced = false;
    let extra = FIRST_EXTRA;
    while (!synced && pos < segEnd) {
      throwIfCancelled(ctx.signal, "backup");
      const zero = unchangedZeroRun(ctx, pos, dirty);
      if (zero) {
        out.push([pos, zero.end - pos, ""]);
        pos = zero.end;
        synced = zero.synced;
        if (synced) pi = pIndex.get(pos) ?? -1;
        continue;
      }
      const readFrom = pos - (pos % BLOCK);
      const readTo = Math.min(segEnd, readFrom + ctx.pool.slotSize, Math.max(y, pos) + extra);
      extra *= 2; // no common cut yet: read further next time
      const final = readTo === segEnd;
      const slot = await ctx.pool.acquireSlot();
      try {
        // one worker task reads, chunks and encodes the window (each hop between threads costs)
        const n = readTo - readFrom;
        const syncAt = parentCutsIn(ctx, Math.max(y, pos + 1), Math.min(readTo, segEnd - 1, parent.size));
        const encodeExcept = parentIdsIn(ctx, readFrom, readTo);
        const { cuts, frames } = await chunkFromSource(ctx, { slot, length: n, base: readFrom, from: pos, final, syncAt, encodeExcept });
        bytesRead += n;
        let used = 0;
        for (const c of cuts) {
          used++;
          pos = c[0] + c[1];
          if (pos >= y && pos < segEnd && pIndex.has(pos) && pos <= parent.size) {
            synced = true;
            pi = pIndex.get(pos) as number;
            break;
          }
        }
        const mine = cuts.slice(0, used);
        await ctx.sink.storeEncoded(slot, readFrom, mine, frames ?? []);
        out.push(...mine);
      } finally {
        ctx.pool.releaseSlot(slot);
      }
    }
    if (!synced) pi = -1;
  }
  reuse(segEnd);
  if (pos !== segEnd) throw new Error(`internal: segment ${segStart} chunked to ${pos}, expected ${segEnd}`);
  return { extents: joinZeroExtents(out), bytesRead };
}
