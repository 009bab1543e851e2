// The two halves of a file restore that know the file systems: reading a source tree out of the
// copy's image, and deciding what to write into the target's for a fileRestoreMethod. Directories
// always merge; a name taken in the target is replaced (OVERWRITE), kept with the restored one
// beside it as <name>_<stamp> (KEEPASBACKUP), or left as it is (SKIP). A directory is never
// replaced by a file: that file is skipped and said so.
import type { Static } from "typebox";
import { AppError } from "../../domain/app-error.ts";
import type { FileRestoreMethod as FileRestoreMethodSchema } from "../../domain/schemas/restore-schemas.ts";
import { badGuestName, guestAncestry, guestParent, joinGuestPath } from "../../domain/guest-paths.ts";
import type { GuestFile, GuestFileSystems, GuestWrite } from "../ports/guest-files.ts";

/** Entries one restore may read: bounds the work and the plan held in memory. */
export const MAX_RESTORE_ENTRIES = 100_000;

export interface SourceNode {
  file: GuestFile;
  children: SourceNode[];
}

/** The tree under `path` in the image (`path` itself first), level by level; names obr cannot write are left out and noted. */
export async function readSourceTree(fs: GuestFileSystems, image: string, path: string, notes: string[], budget: { entries: number }): Promise<SourceNode> {
  const [file] = await fs.stat(image, [path]);
  if (!file) throw AppError.conflict(`'${path}' is no longer in the copy`);
  const root: SourceNode = { file, children: [] };
  let level = [root];
  while (level.length > 0) {
    const next: SourceNode[] = [];
    for (const dir of level.filter((n) => n.file.type === "directory")) {
      const entries = (await fs.list(image, dir.file.path)).filter((e) => {
        const bad = badGuestName(e.name);
        if (bad) notes.push(`left out ${dir.file.path}/…: ${bad}`);
        return !bad;
      });
      budget.entries += entries.length;
      if (budget.entries > MAX_RESTORE_ENTRIES) throw AppError.badRequest(`the restore names more than ${MAX_RESTORE_ENTRIES} files and folders: restore fewer at a time, or the whole disk (restore-disks)`);
      const facts = await fs.stat(
        image,
        entries.map((e) => e.path),
      );
      for (const fact of facts) {
        if (!fact) continue;
        const node = { file: fact, children: [] };
        dir.children.push(node);
        next.push(node);
      }
    }
    level = next;
  }
  return root;
}

export type FileRestoreMethod = Static<typeof FileRestoreMethodSchema>;

export interface RestoreTally {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  skipped: number;
  keptAside: number;
}

export interface WritePlan {
  /** In order; each write's bytes (for progress) beside it. */
  writes: { write: GuestWrite; bytes: number }[];
  tally: RestoreTally;
  notes: string[];
}

const count = (n: SourceNode): number => 1 + n.children.reduce((s, c) => s + count(c), 0);

const attributesOf = (path: string, f: GuestFile): GuestWrite => ({ op: "attributes", path, type: f.type, mode: f.mode, uid: f.uid, gid: f.gid, modifiedAt: f.modifiedAt });

/**
 * What to write into the target image for the items. `staged` gives each source file's local copy
 * (by source path); symlinks carry their target in the tree.
 */
export async function planWrites(
  fs: GuestFileSystems,
  image: string,
  items: readonly { node: SourceNode; target: string }[],
  method: FileRestoreMethod,
  stamp: string,
  staged: ReadonlyMap<string, string>,
): Promise<WritePlan> {
  const writes: WritePlan["writes"] = [];
  const tally: RestoreTally = { files: 0, directories: 0, symlinks: 0, bytes: 0, skipped: 0, keptAside: 0 };
  const notes: string[] = [];
  const directoryTimes: GuestWrite[] = [];
  const add = (write: GuestWrite, bytes = 0) => writes.push({ write, bytes });
  /** Directories this plan makes (their contents are all new). */
  const made = new Set<string>();

  // The directories the targets go into: made where missing, refused where a file is in the way.
  const parents = [...new Set(items.flatMap((i) => guestAncestry(guestParent(i.target))))];
  const parentFacts = await fs.stat(image, parents);
  for (const [i, dir] of parents.entries()) {
    const fact = parentFacts[i];
    if (!fact) {
      add({ op: "mkdir", path: dir });
      made.add(dir);
    } else if (fact.type !== "directory") throw AppError.conflict(`'${dir}' in the target is a ${fact.type}, not a directory: choose another absoluteTargetPath`);
  }

  let level = items.map((i) => ({ node: i.node, target: i.target, parentNew: made.has(guestParent(i.target)) }));
  while (level.length > 0) {
    const toLook = level.filter((e) => !e.parentNew && !made.has(e.target)).map((e) => e.target);
    const looked = await fs.stat(image, toLook);
    const existing = new Map(toLook.map((p, i) => [p, looked[i]]));
    const next: typeof level = [];
    for (const { node, target } of level) {
      const f = node.file;
      const there = made.has(target) ? "directory" : existing.get(target)?.type;
      const aside = `${target}_${stamp}`;
      if (f.type === "directory") {
        let into = target;
        let fresh = there === undefined;
        if (there !== undefined && there !== "directory") {
          if (method === "SKIP") {
            tally.skipped += count(node);
            continue;
          }
          if (method === "OVERWRITE") add({ op: "remove", path: target });
          else {
            into = aside;
            tally.keptAside++;
          }
          fresh = true;
        }
        if (fresh) {
          add({ op: "mkdir", path: into });
          made.add(into);
          tally.directories++;
        }
        // An existing directory keeps its attributes unless replaced outright.
        if (fresh || method === "OVERWRITE") directoryTimes.unshift(attributesOf(into, f));
        for (const child of node.children) next.push({ node: child, target: joinGuestPath(into, child.file.name), parentNew: fresh });
        continue;
      }
      if (f.type === "other") {
        notes.push(`skipped ${f.path}: a device, socket or pipe`);
        tally.skipped++;
        continue;
      }
      let into = target;
      if (there !== undefined) {
        if (method === "SKIP" || (method === "OVERWRITE" && there === "directory")) {
          if (there === "directory") notes.push(`kept the directory ${target}: a ${f.type} does not replace a directory`);
          tally.skipped++;
          continue;
        }
        if (method === "OVERWRITE") add({ op: "remove", path: target });
        else {
          into = aside;
          tally.keptAside++;
        }
      }
      if (f.type === "symlink") {
        add({ op: "symlink", path: into, target: f.linkTarget ?? "" });
        tally.symlinks++;
      } else {
        const from = staged.get(f.path);
        if (from === undefined) throw new Error(`no local copy of ${f.path}`);
        add({ op: "write", path: into, from }, f.sizeInBytes);
        tally.files++;
        tally.bytes += f.sizeInBytes;
      }
      add(attributesOf(into, f));
    }
    level = next;
  }
  // Last, deepest first: writing into a directory changes its time.
  for (const w of directoryTimes) add(w);
  return { writes, tally, notes };
}
