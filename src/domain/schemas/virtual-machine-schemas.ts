// VirtualMachine of virtualization/v1beta1 (as obr fills it) and the VM request bodies
// (HCIDeployVM, EditVM, MigrateVM).
import { Type } from "typebox";
import { DatacenterInfo, InventoryRef, InventoryRefWithMoref, ProtectionFields, STATUSES, StringEnum, inventoryObject } from "./inventory-schemas.ts";
import { NameString } from "./name-schema.ts";

const O = Type.Optional;
const S = () => Type.String();

export const VM_STATES = ["OK", "UNAVAILABLE", "ERROR", "CREATING", "DELETING", "UPDATING", "REFRESHING", "RESTORING", "RESTORE_FAILED", "DELETED"] as const;
export const POWER_STATES = ["POWERED_ON", "POWERED_OFF", "SUSPENDED", "UNKNOWN"] as const;

const VirtualDisk = Type.Object({
  id: O(Type.String({ format: "uuid" })),
  uid: O(Type.String({ format: "uuid" })),
  name: O(S()),
  capacityInBytes: O(Type.Integer()),
  filePath: O(S()),
  appInfo: O(Type.Object({ vmware: O(Type.Object({ datastoreInfo: O(InventoryRef) })) })),
});

const NetworkAdapter = Type.Object({
  name: O(S()),
  macAddress: O(S()),
  macAddressType: O(StringEnum(["MANUAL", "AUTOMATIC"])),
  networkDetails: O(Type.Object({ ...InventoryRef.properties, connectAtPowerOn: O(Type.Boolean()), state: O(StringEnum(["AVAILABLE", "DELETED"])) })),
});

export const VirtualMachineSchema = inventoryObject(
  {
    appType: O(StringEnum(["VMWARE"])),
    appInfo: O(
      Type.Object({
        vmware: O(
          Type.Object({
            moref: O(S()),
            type: O(StringEnum(["VMFS", "VVOL", "NFS", "VSAN"])),
            datacenterInfo: O(DatacenterInfo),
            datastoresInfo: O(Type.Array(InventoryRef)),
            resourcePoolInfo: O(InventoryRefWithMoref),
            toolsInfo: O(Type.Object({ status: O(StringEnum(["NOT_INSTALLED", "NOT_RUNNING", "OK", "OLD"])), version: O(S()) })),
          }),
        ),
      }),
    ),
    allowedOperations: O(Type.Array(S())),
    capacityInBytes: O(Type.Integer()),
    clusterInfo: O(InventoryRef),
    hostInfo: O(InventoryRef),
    folderInfo: O(InventoryRef),
    computeInfo: O(Type.Object({ memorySizeInMib: O(S()), numCpuCores: O(Type.Integer()), numCpuThreads: O(Type.Integer()) })),
    guestInfo: O(Type.Object({ name: O(S()), releaseVersion: O(S()), buildVersion: O(S()), type: O(StringEnum(["WINDOWS", "LINUX", "OTHERS"])) })),
    networkAdapters: O(Type.Array(NetworkAdapter)),
    networkAddress: O(S()),
    powerState: O(StringEnum([...POWER_STATES])),
    state: O(StringEnum([...VM_STATES])),
    stateReason: O(Type.String({ maxLength: 255 })),
    status: O(StringEnum([...STATUSES])),
    uid: O(Type.String({ format: "uuid" })),
    vclsVm: O(Type.Boolean()),
    vmClassification: O(S()),
    vmConfigPath: O(S()),
    virtualDisks: O(Type.Array(VirtualDisk)),
    ...ProtectionFields,
  },
  "A virtual machine of a registered hypervisor manager",
);

/** POST /virtual-machines (HCIDeployVM). */
export const DeployVmSchema = Type.Object(
  {
    vmConfig: Type.Object({
      name: NameString({ maxLength: 80 }),
      acceptEula: Type.Boolean(),
      annotation: O(S()),
      locale: O(S()),
      numberOfVms: O(Type.Integer({ minimum: 1, maximum: 1, description: "compat: the lab deploys one VM per request" })),
      powerOn: O(Type.Boolean()),
      propertyConfig: O(Type.Array(Type.Object({ key: O(S()), value: O(S()) }))),
    }),
    storageConfig: Type.Object({ defaultDatastoreId: Type.String({ minLength: 1 }), provisioningType: O(StringEnum(["THIN", "THICK"])) }),
    destination: O(Type.Object({ clusterId: O(S()), folderId: O(S()), hostId: O(S()), resourcePoolId: O(S()) })),
    imageSource: O(Type.Object({ imageId: O(S()), imageName: O(S()), imageSourceType: O(StringEnum(["HYPERVISOR_IMAGE_LIBRARY"])) })),
    networkConfig: O(
      Type.Object({
        ipAllocationPolicy: O(StringEnum(["DHCP_POLICY", "FIXED_POLICY"])),
        networkMapping: O(Type.Array(Type.Object({ name: O(S()), network: O(S()) }))),
      }),
    ),
    vmPolicy: O(Type.Array(Type.Object({ id: O(S()), type: O(StringEnum(["VM_PROTECTION_POLICY", "VM_PROVISIONING_POLICY"])) }))),
  },
  { additionalProperties: false },
);

/** POST /virtual-machines/{id}/update-hardware (EditVM). */
export const EditVmSchema = Type.Object(
  {
    cpuMemConfig: O(
      Type.Object({
        cpu: O(Type.Object({ numOfCpus: O(Type.Integer({ minimum: 1, maximum: 768 })), numOfCoresPerSocket: O(Type.Integer({ minimum: 1, maximum: 768 })) })),
        memory: O(Type.Object({ memoryInMb: O(Type.Integer({ minimum: 4, maximum: 24 * 1024 * 1024 })) })),
      }),
    ),
    networkAdapters: O(Type.Array(Type.Object({}, { additionalProperties: true }))),
    virtualDisks: O(Type.Array(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false },
);

/** POST /virtual-machines/migrate (MigrateVM); the VMs come in the `vms` query parameter. */
export const MigrateVmSchema = Type.Object(
  { hypervisorManagerId: Type.String({ minLength: 1 }), targetDatastoreId: Type.String({ minLength: 1 }), targetHypervisorClusterId: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export const MigrateVmQuery = Type.Object({
  "parameter-type": O(Type.String({ pattern: "^(vms|sourceDataStoreIDs)$" })),
  vms: O(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
});
