// /virtualization/v1beta1/virtual-machines: list, get, deploy, delete and the VM actions (all async).
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import { DeployVmSchema, EditVmSchema, MigrateVmQuery, MigrateVmSchema, VirtualMachineSchema } from "../../domain/schemas/virtual-machine-schemas.ts";
import type { PowerAction, VirtualMachineUseCases } from "../../services/inventory/virtual-machine-actions.ts";
import { VmDisksRestoreSchema, VmFilesRestoreSchema, VmRestoreSchema } from "../../domain/schemas/restore-schemas.ts";
import type { RestoreUseCases } from "../../services/protection/restore.ts";
import type { CollectionDefinition, ErrorStatus } from "../resource/collection-definition.ts";
import { operation, operationWith, operationWithBody } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";
import { inventoryCollection } from "./inventory-collection.ts";

/** What the contract documents for every VM action and delete. */
const VM_ERRORS: readonly ErrorStatus[] = [400, 401, 403, 404, 409, 500, 503];
const spec = (operationId: string, summary: string, errors = VM_ERRORS) => ({ operationId, summary, status: 202 as const, errors });
const action = (operationId: string, summary: string, errors = VM_ERRORS) => operation(spec(operationId, summary, errors));

/** What the contract documents for the restores (and 404 for an unknown VM or copy). */
const RESTORE_ERRORS: readonly ErrorStatus[] = [400, 401, 403, 404, 409, 412, 500];
const RESTORE_BASE = "/backup-recovery/v1beta1/virtual-machines/{id}";

export const virtualMachines = {
  ...inventoryCollection({
    name: "virtual-machines",
    table: "virtual_machines",
    path: `${VIRTUALIZATION_BASE}/virtual-machines`,
    idParam: "vm-id",
    schema: VirtualMachineSchema,
    listOperationId: "VirtualMachinesList",
    getOperationId: "VirtualMachine",
    what: "virtual machine",
  }),
  create: operationWithBody(spec("HCIDeployVM", "Deploy a virtual machine", [400, 401, 403, 500]), DeployVmSchema),
  remove: action("VMDelete", "Delete a powered-off virtual machine"),
  actions: {
    "power-on": action("VMPowerOn", "Power on a virtual machine"),
    "power-off": action("VMPowerOff", "Power off a virtual machine"),
    reset: action("VMPowerReset", "Reset a running virtual machine"),
    "restart-guest-os": action("VMRestartGuestOS", "Restart the guest operating system"),
    "shutdown-guest-os": action("VMShutdownGuestOS", "Shut down the guest operating system"),
    refresh: action("VMRefresh", "Re-read a virtual machine from its hypervisor manager", [401, 403, 404, 409, 500]),
    "update-hardware": operationWithBody(spec("EditVM", "Change CPU and memory of a virtual machine"), EditVmSchema),
    // Restores live under the backup-recovery API but act on this collection's VMs.
    restore: operationWithBody({ ...spec("VirtualMachineRestore", "Restore a whole VM from a snapshot or backup", RESTORE_ERRORS), path: `${RESTORE_BASE}/restore`, tag: "virtual-machines" }, VmRestoreSchema),
    "restore-disks": operationWithBody(
      { ...spec("VirtualMachineDisksRestore", "Restore selected disks of a VM", RESTORE_ERRORS), path: `${RESTORE_BASE}/restore-disks`, tag: "virtual-machines" },
      VmDisksRestoreSchema,
    ),
    "restore-files": operationWithBody(
      { ...spec("VirtualMachineFileRestore", "Restore files and folders of a VM", RESTORE_ERRORS), path: `${RESTORE_BASE}/restore-files`, tag: "virtual-machines" },
      VmFilesRestoreSchema,
    ),
  },
  collectionActions: {
    migrate: operationWith(spec("MigrateVM", "Move virtual machines to another cluster and datastore", [400, 401, 403, 500]), MigrateVmSchema, MigrateVmQuery),
  },
} satisfies CollectionDefinition;

export function virtualMachineHandlers(vms: VirtualMachineUseCases, restores: RestoreUseCases): CollectionHandlers {
  const def = virtualMachines;
  const power = (name: PowerAction) => handleItem(def.actions[name], ({ actor, id }) => vms.power(actor, id, name));
  return {
    create: handleCollection(def.create, ({ actor, body }) => vms.deploy(actor, body)),
    remove: handleItem(def.remove, ({ actor, id }) => vms.remove(actor, id)),
    actions: {
      "power-on": power("power-on"),
      "power-off": power("power-off"),
      reset: power("reset"),
      "restart-guest-os": power("restart-guest-os"),
      "shutdown-guest-os": power("shutdown-guest-os"),
      refresh: handleItem(def.actions.refresh, ({ actor, id }) => vms.refresh(actor, id)),
      "update-hardware": handleItem(def.actions["update-hardware"], ({ actor, id, body }) => vms.updateHardware(actor, id, body)),
      restore: handleItem(def.actions.restore, ({ actor, id, body }) => restores.restore(actor, id, body)),
      "restore-disks": handleItem(def.actions["restore-disks"], ({ actor, id, body }) => restores.restoreDisks(actor, id, body)),
      "restore-files": handleItem(def.actions["restore-files"], ({ actor, id, body }) => restores.restoreFiles(actor, id, body)),
    },
    collectionActions: {
      migrate: handleCollection(def.collectionActions.migrate, ({ actor, body, query }) =>
        vms.migrate(actor, { ...body, vms: query.vms ?? [], parameterType: query["parameter-type"] }),
      ),
    },
  };
}
