// Read side of an inventory collection of /virtualization/v1beta1: list (the contract's paging:
// limit 20 by default, at most 1000) and get, over a table with `name` and
// `hypervisor_manager_id` promoted. Writes and actions are added by the caller.
import type { TSchema } from "typebox";
import type { CollectionDefinition } from "../resource/collection-definition.ts";

export interface InventoryCollectionSpec {
  name: string;
  path: string;
  idParam: string;
  schema: TSchema;
  listOperationId: string;
  getOperationId: string;
  what: string;
  /** For sub-collections under /hypervisor-managers/{id}. */
  underManager?: true;
  /** Attribute mirrored into hypervisor_manager_id (default hypervisorManagerInfo/id). */
  managerAttribute?: string;
}

export const MANAGER_PARENT = { param: "hypervisorId", column: "hypervisor_manager_id" } as const;

export function inventoryCollection(spec: InventoryCollectionSpec): CollectionDefinition {
  return {
    name: spec.name,
    path: spec.path,
    idParam: spec.idParam,
    tag: spec.name,
    schema: spec.schema,
    ...(spec.underManager ? { parent: MANAGER_PARENT } : {}),
    promoted: {
      name: "name",
      hypervisor_manager_id: spec.managerAttribute ?? "hypervisorManagerInfo/id",
      created_at: "createdAt",
      updated_at: "updatedAt",
      generation: "generation",
    },
    list: {
      operationId: spec.listOperationId,
      summary: `List ${spec.what}s`,
      envelope: "standard",
      limitDefault: 20,
      limitMin: 1,
      limitMax: 1000,
      filterable: "all",
    },
    get: { operationId: spec.getOperationId, summary: `Get one ${spec.what}` },
  };
}
