import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { copyFile, open, rm, truncate, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import type { ChangedRange, DiskReader } from "../hypervisor-connector.ts";
import { blocksToRanges } from "../ranges.ts";
import {
  BLOCK_SIZE,
  blockCount,
  cbtPath,
  lockPath,
  readAt,
  readFully,
  readCbtMap,
  readDiskState,
  readSmall,
  writeAt,
  writeDiskState,
  writeSmall,
} from "./disk-files.ts";
import { withLock, withLocks } from "./file-lock.ts";
import { readJson, writeJsonAtomic } from "./json-file.ts";

// A disk snapshot is a set of files sharing a base path B (<vm dir>/snapshots/<snapshot id>/<disk id>):
//   B.json   SnapshotMeta       B.cbt  the disk's CBT map frozen at snapshot time
//   reflink: B.raw  a reflink clone of the disk (only where the filesystem can clone for free)
//   cow:     B.delta  sparse file, same offsets as the disk, holding the old contents of blocks
//                     overwritten since the snapshot; B.saved  one byte per block, 1 = in B.delta
// Copy-on-write invariant: a block's old contents reach B.delta and B.saved before the disk is
// overwritten, and readers hold the disk lock, so a snapshot read never sees a later write.

interface SnapshotMeta {
  snapshotId: string;
  kind: "reflink" | "cow";
  capacityBytes: number;
  cbtId: string;
  /** Writes stamped with an epoch <= this one are in the snapshot. */
  epoch: number;
}

const metaPath = (base: string) => `${base}.json`;

async function readMeta(base: string): Promise<SnapshotMeta> {
  const meta = await readJson<SnapshotMeta>(metaPath(base));
  if (!meta) throw new ConnectorError("not-found", `snapshot disk ${base} does not exist`);
  return meta;
}

async function tryReflink(src: string, dest: string): Promise<boolean> {
  try {
    await copyFile(src, dest, constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch {
    await rm(dest, { force: true });
    return false; // ext4 and friends: no clone, fall back to copy-on-write block maps
  }
}

/**
 * Snapshots several disks at one instant: all their locks are held together, so no write lands
 * between two disks of the same snapshot. Returns each disk's changeId.
 */
export async function takeDiskSnapshots(
  snapshotId: string,
  items: readonly { disk: string; base: string }[],
  clone: (src: string, dest: string) => Promise<boolean> = tryReflink,
): Promise<string[]> {
  return withLocks(
    items.map((i) => lockPath(i.disk)),
    async () => {
      const changeIds: string[] = [];
      for (const { disk, base } of items) {
        const state = await readDiskState(disk);
        await copyFile(cbtPath(disk), `${base}.cbt`);
        const kind = (await clone(disk, `${base}.raw`)) ? "reflink" : "cow";
        if (kind === "cow") {
          await writeFile(`${base}.delta`, "");
          await truncate(`${base}.delta`, state.capacityBytes);
          await writeFile(`${base}.saved`, Buffer.alloc(blockCount(state.capacityBytes)));
          state.cowSnapshots.push({ id: snapshotId, base: relative(dirname(disk), base) });
        }
        const meta: SnapshotMeta = {
          snapshotId,
          kind,
          capacityBytes: state.capacityBytes,
          cbtId: state.cbtId,
          epoch: state.epoch,
        };
        await writeJsonAtomic(metaPath(base), meta);
        changeIds.push(`${state.cbtId}:${state.epoch}`);
        state.epoch += 1;
        await writeDiskState(disk, state);
      }
      return changeIds;
    },
  );
}

/** Removes one disk's part of a snapshot; the disk itself may already be gone. */
export async function dropDiskSnapshot(disk: string, base: string, snapshotId: string): Promise<void> {
  await withLock(lockPath(disk), async () => {
    const state = await readDiskState(disk).catch(() => undefined);
    if (state) {
      state.cowSnapshots = state.cowSnapshots.filter((s) => s.id !== snapshotId);
      await writeDiskState(disk, state);
    }
    for (const ext of [".json", ".cbt", ".raw", ".delta", ".saved"]) await rm(`${base}${ext}`, { force: true });
  });
}

/**
 * Copy-on-write step of a disk write: saves the current contents of blocks `first..last` into every
 * cow snapshot that does not have them yet. Caller holds the disk lock.
 */
export async function preserveBlocks(
  disk: string,
  live: FileHandle,
  capacityBytes: number,
  snapshots: readonly { base: string }[],
  first: number,
  last: number,
): Promise<void> {
  for (const snap of snapshots) {
    const base = resolve(dirname(disk), snap.base);
    let flags: Buffer;
    try {
      flags = readSmall(`${base}.saved`, first, last - first + 1);
    } catch {
      continue; // snapshot being deleted
    }
    if (!flags.includes(0)) continue;
    const delta = await open(`${base}.delta`, "r+");
    try {
      let b = first;
      while (b <= last) {
        if (flags[b - first] === 1) {
          b++;
          continue;
        }
        let end = b;
        while (end < last && flags[end + 1 - first] !== 1) end++;
        const offset = b * BLOCK_SIZE;
        const length = Math.min(capacityBytes, (end + 1) * BLOCK_SIZE) - offset;
        await writeAt(delta, offset, await readAt(live, offset, length));
        b = end + 1;
      }
    } finally {
      await delta.close();
    }
    writeSmall(`${base}.saved`, first, Buffer.alloc(last - first + 1, 1));
  }
}

export async function openSnapshotReader(disk: string, base: string): Promise<DiskReader> {
  const meta = await readMeta(base);
  const capacityBytes = meta.capacityBytes;
  const allocatedRanges = async () => {
    const map = await readCbtMap(`${base}.cbt`, blockCount(capacityBytes));
    return blocksToRanges(map.length, BLOCK_SIZE, capacityBytes, (b) => (map[b] ?? 0) > 0);
  };
  const clip = (offset: number, length: number) => {
    if (offset < 0 || length < 0) throw new ConnectorError("bad-argument", `invalid read offset=${offset} length=${length}`);
    return Math.max(0, Math.min(length, capacityBytes - offset));
  };
  // Both kinds read straight into the caller's buffer (a backup's pooled slot): a fresh 16 MiB
  // buffer per read, zero-filled and then copied, cost more than the read on this VM.
  const reader = (readInto: (into: Uint8Array, offset: number) => Promise<void>, close: () => Promise<void>): DiskReader => ({
    capacityBytes,
    readInto,
    async read(offset, length) {
      const out = Buffer.alloc(clip(offset, length));
      await readInto(out, offset);
      return out;
    },
    allocatedRanges,
    close,
  });
  if (meta.kind === "reflink") {
    const handle = await open(`${base}.raw`, "r");
    const readInto = async (into: Uint8Array, offset: number) => {
      const n = clip(offset, into.length);
      await readFully(handle, into.subarray(0, n), offset);
      into.fill(0, n);
    };
    return reader(readInto, () => handle.close());
  }
  const [live, delta] = await Promise.all([open(disk, "r"), open(`${base}.delta`, "r")]);
  const readInto = (into: Uint8Array, offset: number) =>
    withLock(lockPath(disk), async () => {
      const state = await readDiskState(disk);
      if (!state.cowSnapshots.some((s) => s.id === meta.snapshotId)) {
        throw new ConnectorError("conflict", `snapshot ${meta.snapshotId} was deleted while being read`);
      }
      const n = clip(offset, into.length);
      into.fill(0, n);
      if (n === 0) return;
      // the live disk for the whole range, then the blocks overwritten since the snapshot from the delta
      await readFully(live, into.subarray(0, n), offset);
      const first = Math.floor(offset / BLOCK_SIZE);
      const last = Math.floor((offset + n - 1) / BLOCK_SIZE);
      const flags = readSmall(`${base}.saved`, first, last - first + 1);
      for (let b = first; b <= last; b++) {
        if (flags[b - first] !== 1) continue;
        const from = Math.max(offset, b * BLOCK_SIZE);
        const to = Math.min(offset + n, (b + 1) * BLOCK_SIZE);
        await readFully(delta, into.subarray(from - offset, to - offset), from);
      }
    });
  return reader(readInto, async () => {
    await Promise.all([live.close(), delta.close()]);
  });
}

/** Ranges of the snapshot's disk written after `sinceChangeId` (or all written ones when null). */
export async function snapshotChangedRanges(base: string, sinceChangeId: string | null): Promise<ChangedRange[]> {
  const meta = await readMeta(base);
  let since = 0;
  if (sinceChangeId !== null) {
    const [cbtId, epochText] = sinceChangeId.split(":");
    since = Number(epochText);
    if (cbtId !== meta.cbtId || !Number.isInteger(since) || since < 0) {
      throw new ConnectorError("precondition", `changeId ${sinceChangeId} does not belong to this disk; read it in full`);
    }
    if (since > meta.epoch) {
      throw new ConnectorError("precondition", `changeId ${sinceChangeId} is newer than the snapshot`);
    }
  }
  const map = await readCbtMap(`${base}.cbt`, blockCount(meta.capacityBytes));
  return blocksToRanges(map.length, BLOCK_SIZE, meta.capacityBytes, (b) => (map[b] ?? 0) > since);
}
