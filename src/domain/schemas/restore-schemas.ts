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

export const FileRestoreMethod = StringEnum(["OVERWRITE", "KEEPASBACKUP", "SKIP"]);

// compat: the contract's body is oneOf VirtualMachineFileRestoreFromSnapshot / FromBackup; obr
// takes one object with exactly one of snapshotId and backupId (400 otherwise) and both
// spellings of the structure flag (FromBackup's `retainOrignalDirectoryStructure` is the
// contract's own typo). `credentialsInfo` is accepted and never stored: obr writes the guest's
// file system from outside, as the hypervisor, so it needs no guest account.
export const VmFilesRestoreSchema = Type.Object(
  {
    snapshotId: O(S()),
    backupId: O(S()),
    fileRestoreMethod: FileRestoreMethod,
    filePathInfo: Type.Array(
      Type.Object({ absoluteSourcePath: Type.String({ minLength: 1, maxLength: 4096 }), absoluteTargetPath: O(Type.String({ minLength: 1, maxLength: 4096 })) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 1000 },
    ),
    retainOriginalDirectoryStructure: O(Type.Boolean()),
    retainOrignalDirectoryStructure: O(Type.Boolean()),
    targetInfo: Type.Object(
      {
        virtualMachineId: O(S()),
        credentialsInfo: O(Type.Object({ username: O(Type.String()), password: O(Type.String()) })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
