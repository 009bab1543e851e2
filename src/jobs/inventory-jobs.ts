// Job types of the inventory: hypervisor-manager registration, refresh, update and unregister,
// and the virtual-machine and datastore operations. Each delegates to its service.
import type { CreateVmSpec, PowerOperation } from "../connectors/hypervisor-connector.ts";
import { JOB_DATASTORE_CREATE, createDatastore } from "../services/inventory/datastore-actions.ts";
import { applyManagerUpdate, discoverManager, type ManagerPatch, unregisterManager } from "../services/inventory/hypervisor-manager-discovery.ts";
import { JOB_REFRESH, JOB_REGISTER, JOB_UNREGISTER, JOB_UPDATE } from "../services/inventory/hypervisor-manager-registration.ts";
import type { DatastoreSpec, HardwareChange, InventoryContext, Relocation } from "../services/inventory/inventory-context.ts";
import {
  JOB_VM_CREATE,
  JOB_VM_DELETE,
  JOB_VM_MIGRATE,
  JOB_VM_POWER,
  JOB_VM_REFRESH,
  JOB_VM_UPDATE_HARDWARE,
} from "../services/inventory/virtual-machine-actions.ts";
import { type VmDoc, createVm, deleteVm, migrateVms, powerVm, refreshVm, updateVmHardware, vmResource } from "../services/inventory/virtual-machine-work.ts";
import type { JobHandler } from "./job-handler.ts";

interface ManagerPayload {
  managerId: string;
}
interface VmPayload extends ManagerPayload {
  vmId: string;
}

export function inventoryJobs(deps: InventoryContext): JobHandler[] {
  const discover: JobHandler["run"] = async (ctx) => {
    const { managerId } = ctx.payload as ManagerPayload;
    await ctx.progress(10, "discovering the inventory");
    return discoverManager(deps, ctx.customerId, managerId, ctx.log);
  };
  return [
    // Discovery is idempotent: after a crash it simply runs again.
    { type: JOB_REGISTER, resumable: true, run: discover },
    { type: JOB_REFRESH, resumable: true, run: discover },
    {
      type: JOB_UPDATE,
      resumable: true,
      run: (ctx) => {
        const { managerId, patch } = ctx.payload as ManagerPayload & { patch: ManagerPatch };
        return applyManagerUpdate(deps, ctx.customerId, managerId, patch, ctx.log);
      },
    },
    { type: JOB_UNREGISTER, resumable: true, run: (ctx) => unregisterManager(deps, ctx.customerId, (ctx.payload as ManagerPayload).managerId) },
    {
      // Not resumable: repeating a power operation after a crash would fail or act twice.
      type: JOB_VM_POWER,
      resumable: false,
      run: (ctx) => {
        const { managerId, vmId, operation } = ctx.payload as VmPayload & { operation: PowerOperation };
        return powerVm(deps, ctx.customerId, managerId, vmId, operation);
      },
    },
    {
      type: JOB_VM_REFRESH,
      resumable: true,
      run: async (ctx) => {
        const { managerId, vmId } = ctx.payload as VmPayload;
        await refreshVm(deps, ctx.customerId, managerId, vmId);
        const vm = await deps.store.get<VmDoc>("virtual-machine", ctx.customerId, vmId);
        return vm ? [vmResource(vm, managerId)] : [];
      },
    },
    { type: JOB_VM_DELETE, resumable: true, run: (ctx) => deleteVm(deps, ctx.customerId, (ctx.payload as VmPayload).managerId, (ctx.payload as VmPayload).vmId) },
    {
      type: JOB_VM_CREATE,
      resumable: false,
      run: (ctx) => {
        const { managerId, spec } = ctx.payload as ManagerPayload & { spec: CreateVmSpec };
        return createVm(deps, ctx.customerId, managerId, spec);
      },
    },
    {
      type: JOB_VM_UPDATE_HARDWARE,
      resumable: true,
      run: (ctx) => {
        const { managerId, vmId, change } = ctx.payload as VmPayload & { change: HardwareChange };
        return updateVmHardware(deps, ctx.customerId, managerId, vmId, change);
      },
    },
    {
      type: JOB_VM_MIGRATE,
      resumable: true,
      run: (ctx) => {
        const { managerId, vmIds, target } = ctx.payload as ManagerPayload & { vmIds: string[]; target: Relocation };
        return migrateVms(deps, ctx.customerId, managerId, vmIds, target, ctx.progress);
      },
    },
    {
      // Not resumable: a second run would find the datastore's name taken.
      type: JOB_DATASTORE_CREATE,
      resumable: false,
      run: (ctx) => {
        const { managerId, spec } = ctx.payload as ManagerPayload & { spec: DatastoreSpec };
        return createDatastore(deps, ctx.customerId, managerId, spec);
      },
    },
  ];
}
