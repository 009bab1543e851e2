// Test helpers: temporary directories, small generated images, file hashing.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateBase, generateNext } from "../../../bench/lib/gen-disk.ts";

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
