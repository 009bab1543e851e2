// Protection stores (ProtectionStoreDetail in the contract) and their request bodies.
import { Type } from "typebox";
import { CommonResourceFields } from "./common-schemas.ts";
import { StringEnum } from "./inventory-schemas.ts";

const O = Type.Optional;

export const PROTECTION_STORE_TYPES = ["ON_PREMISES", "CLOUD"] as const;
export const STORAGE_SYSTEM_TYPES = ["PROTECTION_STORE_GATEWAY", "STOREONCE"] as const;
export const PROTECTION_STORE_STATES = ["OFFLINE", "ONLINE", "READ_ONLY", "NOT_READY", "STORE_FAILURE"] as const;

const Reference = Type.Object({ id: Type.String(), displayName: O(Type.String()), resourceUri: O(Type.String()) });
const SystemId = Type.String({ format: "uuid", minLength: 36, maxLength: 36 });

export const ProtectionStoreSchema = Type.Object(
  {
    ...CommonResourceFields,
    consoleUri: Type.String(),
    displayName: Type.String(),
    protectionStoreType: StringEnum(PROTECTION_STORE_TYPES),
    connectedState: StringEnum(["CONNECTED", "DISCONNECTED"]),
    state: StringEnum(PROTECTION_STORE_STATES),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: StringEnum(["OK", "ERROR", "WARNING"]),
    storageSystemInfo: O(
      Type.Object({ id: Type.String(), displayName: Type.String(), resourceUri: Type.String(), type: StringEnum(STORAGE_SYSTEM_TYPES) }),
    ),
    dataOrchestratorInfo: Type.Array(Reference),
    region: O(Type.String({ description: "deprecated: the storage location's region" })),
    storageLocationInfo: O(Type.Object({ id: Type.String(), name: Type.String(), resourceUri: Type.String(), type: Type.String() })),
    maxCapacityInBytes: O(Type.Integer()),
    sizeOnDiskInBytes: Type.Integer(),
    userDataStoredInBytes: Type.Integer(),
    // compat: not in the contract; the chunk store's deduplication ratio (logical / unique bytes).
    deduplicationRatio: Type.Number(),
    encrypted: Type.Boolean({ description: "compat: not in the contract; cloud stores always are" }),
  },
  { description: "A protection store: a deduplicating chunk store on a storage system or in a cloud region" },
);

/** POST /protection-stores (ProtectionStoreCreate). */
export const ProtectionStoreCreateSchema = Type.Object(
  {
    displayName: O(Type.String({ minLength: 1, maxLength: 255 })),
    protectionStoreType: StringEnum(PROTECTION_STORE_TYPES),
    region: O(Type.String({ minLength: 1, maxLength: 64, description: "deprecated: use storageLocationId" })),
    storageLocationId: O(Type.String({ minLength: 1, maxLength: 64 })),
    storageSystemId: O(SystemId),
    storageSystemType: O(StringEnum(STORAGE_SYSTEM_TYPES)),
  },
  { additionalProperties: false },
);

/** PATCH /protection-stores/{id} (ProtectionStoreEdit). */
export const ProtectionStoreEditSchema = Type.Object({ displayName: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

/** POST /protection-stores/{id}/reattach (ProtectionStoreReattach). */
export const ProtectionStoreReattachSchema = Type.Object(
  { storageSystemId: SystemId, storageSystemType: O(StringEnum(STORAGE_SYSTEM_TYPES)) },
  { additionalProperties: false },
);

export const ProtectionStoreDeleteQuery = Type.Object({ force: O(Type.Boolean()) });
