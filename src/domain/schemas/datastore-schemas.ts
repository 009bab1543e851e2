// Datastore of virtualization/v1beta1 (as obr fills it) and the CreateDS request body.
import { Type } from "typebox";
import { DatacenterInfo, InventoryRef, ProtectionFields, STATUSES, StringEnum, inventoryObject } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();

export const DATASTORE_STATES = ["OK", "ERROR", "CREATING", "DELETING", "UPDATING", "REFRESHING", "RESTORING", "MOUNTED", "DELETED"] as const;

export const DatastoreSchema = inventoryObject(
  {
    moref: O(S()),
    appType: O(StringEnum(["VMWARE"])),
    allowedOperations: O(Type.Array(S())),
    capacityInBytes: O(Type.Integer()),
    capacityFree: O(Type.Integer()),
    capacityUncommitted: O(Type.Integer()),
    clusterInfo: O(InventoryRef),
    datacentersInfo: O(Type.Array(DatacenterInfo)),
    datastoreType: O(StringEnum(["VMFS", "VVOL", "NFS", "VSAN"])),
    folderInfo: O(InventoryRef),
    hostsInfo: O(Type.Array(InventoryRef)),
    state: O(StringEnum([...DATASTORE_STATES])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
    uid: O(Type.String({ format: "uuid" })),
    vmCount: O(Type.Integer()),
    ...ProtectionFields,
  },
  "A datastore of a registered hypervisor manager",
);

/** POST /datastores (CreateDS). */
export const CreateDatastoreSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, pattern: "^[A-Za-z0-9][A-Za-z0-9-]*$", description: "compat: the lab keeps datastore names host-name-like" }),
    datastoreType: StringEnum(["VMFS", "VVOL"]),
    sizeInBytes: Type.Integer({ minimum: 1024 * 1024, maximum: 2 ** 53 - 1 }),
    targetHypervisorClusterId: Type.String({ format: "uuid" }),
    storageSystemId: Type.String({ format: "uuid" }),
    provisioningPolicyId: O(Type.String({ format: "uuid" })),
  },
  { additionalProperties: false },
);
