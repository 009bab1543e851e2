// The seam between the protection run (which makes copies) and the copies collections (which
// list, change, expire and delete them). The run reports a copy once every part of it is
// durable; only then does it become a row that clients can list (a copy is never listed half
// made). Implemented by the copies service (src/services/protection/copies.ts).
import type { UnitOfWork } from "../ports/documents.ts";

export type CopyKind = "snapshot" | "backup";

/** One disk of a copy, as the run made it. */
export interface CopyDisk {
  diskId: string;
  /** Device key and label ("2000", "Hard disk 1") at the point in time. */
  key: number;
  label: string;
  capacityBytes: number;
  /** Snapshot: the hypervisor's snapshot id. Backup: the chunk store's image id. */
  ref: string;
  /** Changed-block-tracking position at the point in time, for the next incremental. */
  changeId: string | null;
  /** Backups: framed bytes of the distinct chunks the disk's image references, and of those it added. */
  storedBytes?: number;
  newStoredBytes?: number;
}

/** The VM's configuration at the point in time (vmConfigInfo in the contract). */
export interface CopyVmConfig {
  name: string;
  numCpus: number;
  coresPerSocket: number;
  memoryMib: number;
  guestOsName: string;
  powerState: string;
  hostId: string;
  datastoreId: string;
  networkIds: string[];
}

/** Who and what made the copy. */
export interface CopyOrigin {
  customerId: string;
  /** The protected VM (Virtualization API id). */
  assetId: string;
  /** The async operation (the run's tier) that made it; adding twice for one operation and disk set is a no-op. */
  operationId: string;
  /** The API client whose request or schedule made it. */
  createdBy: { id: string; name: string };
  protectionJobId: string | null;
  policy: { id: string; name: string } | null;
  scheduleId: number | null;
  dataOrchestratorId: string | null;
}

interface NewCopy {
  origin: CopyOrigin;
  name: string;
  pointInTime: string;
  consistency: "CRASH" | "APPLICATION";
  /** From the schedule's expireAfter / lockFor, measured from the point in time; null: never. */
  expiresAt: string | null;
  lockedUntil: string | null;
  vmConfig: CopyVmConfig;
  disks: CopyDisk[];
}

export type NewSnapshot = NewCopy;

export interface NewBackup extends NewCopy {
  backupType: "BACKUP" | "CLOUD_BACKUP";
  protectionStoreId: string;
  /** The copy this one was made from (the run's snapshot, or the on-premises backup for a cloud copy). */
  sourceCopy: { kind: CopyKind; id: string } | null;
  /** Every disk stored whole (no parent image). */
  full: boolean;
  backupGranularity: "VOLUME" | "VMWARE_CBT";
  /** 1 for a full backup; the parent's generation + 1 for an incremental. */
  generation: number;
}

/** A listed copy with the parts the run and restores need. */
export interface CopyRecord {
  kind: CopyKind;
  id: string;
  customerId: string;
  assetId: string;
  name: string;
  pointInTime: string;
  protectionJobId: string | null;
  scheduleId: number | null;
  /** Backups only. */
  backupType?: "BACKUP" | "CLOUD_BACKUP";
  protectionStoreId?: string;
  generation: number;
  expiresAt: string | null;
  lockedUntil: string | null;
  vmConfig: CopyVmConfig;
  disks: CopyDisk[];
  /** Backups only: the last verification found the backup intact. */
  verified?: boolean;
}

export interface VerificationResult {
  ok: boolean;
  verifiedAt: string;
  /** What was checked, in words (the backup's verificationInfo.stateReason when ok). */
  checked: string;
  /** What was found damaged; empty when ok. */
  problems: string[];
}

export interface CopyRecords {
  /** Lists the snapshot from now on (idempotent per origin.operationId). */
  addSnapshot(snapshot: NewSnapshot, uow?: UnitOfWork): Promise<CopyRecord>;
  addBackup(backup: NewBackup, uow?: UnitOfWork): Promise<CopyRecord>;
  get(customerId: string, kind: CopyKind, copyId: string, uow?: UnitOfWork): Promise<CopyRecord | undefined>;
  /**
   * The VM's newest listed copy of a kind matching every given criterion: a source tier's
   * newest copy (scheduleId), or the parent of an incremental (protectionStoreId).
   */
  newest(
    customerId: string,
    assetId: string,
    kind: CopyKind,
    where: { protectionJobId?: string; scheduleId?: number; protectionStoreId?: string; backupType?: "BACKUP" | "CLOUD_BACKUP" },
    uow?: UnitOfWork,
  ): Promise<CopyRecord | undefined>;
  /** Records a verification (after the backup was written, or on demand) on the backup. */
  recordVerification(customerId: string, backupId: string, result: VerificationResult, uow?: UnitOfWork): Promise<void>;
  /** Every image id (CopyDisk.ref) the backups in a store reference, for the reconciler of leftovers. */
  imagesInStore(customerId: string, protectionStoreId: string, uow?: UnitOfWork): Promise<Set<string>>;
}
