// /backup-recovery/v1beta1/virtual-machines/{id}/snapshots and /backups: list, get, patch (202)
// and delete (202), scoped to the Virtualization VM. Both collections share their table with
// every other asset kind's copies (the discriminator `asset_type`).
import { CopyUpdateSchema, VirtualMachineBackupSchema, VirtualMachineSnapshotSchema } from "../../domain/schemas/copy-schemas.ts";
import type { CopyUseCases } from "../../services/protection/copy-use-cases.ts";
import type { CollectionDefinition, ParentOptions } from "../resource/collection-definition.ts";
import { operation, operationWithBody } from "../resource/operation.ts";
import { type CollectionHandlers, handleItem } from "../resource/operation-handlers.ts";

const BASE = "/backup-recovery/v1beta1/virtual-machines/{id}";
const VM_PARENT: ParentOptions = { param: "id", column: "asset_id", collection: "virtual-machines", what: "virtual machine" };
const DISCRIMINATOR = { column: "asset_type", value: "virtual-machine" };

/** Columns both copy tables mirror (migration 012). */
const COMMON_PROMOTED = {
  asset_id: "assetInfo/id",
  name: "name",
  state: "state",
  status: "status",
  created_by_id: "createdByInfo/id",
  created_by_name: "createdByInfo/name",
  point_in_time: "pointInTime",
  expires_at: "expiresAt",
  locked_until: "lockedUntil",
  schedule_id: "scheduleInfo/scheduleId",
};

const LIST = { envelope: "standard", limitDefault: 20, limitMin: 1, limitMax: 1000, filterable: "all", errors: [400, 401, 403, 404, 500] } as const;

export const virtualMachineSnapshots = {
  name: "virtual-machine-snapshots",
  table: "snapshots",
  path: `${BASE}/snapshots`,
  idParam: "snapshot-id",
  tag: "virtual-machine-snapshots",
  schema: VirtualMachineSnapshotSchema,
  parent: VM_PARENT,
  discriminator: DISCRIMINATOR,
  promoted: { ...COMMON_PROMOTED, snapshot_type: "snapshotType", consistency: "consistency" },
  list: { ...LIST, operationId: "VirtualMachineSnapshotList", summary: "List snapshots of a VM" },
  get: { operationId: "VirtualMachineSnapshot", summary: "Get one VM snapshot by id", errors: [400, 401, 403, 404, 500] },
  update: operationWithBody(
    {
      operationId: "VirtualMachineSnapshotUpdate",
      summary: "Update description, expiry or lock time of a VM snapshot",
      status: 202,
      errors: [400, 401, 403, 404, 412, 500],
    },
    CopyUpdateSchema,
  ),
  remove: operation({ operationId: "DeleteVirtualMachineSnapshot", summary: "Delete a VM snapshot", status: 202, errors: [400, 401, 403, 404, 412, 500] }),
} satisfies CollectionDefinition;

export const virtualMachineBackups = {
  name: "virtual-machine-backups",
  table: "backups",
  path: `${BASE}/backups`,
  idParam: "backup-id",
  tag: "virtual-machine-backups",
  schema: VirtualMachineBackupSchema,
  parent: VM_PARENT,
  discriminator: DISCRIMINATOR,
  promoted: {
    ...COMMON_PROMOTED,
    backup_type: "backupType",
    source_copy_id: "sourceCopyInfo/id",
    storage_system_id: "storageSystemInfo/id",
    protection_store_id: "protectionStoreInfo/id",
    protection_store_name: "protectionStoreInfo/name",
  },
  references: { protection_store_id: { table: "protection_stores", relation: "protection store" } },
  list: { ...LIST, operationId: "VirtualMachineBackupList", summary: "List backups of a VM" },
  get: { operationId: "VirtualMachineBackup", summary: "Get one VM backup by id", errors: [400, 401, 403, 404, 500] },
  update: operationWithBody(
    { operationId: "VirtualMachineBackupUpdate", summary: "Update description, expiry or lock time of a VM backup", status: 202, errors: [400, 401, 403, 404, 412, 500] },
    CopyUpdateSchema,
  ),
  remove: operation({ operationId: "DeleteVirtualMachineBackup", summary: "Delete a VM backup", status: 202, errors: [400, 401, 403, 404, 412, 500] }),
} satisfies CollectionDefinition;

export function virtualMachineSnapshotHandlers(copies: CopyUseCases): CollectionHandlers {
  const def = virtualMachineSnapshots;
  return {
    update: handleItem(def.update, ({ actor, params, id, body, ifMatch }) => copies.update(actor, "snapshot", params.id ?? "", id, body, ifMatch)),
    remove: handleItem(def.remove, ({ actor, params, id, ifMatch }) => copies.remove(actor, "snapshot", params.id ?? "", id, ifMatch)),
  };
}

export function virtualMachineBackupHandlers(copies: CopyUseCases): CollectionHandlers {
  const def = virtualMachineBackups;
  return {
    update: handleItem(def.update, ({ actor, params, id, body, ifMatch }) => copies.update(actor, "backup", params.id ?? "", id, body, ifMatch)),
    remove: handleItem(def.remove, ({ actor, params, id, ifMatch }) => copies.remove(actor, "backup", params.id ?? "", id, ifMatch)),
  };
}
