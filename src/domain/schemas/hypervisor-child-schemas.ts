// Objects listed under /virtualization/v1beta1/hypervisor-managers/{id}/...: folders, networks,
// resource pools, tags and library images.
import { Type } from "typebox";
import { InventoryRef, InventoryRefWithMoref, STATES_OK_ERROR, STATUSES, StringEnum, VmwarePlacement, inventoryObject } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();

export const HypervisorFolderSchema = inventoryObject(
  {
    appInfo: O(VmwarePlacement),
    folderType: O(StringEnum(["DATASTORE", "VM", "HOST"])),
    parentFolderInfo: O(InventoryRef),
    subFolders: O(Type.Array(InventoryRef)),
  },
  "A folder of a registered hypervisor manager",
);

export const HypervisorNetworkSchema = inventoryObject(
  {
    appInfo: O(VmwarePlacement),
    hostsInfo: O(Type.Array(InventoryRef)),
    state: O(StringEnum([...STATES_OK_ERROR])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
  },
  "A network (port group) of a registered hypervisor manager",
);

export const HypervisorResourcePoolSchema = inventoryObject(
  {
    appInfo: O(VmwarePlacement),
    childResourcePools: O(Type.Array(InventoryRef)),
    clusterInfo: O(InventoryRefWithMoref),
    ownerInfo: O(Type.Object({ id: O(S()), name: O(S()), type: O(S()) })),
    state: O(StringEnum([...STATES_OK_ERROR])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
  },
  "A resource pool of a registered hypervisor manager",
);

export const HypervisorTagSchema = inventoryObject(
  {
    associatedResources: O(Type.Array(Type.Object({ id: O(S()), resourceUri: O(S()), type: O(S()) }))),
    categoryName: O(S()),
    state: O(StringEnum(["OK", "DELETED"])),
    uid: O(S()),
  },
  "A tag of a registered hypervisor manager",
);

export const HypervisorLibraryImageSchema = inventoryObject(
  {
    fileType: O(StringEnum(["OVF"])),
    libraryName: O(S()),
    size: O(Type.Integer()),
    subscribed: O(Type.Boolean()),
    uid: O(S()),
  },
  "A content-library image of a registered hypervisor manager",
);
