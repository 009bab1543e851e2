// Changing a lab disk through a tool that works on image files (debugfs -w, mke2fs): the tool
// edits a scratch copy, and only the 64 KiB blocks it changed go back into the disk through
// writeDisk, the lab's one write path, so snapshots stay intact (copy-on-write) and CBT records
// the change. The scratch copy is compared with a second, untouched copy rather than with the
// live disk, so guest writes made meanwhile elsewhere on the disk are never undone.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { BLOCK_SIZE, lockPath, readAt } from "./disk-files.ts";
import { withLock } from "./file-lock.ts";
import { writeDisk, zeroDisk } from "./lab-disk.ts";

const run = promisify(execFile);
const STEP = 64 * BLOCK_SIZE;

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

const ZEROS = Buffer.alloc(BLOCK_SIZE);

/** Writes into `disk` every block where `after` differs from `before` (runs as one write); returns the bytes written. */
export async function writeChangedBlocks(disk: string, before: string, after: string): Promise<number> {
  const a = await open(before, "r");
  const b = await open(after, "r");
  let written = 0;
  try {
    const size = (await b.stat()).size;
    for (let at = 0; at < size; at += STEP) {
      const length = Math.min(STEP, size - at);
      const [old, now] = await Promise.all([readAt(a, at, length), readAt(b, at, length)]);
      // A run of changed blocks of one kind (data or zeros) since `start`.
      let start = -1;
      let zeros = false;
      const flush = async (end: number) => {
        if (start < 0) return;
        if (zeros) await zeroDisk(disk, at + start, end - start);
        else await writeDisk(disk, at + start, now.subarray(start, end));
        written += end - start;
        start = -1;
      };
      for (let off = 0; off < length; off += BLOCK_SIZE) {
        const end = Math.min(off + BLOCK_SIZE, length);
        const block = now.subarray(off, end);
        if (block.equals(old.subarray(off, end))) {
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
  } finally {
    await a.close();
    await b.close();
  }
  return written;
}
