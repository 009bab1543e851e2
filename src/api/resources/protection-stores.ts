// /backup-recovery/v1beta1/protection-stores: list, get, create (202), patch (200 + the store),
// delete (202, `force`) and reattach (202, cloud stores).
import {
  ProtectionStoreCreateSchema,
  ProtectionStoreDeleteQuery,
  ProtectionStoreEditSchema,
  ProtectionStoreReattachSchema,
  ProtectionStoreSchema,
} from "../../domain/schemas/protection-store-schemas.ts";
import type { ProtectionStoreUseCases } from "../../services/infrastructure/protection-stores.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operationWithBody, operationWithQuery } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

export const protectionStores = {
  name: "protection-stores",
  table: "protection_stores",
  path: "/backup-recovery/v1beta1/protection-stores",
  idParam: "id",
  tag: "protection-stores",
  schema: ProtectionStoreSchema,
  promoted: { name: "name", protection_store_type: "protectionStoreType", storage_system_id: "storageSystemInfo/id" },
  list: {
    operationId: "ProtectionStoreList",
    summary: "List protection stores",
    envelope: "standard",
    limitDefault: 10,
    limitMax: 2000,
    // The contract's three, and the fields clients filter stores by in practice.
    filterable: [
      "protectionStoreType",
      "storageSystemInfo/id",
      "storageSystemInfo/displayName",
      "storageSystemInfo/type",
      "id",
      "name",
      "displayName",
      "state",
      "status",
      "connectedState",
      "region",
      "storageLocationInfo/id",
      "createdAt",
      "updatedAt",
      "generation",
    ],
  },
  get: { operationId: "ProtectionStoreById", summary: "Get one protection store" },
  create: operationWithBody({ operationId: "ProtectionStoreCreate", summary: "Create a protection store", status: 202, errors: [400, 401, 403, 500] }, ProtectionStoreCreateSchema),
  update: operationWithBody(
    { operationId: "ProtectionStoreEdit", summary: "Update fields of a protection store (merge patch)", status: 200, errors: [400, 401, 403, 404, 412, 500] },
    ProtectionStoreEditSchema,
  ),
  remove: operationWithQuery(
    // compat: 409 answers a store busy with another operation (not among the contract's statuses).
    { operationId: "ProtectionStoreDelete", summary: "Delete a protection store", status: 202, errors: [400, 401, 403, 404, 409, 412, 500] },
    ProtectionStoreDeleteQuery,
  ),
  actions: {
    reattach: operationWithBody(
      { operationId: "CloudProtectionStoreReattach", summary: "Reattach an existing cloud protection store", status: 202, errors: [400, 401, 403, 404, 409, 500] },
      ProtectionStoreReattachSchema,
    ),
  },
} satisfies CollectionDefinition;

export function protectionStoreHandlers(stores: ProtectionStoreUseCases): CollectionHandlers {
  const def = protectionStores;
  return {
    create: handleCollection(def.create, ({ actor, body }) => stores.create(actor, body)),
    update: handleItem(def.update, ({ actor, id, body, ifMatch }) => stores.update(actor, id, body, ifMatch)),
    remove: handleItem(def.remove, ({ actor, id, query, ifMatch }) => stores.remove(actor, id, query.force ?? false, ifMatch)),
    actions: { reattach: handleItem(def.actions.reattach, ({ actor, id, body }) => stores.reattach(actor, id, body)) },
  };
}
