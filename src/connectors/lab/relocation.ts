import { cp, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import { type CrashPoints, NO_CRASH_POINTS } from "../../platform/crash-points.ts";
import { cbtPath, statePath } from "./disk-files.ts";

// Moving a VM's home directory between datastores, journalled so that a crash at any instant
// leaves a state the next locked access to the lab finishes (rolls forward):
//   1. the intent (this journal) is saved in the lab state; the VM's paths still name the source;
//   2. each entry of the home directory moves on its own; every step re-checks where the entry is
//      (source only: move it; target only: done; both: the target is complete, because it only ever
//      appears by an atomic rename, so the source copy is dropped), so a re-run completes the move;
//   3. the VM's paths, datastore and placement are rewritten and the journal dropped, in one save.
// Disks move with their side files (.cbt, .state.json, see disk-files.ts) and the snapshots folder.

export interface PendingRelocation {
  /** The VM's home directory before and after the move, relative to the lab dir. */
  fromDir: string;
  toDir: string;
  datastoreId: string;
  datastoreName: string;
  /** Compute placement the VM has once moved. */
  placement: { clusterId: string | null; hostId: string; resourcePoolId: string };
}

/** The parts of a lab VM a relocation changes (structurally a LabVm). */
export interface RelocatableVm {
  dir: string;
  homeDatastoreId: string;
  clusterId: string | null;
  hostId: string;
  resourcePoolId: string;
  disks: { file: string; datastoreId: string; filePath: string }[];
  relocation?: PendingRelocation;
}

/** Lock files belong to whoever holds them and are never moved; partial copies are never kept. */
const TRANSIENT = /\.(lock|lock\.wait|obr-partial)$/;

const errnoCode = (err: unknown): unknown => (err instanceof Error && "code" in err ? err.code : undefined);

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (err: unknown) => {
      if (errnoCode(err) === "ENOENT") return false;
      throw err;
    },
  );

/** Moves `src` to `dst` wherever the previous attempt left it (see step 2 above). */
async function moveEntry(src: string, dst: string): Promise<void> {
  if (!(await exists(src))) return;
  if (await exists(dst)) {
    await rm(src, { recursive: true, force: true });
    return;
  }
  try {
    await rename(src, dst);
  } catch (err) {
    if (errnoCode(err) !== "EXDEV") throw err;
    // Datastores on different filesystems: copy beside the target, then rename into place.
    const partial = `${dst}.obr-partial`;
    await rm(partial, { recursive: true, force: true });
    await cp(src, partial, { recursive: true });
    await rename(partial, dst);
    await rm(src, { recursive: true, force: true });
  }
}

/** Moves every entry of the directory `from` into `to` (both relative to `labDir`), then drops `from`. */
export async function moveTree(labDir: string, from: string, to: string, crash: CrashPoints = NO_CRASH_POINTS): Promise<void> {
  const src = join(labDir, from);
  const dst = join(labDir, to);
  await mkdir(dst, { recursive: true });
  const entries = await readdir(src).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  });
  for (const name of entries) {
    if (TRANSIENT.test(name)) continue;
    await moveEntry(join(src, name), join(dst, name));
    crash.hit("lab.relocate.mid-move");
  }
  await rm(src, { recursive: true, force: true }); // only transient files are left in it
}

/**
 * Step 2 and 3 of a relocation journalled on `vm` (nothing to do without one): after it the VM's
 * paths name the files where they are. A disk found in neither place is a lost disk ("corrupt"),
 * and the journal stays for someone to look at.
 */
export async function finishRelocation(labDir: string, vm: RelocatableVm, crash: CrashPoints = NO_CRASH_POINTS): Promise<void> {
  const job = vm.relocation;
  if (!job) return;
  await moveTree(labDir, job.fromDir, job.toDir, crash);
  crash.hit("lab.relocate.after-move");
  const rests = vm.disks.map((d) => d.file.slice(job.fromDir.length + 1));
  for (const rest of rests) {
    for (const file of [rest, cbtPath(rest), statePath(rest)]) {
      if (!(await exists(join(labDir, job.toDir, file)))) {
        throw new ConnectorError("corrupt", `${file} of a relocated virtual machine is missing from ${job.toDir}`);
      }
    }
  }
  const dirName = job.toDir.split("/").at(-1) ?? job.toDir;
  for (const [i, disk] of vm.disks.entries()) {
    disk.file = `${job.toDir}/${rests[i]}`;
    disk.datastoreId = job.datastoreId;
    disk.filePath = `[${job.datastoreName}] ${dirName}/${rests[i]}`;
  }
  vm.dir = job.toDir;
  vm.homeDatastoreId = job.datastoreId;
  vm.clusterId = job.placement.clusterId;
  vm.hostId = job.placement.hostId;
  vm.resourcePoolId = job.placement.resourcePoolId;
  delete vm.relocation;
}

/** Undoes step 2 after an error in a live process (not a crash): the files go back, the journal is dropped. */
export async function abandonRelocation(labDir: string, vm: RelocatableVm): Promise<void> {
  const job = vm.relocation;
  if (!job) return;
  await moveTree(labDir, job.toDir, job.fromDir);
  delete vm.relocation;
}
