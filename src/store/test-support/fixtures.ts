// Test helpers: temporary directories, small generated images, file hashing, damage.
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateBase, generateNext } from "../../../bench/lib/gen-disk.ts";
import { LocalDirBackend } from "../backends/local-dir.ts";
import { packKey } from "../pack-index.ts";
import { loadChunkIndex } from "../index-load.ts";

export function tempDir(prefix = "obr-store-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function writeRandom(path: string, size: number): Buffer {
  const b = randomBytes(size);
  writeFileSync(path, b);
  return b;
}

/** A small disk image of the benchmark workload (zero/random/text/duplicated extents). */
export function makeImage(path: string, size: number, seed = "7"): void {
  generateBase({ out: path, size, seed });
}

/** Next-day variant; returns the changed ranges. */
export function makeNext(from: string, out: string, change: number, runMean: number, seed = "8"): Array<[number, number]> {
  return generateNext({ from, out, seed, change, runMean, append: 0.01 }).ranges;
}

/** Flips one bit in the middle of a stored chunk's frame, in its pack; returns the pack's path. */
export async function flipBitInChunk(storeDir: string, chunkId: string): Promise<{ path: string; pack: string }> {
  const loc = (await loadChunkIndex(new LocalDirBackend(storeDir), null)).chunks.get(chunkId);
  if (!loc) throw new Error(`chunk ${chunkId} is not indexed`);
  const path = join(storeDir, packKey(loc.pack));
  const fd = openSync(path, "r+");
  try {
    const b = Buffer.alloc(1);
    const pos = loc.off + Math.floor(loc.len / 2);
    readSync(fd, b, 0, 1, pos);
    writeSync(fd, Buffer.from([(b[0] as number) ^ 0x10]), 0, 1, pos);
  } finally {
    closeSync(fd);
  }
  return { path, pack: loc.pack };
}
