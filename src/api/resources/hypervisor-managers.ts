// Hypervisor managers, one collection under two API bases: read and refreshed through
// /virtualization/v1beta1/hypervisor-managers, registered, updated and unregistered through
// /backup-recovery/v1alpha1/hypervisor-managers (operations with their own `path`).
import { HYPERVISOR_MANAGERS_V1ALPHA1, VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import { HypervisorManagerCreateSchema, HypervisorManagerSchema, HypervisorManagerUpdateSchema, UnregisterQuery } from "../../domain/schemas/hypervisor-schemas.ts";
import type { HypervisorManagerUseCases } from "../../services/inventory/hypervisor-manager-registration.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operation, operationWithBody, operationWithQuery } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";
import { inventoryCollection } from "./inventory-collection.ts";

const V1ALPHA1_TAG = "hypervisor-managers (v1alpha1)";
const V1ALPHA1_ITEM = `${HYPERVISOR_MANAGERS_V1ALPHA1}/{id}`;

export const hypervisorManagers = {
  ...inventoryCollection({
    name: "hypervisor-managers",
    table: "hypervisor_managers",
    path: `${VIRTUALIZATION_BASE}/hypervisor-managers`,
    idParam: "hypervisor-id",
    schema: HypervisorManagerSchema,
    listOperationId: "HypervisorManagerList",
    getOperationId: "HypervisorManager",
    what: "hypervisor manager",
    managerAttribute: "id",
    moreErrors: [503],
  }),
  create: operationWithBody(
    { operationId: "HypervisorManagerCreate", summary: "Register a hypervisor manager", status: 202, errors: [400, 401, 403, 500], path: HYPERVISOR_MANAGERS_V1ALPHA1, tag: V1ALPHA1_TAG },
    HypervisorManagerCreateSchema,
  ),
  update: operationWithBody(
    // compat: 404, 409 (busy) and 412 (If-Match) are answered though the contract lists none of them.
    { operationId: "HypervisorManagerUpdate", summary: "Update a hypervisor manager", status: 202, errors: [400, 401, 403, 404, 409, 412, 500], path: V1ALPHA1_ITEM, tag: V1ALPHA1_TAG },
    HypervisorManagerUpdateSchema,
  ),
  remove: operationWithQuery(
    { operationId: "UnregisterHypervisorManager", summary: "Unregister a hypervisor manager", status: 202, errors: [400, 401, 403, 404, 409, 412, 500], path: V1ALPHA1_ITEM, tag: V1ALPHA1_TAG },
    UnregisterQuery,
  ),
  actions: {
    refresh: operation({ operationId: "HypervisorRefresh", summary: "Rediscover a hypervisor manager's inventory", status: 202, errors: [401, 403, 404, 409, 500] }),
  },
} satisfies CollectionDefinition;

export function hypervisorManagerHandlers(managers: HypervisorManagerUseCases): CollectionHandlers {
  const def = hypervisorManagers;
  return {
    create: handleCollection(def.create, ({ actor, body }) => managers.register(actor, body)),
    update: handleItem(def.update, ({ actor, id, body, ifMatch }) => managers.update(actor, id, body, ifMatch)),
    remove: handleItem(def.remove, ({ actor, id, ifMatch }) => managers.unregister(actor, id, ifMatch)),
    actions: { refresh: handleItem(def.actions.refresh, ({ actor, id }) => managers.refresh(actor, id)) },
  };
}
