import { execFile } from "node:child_process";
import { lstat, mkdtemp, open, realpath, rm, stat } from "node:fs/promises";
import { extname, join, sep } from "node:path";
import { promisify } from "node:util";
import { ConnectorError } from "../connector-error.ts";
import { readAt, readFully } from "./disk-files.ts";

// Reading a user's disk image for `obr lab import-vm`: raw images are read directly, other
// formats (qcow2, vmdk, vhdx, vdi) are first converted to a sparse raw file by qemu-img.

const SCAN_BLOCK = 64 * 1024;
const SECTOR = 512;
const MAX_EXTENT = 4 * 1024 * 1024;
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]); // "QFI\xfb"
const CONVERTED_FORMATS = new Set([".qcow2", ".qcow", ".vmdk", ".vhdx", ".vhd", ".vdi"]);

export interface RawImage {
  path: string;
  capacityBytes: number;
  /** Removes the temporary raw file of a converted image. */
  cleanup(): Promise<void>;
}

async function needsConversion(path: string): Promise<boolean> {
  if (CONVERTED_FORMATS.has(extname(path).toLowerCase())) return true;
  const handle = await open(path, "r");
  try {
    return (await readAt(handle, 0, 4)).equals(QCOW2_MAGIC);
  } finally {
    await handle.close();
  }
}

async function convertWithQemuImg(path: string, tmpParent: string): Promise<string> {
  const dir = await mkdtemp(join(tmpParent, "import-"));
  const out = join(dir, "image.raw");
  try {
    await promisify(execFile)("qemu-img", ["convert", "-O", "raw", path, out]);
    return out;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConnectorError("bad-argument", 
        `cannot import ${path}: qemu-img is not installed (install qemu-utils, or convert the image to raw first)`,
      );
    }
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new ConnectorError("bad-argument", `qemu-img could not convert ${path}: ${detail}`);
  }
}

/**
 * Refuses what must never become a lab disk: a symbolic link (it could point at the server's
 * signing key or database), a device, FIFO or anything but a regular file, and any file inside
 * `privateDir` (the data dir), wherever the path's parents lead.
 */
export async function checkImportSource(path: string, privateDir?: string): Promise<void> {
  const s = await lstat(path).catch(() => undefined);
  if (!s) throw new ConnectorError("bad-argument", `disk image ${path} does not exist`);
  if (s.isSymbolicLink()) throw new ConnectorError("bad-argument", `disk image ${path} is a symbolic link; give the file it points to`);
  if (!s.isFile()) throw new ConnectorError("bad-argument", `disk image ${path} is not a regular file`);
  if (privateDir === undefined) return;
  const [file, dir] = await Promise.all([realpath(path), realpath(privateDir).catch(() => privateDir)]);
  if (file === dir || file.startsWith(`${dir}${sep}`)) throw new ConnectorError("bad-argument", `disk image ${path} is inside the data dir; obr does not import its own files`);
}

/** Opens an image as raw, converting it in `tmpParent` (a directory on the lab's filesystem) if needed. */
export async function prepareRawImage(path: string, tmpParent: string): Promise<RawImage> {
  await checkImportSource(path);
  const s = await stat(path);
  if (!(await needsConversion(path))) {
    if (s.size === 0) throw new ConnectorError("bad-argument", `disk image ${path} is empty`);
    checkWholeSectors(path, s.size);
    return { path, capacityBytes: s.size, cleanup: async () => undefined };
  }
  const raw = await convertWithQemuImg(path, tmpParent);
  const cleanup = () => rm(join(raw, ".."), { recursive: true, force: true });
  const size = (await stat(raw)).size;
  try {
    checkWholeSectors(path, size);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { path: raw, capacityBytes: size, cleanup };
}

/** A disk is a whole number of 512-byte sectors; anything else is not a disk image. */
function checkWholeSectors(path: string, size: number): void {
  if (size % SECTOR !== 0) throw new ConnectorError("bad-argument", `disk image ${path} is ${size} bytes, not a whole number of ${SECTOR}-byte sectors`);
}

/**
 * Yields the image's non-zero data as extents; all-zero 64 KiB blocks are skipped (stay holes).
 * Every extent is a view of one buffer the image is read into, valid until the next is asked for
 * (a `for await` body that writes it is done with it): a fresh buffer per 4 MiB read and a joined
 * copy per extent put 2 GB of short-lived memory through an import of a 2 GiB disk, and the
 * service's heap through a major GC every ~70 ms meanwhile. An extent never spans two reads.
 */
export async function* nonZeroExtents(path: string): AsyncGenerator<{ offset: number; data: Buffer }> {
  const handle = await open(path, "r");
  const zero = Buffer.alloc(SCAN_BLOCK);
  const buf = Buffer.alloc(MAX_EXTENT);
  try {
    const size = (await handle.stat()).size;
    for (let offset = 0; offset < size; offset += MAX_EXTENT) {
      const chunk = buf.subarray(0, Math.min(MAX_EXTENT, size - offset));
      await readFully(handle, chunk, offset);
      let start = -1; // where the run of non-zero blocks being gathered begins in chunk
      for (let at = 0; at < chunk.length; at += SCAN_BLOCK) {
        const block = chunk.subarray(at, at + SCAN_BLOCK);
        const isZero = block.equals(zero.subarray(0, block.length));
        if (!isZero && start < 0) start = at;
        if (isZero && start >= 0) {
          yield { offset: offset + start, data: chunk.subarray(start, at) };
          start = -1;
        }
      }
      if (start >= 0) yield { offset: offset + start, data: chunk.subarray(start) };
    }
  } finally {
    await handle.close();
  }
}
