import { randomUUID } from "node:crypto";
import { mkdir, open, stat, truncate, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  BLOCK_SIZE,
  blockCount,
  cbtPath,
  checkBounds,
  lockPath,
  readCbtEntries,
  readDiskState,
  stampCbt,
  writeAt,
  writeDiskState,
} from "./disk-files.ts";
import { blocksToRanges } from "../ranges.ts";
import { preserveBlocks } from "./disk-snapshot.ts";
import { withLock } from "./file-lock.ts";

// The one write path of lab disks: every byte the lab writes (guest churn, imports, restores, demo
// content) goes through writeDisk, which keeps snapshots intact (copy-on-write) and records the
// change for CBT before touching the data.

const ZERO_CHUNK = 4 * 1024 * 1024;

/** Creates an empty sparse disk with its CBT map and state. */
export async function createDisk(disk: string, capacityBytes: number): Promise<void> {
  await mkdir(dirname(disk), { recursive: true });
  await writeFile(disk, "", { flag: "wx" });
  await truncate(disk, capacityBytes);
  await writeFile(cbtPath(disk), "");
  await truncate(cbtPath(disk), blockCount(capacityBytes) * 4);
  await writeDiskState(disk, { capacityBytes, cbtId: randomUUID(), epoch: 1, cowSnapshots: [] });
}

/** Writes `data` at `offset` (the lab's guest/restore write path). */
export async function writeDisk(disk: string, offset: number, data: Uint8Array): Promise<void> {
  if (data.length === 0) return;
  await withLock(lockPath(disk), async () => {
    const state = await readDiskState(disk);
    checkBounds(state.capacityBytes, offset, data.length);
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + data.length - 1) / BLOCK_SIZE);
    const live = await open(disk, "r+");
    try {
      await preserveBlocks(disk, live, state.capacityBytes, state.cowSnapshots, first, last);
      // CBT before data: a crash in between over-reports a change, never hides one.
      await stampCbt(cbtPath(disk), first, last, state.epoch);
      await writeAt(live, offset, data);
    } finally {
      await live.close();
    }
  });
}

/** Makes a range read as zeros, writing only over blocks that were ever written. */
export async function zeroDisk(disk: string, offset: number, length: number): Promise<void> {
  if (length === 0) return;
  const state = await readDiskState(disk);
  checkBounds(state.capacityBytes, offset, length);
  const first = Math.floor(offset / BLOCK_SIZE);
  const last = Math.floor((offset + length - 1) / BLOCK_SIZE);
  const cbt = await open(cbtPath(disk), "r");
  let map: Uint32Array;
  try {
    map = await readCbtEntries(cbt, first, last);
  } finally {
    await cbt.close();
  }
  const written = blocksToRanges(last - first + 1, BLOCK_SIZE, Number.MAX_SAFE_INTEGER, (i) => (map[i] ?? 0) > 0);
  for (const run of written) {
    // Runs are relative to block `first`; clip them to the requested range.
    const from = Math.max(offset, first * BLOCK_SIZE + run.offset);
    const to = Math.min(offset + length, first * BLOCK_SIZE + run.offset + run.length);
    for (let at = from; at < to; at += ZERO_CHUNK) {
      await writeDisk(disk, at, Buffer.alloc(Math.min(ZERO_CHUNK, to - at)));
    }
  }
}

/** Bytes the disk file really occupies (sparse files use less than their size). */
export async function allocatedBytes(disk: string): Promise<number> {
  const s = await stat(disk).catch(() => undefined);
  return s ? s.blocks * 512 : 0;
}

export async function flushDisk(disk: string): Promise<void> {
  const handle = await open(disk, "r+");
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
