// Copies a snapshot's disk into a VM's disk byte for byte, sparse: only allocated ranges are
// read, runs of zeros become zero() calls (as the store's restore does), and what lies outside
// the allocated ranges is zeroed, so an overwritten disk reads exactly as the snapshot.
import type { ImageReader, ImageWriter, ImageWork } from "../infrastructure/image-store.ts";

const STEP = 4 * 1024 * 1024;
const ZERO_UNIT = 64 * 1024;

const ZEROS = Buffer.alloc(ZERO_UNIT);
/** Whether a slice of at most ZERO_UNIT bytes is all zeros (memcmp). */
const isZero = (b: Buffer): boolean => b.equals(ZEROS.subarray(0, b.length));

export async function copyDiskImage(source: ImageReader, target: ImageWriter, work: ImageWork = {}): Promise<void> {
  const size = source.capacityBytes;
  const ranges = (await source.allocatedRanges()).filter((r) => r.offset < size);
  const total = ranges.reduce((s, r) => s + Math.min(r.length, size - r.offset), 0);
  let done = 0;
  let pos = 0;
  const zeroTo = async (end: number) => {
    if (end > pos) await target.zero(pos, end - pos);
    pos = Math.max(pos, end);
  };
  for (const range of ranges) {
    await zeroTo(range.offset);
    const end = Math.min(range.offset + range.length, size);
    for (let at = Math.max(range.offset, pos); at < end; at += STEP) {
      work.signal?.throwIfAborted();
      const data = await source.read(at, Math.min(STEP, end - at));
      await writeSparse(target, at, data);
      done += data.length;
      work.onProgress?.(done, total);
    }
    pos = Math.max(pos, end);
  }
  await zeroTo(size);
  await target.flush();
}

/** Writes `data` at `offset`: consecutive 64 KiB units of data as one write, of zeros as one zero(). */
async function writeSparse(target: ImageWriter, offset: number, data: Buffer): Promise<void> {
  let start = 0;
  let zeros = isZero(data.subarray(0, ZERO_UNIT));
  const emit = async (end: number) => {
    if (zeros) await target.zero(offset + start, end - start);
    else await target.write(offset + start, data.subarray(start, end));
  };
  for (let i = ZERO_UNIT; i < data.length; i += ZERO_UNIT) {
    const z = isZero(data.subarray(i, i + ZERO_UNIT));
    if (z === zeros) continue;
    await emit(i);
    start = i;
    zeros = z;
  }
  await emit(data.length);
}
