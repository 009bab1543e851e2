// /virtualization/v1beta1/virtual-machines: list, get, deploy, delete and the VM actions (all async).
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { CollectionDefinition, OperationOptions } from "../resource/collection-definition.ts";
import { inventoryCollection } from "./inventory-collection.ts";
import { DeployVmSchema, EditVmSchema, MigrateVmQuery, MigrateVmSchema, VirtualMachineSchema } from "../../domain/schemas/virtual-machine-schemas.ts";

const action = (operationId: string, summary: string, extra: Partial<OperationOptions> = {}): OperationOptions => ({ operationId, summary, status: 202, ...extra });

export const virtualMachines: CollectionDefinition = {
  ...inventoryCollection({
    name: "virtual-machines",
    path: `${VIRTUALIZATION_BASE}/virtual-machines`,
    idParam: "vm-id",
    schema: VirtualMachineSchema,
    listOperationId: "VirtualMachinesList",
    getOperationId: "VirtualMachine",
    what: "virtual machine",
  }),
  create: action("HCIDeployVM", "Deploy a virtual machine", { body: DeployVmSchema }),
  remove: action("VMDelete", "Delete a powered-off virtual machine"),
  actions: {
    "power-on": action("VMPowerOn", "Power on a virtual machine"),
    "power-off": action("VMPowerOff", "Power off a virtual machine"),
    reset: action("VMPowerReset", "Reset a running virtual machine"),
    "restart-guest-os": action("VMRestartGuestOS", "Restart the guest operating system"),
    "shutdown-guest-os": action("VMShutdownGuestOS", "Shut down the guest operating system"),
    refresh: action("VMRefresh", "Re-read a virtual machine from its hypervisor manager"),
    "update-hardware": action("EditVM", "Change CPU and memory of a virtual machine", { body: EditVmSchema }),
  },
  collectionActions: {
    migrate: action("MigrateVM", "Move virtual machines to another cluster and datastore", { body: MigrateVmSchema, query: MigrateVmQuery }),
  },
};
