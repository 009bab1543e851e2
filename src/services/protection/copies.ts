// CopyRecords: the run reports a copy once every part of it is durable, and only then is it a
// row that clients can list. The insert, its private parts and the VM's recoveryPointsExist
// change in one transaction; a second report of the same operation and disk set lists nothing new.
import { randomUUID } from "node:crypto";
import { AppError } from "../../domain/app-error.ts";
import type { Clock } from "../../domain/clock.ts";
import type { AsyncOperationService } from "../async-operations.ts";
import { protectionStatusOf } from "../../domain/protection-status.ts";
import type { CopiesOfStore } from "../infrastructure/copies-of-store.ts";
import type { DocumentRepository, UnitOfWork } from "../ports/documents.ts";
import { type BackupDoc, type CopyDoc, type CopyNames, backupDocument, snapshotDocument } from "./copy-documents.ts";
import type { CopyIndex, NewCopyPrivate } from "./copy-index.ts";
import type { CopyKind, CopyRecord, CopyRecords, NewBackup, NewSnapshot, VerificationResult } from "./copy-records.ts";

export interface CopiesContext {
  /** The collections' repositories: virtual-machine-snapshots, virtual-machine-backups. */
  snapshots: DocumentRepository;
  backups: DocumentRepository;
  /** The Virtualization VMs (recoveryPointsExist) and the protection stores (names in backups). */
  vms: DocumentRepository;
  stores: DocumentRepository;
  index: CopyIndex;
  operations: AsyncOperationService;
  clock: Clock;
  /** Tells the local worker that a job was queued. */
  wake(): void;
}

export const repositoryOf = (ctx: CopiesContext, kind: CopyKind): DocumentRepository => (kind === "snapshot" ? ctx.snapshots : ctx.backups);

/** One key per run operation and disk set: what makes a second report a no-op. */
const originKey = (copy: NewSnapshot) => `${copy.origin.operationId}/${copy.disks.map((d) => d.diskId).sort().join(",")}`;

const stringAt = (doc: Record<string, unknown> | undefined, key: string): string | undefined => {
  const v = doc?.[key];
  return typeof v === "string" ? v : undefined;
};

/**
 * Sets the VM's recoveryPointsExist to whether it has any listed copy, inside `uow` (the copy's
 * insert or delete). A VM gone from the inventory has nothing to update.
 */
export async function markRecoveryPoints(ctx: CopiesContext, customerId: string, vmId: string, uow: UnitOfWork): Promise<void> {
  const vm = await ctx.vms.get(customerId, vmId, uow, true);
  if (!vm) return;
  const exist = await ctx.index.anyOf(customerId, vmId, uow);
  if (vm.recoveryPointsExist === exist) return;
  await ctx.vms.update(customerId, vmId, undefined, (doc) => ({ ...doc, recoveryPointsExist: exist, protectionStatus: statusWithPoints(doc, exist) }), uow);
}

/**
 * The VM's protectionStatus once its first copy appears or its last goes, by the one rule
 * (domain/protection-status.ts): PAUSED and PROTECTED are what the job and its runs last said,
 * so they stand as facts; without a job it is LAPSED or UNPROTECTED (a run may end after its job
 * was deleted).
 */
function statusWithPoints(vm: Readonly<Record<string, unknown>>, exist: boolean): unknown {
  const status = vm.protectionStatus;
  return protectionStatusOf({ assigned: vm.protectionJobInfo !== undefined, paused: status === "PAUSED", recoveryPointsExist: exist, allSchedulesSucceeded: status === "PROTECTED" });
}

async function namesFor(ctx: CopiesContext, copy: NewSnapshot, uow: UnitOfWork, backup?: NewBackup): Promise<CopyNames> {
  const { customerId, assetId } = copy.origin;
  const vm = await ctx.vms.get(customerId, assetId, uow);
  const names: CopyNames = { vmName: stringAt(vm, "name") };
  if (!backup) return names;
  const store = await ctx.stores.get(customerId, backup.protectionStoreId, uow);
  if (!store) throw AppError.badRequest(`protection store '${backup.protectionStoreId}' does not exist`);
  const type = store.protectionStoreType === "CLOUD" ? "CLOUD" : "ON_PREMISES";
  const system = store.storageSystemInfo;
  names.store = {
    name: stringAt(store, "displayName") ?? stringAt(store, "name") ?? backup.protectionStoreId,
    protectionStoreType: type,
    ...(system !== null && typeof system === "object" && "id" in system && typeof system.id === "string"
      ? {
          storageSystemInfo: {
            id: system.id,
            displayName: "displayName" in system && typeof system.displayName === "string" ? system.displayName : system.id,
            resourceUri: "resourceUri" in system && typeof system.resourceUri === "string" ? system.resourceUri : "",
            type: "type" in system && typeof system.type === "string" ? system.type : "",
          },
        }
      : {}),
  };
  if (backup.sourceCopy) {
    const source = await repositoryOf(ctx, backup.sourceCopy.kind).get(customerId, backup.sourceCopy.id, uow);
    if (!source) throw AppError.badRequest(`source ${backup.sourceCopy.kind} '${backup.sourceCopy.id}' is not listed`);
    const name = stringAt(source, "name");
    if (name !== undefined) names.sourceName = name;
  }
  return names;
}

export function copyRecords(ctx: CopiesContext): CopyRecords & CopiesOfStore {
  const inTransaction = <R>(uow: UnitOfWork | undefined, work: (trx: UnitOfWork) => Promise<R>): Promise<R> => (uow ? work(uow) : ctx.snapshots.transaction(work));

  async function record(kind: CopyKind, customerId: string, id: string, uow?: UnitOfWork): Promise<CopyRecord | undefined> {
    const doc = await repositoryOf(ctx, kind).get<CopyDoc>(customerId, id, uow);
    if (!doc) return undefined;
    const hidden = await ctx.index.privateOf(kind, customerId, id, uow);
    if (!hidden) return undefined;
    const backup = kind === "backup" ? (doc as BackupDoc) : undefined;
    return {
      kind,
      id,
      customerId,
      assetId: doc.assetInfo.id,
      name: doc.name,
      pointInTime: doc.pointInTime,
      protectionJobId: hidden.protectionJobId,
      scheduleId: doc.scheduleInfo?.scheduleId ?? null,
      ...(backup ? { backupType: backup.backupType === "CLOUD_BACKUP" ? "CLOUD_BACKUP" : "BACKUP", protectionStoreId: backup.protectionStoreInfo.id } : {}),
      generation: hidden.parts.chainGeneration,
      expiresAt: doc.expiresAt ?? null,
      lockedUntil: doc.lockedUntil ?? null,
      vmConfig: hidden.parts.vmConfig,
      disks: hidden.parts.disks,
      ...(backup ? { verified: backup.verified === true } : {}),
    };
  }

  async function add(kind: CopyKind, copy: NewSnapshot, backup: NewBackup | undefined, uow?: UnitOfWork): Promise<CopyRecord> {
    const { customerId, assetId } = copy.origin;
    const key = originKey(copy);
    return inTransaction(uow, async (trx) => {
      const existing = await ctx.index.idByOrigin(kind, customerId, key, trx);
      if (existing === undefined) {
        const id = randomUUID();
        const names = await namesFor(ctx, copy, trx, backup);
        const doc = backup ? backupDocument(id, backup, names, ctx.clock) : snapshotDocument(id, copy, names, ctx.clock);
        const hidden: NewCopyPrivate = {
          originKey: key,
          protectionJobId: copy.origin.protectionJobId,
          parts: { disks: copy.disks, vmConfig: copy.vmConfig, chainGeneration: backup?.generation ?? 1 },
          sourceBackupId: backup?.sourceCopy?.kind === "backup" ? backup.sourceCopy.id : null,
        };
        await repositoryOf(ctx, kind).insert(doc, ctx.index.insertColumns(hidden), trx);
        await markRecoveryPoints(ctx, customerId, assetId, trx);
        const made = await record(kind, customerId, id, trx);
        if (!made) throw new Error(`${kind} ${id} vanished in its own transaction`);
        return made;
      }
      const found = await record(kind, customerId, existing, trx);
      if (!found) throw new Error(`${kind} ${existing} vanished in its own transaction`);
      return found;
    });
  }

  return {
    addSnapshot: (snapshot, uow) => add("snapshot", snapshot, undefined, uow),
    addBackup: (backup, uow) => add("backup", backup, backup, uow),
    get: (customerId, kind, copyId, uow) => record(kind, customerId, copyId, uow),

    async newest(customerId, assetId, kind, where, uow) {
      const id = await ctx.index.newest(kind, customerId, assetId, where, uow);
      return id === undefined ? undefined : record(kind, customerId, id, uow);
    },

    async recordVerification(customerId: string, backupId: string, result: VerificationResult, uow?: UnitOfWork) {
      const reason = (result.ok ? `verified: ${result.checked}` : `damaged: ${result.problems.join("; ")}`).slice(0, 255);
      await ctx.backups.update<BackupDoc>(
        customerId,
        backupId,
        undefined,
        (doc) => {
          doc.verified = result.ok;
          doc.verificationInfo = { state: result.ok ? "VERIFIED" : "VERIFY_ERROR", status: result.ok ? "OK" : "ERROR", stateReason: reason, verifiedAt: result.verifiedAt };
          // A damaged backup says so on the copy itself; a later good verification clears it.
          if (!result.ok) {
            doc.status = "ERROR";
            doc.stateReason = reason;
          } else if (doc.status === "ERROR" && doc.stateReason?.startsWith("damaged: ")) {
            doc.status = "OK";
            delete doc.stateReason;
          }
          return doc;
        },
        uow,
      );
    },

    async imagesInStore(customerId, protectionStoreId, uow) {
      const all = await ctx.index.partsInStore(customerId, protectionStoreId, uow);
      return new Set(all.flatMap((p) => p.disks.map((d) => d.ref)));
    },

    // CopiesOfStore: a store's delete counts its backups (and those locked now) in its own transaction.
    count: (workspaceId, storeId, uow) => ctx.index.countInStore(workspaceId, storeId, new Date(ctx.clock.now()).toISOString(), uow),

    async forget(workspaceId, storeId, uow) {
      const held = await ctx.index.idsInStore(workspaceId, storeId, uow);
      for (const copy of held) await ctx.index.unlinkSource(workspaceId, copy.id, uow);
      for (const copy of held) await ctx.backups.delete(workspaceId, copy.id, undefined, undefined, uow);
      for (const assetId of new Set(held.map((c) => c.assetId))) await markRecoveryPoints(ctx, workspaceId, assetId, uow);
    },
  };
}
