import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { ConnectorError } from "../connector-error.ts";
import { writeJsonAtomic } from "./json-file.ts";

// On-disk layout of one lab disk whose data lives in the sparse raw file P:
//   P             the disk contents (sparse raw image)
//   P.cbt         changed-block tracking map: one uint32 LE per BLOCK_SIZE block = the epoch of the
//                 block's last write through the lab (0 = never written since creation)
//   P.state.json  DiskState below
//   P.lock        lock file serialising writers, snapshot readers and snapshot create/delete

/** Granularity of changed-block tracking and of copy-on-write snapshot blocks. */
export const BLOCK_SIZE = 64 * 1024;

export interface DiskState {
  capacityBytes: number;
  /** Identifies this CBT history; a changeId from another history is rejected. */
  cbtId: string;
  /** Epoch stamped on writes now; each snapshot freezes it and starts the next one. */
  epoch: number;
  /**
   * Copy-on-write snapshots that must receive a block's old contents before it is overwritten;
   * `base` is the snapshot's file base path (see disk-snapshot.ts), relative to the disk's folder.
   */
  cowSnapshots: { id: string; base: string }[];
}

export const cbtPath = (disk: string): string => `${disk}.cbt`;
export const statePath = (disk: string): string => `${disk}.state.json`;
export const lockPath = (disk: string): string => `${disk}.lock`;

export const blockCount = (capacityBytes: number): number => Math.ceil(capacityBytes / BLOCK_SIZE);

// Small metadata reads and writes below are synchronous for the reason given in file-lock.ts.

export async function readDiskState(disk: string): Promise<DiskState> {
  let text: string;
  try {
    text = readFileSync(statePath(disk), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ConnectorError("not-found", `lab disk ${disk} does not exist`);
    throw err;
  }
  return JSON.parse(text) as DiskState;
}

export const writeDiskState = (disk: string, state: DiskState): Promise<void> =>
  writeJsonAtomic(statePath(disk), state);

/** Reads `length` bytes at `position`, zero-filling past the end of the file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  await readFully(handle, buf, position);
  return buf;
}

/** Fills `buf` with the bytes at `position`; what lies past the end of the file reads as zeros. */
export async function readFully(handle: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  buf.fill(0, done);
}

export async function writeAt(handle: FileHandle, position: number, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads CBT map entries `first..last` (inclusive) of a map file. */
export async function readCbtEntries(handle: FileHandle, first: number, last: number): Promise<Uint32Array> {
  const buf = await readAt(handle, first * 4, (last - first + 1) * 4);
  const out = new Uint32Array(last - first + 1);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

export async function readCbtMap(path: string, blocks: number): Promise<Uint32Array> {
  const handle = await open(path, "r");
  try {
    return blocks === 0 ? new Uint32Array(0) : await readCbtEntries(handle, 0, blocks - 1);
  } finally {
    await handle.close();
  }
}

/** Stamps blocks `first..last` of the open CBT map `fd` with `epoch`. */
export function stampCbt(fd: number, first: number, last: number, epoch: number): void {
  const buf = Buffer.alloc((last - first + 1) * 4);
  for (let i = 0; i <= last - first; i++) buf.writeUInt32LE(epoch, i * 4);
  writeSync(fd, buf, 0, buf.length, first * 4);
}

/** Synchronous positional read of a small metadata region (zero-filled past the end). */
export function readSmall(path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, length, position);
  } finally {
    closeSync(fd);
  }
  return buf;
}

export function writeSmall(path: string, position: number, data: Uint8Array): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, data, 0, data.length, position);
  } finally {
    closeSync(fd);
  }
}

/** Throws 400 unless `offset..offset+length` lies inside the disk. */
export function checkBounds(capacityBytes: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ConnectorError("bad-argument", `invalid disk range offset=${offset} length=${length}`);
  }
  if (offset + length > capacityBytes) {
    throw new ConnectorError("bad-argument", `range ${offset}+${length} is past the end of the disk (${capacityBytes} bytes)`);
  }
}
