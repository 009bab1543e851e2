// The work of a restore, run by the worker: read the copy (a hypervisor snapshot, or a backup's
// images in its store, on-premises or cloud) and write it into the target VM's disks, byte for
// byte and sparse. An existing VM is powered off first and on after (as it was, or as asked);
// a new VM is created with its disks filled before it is registered (createVmFromDisks).
import { AppError } from "../../domain/app-error.ts";
import type { ResourceRef } from "../async-operations.ts";
import type { VirtualMachine } from "../ports/hypervisor-connector.ts";
import type { ImageWriter } from "../infrastructure/image-store.ts";
import { refreshVm, vmResource } from "../inventory/virtual-machine-work.ts";
import type { CopyDisk, CopyRecord } from "./copy-records.ts";
import { type ProtectionContext, connectorOf, openStore, storeDoc, vmAndConnector } from "./run-context.ts";
import { copyDiskImage } from "./restore-disk-copy.ts";
import type { RestorePayload } from "./restore-payload.ts";
import { ByteProgress, type ProgressSink } from "./run-progress.ts";

export interface RestoreWork extends ProgressSink {
  customerId: string;
  operationId: string;
  payload: RestorePayload;
  signal: AbortSignal;
  log(message: string): Promise<void>;
}

/** Writes one disk of the copy into `writer`. */
export type DiskFiller = (disk: CopyDisk, writer: ImageWriter, onProgress: (done: number, total: number) => void) => Promise<void>;

/** How the copy's disks are read: a backup's images from its store, a snapshot's disks from the hypervisor. */
export async function copyFiller(ctx: ProtectionContext, customerId: string, copy: CopyRecord, signal?: AbortSignal): Promise<DiskFiller> {
  if (copy.kind === "backup") {
    if (!copy.protectionStoreId) throw AppError.conflict(`backup '${copy.id}' names no protection store`);
    const store = await openStore(ctx, await storeDoc(ctx, customerId, copy.protectionStoreId));
    return (disk, writer, onProgress) => store.restoreImage(disk.ref, writer, { ...(signal ? { signal } : {}), onProgress });
  }
  const { connector } = await vmAndConnector(ctx, customerId, copy.assetId);
  return async (disk, writer, onProgress) => {
    const reader = await connector.openSnapshotDisk(copy.assetId, disk.ref, disk.diskId);
    try {
      await copyDiskImage(reader, writer, { ...(signal ? { signal } : {}), onProgress });
    } finally {
      await reader.close();
    }
  };
}

const guestFamily = (os: string) => (/windows/i.test(os) ? "windows" : /linux|ubuntu|debian|centos|rhel|red hat|suse|fedora/i.test(os) ? "linux" : "other");

export async function restoreCopy(ctx: ProtectionContext, work: RestoreWork): Promise<ResourceRef[]> {
  const { customerId, payload } = work;
  const copy = await ctx.copies.get(customerId, payload.source.kind, payload.source.id);
  if (!copy) throw AppError.conflict(`${payload.source.kind} '${payload.source.id}' no longer exists`);
  const fill = await copyFiller(ctx, customerId, copy, work.signal);
  const disks = payload.disks.map((d) => {
    const disk = copy.disks.find((c) => c.diskId === d.from);
    if (!disk) throw AppError.conflict(`${copy.kind} '${copy.id}' has no disk '${d.from}'`);
    return { disk, to: d.to };
  });
  const progress = new ByteProgress(work, 5, 95, disks.map((d) => d.disk.capacityBytes));
  await work.log(`restoring ${disks.length} disk(s) from ${copy.kind} '${copy.name}' of ${copy.pointInTime}`);
  const target = payload.target;
  if (target.kind === "NEW") {
    const connector = await connectorOf(ctx, customerId, target.managerId);
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
      work.operationId,
    );
    await refreshVm(ctx.inventory, customerId, target.managerId, vm.id);
    await work.log(`created virtual machine ${vm.name} (${vm.id})`);
    return [vmResource(vm, target.managerId)];
  }
  const connector = await connectorOf(ctx, customerId, target.managerId);
  try {
    const before = await connector.getVm(target.vmId);
    checkSizes(before, disks);
    if (before.powerState !== "poweredOff") {
      await work.log(`powering off ${before.name} to overwrite its disks`);
      await connector.powerVm(target.vmId, "powerOff", `${work.operationId}/power-off`);
    }
    for (const [i, { disk, to }] of disks.entries()) {
      const writer = await connector.openDiskWriter(target.vmId, to ?? disk.diskId);
      try {
        await fill(disk, writer, (done, total) => progress.report(i, done, total));
        await writer.flush();
      } finally {
        await writer.close();
      }
    }
    if (target.powerOn ?? before.powerState === "poweredOn") {
      await connector.powerVm(target.vmId, "powerOn", `${work.operationId}/power-on`);
    }
    return [vmResource(before, target.managerId)];
  } finally {
    await refreshVm(ctx.inventory, customerId, target.managerId, target.vmId);
  }
}

/** An existing disk is overwritten only by a copy of its own size. */
function checkSizes(vm: VirtualMachine, disks: { disk: CopyDisk; to: string | undefined }[]): void {
  for (const { disk, to } of disks) {
    const target = vm.disks.find((d) => d.id === (to ?? disk.diskId));
    if (!target) throw AppError.conflict(`virtual machine '${vm.name}' has no disk '${to ?? disk.diskId}'`);
    if (target.capacityBytes !== disk.capacityBytes) {
      throw AppError.conflict(`${target.label} of '${vm.name}' holds ${target.capacityBytes} bytes, the copy's ${disk.label} ${disk.capacityBytes}: restore it to a new VM instead`);
    }
  }
}
