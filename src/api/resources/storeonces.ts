// /backup-recovery/v1beta1/storeonces: list (offset/limit only, as the contract), get, register,
// patch, unregister and refresh (all writes async).
import { ForceQuery } from "../../domain/schemas/protection-store-gateway-schemas.ts";
import { StoreOncePatchSchema, StoreOncePostSchema, StoreOnceSchema } from "../../domain/schemas/storeonce-schemas.ts";
import type { StoreOnceUseCases } from "../../services/infrastructure/storeonces.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operation, operationWithBody, operationWithQuery } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

export const storeOnces = {
  name: "storeonces",
  path: "/backup-recovery/v1beta1/storeonces",
  idParam: "id",
  tag: "storeonces",
  schema: StoreOnceSchema,
  table: "storeonces",
  promoted: { name: "name", serial_number: "serialNumber" },
  list: {
    operationId: "StoreOncesList",
    summary: "List StoreOnce appliances",
    envelope: "standard",
    limitDefault: 10,
    limitMax: 2000,
    // compat: the contract documents no filter for this list; obr accepts these.
    filterable: ["name", "serialNumber", "health/state", "health/status", "id"],
  },
  get: { operationId: "StoreOnceGetById", summary: "Get one StoreOnce appliance by id", errors: [400, 401, 403, 404, 500, 503] },
  create: operationWithBody({ operationId: "StoreOnceCreate", summary: "Register a physical StoreOnce appliance", status: 202, errors: [400, 401, 403, 409, 500] }, StoreOncePostSchema),
  update: operationWithBody(
    { operationId: "StoreOnceUpdate", summary: "Update fields of a StoreOnce appliance (merge patch)", status: 202, errors: [400, 401, 403, 404, 409, 500] },
    StoreOncePatchSchema,
  ),
  remove: operationWithQuery({ operationId: "StoreOnceDelete", summary: "Unregister a StoreOnce appliance", status: 202, errors: [400, 401, 403, 404, 409, 429, 500, 503] }, ForceQuery),
  actions: {
    refresh: operation({ operationId: "StoreOnceReferesh", summary: "Re-read current information from a StoreOnce", status: 202, errors: [400, 401, 403, 404, 409, 424, 500, 503] }),
  },
} satisfies CollectionDefinition;

export function storeOnceHandlers(storeonces: StoreOnceUseCases): CollectionHandlers {
  const def = storeOnces;
  return {
    create: handleCollection(def.create, ({ actor, body }) => storeonces.register(actor, body)),
    update: handleItem(def.update, ({ actor, id, body }) => storeonces.update(actor, id, body)),
    remove: handleItem(def.remove, ({ actor, id }) => storeonces.unregister(actor, id)),
    actions: { refresh: handleItem(def.actions.refresh, ({ actor, id }) => storeonces.refresh(actor, id)) },
  };
}
