// The control plane's side of a restore job: on the embedded data orchestrator it plans, moves
// the data on this process's data plane and refreshes the VM's inventory; on a separate one the
// job type (src/jobs/protection-run-jobs.ts) plans here, moves there and records here. Either
// way a VM restored over itself is busy (state RESTORING, written with its operation: see
// restore.ts) until the job ends: OK with the end that succeeds, RESTORE_FAILED with one that
// fails or is abandoned after a crash, so no VM stays busy.
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import { refreshVm, type VmDoc, vmResource } from "../inventory/virtual-machine-work.ts";
import type { DataWork } from "./data-plane.ts";
import { moveRestoreData } from "./restore-data.ts";
import type { RestorePayload } from "./restore-payload.ts";
import { planRestore, type RestoreResult } from "./restore-plan.ts";
import type { ProtectionContext } from "./run-context.ts";

/** The busy state of a VM whose disks a restore overwrites (the contract's VirtualMachine state). */
export const RESTORING = "RESTORING";

export interface RestoreWork extends DataWork {
  customerId: string;
  operationId: string;
  payload: RestorePayload;
}

export async function restoreCopy(ctx: ProtectionContext, work: RestoreWork): Promise<ResourceRef[]> {
  const { customerId, payload } = work;
  const plan = await planRestore(ctx, customerId, work.operationId, payload);
  let vmId = payload.target.kind === "EXISTING" ? payload.target.vmId : undefined;
  try {
    const result = await moveRestoreData(ctx.dataPlane, payload, plan, work);
    vmId = result.vmId;
    return restoreResources(payload, result);
  } finally {
    // The VM as it is now (a new one, or the power state and disks), whichever way the restore went.
    if (vmId) await refreshVm(ctx.inventory, customerId, payload.target.managerId, vmId);
  }
}

export const restoreResources = (payload: RestorePayload, result: RestoreResult): ResourceRef[] => [vmResource({ id: result.vmId, name: result.vmName }, payload.target.managerId)];

/** Before a remote restore's end is recorded: the restored (or new) VM read into the inventory, best effort. */
export async function restoreRecorded(ctx: ProtectionContext, customerId: string, payload: RestorePayload, vmId: string): Promise<void> {
  await refreshVm(ctx.inventory, customerId, payload.target.managerId, vmId).catch(() => undefined);
}

/** Ends the VM's busy state in `uow` (the transaction that ends the restore): `state` if it is still RESTORING. */
export async function releaseRestored(ctx: ProtectionContext, customerId: string, payload: RestorePayload, state: "OK" | "RESTORE_FAILED", uow: UnitOfWork): Promise<void> {
  if (payload.target.kind !== "EXISTING") return;
  const repository = ctx.inventory.store.repository("virtual-machine");
  const vm = await repository.get<VmDoc>(customerId, payload.target.vmId, uow);
  if (vm?.state !== RESTORING) return;
  await repository.update<VmDoc>(customerId, vm.id, undefined, (doc) => ({ ...doc, state }), uow);
}
