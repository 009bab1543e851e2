// Request bodies of the VM restores of backup-recovery/v1beta1 (VirtualMachineRestoreFromCopy,
// VmDisksRestoreFromSnapshot, the two file restore bodies).
import { Type } from "typebox";
import { StringEnum } from "./inventory-schemas.ts";
import { NameString } from "./name-schema.ts";

const O = Type.Optional;
const S = () => Type.String({ minLength: 1 });
const RestoreType = StringEnum(["PARENT", "ALTERNATE"]);

// compat: the contract marks snapshotId and backupId both required while saying either one is
// mandatory; obr takes exactly one of them (400 otherwise).
export const VmRestoreSchema = Type.Object(
  {
    restoreType: RestoreType,
    snapshotId: O(S()),
    backupId: O(S()),
    targetVmInfo: O(
      Type.Object({
        appInfo: O(Type.Object({ vmware: O(Type.Object({ datastoreId: O(S()), resourcePoolId: O(S()) })) })),
        clusterId: O(S()),
        description: O(Type.String()),
        folderId: O(S()),
        hostId: O(S()),
        hypervisorManagerId: O(S()),
        name: O(NameString({ maxLength: 80 })),
        powerOn: O(Type.Boolean()),
        storageInfo: O(Type.Object({ storageSystemId: O(S()) })),
        vmHardwareCustomization: O(
          Type.Object({
            networkAdapters: O(Type.Array(Type.Object({ name: O(Type.String()), networkDetails: O(Type.Object({ connectAtPowerOn: O(Type.Boolean()), id: O(S()) })) }))),
          }),
        ),
      }),
    ),
  },
  { additionalProperties: false },
);

// compat: the contract requires a `diskIds` it does not define; obr selects disks by label pairs.
export const VmDisksRestoreSchema = Type.Object(
  {
    restoreType: RestoreType,
    snapshotId: O(S()),
    backupId: O(S()),
    restoreDiskDetails: Type.Array(
      Type.Object({
        recoveryPointDiskDetails: Type.Object({ diskLabel: S() }),
        vmDiskDetails: O(Type.Object({ diskLabel: S() })),
      }),
      { minItems: 1 },
    ),
    targetVmId: O(S()),
  },
  { additionalProperties: false },
);

/** Either file restore body (checked loosely: file restore answers 501 until it exists). */
export const VmFilesRestoreSchema = Type.Object({ snapshotId: O(Type.String()), backupId: O(Type.String()) });
