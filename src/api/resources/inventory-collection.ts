// Read side of an inventory collection of /virtualization/v1beta1: list (the contract's paging:
// limit 20 by default, at most 1000) and get, over a table with `name` and
// `hypervisor_manager_id` promoted. Writes and actions are added by the caller.
import type { TSchema } from "typebox";
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { CollectionDefinition, ErrorStatus, ParentOptions } from "../resource/collection-definition.ts";

export interface InventoryCollectionSpec {
  name: string;
  path: string;
  idParam: string;
  schema: TSchema;
  listOperationId: string;
  getOperationId: string;
  what: string;
  /** For sub-collections under /hypervisor-managers/{hypervisor-id}. */
  underManager?: true;
  /** compat: the contract names the manager `{uuid}` on some of those lists. */
  listManagerParam?: string;
  /** Table of the collection, migration 003. */
  table: string;
  /** Attribute mirrored into hypervisor_manager_id (default hypervisorManagerInfo/id, so filters on it use the column). */
  managerAttribute?: string;
  /** Extra statuses the contract documents (503 on hypervisor managers). */
  moreErrors?: readonly ErrorStatus[];
}

export const UNDER_MANAGER = `${VIRTUALIZATION_BASE}/hypervisor-managers/{hypervisor-id}`;
export const MANAGER_PARENT: ParentOptions = { param: "hypervisor-id", column: "hypervisor_manager_id", collection: "hypervisor-managers", what: "hypervisor manager" };

export function inventoryCollection(spec: InventoryCollectionSpec): CollectionDefinition {
  const more = spec.moreErrors ?? [];
  return {
    name: spec.name,
    path: spec.path,
    idParam: spec.idParam,
    tag: spec.name,
    schema: spec.schema,
    table: spec.table,
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
      errors: [400, 401, 403, ...(spec.underManager ? [404 as const] : []), 500, ...more],
      ...(spec.listManagerParam ? { documentParams: { [MANAGER_PARENT.param]: spec.listManagerParam } } : {}),
    },
    get: { operationId: spec.getOperationId, summary: `Get one ${spec.what}`, errors: [400, 401, 403, 404, 500, ...more] },
  };
}
