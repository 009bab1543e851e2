// The data movement of a restore, on a data plane (connector and chunk stores, no database):
// read the copy (a backup's images in its store, or a hypervisor snapshot) and write it into the
// target VM's disks, byte for byte and sparse. An existing VM is powered off first and on after
// (as it was, or as asked); a new VM is created with its disks filled before it is registered
// (createVmFromDisks, which removes it again if filling fails).
import type { VirtualMachine } from "../ports/hypervisor-connector.ts";
import type { ImageWriter } from "../infrastructure/image-store.ts";
import type { CopyDisk } from "./copy-records.ts";
import type { DataPlane, DataWork } from "./data-plane.ts";
import { copyDiskImage } from "./restore-disk-copy.ts";
import type { RestorePayload } from "./restore-payload.ts";
import type { CopySource, RestorePlan, RestoreResult } from "./restore-plan.ts";
import { ByteProgress } from "./run-progress.ts";
import { AppError } from "../../domain/app-error.ts";

/** Writes one disk of the copy into `writer`. */
export type DiskFiller = (disk: CopyDisk, writer: ImageWriter, onProgress: (done: number, total: number) => void) => Promise<void>;

/** How a copy's disks are read: a backup's images from its store, a snapshot's disks from the hypervisor. */
export async function fillerFor(plane: DataPlane, from: CopySource, signal?: AbortSignal): Promise<DiskFiller> {
  const cancel = signal ? { signal } : {};
  if ("store" in from) {
    const store = await plane.store(from.store);
    return (disk, writer, onProgress) => store.restoreImage(disk.ref, writer, { ...cancel, onProgress });
  }
  const connector = plane.connector(from.address);
  return async (disk, writer, onProgress) => {
    const reader = await connector.openSnapshotDisk(from.vmId, disk.ref, disk.diskId);
    try {
      await copyDiskImage(reader, writer, { ...cancel, onProgress });
    } finally {
      await reader.close();
    }
  };
}

const guestFamily = (os: string) => (/windows/i.test(os) ? "windows" : /linux|ubuntu|debian|centos|rhel|red hat|suse|fedora/i.test(os) ? "linux" : "other");

export async function moveRestoreData(plane: DataPlane, payload: RestorePayload, plan: RestorePlan, work: DataWork): Promise<RestoreResult> {
  const fill = await fillerFor(plane, plan.from, work.signal);
  const { disks, copy } = plan;
  const progress = new ByteProgress(work, 5, 95, disks.map((d) => d.disk.capacityBytes));
  await work.log(`restoring ${disks.length} disk(s) from ${copy.kind} '${copy.name}' of ${copy.pointInTime} (${plane.where})`);
  const connector = plane.connector(plan.address);
  const target = payload.target;
  if (target.kind === "NEW") {
    const config = copy.vmConfig;
    const vm = await connector.createVmFromDisks(
      {
        name: target.name,
        ...(target.hostId ? { hostId: target.hostId } : {}),
        ...(target.datastoreId ? { datastoreId: target.datastoreId } : {}),
        ...(target.folderId ? { folderId: target.folderId } : {}),
        ...(target.resourcePoolId ? { resourcePoolId: target.resourcePoolId } : {}),
        numCpus: config.numCpus,
        coresPerSocket: config.coresPerSocket,
        memoryMib: config.memoryMib,
        guest: { family: guestFamily(config.guestOsName), osName: config.guestOsName },
        disks: disks.map(({ disk }) => ({ capacityBytes: disk.capacityBytes })),
        networkAdapters: target.networkIds.map((networkId) => ({ networkId })),
        powerOn: target.powerOn,
      },
      async (writers) => {
        for (const [i, { disk }] of disks.entries()) {
          const writer = writers[i];
          if (!writer) throw new Error(`the new VM has no disk ${i}`);
          await fill(disk, writer, (done, total) => progress.report(i, done, total));
          await writer.flush();
        }
      },
      plan.operationId,
    );
    await work.log(`created virtual machine ${vm.name} (${vm.id})`);
    return { vmId: vm.id, vmName: vm.name };
  }
  const before = await connector.getVm(target.vmId);
  checkSizes(before, disks);
  if (before.powerState !== "poweredOff") {
    await work.log(`powering off ${before.name} to overwrite its disks`);
    await connector.powerVm(target.vmId, "powerOff", `${plan.operationId}/power-off`);
  }
  for (const [i, { disk, to }] of disks.entries()) {
    const writer = await connector.openDiskWriter(target.vmId, to ?? disk.diskId);
    try {
      await fill(disk, writer, (done, total) => progress.report(i, done, total));
      await writer.flush();
      plane.crash.hit("protection.restore.after-disk");
    } finally {
      await writer.close();
    }
  }
  if (target.powerOn ?? before.powerState === "poweredOn") {
    await connector.powerVm(target.vmId, "powerOn", `${plan.operationId}/power-on`);
  }
  return { vmId: before.id, vmName: before.name };
}

/** An existing disk is overwritten only by a copy of its own size. */
function checkSizes(vm: VirtualMachine, disks: RestorePlan["disks"]): void {
  for (const { disk, to } of disks) {
    const target = vm.disks.find((d) => d.id === (to ?? disk.diskId));
    if (!target) throw AppError.conflict(`virtual machine '${vm.name}' has no disk '${to ?? disk.diskId}'`);
    if (target.capacityBytes !== disk.capacityBytes) {
      throw AppError.conflict(`${target.label} of '${vm.name}' holds ${target.capacityBytes} bytes, the copy's ${disk.label} ${disk.capacityBytes}: restore it to a new VM instead`);
    }
  }
}
