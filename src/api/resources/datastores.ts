// /virtualization/v1beta1/datastores: list, get and create (async).
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import { CreateDatastoreSchema, DatastoreSchema } from "../../domain/schemas/datastore-schemas.ts";
import type { DatastoreUseCases } from "../../services/inventory/datastore-actions.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operationWithBody } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection } from "../resource/operation-handlers.ts";
import { inventoryCollection } from "./inventory-collection.ts";

export const datastores = {
  ...inventoryCollection({
    name: "datastores",
    table: "datastores",
    path: `${VIRTUALIZATION_BASE}/datastores`,
    idParam: "datastore-id",
    schema: DatastoreSchema,
    listOperationId: "DatastoresList",
    getOperationId: "Datastore",
    what: "datastore",
  }),
  create: operationWithBody({ operationId: "CreateDS", summary: "Create a datastore on a cluster", status: 202, errors: [400, 401, 403, 500] }, CreateDatastoreSchema),
} satisfies CollectionDefinition;

export function datastoreHandlers(useCases: DatastoreUseCases): CollectionHandlers {
  return { create: handleCollection(datastores.create, ({ actor, body }) => useCases.create(actor, body)) };
}
