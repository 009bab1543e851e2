// What the host filesystem says about a directory: its filesystem's size and free space, and the bytes
// the files under it occupy. Shared by the lab connector (datastores) and the storage systems.
import { readdir, stat, statfs } from "node:fs/promises";
import { join } from "node:path";

export interface FilesystemSpace {
  /** Size of the filesystem holding the directory, bytes. */
  totalBytes: number;
  /** Bytes an unprivileged writer may still use there. */
  freeBytes: number;
}

export async function filesystemSpace(dir: string): Promise<FilesystemSpace> {
  const s = await statfs(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

/** Bytes the files under `dir` occupy on disk (allocated blocks, so sparse files count what they hold); 0 when absent. */
export async function directoryBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const s = await stat(join(entry.parentPath, entry.name)).catch(() => undefined);
    total += s ? s.blocks * 512 : 0;
  }
  return total;
}
