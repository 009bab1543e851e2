// restore-files of backup-recovery/v1beta1: files and folders of a snapshot or backup written
// into a VM's file system (the VM itself or another one of the workspace). What can be checked
// is checked before the 202: the copy (404), the target VM (404, 409 while another file restore
// writes it), every path (400, and each source must exist in the copy's file system: reading
// that materialises the copy's disk once, which the browse call shares). The writing is a job.
import type { Static } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { guestBaseName, guestPath, joinGuestPath } from "../../domain/guest-paths.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { VmFilesRestoreSchema } from "../../domain/schemas/restore-schemas.ts";
import type { UnitOfWork } from "../ports/documents.ts";
import { startBusyOperation } from "../inventory/inventory-context.ts";
import { type VmDoc, vmResource } from "../inventory/virtual-machine-work.ts";
import type { CopyKind } from "./copy-records.ts";
import { withCopyImage } from "./copy-files.ts";
import { type FileRestorePayload, JOB_RESTORE_FILES, fileRestoreKey } from "./file-restore-payload.ts";
import { protectKey } from "./queue-run.ts";
import { RESTORING } from "./restore-work.ts";
import type { ProtectionContext } from "./run-context.ts";

export type VmFilesRestoreCommand = Static<typeof VmFilesRestoreSchema>;

/** 20261206T085423Z: sortable and valid in any file name. */
export const restoreStamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

/** Where an item goes: in place, or into absoluteTargetPath (with the source's directories when retained). */
function targetOf(source: string, into: string | undefined, retain: boolean): string {
  if (into === undefined) return source;
  if (retain) return source === "/" ? into : into === "/" ? source : `${into}${source}`;
  return source === "/" ? into : joinGuestPath(into, guestBaseName(source));
}

export async function requestFileRestore(ctx: ProtectionContext, actor: Actor, vmId: string, body: VmFilesRestoreCommand): Promise<OperationOutcome> {
  const customerId = actor.workspaceId;
  const vm = await ctx.inventory.store.get<VmDoc>("virtual-machine", customerId, vmId);
  if (!vm) throw AppError.notFound(`virtual machine '${vmId}' not found`);
  if ((body.snapshotId === undefined) === (body.backupId === undefined)) throw AppError.badRequest("name exactly one of snapshotId and backupId");
  const [kind, id]: [CopyKind, string] = body.snapshotId !== undefined ? ["snapshot", body.snapshotId] : ["backup", body.backupId ?? ""];
  const copy = await ctx.copies.get(customerId, kind, id);
  if (!copy || copy.assetId !== vm.id) throw AppError.notFound(`${kind} '${id}' of virtual machine '${vm.name}' not found`);
  const targetId = body.targetInfo.virtualMachineId ?? vm.id;
  const target = targetId === vm.id ? vm : await ctx.inventory.store.get<VmDoc>("virtual-machine", customerId, targetId);
  if (!target) throw AppError.notFound(`targetInfo.virtualMachineId: virtual machine '${targetId}' not found`);
  if (target.state === "DELETED") throw AppError.conflict(`virtual machine '${target.name}' no longer exists in its hypervisor manager`);
  const retain = body.retainOriginalDirectoryStructure ?? body.retainOrignalDirectoryStructure ?? false;
  const items = body.filePathInfo.map((info, i) => {
    const source = guestPath(info.absoluteSourcePath, `filePathInfo[${i}].absoluteSourcePath`);
    const into = info.absoluteTargetPath === undefined ? undefined : guestPath(info.absoluteTargetPath, `filePathInfo[${i}].absoluteTargetPath`);
    return { source, target: targetOf(source, into, retain) };
  });
  await withCopyImage(ctx, copy, 0, async (image) => {
    const found = await ctx.guestFiles.stat(
      image,
      items.map((item) => item.source),
    );
    const missing = items.findIndex((_, i) => !found[i]);
    if (missing >= 0) throw AppError.badRequest(`filePathInfo[${missing}].absoluteSourcePath: no '${items[missing]?.source}' in ${kind} '${copy.name}'`);
  }, { request: true });
  const payload: FileRestorePayload = {
    source: { kind, id: copy.id },
    targetVmId: target.id,
    managerId: target.hypervisorManagerInfo.id,
    method: body.fileRestoreMethod,
    items,
    stamp: restoreStamp(ctx.clock.now()),
  };
  const key = fileRestoreKey(target.id);
  const busy = async (uow: UnitOfWork) => {
    const running = await ctx.inventory.operations.holderOf(customerId, key, uow);
    if (running) throw AppError.conflict(`virtual machine '${target.name}' is being written by file restore ${running}: wait for it to end`);
    const current = await ctx.inventory.store.repository("virtual-machine").get<VmDoc>(customerId, target.id, uow);
    if (current?.state === RESTORING) throw AppError.conflict(`virtual machine '${target.name}' is being restored: wait until that restore ends`);
  };
  return startBusyOperation(ctx.inventory, actor, busy, () => ({
    name: `Restore files of virtual machine ${vm.name} from ${kind} ${copy.name}${target.id === vm.id ? "" : ` into ${target.name}`}`,
    jobType: JOB_RESTORE_FILES,
    payload,
    jobKey: key,
    // one writer of a VM's disks at a time: its protection runs and whole-VM restores wait for it, and it for them
    concurrencyKey: protectKey(target.id),
    resource: vmResource(target, target.hypervisorManagerInfo.id),
  }));
}
