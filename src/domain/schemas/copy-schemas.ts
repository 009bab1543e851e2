// VM copies of backup-recovery/v1beta1: VirtualMachineSnapshot and VirtualMachineBackup (as obr
// fills them) and their merge-patch bodies (VirtualMachineSnapshotUpdate, VirtualMachineBackupUpdate).
import { Type } from "typebox";
import { CommonResourceFields, Timestamp } from "./common-schemas.ts";
import { STATUSES, StringEnum } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();

export const COPY_STATES = ["OK", "ERROR", "CREATING", "DELETING", "UPDATING", "REFRESHING", "DELETE_PENDING", "IN_USE", "PENDING_DELETE_APPROVAL", "INDEXING"] as const;
export const CONSISTENCIES = ["CRASH", "APPLICATION", "CRASH_CONSISTENT_ON_FAILURE"] as const;

const CopyDiskDoc = Type.Object({
  id: O(S()),
  name: O(S()),
  capacityInBytes: O(Type.Integer()),
  consistency: O(StringEnum([...CONSISTENCIES])),
  vmId: O(S()),
  datastoreId: O(S()),
});

const VmConfigInfo = Type.Object({
  computeInfo: O(Type.Object({ memorySizeInMib: O(S()), numCpuCores: O(Type.Integer()), numCpuThreads: O(Type.Integer()) })),
  networkAdapters: O(Type.Array(Type.Object({ name: O(S()), networkDetails: O(Type.Object({ id: O(S()), name: O(S()), resourceUri: O(S()), type: O(S()) })) }))),
});

/** Fields both kinds of copy have. */
const CopyFields = {
  ...CommonResourceFields,
  consoleUri: O(S()),
  // compat: not in the contract; the protected asset (copies of every asset kind share one table, keyed by it).
  assetInfo: Type.Object({ id: S(), name: O(S()), type: S(), resourceUri: O(S()) }, { description: "compat: the protected asset" }),
  appType: O(StringEnum(["VMWARE"])),
  consistency: O(StringEnum([...CONSISTENCIES])),
  createdByInfo: O(Type.Object({ id: O(S()), name: O(Type.String({ maxLength: 255 })) })),
  dataOrchestratorInfo: O(Type.Array(Type.Object({ id: O(S()), resourceUri: O(S()), type: O(S()) }))),
  description: O(S()),
  expiresAt: O(Timestamp),
  lockedUntil: O(Timestamp),
  pointInTime: Timestamp,
  scheduleInfo: O(Type.Object({ scheduleId: O(Type.Integer()), name: O(S()), recurrence: O(S()) })),
  state: StringEnum([...COPY_STATES]),
  stateReason: O(Type.String({ maxLength: 255 })),
  status: StringEnum([...STATUSES]),
  virtualDisks: Type.Array(CopyDiskDoc),
  vmConfigInfo: O(VmConfigInfo),
  // compat: not in the contract; the VM's provisioned bytes at the point in time (sum of its disks).
  sizeInBytes: Type.Integer({ description: "compat: provisioned bytes of the copied disks" }),
};

export const VirtualMachineSnapshotSchema = Type.Object(
  {
    ...CopyFields,
    snapshotType: StringEnum(["SNAPSHOT"]),
  },
  { description: "A snapshot of a virtual machine's disks, kept on the hypervisor" },
);

export const VirtualMachineBackupSchema = Type.Object(
  {
    ...CopyFields,
    backupType: StringEnum(["BACKUP", "CLOUD_BACKUP"]),
    backupGranularity: O(StringEnum(["VOLUME", "VMWARE_CBT"])),
    fullBackup: Type.Boolean(),
    // compat: not in the contract (its `generation` counts the document's changes); 1 for a full
    // backup, one more for each incremental on top of it.
    backupGeneration: Type.Integer({ description: "compat: 1 for a full backup, the parent's + 1 for an incremental" }),
    protectionStoreInfo: Type.Object({ id: S(), name: O(S()), protectionStoreType: O(StringEnum(["ON_PREMISES", "CLOUD"])), resourceUri: O(S()), type: O(S()) }),
    storageSystemInfo: O(Type.Object({ id: O(S()), name: O(S()), displayName: O(S()), resourceUri: O(S()), type: O(S()) })),
    sourceCopyInfo: O(Type.Object({ id: S(), name: O(S()), resourceUri: O(S()), type: S() })),
    verified: Type.Boolean(),
    verificationInfo: O(
      Type.Object({
        state: O(StringEnum(["VERIFIED", "NOT_VERIFIED", "VERIFYING", "VERIFY_ERROR"])),
        stateReason: O(Type.String({ maxLength: 255 })),
        status: O(StringEnum([...STATUSES])),
        verifiedAt: O(Timestamp),
      }),
    ),
    // compat: not in the contract; framed bytes of the distinct chunks the backup references, and of those it added to its store.
    storedSizeInBytes: Type.Integer({ description: "compat: bytes the backup's chunks take in its store" }),
    newStoredSizeInBytes: Type.Integer({ description: "compat: bytes this backup added to its store" }),
  },
  { description: "A backup of a virtual machine's disks in a protection store (on premises or cloud)" },
);

/** PATCH .../snapshots/{snapshot-id} and .../backups/{backup-id} (merge patch). */
export const CopyUpdateSchema = Type.Object(
  {
    name: O(Type.String({ minLength: 1, maxLength: 255 })),
    description: O(Type.String({ maxLength: 1024 })),
    expiresAt: O(Timestamp),
    lockedUntil: O(Timestamp),
  },
  { additionalProperties: false },
);
