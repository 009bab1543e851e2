// Guest files of lab VMs: a disk can hold a real ext4 file system (whole disk, no partition
// table) made by mke2fs from a tree of files, and files can be put into it later through debugfs.
// Both go through disk-edit.ts, so the lab's write path (CBT, snapshots) sees every block.
import { execFile } from "node:child_process";
import { mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { guestAncestry, guestParent, guestPath } from "../../domain/guest-paths.ts";
import type { GuestWrite } from "../../services/ports/guest-files.ts";
import { Ext4Files } from "../guest-files/ext4-files.ts";
import { findE2fsTool } from "../guest-files/debugfs.ts";

const run = promisify(execFile);

/** One file, directory or symlink of a guest tree. */
export interface GuestTreeFile {
  path: string;
  /** A regular file's content; absent for a directory or symlink. */
  data?: Uint8Array;
  linkTarget?: string;
  /** Permission bits; default 0644 (files), 0755 (directories). */
  mode?: number;
  modifiedAt?: string;
}

/** Writes the tree under the local directory `root` (modes and times as given). */
async function stageTree(root: string, files: readonly GuestTreeFile[]): Promise<void> {
  await mkdir(root, { recursive: true });
  // Deepest first for times: writing a child changes its directory's mtime.
  const sorted = [...files].sort((a, b) => b.path.split("/").length - a.path.split("/").length);
  for (const f of files) {
    const local = join(root, guestPath(f.path, "path"));
    await mkdir(f.data === undefined && f.linkTarget === undefined ? local : dirname(local), { recursive: true, mode: 0o755 });
    if (f.linkTarget !== undefined) await symlink(f.linkTarget, local);
    else if (f.data !== undefined) await writeFile(local, f.data, { mode: f.mode ?? 0o644 });
  }
  for (const f of sorted) {
    if (f.linkTarget !== undefined || !f.modifiedAt) continue;
    const at = new Date(f.modifiedAt);
    await utimes(join(root, guestPath(f.path, "path")), at, at);
  }
  // Directories not given a time get the newest of the tree's, so a build does not show when it ran.
  const newest = files.reduce((m, f) => (f.modifiedAt && f.modifiedAt > m ? f.modifiedAt : m), "");
  if (!newest) return;
  const given = new Set(files.filter((f) => f.modifiedAt).map((f) => guestPath(f.path, "path")));
  const dirs = [...new Set(files.flatMap((f) => guestAncestry(guestParent(guestPath(f.path, "path")))))].filter((d) => !given.has(d));
  for (const dir of dirs.sort((a, b) => b.length - a.length)) await utimes(join(root, dir), new Date(newest), new Date(newest));
}

/** Makes `image` (its size kept) a fresh ext4 file system holding `files`. */
export async function formatImage(image: string, files: readonly GuestTreeFile[]): Promise<void> {
  const tree = `${image}.tree`;
  await stageTree(tree, files);
  // Journal and all: a small but ordinary ext4, owned by root as a guest's root file system is.
  await run(findE2fsTool("mke2fs"), ["-q", "-F", "-t", "ext4", "-E", "root_owner=0:0", "-d", tree, image]);
}

/** The changes that put `files` into an existing file system: parents made, same names replaced. */
export async function putFilesInImage(image: string, files: readonly GuestTreeFile[], staging: string): Promise<void> {
  const fs = new Ext4Files();
  const paths = files.map((f) => guestPath(f.path, "path"));
  const dirs = [...new Set(paths.flatMap((p) => guestAncestry(guestParent(p))))];
  const existing = await fs.stat(image, [...dirs, ...paths]);
  const writes: GuestWrite[] = [];
  for (const [i, dir] of dirs.entries()) if (!existing[i]) writes.push({ op: "mkdir", path: dir });
  await mkdir(staging, { recursive: true });
  for (const [i, f] of files.entries()) {
    const path = paths[i] ?? "";
    const old = existing[dirs.length + i];
    if (old && old.type !== "directory") writes.push({ op: "remove", path });
    const modifiedAt = f.modifiedAt ?? new Date().toISOString();
    if (f.linkTarget !== undefined) writes.push({ op: "symlink", path, target: f.linkTarget });
    else if (f.data !== undefined) {
      const from = join(staging, `file-${i}`);
      await writeFile(from, f.data);
      writes.push({ op: "write", path, from }, { op: "attributes", path, type: "file", mode: f.mode ?? 0o644, uid: 0, gid: 0, modifiedAt });
    } else {
      if (!old && !dirs.includes(path)) writes.push({ op: "mkdir", path });
      writes.push({ op: "attributes", path, type: "directory", mode: f.mode ?? 0o755, uid: 0, gid: 0, modifiedAt });
    }
  }
  await fs.apply(image, writes);
}
