// Changing a lab disk through a tool that works on image files (debugfs -w, mke2fs): the tool
// edits a scratch copy, and only the 64 KiB blocks it changed go back into the disk through
// a LabDiskWriter, the lab's one write path, so snapshots stay intact (copy-on-write) and CBT records
// the change. The scratch copy is compared with a second, untouched copy rather than with the
// live disk, so guest writes made meanwhile elsewhere on the disk are never undone.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, open, rm, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { BLOCK_SIZE, lockPath, readFully } from "./disk-files.ts";
import { withLock } from "./file-lock.ts";
import { LabDiskWriter } from "./lab-disk.ts";

const run = promisify(execFile);
const STEP = 256 * BLOCK_SIZE;

/** A scratch directory beside the disk (same file system: cp may clone), removed after `use`. */
export async function withScratchDir<T>(disk: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(dirname(disk), `.scratch-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies a sparse image keeping its holes (runs of zeros become holes too). */
const sparseCopy = (from: string, to: string) => run("cp", ["--sparse=always", "--reflink=auto", from, to]);

export async function editDiskImage<T>(disk: string, edit: (image: string) => Promise<T>): Promise<T> {
  return withScratchDir(disk, async (dir) => {
    const before = join(dir, "before.img");
    const after = join(dir, "after.img");
    // Under the disk's lock: a consistent copy, as a snapshot would read it.
    await withLock(lockPath(disk), () => sparseCopy(disk, before));
    await sparseCopy(before, after);
    const result = await edit(after);
    await writeChangedBlocks(disk, before, after);
    return result;
  });
}

/** Replaces the whole disk's contents with an image `make` builds from nothing (mke2fs). */
export async function replaceDiskImage(disk: string, capacityBytes: number, make: (image: string) => Promise<void>): Promise<void> {
  await withScratchDir(disk, async (dir) => {
    const image = join(dir, "new.img");
    await writeFile(image, "");
    await truncate(image, capacityBytes);
    await make(image);
    // Every block differs from "unknown": data is written, zeros are zeroed (cheap where never written).
    await writeChangedBlocks(disk, null, image);
  });
}

const ZEROS = Buffer.alloc(BLOCK_SIZE);

/**
 * Writes into `disk` every block where `after` differs from `before` (runs as one write), or with
 * `before` null every block of `after`; returns the bytes written.
 */
export async function writeChangedBlocks(disk: string, before: string | null, after: string): Promise<number> {
  const a = before === null ? undefined : await open(before, "r");
  const b = await open(after, "r");
  // One writer for the whole edit: the disk and its CBT map opened once.
  const writer = new LabDiskWriter(disk);
  // Reused buffers: reading both images dominates, allocating per step would double it.
  const old = Buffer.allocUnsafe(STEP);
  const now = Buffer.allocUnsafe(STEP);
  let written = 0;
  try {
    const size = (await b.stat()).size;
    for (let at = 0; at < size; at += STEP) {
      const length = Math.min(STEP, size - at);
      await Promise.all([a ? readFully(a, old, at) : undefined, readFully(b, now, at)]);
      if (a && old.equals(now)) continue;
      // A run of changed blocks of one kind (data or zeros) since `start`.
      let start = -1;
      let zeros = false;
      const flush = async (end: number) => {
        if (start < 0) return;
        if (zeros) await writer.zero(at + start, end - start);
        else await writer.write(at + start, now.subarray(start, end));
        written += end - start;
        start = -1;
      };
      for (let off = 0; off < length; off += BLOCK_SIZE) {
        const end = Math.min(off + BLOCK_SIZE, length);
        const block = now.subarray(off, end);
        if (a && block.equals(old.subarray(off, end))) {
          await flush(off);
          continue;
        }
        const zero = block.equals(ZEROS.subarray(0, block.length));
        if (start >= 0 && zero !== zeros) await flush(off);
        if (start < 0) {
          start = off;
          zeros = zero;
        }
      }
      await flush(length);
    }
    await writer.flush();
  } finally {
    await writer.close();
    await a?.close();
    await b.close();
  }
  return written;
}
