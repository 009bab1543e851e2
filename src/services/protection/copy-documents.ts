// A reported copy -> its VirtualMachineSnapshot / VirtualMachineBackup document: the measured
// facts the run reported (point in time, disks, sizes, VM configuration, chain), who made it,
// and references to the VM, the store and the source copy as they are named now.
import type { Static } from "typebox";
import { nowIso, type Clock } from "../../domain/clock.ts";
import { DATA_ORCHESTRATORS_PATH, DATA_ORCHESTRATOR_TYPE, VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { VirtualMachineBackupSchema, VirtualMachineSnapshotSchema } from "../../domain/schemas/copy-schemas.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { CopyKind, CopyOrigin, CopyVmConfig, NewBackup, NewSnapshot } from "./copy-records.ts";

export const VM_COPIES_BASE = "/backup-recovery/v1beta1/virtual-machines";
export const COPY_TYPE: Record<CopyKind, string> = {
  snapshot: "backup-recovery/virtual-machine-snapshot",
  backup: "backup-recovery/virtual-machine-backup",
};
const COLLECTION: Record<CopyKind, string> = { snapshot: "snapshots", backup: "backups" };

export type SnapshotDoc = Static<typeof VirtualMachineSnapshotSchema> & StoredDocument;
export type BackupDoc = Static<typeof VirtualMachineBackupSchema> & StoredDocument;
export type CopyDoc = SnapshotDoc | BackupDoc;

export const copyUri = (kind: CopyKind, vmId: string, id: string): string => `${VM_COPIES_BASE}/${vmId}/${COLLECTION[kind]}/${id}`;

/** What the document names of the VM, the store and the source copy (read when the copy is added). */
export interface CopyNames {
  vmName: string | undefined;
  store?: { name: string; protectionStoreType: "ON_PREMISES" | "CLOUD"; storageSystemInfo?: { id: string; displayName: string; resourceUri: string; type: string } };
  sourceName?: string;
}

function vmConfigInfo(config: CopyVmConfig): SnapshotDoc["vmConfigInfo"] {
  return {
    computeInfo: { memorySizeInMib: String(config.memoryMib), numCpuCores: config.numCpus, numCpuThreads: config.numCpus },
    networkAdapters: config.networkIds.map((id, i) => ({ name: `Network adapter ${i + 1}`, networkDetails: { id, type: "virtualization/hypervisor-network" } })),
  };
}

function common(kind: CopyKind, id: string, copy: NewSnapshot, names: CopyNames, clock: Clock) {
  const { origin } = copy;
  const now = nowIso(clock);
  return {
    id,
    customerId: origin.customerId,
    name: copy.name,
    type: COPY_TYPE[kind],
    generation: 1,
    createdAt: now,
    updatedAt: now,
    resourceUri: copyUri(kind, origin.assetId, id),
    consoleUri: `/backup-and-recovery/virtual-machines/${origin.assetId}/${COLLECTION[kind]}/${id}`,
    assetInfo: {
      id: origin.assetId,
      ...(names.vmName !== undefined ? { name: names.vmName } : {}),
      type: "virtualization/virtual-machine",
      resourceUri: `${VIRTUALIZATION_BASE}/virtual-machines/${origin.assetId}`,
    },
    appType: "VMWARE" as const,
    consistency: copy.consistency,
    createdByInfo: { id: origin.createdBy.id, name: origin.createdBy.name.slice(0, 255) },
    dataOrchestratorInfo: dataOrchestratorInfo(origin),
    ...(copy.expiresAt !== null ? { expiresAt: normalTime(copy.expiresAt) } : {}),
    ...(copy.lockedUntil !== null ? { lockedUntil: normalTime(copy.lockedUntil) } : {}),
    pointInTime: normalTime(copy.pointInTime),
    ...(origin.scheduleId !== null ? { scheduleInfo: { scheduleId: origin.scheduleId } } : {}),
    state: "OK" as const,
    status: "OK" as const,
    virtualDisks: copy.disks.map((d) => ({
      id: d.diskId,
      name: d.label,
      capacityInBytes: d.capacityBytes,
      consistency: copy.consistency,
      vmId: origin.assetId,
      datastoreId: copy.vmConfig.datastoreId,
    })),
    vmConfigInfo: vmConfigInfo(copy.vmConfig),
    sizeInBytes: copy.disks.reduce((n, d) => n + d.capacityBytes, 0),
  };
}

const dataOrchestratorInfo = (origin: CopyOrigin) =>
  origin.dataOrchestratorId === null
    ? []
    : [{ id: origin.dataOrchestratorId, resourceUri: `${DATA_ORCHESTRATORS_PATH}/${origin.dataOrchestratorId}`, type: DATA_ORCHESTRATOR_TYPE }];

/** Times compare as text in the columns: one form (UTC, milliseconds) for every stored time. */
export const normalTime = (iso: string): string => new Date(iso).toISOString();

export function snapshotDocument(id: string, snapshot: NewSnapshot, names: CopyNames, clock: Clock): SnapshotDoc {
  return { ...common("snapshot", id, snapshot, names, clock), snapshotType: "SNAPSHOT" };
}

export function backupDocument(id: string, backup: NewBackup, names: CopyNames, clock: Clock): BackupDoc {
  const store = names.store;
  const source = backup.sourceCopy;
  return {
    ...common("backup", id, backup, names, clock),
    backupType: backup.backupType,
    backupGranularity: backup.backupGranularity,
    fullBackup: backup.full,
    backupGeneration: backup.generation,
    protectionStoreInfo: {
      id: backup.protectionStoreId,
      ...(store ? { name: store.name, protectionStoreType: store.protectionStoreType } : {}),
      resourceUri: `/backup-recovery/v1beta1/protection-stores/${backup.protectionStoreId}`,
      type: "backup-recovery/protection-store",
    },
    ...(store?.storageSystemInfo
      ? { storageSystemInfo: { id: store.storageSystemInfo.id, name: store.storageSystemInfo.displayName, displayName: store.storageSystemInfo.displayName, resourceUri: store.storageSystemInfo.resourceUri, type: store.storageSystemInfo.type } }
      : {}),
    ...(source
      ? {
          sourceCopyInfo: {
            id: source.id,
            ...(names.sourceName !== undefined ? { name: names.sourceName } : {}),
            resourceUri: copyUri(source.kind, backup.origin.assetId, source.id),
            type: COPY_TYPE[source.kind],
          },
        }
      : {}),
    verified: false,
    verificationInfo: { state: "NOT_VERIFIED" },
    storedSizeInBytes: backup.disks.reduce((n, d) => n + (d.storedBytes ?? 0), 0),
    newStoredSizeInBytes: backup.disks.reduce((n, d) => n + (d.newStoredBytes ?? 0), 0),
  };
}
