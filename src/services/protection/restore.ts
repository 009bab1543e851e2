// The VM restores of backup-recovery/v1beta1: `restore` (the whole VM, over itself or as a new
// VM) and `restore-disks` (chosen disks, into the VM or another one), from a snapshot or any
// backup of the VM. Everything that can be checked is checked here (404 for a copy that is not
// this VM's, 400 for a bad target, 409 for a VM that cannot take it); the copying is a job.
// `restore-files` (files and folders) is file-restore.ts's.
import type { Static } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { VmDisksRestoreSchema, VmRestoreSchema } from "../../domain/schemas/restore-schemas.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { startBusyOperation } from "../inventory/inventory-context.ts";
import { RESTORING } from "./restore-work.ts";
import { protectKey } from "./queue-run.ts";
import { type VmDoc, vmResource } from "../inventory/virtual-machine-work.ts";
import type { CopyKind, CopyRecord } from "./copy-records.ts";
import type { ProtectionContext } from "./run-context.ts";
import { JOB_RESTORE, type RestorePayload } from "./restore-payload.ts";
import { type VmFilesRestoreCommand, requestFileRestore } from "./file-restore.ts";

export type VmRestoreCommand = Static<typeof VmRestoreSchema>;
export type VmDisksRestoreCommand = Static<typeof VmDisksRestoreSchema>;

export interface RestoreUseCases {
  restore(actor: Actor, vmId: string, command: VmRestoreCommand): Promise<OperationOutcome>;
  restoreDisks(actor: Actor, vmId: string, command: VmDisksRestoreCommand): Promise<OperationOutcome>;
  restoreFiles(actor: Actor, vmId: string, command: VmFilesRestoreCommand): Promise<OperationOutcome>;
}

interface DiskDoc {
  id: string;
  name?: string;
  capacityInBytes?: number;
}
type VmWithDisks = VmDoc & { virtualDisks?: DiskDoc[] };

export function restoreUseCases(ctx: ProtectionContext): RestoreUseCases {
  const vmOf = async (customerId: string, id: string, what = "virtual machine"): Promise<VmWithDisks> => {
    const vm = await ctx.inventory.store.get<VmWithDisks>("virtual-machine", customerId, id);
    if (!vm) throw AppError.notFound(`${what} '${id}' not found`);
    return vm;
  };
  const usable = (vm: VmDoc) => {
    if (vm.state === "DELETED") throw AppError.conflict(`virtual machine '${vm.name}' no longer exists in its hypervisor manager: restore it as a new VM`);
  };

  /** The copy the body names (exactly one of snapshotId, backupId), which must be this VM's. */
  async function copyOf(customerId: string, vm: VmDoc, body: { snapshotId?: string | undefined; backupId?: string | undefined }): Promise<CopyRecord> {
    if ((body.snapshotId === undefined) === (body.backupId === undefined)) throw AppError.badRequest("name exactly one of snapshotId and backupId");
    const [kind, id]: [CopyKind, string] = body.snapshotId !== undefined ? ["snapshot", body.snapshotId] : ["backup", body.backupId ?? ""];
    const copy = await ctx.copies.get(customerId, kind, id);
    if (!copy || copy.assetId !== vm.id) throw AppError.notFound(`${kind} '${id}' of virtual machine '${vm.name}' not found`);
    return copy;
  }

  /** An inventory object of the manager; 400 naming the field otherwise. */
  async function objectIn(customerId: string, kind: "hypervisor-host" | "hypervisor-cluster" | "hypervisor-folder" | "hypervisor-resource-pool" | "datastore" | "hypervisor-network", id: string, managerId: string, field: string) {
    const doc = await ctx.inventory.store.get<StoredDocument & { hypervisorManagerInfo?: { id: string }; state?: string }>(kind, customerId, id);
    if (!doc || doc.hypervisorManagerInfo?.id !== managerId || doc.state === "DELETED") throw AppError.badRequest(`${field}: no ${kind.replace("hypervisor-", "")} '${id}' in hypervisor manager '${managerId}'`);
    return doc.id;
  }

  /** The separate data orchestrator of the target's hypervisor manager, which moves the data; undefined: the embedded one. */
  async function orchestratorOf(customerId: string, managerId: string): Promise<string | undefined> {
    const manager = await ctx.inventory.store.get<StoredDocument & { dataOrchestratorInfo?: { id: string } }>("hypervisor-manager", customerId, managerId);
    return ctx.inventory.dataOrchestrators.separate(customerId, manager?.dataOrchestratorInfo?.id);
  }

  /**
   * Queues the restore. A VM whose disks it overwrites turns RESTORING in the same transaction
   * (409 while another restore of it has not ended), and shares the concurrency key of its
   * protection runs: a run and a restore of one VM never interleave (the later one waits).
   */
  const queue = async (actor: Actor, vm: VmDoc, copy: CopyRecord, verb: string, payload: RestorePayload) => {
    const customerId = actor.workspaceId;
    const target = await orchestratorOf(customerId, payload.target.managerId);
    const overwritten = payload.target.kind === "EXISTING" ? payload.target.vmId : undefined;
    const busy = async (uow: UnitOfWork) => {
      if (!overwritten) return;
      const repository = ctx.inventory.store.repository("virtual-machine");
      const current = await repository.get<VmDoc>(customerId, overwritten, uow, true);
      if (!current) throw AppError.notFound(`virtual machine '${overwritten}' not found`);
      if (current.state === RESTORING) throw AppError.conflict(`virtual machine '${current.name}' is being restored already: wait until that restore ends`);
      await repository.update<VmDoc>(customerId, overwritten, undefined, (doc) => ({ ...doc, state: RESTORING }), uow);
    };
    return startBusyOperation(ctx.inventory, actor, busy, () => ({
      name: `${verb} virtual machine ${vm.name} from ${copy.kind} ${copy.name}`,
      jobType: JOB_RESTORE,
      payload,
      resource: vmResource(vm, vm.hypervisorManagerInfo.id),
      ...(overwritten ? { concurrencyKey: protectKey(overwritten) } : {}),
      ...(target ? { target } : {}),
    }));
  };

  async function alternate(actor: Actor, vm: VmDoc, copy: CopyRecord, info: NonNullable<VmRestoreCommand["targetVmInfo"]>): Promise<OperationOutcome> {
    const customerId = actor.workspaceId;
    if (!info.name) throw AppError.badRequest("targetVmInfo.name: an ALTERNATE restore needs the new VM's name");
    if (info.hostId && info.clusterId) throw AppError.badRequest("targetVmInfo: give hostId or clusterId, not both");
    const managerId = info.hypervisorManagerId ?? vm.hypervisorManagerInfo.id;
    const manager = await ctx.inventory.store.get("hypervisor-manager", customerId, managerId);
    if (!manager) throw AppError.badRequest(`targetVmInfo.hypervisorManagerId: no hypervisor manager '${managerId}'`);
    const vms = await ctx.inventory.store.listForManager<VmDoc>("virtual-machine", customerId, managerId);
    if (vms.some((v) => v.name === info.name && v.state !== "DELETED")) throw AppError.badRequest(`targetVmInfo.name: a virtual machine named '${info.name}' already exists in that hypervisor manager`);
    const vmware = info.appInfo?.vmware;
    const requested = (info.vmHardwareCustomization?.networkAdapters ?? []).flatMap((a) => (a.networkDetails?.id ? [a.networkDetails.id] : []));
    const networkIds: string[] = [];
    for (const id of requested) networkIds.push(await objectIn(customerId, "hypervisor-network", id, managerId, "targetVmInfo.vmHardwareCustomization.networkAdapters"));
    if (requested.length === 0) {
      // The copy's networks where the target manager has them.
      for (const id of copy.vmConfig.networkIds) {
        const ok = await objectIn(customerId, "hypervisor-network", id, managerId, "network").catch(() => undefined);
        if (ok) networkIds.push(ok);
      }
    }
    if (info.clusterId) await objectIn(customerId, "hypervisor-cluster", info.clusterId, managerId, "targetVmInfo.clusterId");
    const payload: RestorePayload = {
      source: { kind: copy.kind, id: copy.id },
      target: {
        kind: "NEW",
        managerId,
        name: info.name,
        ...(info.hostId ? { hostId: await objectIn(customerId, "hypervisor-host", info.hostId, managerId, "targetVmInfo.hostId") } : {}),
        ...(vmware?.datastoreId ? { datastoreId: await objectIn(customerId, "datastore", vmware.datastoreId, managerId, "targetVmInfo.appInfo.vmware.datastoreId") } : {}),
        ...(info.folderId ? { folderId: await objectIn(customerId, "hypervisor-folder", info.folderId, managerId, "targetVmInfo.folderId") } : {}),
        ...(vmware?.resourcePoolId ? { resourcePoolId: await objectIn(customerId, "hypervisor-resource-pool", vmware.resourcePoolId, managerId, "targetVmInfo.appInfo.vmware.resourcePoolId") } : {}),
        networkIds,
        powerOn: info.powerOn ?? false,
      },
      disks: copy.disks.map((d) => ({ from: d.diskId })),
    };
    return queue(actor, vm, copy, "Restore (as a new VM)", payload);
  }

  return {
    async restore(actor, vmId, body) {
      const vm = await vmOf(actor.workspaceId, vmId);
      const copy = await copyOf(actor.workspaceId, vm, body);
      if (body.restoreType === "ALTERNATE") return alternate(actor, vm, copy, body.targetVmInfo ?? {});
      usable(vm);
      const disks = copy.disks.map((d) => {
        const target = vm.virtualDisks?.find((v) => v.id === d.diskId) ?? vm.virtualDisks?.find((v) => v.name === d.label);
        if (!target) throw AppError.conflict(`virtual machine '${vm.name}' no longer has ${d.label} of the ${copy.kind}: restore it as a new VM (ALTERNATE)`);
        return { from: d.diskId, to: target.id };
      });
      const target = { kind: "EXISTING" as const, vmId: vm.id, managerId: vm.hypervisorManagerInfo.id, powerOn: body.targetVmInfo?.powerOn ?? null };
      return queue(actor, vm, copy, "Restore", { source: { kind: copy.kind, id: copy.id }, target, disks });
    },
    async restoreDisks(actor, vmId, body) {
      const customerId = actor.workspaceId;
      const vm = await vmOf(customerId, vmId);
      const copy = await copyOf(customerId, vm, body);
      const into = body.targetVmId ? await vmOf(customerId, body.targetVmId, "targetVmId: virtual machine") : vm;
      usable(into);
      if (body.restoreType === "PARENT" && into.id !== vm.id) throw AppError.badRequest("targetVmId: a PARENT restore writes the VM's own disks; use ALTERNATE for another VM");
      const disks = body.restoreDiskDetails.map((detail) => {
        const label = detail.recoveryPointDiskDetails.diskLabel;
        const from = copy.disks.find((d) => d.label === label);
        if (!from) throw AppError.badRequest(`restoreDiskDetails: the ${copy.kind} has no disk '${label}'`);
        const toLabel = detail.vmDiskDetails?.diskLabel ?? label;
        const to = into.virtualDisks?.find((d) => d.name === toLabel);
        if (!to) throw AppError.badRequest(`restoreDiskDetails: virtual machine '${into.name}' has no disk '${toLabel}'`);
        if (to.capacityInBytes !== undefined && to.capacityInBytes !== from.capacityBytes) {
          throw AppError.badRequest(`restoreDiskDetails: '${toLabel}' holds ${to.capacityInBytes} bytes, the copy's '${label}' ${from.capacityBytes}`);
        }
        return { from: from.diskId, to: to.id };
      });
      const target = { kind: "EXISTING" as const, vmId: into.id, managerId: into.hypervisorManagerInfo.id, powerOn: null };
      return queue(actor, into, copy, "Restore disks of", { source: { kind: copy.kind, id: copy.id }, target, disks });
    },
    restoreFiles: (actor, vmId, body) => requestFileRestore(ctx, actor, vmId, body),
  };
}
