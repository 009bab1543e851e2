import { randomUUID } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import { type CrashPoints, NO_CRASH_POINTS } from "../../platform/crash-points.ts";
import type {
  ChangedRange,
  CreateDatastoreSpec,
  CreateVmSpec,
  Datastore,
  DiskReader,
  DiskWriter,
  HypervisorConnector,
  Inventory,
  PowerOperation,
  RelocationTarget,
  SnapshotOptions,
  VirtualMachine,
  VmHardwareChange,
  VmSnapshot,
} from "../hypervisor-connector.ts";
import type { ChurnOptions, ChurnResult } from "./churn.ts";
import { runChurn } from "./churn.ts";
import { BLOCK_SIZE, readAt } from "./disk-files.ts";
import { dropDiskSnapshot, openSnapshotReader, snapshotChangedRanges, takeDiskSnapshots } from "./disk-snapshot.ts";
import { toInventory, toVirtualMachine } from "./inventory-view.ts";
import { createLabDatastore, reconfigureLabVm, relocateLabVm } from "./lab-admin-ops.ts";
import { writeDisk } from "./lab-disk.ts";
import { editDiskImage, replaceDiskImage } from "./disk-edit.ts";
import { type GuestTreeFile, formatImage, putFilesInImage } from "./guest-tree.ts";
import type { LabState } from "./lab-state.ts";
import {
  emptyLabState,
  findDisk,
  findSnapshot,
  findVm,
  inventoryPath,
  loadLabState,
  mutateLabState,
  saveLabState,
} from "./lab-state.ts";
import { applyPower } from "./power.ts";
import { createLabVm, diskWriter, vmDirs } from "./vm-creation.ts";
import type { ImportVmOptions } from "./vm-import.ts";
import { runImport } from "./vm-import.ts";

// The `lab` hypervisor: a simulated vCenter kept in one directory. Every call reads the inventory
// from disk (no cache) so the API server and `obr lab ...` commands can share a lab.

/** Creates an empty lab (no datacenter yet) in `labDir`; 409 if one is there already. */
export async function initLab(labDir: string, name: string): Promise<LabState> {
  await mkdir(labDir, { recursive: true });
  const state = emptyLabState(name);
  const handle = await open(inventoryPath(labDir), "wx").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw new ConnectorError("conflict", `lab://${name} already exists`);
    throw err;
  });
  await handle.close();
  await saveLabState(labDir, state);
  return state;
}

export class LabConnector implements HypervisorConnector {
  readonly address: string;
  readonly changeBlockSize = BLOCK_SIZE;
  readonly labDir: string;
  /** Points where crash tests stop the process (platform/crash-points.ts); inert by default. */
  private readonly crash: CrashPoints;

  constructor(labDir: string, address: string, crash: CrashPoints = NO_CRASH_POINTS) {
    this.labDir = labDir;
    this.address = address;
    this.crash = crash;
  }

  private abs(relative: string): string {
    return join(this.labDir, relative);
  }

  private snapshotBase(snap: { dir: string }, diskId: string): string {
    return join(this.abs(snap.dir), diskId);
  }

  async discover(): Promise<Inventory> {
    return toInventory(this.labDir, await loadLabState(this.labDir));
  }

  async getVm(vmId: string): Promise<VirtualMachine> {
    const state = await loadLabState(this.labDir);
    return toVirtualMachine(state, findVm(state, vmId));
  }

  async vmDirectory(vmId: string): Promise<string> {
    const state = await loadLabState(this.labDir);
    return this.abs(findVm(state, vmId).dir);
  }

  async powerVm(vmId: string, operation: PowerOperation, operationId?: string): Promise<VirtualMachine> {
    const vm = await mutateLabState(this.labDir, (state) => {
      const vm = findVm(state, vmId);
      // The new power state and the token of the operation that set it are saved together, so a
      // resumed operation knows whether its change happened (a reset leaves no other trace).
      if (operationId === undefined || vm.powerOperationId !== operationId) {
        applyPower(vm, operation);
        vm.powerOperationId = operationId;
      }
      return toVirtualMachine(state, vm);
    });
    this.crash.hit("lab.power.after-apply");
    return vm;
  }

  createVm(spec: CreateVmSpec, operationId?: string): Promise<VirtualMachine> {
    return this.createVmFromDisks(spec, async () => undefined, operationId);
  }

  createVmFromDisks(spec: CreateVmSpec, fill: (disks: DiskWriter[]) => Promise<void>, operationId?: string): Promise<VirtualMachine> {
    return createLabVm(this.labDir, spec, fill, operationId, this.crash);
  }

  async deleteVm(vmId: string): Promise<void> {
    await mutateLabState(this.labDir, async (state) => {
      const vm = findVm(state, vmId);
      if (vm.powerState === "poweredOn") throw new ConnectorError("conflict", `virtual machine ${vm.name} is powered on`);
      // Unregistered (saved) before its files go: a crash in between leaves unnamed files behind,
      // never a VM whose disks are missing.
      state.vms = state.vms.filter((v) => v.id !== vmId);
      await saveLabState(this.labDir, state);
      this.crash.hit("lab.delete.after-unregister");
      for (const dir of vmDirs(vm)) await rm(this.abs(dir), { recursive: true, force: true });
    });
  }

  createDatastore(spec: CreateDatastoreSpec, operationId?: string): Promise<Datastore> {
    return createLabDatastore(this.labDir, spec, operationId, this.crash);
  }

  reconfigureVm(vmId: string, change: VmHardwareChange): Promise<VirtualMachine> {
    return reconfigureLabVm(this.labDir, vmId, change);
  }

  relocateVm(vmId: string, target: RelocationTarget): Promise<VirtualMachine> {
    return relocateLabVm(this.labDir, vmId, target, this.crash);
  }

  createSnapshot(vmId: string, options: SnapshotOptions = {}): Promise<VmSnapshot> {
    return mutateLabState(this.labDir, async (state) => {
      const vm = findVm(state, vmId);
      const id = randomUUID();
      const dir = `${vm.dir}/snapshots/${id}`;
      await mkdir(this.abs(dir), { recursive: true });
      const createdAt = new Date().toISOString();
      const items = vm.disks.map((d) => ({ disk: this.abs(d.file), base: this.snapshotBase({ dir }, d.id) }));
      const changeIds = await takeDiskSnapshots(id, items);
      const snapshot = {
        id,
        vmId,
        name: options.name ?? `obr-${createdAt}`,
        description: options.description ?? "",
        createdAt,
        // compat: the lab has no guest to quiesce, so every snapshot is crash consistent.
        consistency: "CRASH" as const,
        powerStateAtSnapshot: vm.powerState,
        disks: vm.disks.map((d, i) => ({ diskId: d.id, capacityBytes: d.capacityBytes, changeId: changeIds[i] ?? "" })),
        dir,
      };
      vm.snapshots.push(snapshot);
      const { dir: _dir, ...result } = snapshot;
      return structuredClone(result);
    });
  }

  async listSnapshots(vmId: string): Promise<VmSnapshot[]> {
    const vm = findVm(await loadLabState(this.labDir), vmId);
    return vm.snapshots.map(({ dir: _dir, ...snap }) => snap);
  }

  async deleteSnapshot(vmId: string, snapshotId: string): Promise<void> {
    await mutateLabState(this.labDir, async (state) => {
      const vm = findVm(state, vmId);
      const snap = findSnapshot(vm, snapshotId);
      for (const disk of vm.disks) {
        await dropDiskSnapshot(this.abs(disk.file), this.snapshotBase(snap, disk.id), snapshotId);
      }
      await rm(this.abs(snap.dir), { recursive: true, force: true });
      vm.snapshots = vm.snapshots.filter((s) => s.id !== snapshotId);
    });
  }

  private async locate(vmId: string, snapshotId: string, diskId: string) {
    const vm = findVm(await loadLabState(this.labDir), vmId);
    const snap = findSnapshot(vm, snapshotId);
    const disk = findDisk(vm, diskId);
    return { disk: this.abs(disk.file), base: this.snapshotBase(snap, diskId) };
  }

  async openSnapshotDisk(vmId: string, snapshotId: string, diskId: string): Promise<DiskReader> {
    const { disk, base } = await this.locate(vmId, snapshotId, diskId);
    return openSnapshotReader(disk, base);
  }

  async changedRanges(
    vmId: string,
    snapshotId: string,
    diskId: string,
    sinceChangeId: string | null,
  ): Promise<ChangedRange[]> {
    const { base } = await this.locate(vmId, snapshotId, diskId);
    return snapshotChangedRanges(base, sinceChangeId);
  }

  async openDiskWriter(vmId: string, diskId: string): Promise<DiskWriter> {
    const vm = findVm(await loadLabState(this.labDir), vmId);
    if (vm.powerState !== "poweredOff") {
      throw new ConnectorError("conflict", `virtual machine ${vm.name} must be powered off to restore its disks`);
    }
    return diskWriter(this.labDir, findDisk(vm, diskId));
  }

  async editDiskImage<T>(vmId: string, diskId: string, edit: (image: string) => Promise<T>): Promise<T> {
    const disk = findDisk(findVm(await loadLabState(this.labDir), vmId), diskId);
    return editDiskImage(this.abs(disk.file), edit);
  }

  // ---- lab-only operations (guest activity, tests, CLI) ----

  /** Makes the disk a fresh ext4 file system (whole disk) holding `files`; what it held is gone. */
  async formatDisk(vmId: string, diskId: string, files: readonly GuestTreeFile[]): Promise<void> {
    const disk = findDisk(findVm(await loadLabState(this.labDir), vmId), diskId);
    await replaceDiskImage(this.abs(disk.file), disk.capacityBytes, (image) => formatImage(image, files));
  }

  /** Puts files into the disk's file system as the guest would (parents made, same names replaced). */
  writeGuestFiles(vmId: string, diskId: string, files: readonly GuestTreeFile[]): Promise<void> {
    return this.editDiskImage(vmId, diskId, (image) => putFilesInImage(image, files, `${image}.staging`));
  }

  /** Writes into a VM's disk as its guest would (any power state); recorded for CBT. */
  async writeDisk(vmId: string, diskId: string, offset: number, data: Uint8Array): Promise<void> {
    const disk = findDisk(findVm(await loadLabState(this.labDir), vmId), diskId);
    await writeDisk(this.abs(disk.file), offset, data);
  }

  /** Reads a VM's live disk (what the guest sees now). */
  async readDisk(vmId: string, diskId: string, offset: number, length: number): Promise<Buffer> {
    const disk = findDisk(findVm(await loadLabState(this.labDir), vmId), diskId);
    const handle = await open(this.abs(disk.file), "r");
    try {
      return await readAt(handle, offset, Math.max(0, Math.min(length, disk.capacityBytes - offset)));
    } finally {
      await handle.close();
    }
  }

  /** Simulated guest activity: rewrites `percent` of each disk in clustered runs. */
  churn(vmId: string, options: ChurnOptions): Promise<ChurnResult> {
    return runChurn(this, vmId, options);
  }

  /** Creates a VM from the user's disk images (raw, or others through qemu-img). */
  importVm(options: ImportVmOptions): Promise<VirtualMachine> {
    return runImport(this, options);
  }

  /** Finds a VM by id or by name (for commands typed by people). */
  async resolveVm(idOrName: string): Promise<VirtualMachine> {
    const state = await loadLabState(this.labDir);
    const vm = state.vms.find((v) => v.id === idOrName) ?? state.vms.find((v) => v.name === idOrName);
    if (!vm) throw new ConnectorError("not-found", `virtual machine ${idOrName} not found`);
    return toVirtualMachine(state, vm);
  }

  async resolveDatastore(idOrName: string): Promise<string> {
    const state = await loadLabState(this.labDir);
    const ds = state.datastores.find((d) => d.id === idOrName || d.name === idOrName);
    if (!ds) throw new ConnectorError("bad-argument", `unknown datastore ${idOrName}`);
    return ds.id;
  }

  async close(): Promise<void> {}
}
