// HypervisorManager, HypervisorCluster and HypervisorHost of virtualization/v1beta1 (as obr fills
// them), and the v1alpha1 hypervisor-manager request bodies.
import { Type } from "typebox";
import { DatacenterInfo, InventoryRef, STATES_OK_ERROR, STATUSES, StringEnum, VmwarePlacement, inventoryObject } from "./inventory-schemas.ts";
import { NameString } from "./name-schema.ts";

const O = Type.Optional;
const S = () => Type.String();
const I = () => Type.Integer();

export const MANAGER_STATES = ["OK", "ERROR", "INITIALIZING", "CREATING", "DELETING", "UPDATING", "REFRESHING", "CONFIGURED"] as const;

export const HypervisorManagerSchema = inventoryObject(
  {
    appInfo: O(Type.Object({ vmware: O(Type.Object({ datacenters: O(Type.Array(DatacenterInfo)) })) })),
    buildVersion: O(S()),
    dataOrchestratorInfo: O(Type.Object({ id: O(S()), resourceUri: O(S()), type: O(S()) })),
    description: O(Type.String({ maxLength: 255 })),
    hypervisorManagerType: O(StringEnum(["VMWARE_VCENTER"])),
    lastRefreshed: O(Type.String({ format: "date-time" })),
    networkAddress: O(Type.String({ maxLength: 255 })),
    releaseVersion: O(S()),
    state: O(StringEnum([...MANAGER_STATES])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
    uid: O(S()),
    username: O(S()),
  },
  "A registered hypervisor manager (vCenter)",
);

export const HypervisorClusterSchema = inventoryObject(
  {
    appInfo: O(VmwarePlacement),
    clusterType: O(StringEnum(["ESX_CLUSTER"])),
    clusterPerfMetricInfo: O(
      Type.Object({ cpuCapacityInMhz: O(I()), memorySizeInBytes: O(I()), totalStorageInBytes: O(I()), usedStorageInBytes: O(I()) }),
    ),
    hypervisorHosts: O(Type.Array(InventoryRef)),
    networksInfo: O(Type.Array(S())),
    state: O(StringEnum([...STATES_OK_ERROR])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
  },
  "A cluster of a registered hypervisor manager",
);

export const HypervisorHostSchema = inventoryObject(
  {
    appInfo: O(VmwarePlacement),
    cpuInfo: O(
      Type.Object({ hyperthreadingActive: O(Type.Boolean()), logicalProcessors: O(I()), processorCores: O(I()), processorSockets: O(I()), processorSpeedHz: O(I()) }),
    ),
    cpuSockets: O(Type.Array(Type.Object({ cpuCoreSpeedHz: O(I()), vendor: O(S()) }))),
    hostNetworkSystem: O(Type.Object({ portGroups: O(Type.Array(Type.Object({ key: O(S()), name: O(S()), vlanId: O(I()) }))) })),
    hostPerfMetricInfo: O(Type.Object({ cpuCapacityInHz: O(I()), memorySizeInBytes: O(I()), totalStorageInBytes: O(I()), usedStorageInBytes: O(I()) })),
    hostType: O(StringEnum(["ESXI"])),
    networkAddress: O(Type.String({ maxLength: 255 })),
    networksInfo: O(Type.Array(S())),
    parentInfo: O(Type.Object({ ...InventoryRef.properties, type: O(StringEnum(["CLUSTER", "FOLDER"])) })),
    state: O(StringEnum([...STATES_OK_ERROR])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
    uid: O(S()),
    version: O(S()),
  },
  "An ESXi host of a registered hypervisor manager",
);

const Credentials = Type.Object(
  { username: O(Type.String({ maxLength: 255 })), password: O(Type.String({ maxLength: 1024 })) },
  { additionalProperties: false },
);

/** POST /backup-recovery/v1alpha1/hypervisor-managers. */
export const HypervisorManagerCreateSchema = Type.Object(
  {
    networkAddress: Type.String({ minLength: 1, maxLength: 255 }),
    hypervisorManagerType: StringEnum(["VMWARE_VCENTER"]),
    dataOrchestratorId: Type.String({ minLength: 1, maxLength: 64 }),
    credentials: Credentials,
    description: O(Type.String({ maxLength: 255 })),
    displayName: O(NameString({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

/** PATCH /backup-recovery/v1alpha1/hypervisor-managers/{id} (merge patch). */
export const HypervisorManagerUpdateSchema = Type.Object(
  {
    credentials: O(Credentials),
    description: O(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    displayName: O(NameString({ maxLength: 255 })),
    networkAddress: O(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UnregisterQuery = Type.Object({ force: O(Type.Boolean()) });
