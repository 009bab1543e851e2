// POST /virtualization/v1beta1/datastores: checks the target cluster and name synchronously, then
// an async operation creates the datastore in the hypervisor and stores what discovery reports.
import type { Static } from "typebox";
import type { StoredDocument } from "../ports/documents.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { CreateDatastoreSchema } from "../../domain/schemas/datastore-schemas.ts";
import type { ResourceRef } from "../async-operations.ts";
import { loadManager, managerConnector, syncFromConnector } from "./hypervisor-manager-discovery.ts";
import { type DatastoreSpec, type InventoryContext, startOperation } from "./inventory-context.ts";

export const JOB_DATASTORE_CREATE = "datastore.create";

export type CreateDatastoreCommand = Static<typeof CreateDatastoreSchema>;

export interface DatastoreUseCases {
  create(actor: Actor, command: CreateDatastoreCommand): Promise<OperationOutcome>;
}

type ManagedDoc = StoredDocument & { name: string; hypervisorManagerInfo: { id: string }; state?: string };

export function datastoreUseCases(deps: InventoryContext): DatastoreUseCases {
  return {
    async create(actor, body) {
      const customerId = actor.workspaceId;
      const cluster = await deps.store.get<ManagedDoc>("hypervisor-cluster", customerId, body.targetHypervisorClusterId);
      if (!cluster || cluster.state === "ERROR") throw AppError.badRequest(`targetHypervisorClusterId: no hypervisor cluster '${body.targetHypervisorClusterId}'`);
      const managerId = cluster.hypervisorManagerInfo.id;
      const existing = await deps.store.listForManager<ManagedDoc>("datastore", customerId, managerId);
      if (existing.some((d) => d.name === body.name && d.state !== "DELETED")) throw AppError.badRequest(`a datastore named '${body.name}' already exists`);
      // compat: obr has no storage systems or provisioning policies; the lab carves the datastore
      // out of its own directory, so storageSystemId is accepted and not used.
      const type = body.datastoreType === "VVOL" ? "VVOL" : "VMFS";
      const spec: DatastoreSpec = { name: body.name, type, capacityBytes: body.sizeInBytes, clusterId: cluster.id };
      const resource: ResourceRef = { name: cluster.name, resourceUri: resourceUriOf("hypervisor-cluster", cluster.id, managerId), type: typeOf("hypervisor-cluster") };
      return startOperation(deps, actor, { name: `Create datastore ${body.name}`, jobType: JOB_DATASTORE_CREATE, payload: { managerId, spec }, resource });
    },
  };
}

/** A resumed run gets the datastore its first run made (the connector keys it by the operation id). */
export async function createDatastore(deps: InventoryContext, customerId: string, managerId: string, spec: DatastoreSpec, operationId: string): Promise<ResourceRef[]> {
  const manager = await loadManager(deps, customerId, managerId);
  const datastore = await managerConnector(deps, manager).createDatastore(spec, operationId);
  await syncFromConnector(deps, manager, { kinds: ["datastore", "hypervisor-cluster", "hypervisor-host"] });
  return [{ name: datastore.name, resourceUri: resourceUriOf("datastore", datastore.id, managerId), type: typeOf("datastore") }];
}
