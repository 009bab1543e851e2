import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CrashPoints } from "../../platform/crash-points.ts";
import type { CreateVmSpec, DiskWriter, VirtualMachine } from "../hypervisor-connector.ts";
import { toVirtualMachine } from "./inventory-view.ts";
import { LabDiskWriter, createDisk } from "./lab-disk.ts";
import type { LabDisk, LabState, LabVm } from "./lab-state.ts";
import { loadLabState, mutateLabState, saveLabState } from "./lab-state.ts";
import { applyPower } from "./power.ts";
import { buildVm, checkVmName } from "./vm-factory.ts";

// Creating a lab VM in two phases: blank disks first, registration once they are filled, so a
// half-restored VM never shows up in the inventory. Given an operation id (a job that may resume
// after a crash) the creation is idempotent: the registered VM carries the id, so a repeat returns
// it; and the unregistered files of a run that died are recorded (LabState.pendingCreations), so a
// repeat removes them instead of leaving a second, orphaned home directory behind.

/** Directories holding a VM's files, relative to the lab dir: its home and its disks' folders. */
export const vmDirs = (vm: LabVm): string[] => [...new Set([vm.dir, ...vm.disks.map((d) => dirname(d.file))])];

export function diskWriter(labDir: string, disk: LabDisk, options: { unregistered?: boolean } = {}): DiskWriter {
  const writer = new LabDiskWriter(join(labDir, disk.file), options);
  return {
    diskId: disk.id,
    capacityBytes: disk.capacityBytes,
    write: (offset, data) => writer.write(offset, data),
    zero: (offset, length) => writer.zero(offset, length),
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}

async function removeDirs(labDir: string, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await rm(join(labDir, dir), { recursive: true, force: true });
}

function forgetPending(state: LabState, operationId: string): void {
  state.pendingCreations = state.pendingCreations?.filter((p) => p.operationId !== operationId);
  if (state.pendingCreations?.length === 0) delete state.pendingCreations;
}

/** Deletes the files of `operationId`'s unregistered creation (a run that died) and forgets it. */
async function dropPending(labDir: string, state: LabState, operationId: string): Promise<void> {
  const pending = state.pendingCreations?.find((p) => p.operationId === operationId);
  if (!pending) return;
  await removeDirs(labDir, pending.dirs);
  forgetPending(state, operationId);
}

export async function createLabVm(
  labDir: string,
  spec: CreateVmSpec,
  fill: (disks: DiskWriter[]) => Promise<void>,
  operationId: string | undefined,
  crash: CrashPoints,
): Promise<VirtualMachine> {
  if (operationId !== undefined) {
    const state = await loadLabState(labDir);
    const made = state.vms.find((v) => v.createdByOperationId === operationId);
    if (made) return toVirtualMachine(state, made);
  }
  const vm = await mutateLabState(labDir, async (state) => {
    const built = buildVm(state, spec);
    if (operationId !== undefined) {
      await dropPending(labDir, state, operationId);
      state.pendingCreations = [...(state.pendingCreations ?? []), { operationId, dirs: vmDirs(built) }];
      await saveLabState(labDir, state); // recorded before any file exists
    }
    await mkdir(join(labDir, built.dir), { recursive: true });
    for (const disk of built.disks) await createDisk(join(labDir, disk.file), disk.capacityBytes);
    return built;
  });
  crash.hit("lab.create.after-disks");
  try {
    const writers = vm.disks.map((d) => diskWriter(labDir, d, { unregistered: true }));
    try {
      await fill(writers);
    } finally {
      for (const w of writers) await w.close();
    }
    const registered = await mutateLabState(labDir, async (state) => {
      checkVmName(state, vm.name);
      if (spec.powerOn) applyPower(vm, "powerOn");
      if (operationId !== undefined) {
        vm.createdByOperationId = operationId;
        forgetPending(state, operationId);
      }
      state.vms.push(vm);
      return toVirtualMachine(state, vm);
    });
    crash.hit("lab.create.after-register");
    return registered;
  } catch (err) {
    await removeDirs(labDir, vmDirs(vm));
    if (operationId !== undefined) await mutateLabState(labDir, (state) => forgetPending(state, operationId)).catch(() => undefined);
    throw err;
  }
}
