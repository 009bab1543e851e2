// /virtualization/v1beta1/datastores: list, get and create (async).
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { CreateDatastoreSchema, DatastoreSchema } from "../../domain/schemas/datastore-schemas.ts";
import { inventoryCollection } from "./inventory-collection.ts";

export const datastores: CollectionDefinition = {
  ...inventoryCollection({
    name: "datastores",
    path: `${VIRTUALIZATION_BASE}/datastores`,
    idParam: "datastore-id",
    schema: DatastoreSchema,
    listOperationId: "DatastoresList",
    getOperationId: "Datastore",
    what: "datastore",
  }),
  create: { operationId: "CreateDS", summary: "Create a datastore on a cluster", body: CreateDatastoreSchema, status: 202 },
};
