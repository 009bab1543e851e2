import { randomUUID } from "node:crypto";
import { closeSync, fdatasyncSync, openSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, stat, truncate, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  BLOCK_SIZE,
  type DiskState,
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
import { DropBehind } from "../../platform/page-cache.ts";
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

/**
 * A disk opened for a series of writes (a restore writes thousands of runs): the disk and its CBT
 * map are opened once, not per write (reopening both, under the lock, cost a restore ~2.5 ms per
 * write). Each write still takes the disk lock and reads the disk's state, since a snapshot may
 * be taken or dropped (changing the epoch and the copy-on-write targets) between two writes;
 * except on the disk of a VM being created (`unregistered`): nothing else can reach it before
 * the VM is registered, so its state is read once and writes run side by side without the lock
 * (a restore into a new VM has several batches in flight; serialised, they waited on each other).
 */
export class LabDiskWriter {
  readonly disk: string;
  readonly #unregistered: boolean;
  #state: Promise<DiskState> | undefined;
  #files: Promise<{ live: FileHandle; cbt: number; behind: DropBehind }> | undefined;

  constructor(disk: string, options: { unregistered?: boolean } = {}) {
    this.disk = disk;
    this.#unregistered = options.unregistered ?? false;
  }

  #open(): Promise<{ live: FileHandle; cbt: number; behind: DropBehind }> {
    this.#files ??= (async () => {
      const live = await open(this.disk, "r+");
      try {
        // a restore writes a whole disk: its pages leave the cache as they reach the disk
        return { live, cbt: openSync(cbtPath(this.disk), "r+"), behind: new DropBehind(live.fd) };
      } catch (err) {
        await live.close();
        throw err;
      }
    })();
    return this.#files;
  }

  /** Writes `data` at `offset` (the lab's guest/restore write path). */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    if (this.#unregistered) {
      this.#state ??= readDiskState(this.disk);
      return this.#writeLocked(await this.#state, offset, data);
    }
    await withLock(lockPath(this.disk), async () => this.#writeLocked(await readDiskState(this.disk), offset, data));
  }

  /** The write itself, with the disk lock held (or nothing else able to reach the disk). */
  async #writeLocked(state: DiskState, offset: number, data: Uint8Array): Promise<void> {
    checkBounds(state.capacityBytes, offset, data.length);
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + data.length - 1) / BLOCK_SIZE);
    const { live, cbt, behind } = await this.#open();
    await preserveBlocks(this.disk, live, state.capacityBytes, state.cowSnapshots, first, last);
    // CBT before data: a crash in between over-reports a change, never hides one.
    stampCbt(cbt, first, last, state.epoch);
    await writeAt(live, offset, data);
    behind.wrote(data.length);
  }

  /** Makes a range read as zeros, writing only over blocks that were ever written. */
  async zero(offset: number, length: number): Promise<void> {
    if (length === 0) return;
    const state = await readDiskState(this.disk);
    checkBounds(state.capacityBytes, offset, length);
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + length - 1) / BLOCK_SIZE);
    const cbt = await open(cbtPath(this.disk), "r");
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
      for (let at = from; at < to; at += ZERO_CHUNK) await this.write(at, Buffer.alloc(Math.min(ZERO_CHUNK, to - at)));
    }
  }

  /** Makes the written data and its CBT stamps durable. */
  async flush(): Promise<void> {
    const { live, cbt } = await this.#open();
    await live.datasync();
    fdatasyncSync(cbt);
  }

  async close(): Promise<void> {
    const files = this.#files;
    this.#files = undefined;
    if (!files) return;
    const { live, cbt, behind } = await files;
    await behind.settle();
    closeSync(cbt);
    await live.close();
  }
}

/** One write through a writer of its own (guest churn, tests). */
export async function writeDisk(disk: string, offset: number, data: Uint8Array): Promise<void> {
  const writer = new LabDiskWriter(disk);
  try {
    await writer.write(offset, data);
  } finally {
    await writer.close();
  }
}

/** Bytes the disk file really occupies (sparse files use less than their size). */
export async function allocatedBytes(disk: string): Promise<number> {
  const s = await stat(disk).catch(() => undefined);
  return s ? s.blocks * 512 : 0;
}
