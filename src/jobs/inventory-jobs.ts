// Job types of the inventory: hypervisor-manager registration, refresh, update and unregister,
// and the virtual-machine and datastore operations. Each delegates to its service; payloads are
// declared (inventory-payloads.ts) and checked when the job is claimed.
import { JOB_DATASTORE_CREATE, createDatastore } from "../services/inventory/datastore-actions.ts";
import { applyManagerUpdate, discoverManager, releaseManager, unregisterManager } from "../services/inventory/hypervisor-manager-discovery.ts";
import { JOB_REFRESH, JOB_REGISTER, JOB_UNREGISTER, JOB_UPDATE } from "../services/inventory/hypervisor-manager-registration.ts";
import type { InventoryContext } from "../services/inventory/inventory-context.ts";
import {
  JOB_VM_CREATE,
  JOB_VM_DELETE,
  JOB_VM_MIGRATE,
  JOB_VM_POWER,
  JOB_VM_REFRESH,
  JOB_VM_UPDATE_HARDWARE,
} from "../services/inventory/virtual-machine-actions.ts";
import { type VmDoc, createVm, deleteVm, migrateVms, powerVm, refreshVm, updateVmHardware, vmResource } from "../services/inventory/virtual-machine-work.ts";
import { type JobContext, type JobHandler, type UndoContext, defineJob } from "./job-handler.ts";
import {
  DatastoreCreatePayload,
  ManagerPayload,
  ManagerRefreshPayload,
  ManagerUpdatePayload,
  VmCreatePayload,
  VmHardwarePayload,
  VmMigratePayload,
  VmPayload,
  VmPowerPayload,
} from "./inventory-payloads.ts";

export function inventoryJobs(deps: InventoryContext): JobHandler[] {
  const discover = async (ctx: JobContext<{ managerId: string }>) => {
    await ctx.progress(10, "discovering the inventory");
    return discoverManager(deps, ctx.customerId, ctx.payload.managerId, ctx.log);
  };
  // A failed or abandoned manager operation frees the manager from the busy state it set (in the
  // transaction that ends the job): otherwise every later refresh or PATCH would answer 409.
  const release =
    (busy: string, verb: string, to?: "previous") =>
    ({ uow, customerId, payload, reason }: UndoContext<{ managerId: string; previousState?: string | undefined }>) => {
      const state = to === "previous" ? (payload.previousState ?? "OK") : "ERROR";
      // The reason is kept where the state is ERROR; a manager back to OK has none.
      const why = state === "ERROR" ? `${verb} failed: ${reason}` : undefined;
      return releaseManager(deps, uow, customerId, payload.managerId, busy, state, why);
    };
  const undo = (busy: string, verb: string, to?: "previous") => ({ onFailure: release(busy, verb, to), onAbandon: release(busy, verb, to) });
  return [
    // Discovery is idempotent: after a crash it simply runs again.
    defineJob({ type: JOB_REGISTER, payload: ManagerPayload, resumable: true, run: discover, ...undo("CREATING", "registration") }),
    defineJob({ type: JOB_REFRESH, payload: ManagerRefreshPayload, resumable: true, run: discover, ...undo("REFRESHING", "refresh", "previous") }),
    defineJob({
      type: JOB_UPDATE,
      payload: ManagerUpdatePayload,
      resumable: true,
      run: (ctx) => applyManagerUpdate(deps, ctx.customerId, ctx.payload.managerId, ctx.payload.patch, ctx.log),
      ...undo("UPDATING", "update", "previous"),
    }),
    defineJob({
      type: JOB_UNREGISTER,
      payload: ManagerPayload,
      resumable: true,
      run: (ctx) => unregisterManager(deps, ctx.customerId, ctx.payload.managerId),
      // ERROR, not gone: the unregister can be retried.
      ...undo("DELETING", "unregister"),
    }),
    defineJob({
      // Resumable: the connector keys the change by the operation id, and a resumed run finding the
      // VM in payload.targetState (recorded at request time) is done, not refused.
      type: JOB_VM_POWER,
      payload: VmPowerPayload,
      resumable: true,
      run: ({ customerId, payload, operation, attempt }) =>
        powerVm(deps, customerId, payload.managerId, payload.vmId, payload.operation, { operationId: operation.id, attempt, targetState: payload.targetState }),
    }),
    defineJob({
      type: JOB_VM_REFRESH,
      payload: VmPayload,
      resumable: true,
      run: async ({ customerId, payload: { managerId, vmId } }) => {
        await refreshVm(deps, customerId, managerId, vmId);
        const vm = await deps.store.get<VmDoc>("virtual-machine", customerId, vmId);
        return vm ? [vmResource(vm, managerId)] : [];
      },
    }),
    defineJob({ type: JOB_VM_DELETE, payload: VmPayload, resumable: true, run: ({ customerId, payload }) => deleteVm(deps, customerId, payload.managerId, payload.vmId) }),
    // Resumable: the operation id is the connector's idempotency token (no second VM).
    defineJob({
      type: JOB_VM_CREATE,
      payload: VmCreatePayload,
      resumable: true,
      run: ({ customerId, payload, operation }) => createVm(deps, customerId, payload.managerId, payload.spec, operation.id),
    }),
    defineJob({
      type: JOB_VM_UPDATE_HARDWARE,
      payload: VmHardwarePayload,
      resumable: true,
      run: ({ customerId, payload }) => updateVmHardware(deps, customerId, payload.managerId, payload.vmId, payload.change),
    }),
    defineJob({
      type: JOB_VM_MIGRATE,
      payload: VmMigratePayload,
      resumable: true,
      run: (ctx) => migrateVms(deps, ctx.customerId, ctx.payload.managerId, ctx.payload.vmIds, ctx.payload.target, ctx.progress),
    }),
    defineJob({
      // Resumable: the operation id is the connector's idempotency token (no "name taken" on resume).
      type: JOB_DATASTORE_CREATE,
      payload: DatastoreCreatePayload,
      resumable: true,
      run: ({ customerId, payload, operation }) => createDatastore(deps, customerId, payload.managerId, payload.spec, operation.id),
    }),
  ];
}
