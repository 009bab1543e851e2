// Hypervisor managers: read through /virtualization/v1beta1/hypervisor-managers (+ refresh),
// registered, updated and unregistered through /backup-recovery/v1alpha1/hypervisor-managers.
// Both definitions name the same collection, so they share the hypervisor_managers table.
import { HYPERVISOR_MANAGERS_V1ALPHA1, VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { HypervisorManagerCreateSchema, HypervisorManagerSchema, HypervisorManagerUpdateSchema, UnregisterQuery } from "../../domain/schemas/hypervisor-schemas.ts";
import { inventoryCollection } from "./inventory-collection.ts";

export const hypervisorManagers: CollectionDefinition = {
  ...inventoryCollection({
    name: "hypervisor-managers",
    path: `${VIRTUALIZATION_BASE}/hypervisor-managers`,
    idParam: "hypervisor-id",
    schema: HypervisorManagerSchema,
    listOperationId: "HypervisorManagerList",
    getOperationId: "HypervisorManager",
    what: "hypervisor manager",
    managerAttribute: "id",
  }),
  actions: { refresh: { operationId: "HypervisorRefresh", summary: "Rediscover a hypervisor manager's inventory", status: 202 } },
};

export const hypervisorManagerRegistrations: CollectionDefinition = {
  name: "hypervisor-managers",
  path: HYPERVISOR_MANAGERS_V1ALPHA1,
  idParam: "id",
  tag: "hypervisor-managers (v1alpha1)",
  schema: HypervisorManagerSchema,
  promoted: hypervisorManagers.promoted,
  create: { operationId: "HypervisorManagerCreate", summary: "Register a hypervisor manager", body: HypervisorManagerCreateSchema, status: 202 },
  update: { operationId: "HypervisorManagerUpdate", summary: "Update a hypervisor manager", body: HypervisorManagerUpdateSchema, status: 202 },
  remove: { operationId: "UnregisterHypervisorManager", summary: "Unregister a hypervisor manager", query: UnregisterQuery, status: 202 },
};
