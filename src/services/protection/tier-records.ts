// The control plane's half of a protection tier after the data moved: the data plane's result
// listed as the VM's snapshot or backup (with its verification), in the caller's unit of work,
// which commits only while the tier's job holds its lease (the embedded worker's fenced
// transaction, or a separate orchestrator's fenced completion). A copy is listed once, whole.
import type { AsyncOperation, ResourceRef, UnitOfWork } from "../async-operations.ts";
import type { CopyRecord } from "./copy-records.ts";
import { type ProtectionContext, storeWritten } from "./run-context.ts";
import { after, copyName, copyResource, originOf } from "./run-copies.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import type { TierResult } from "./tier-plan.ts";
import { tierOf } from "./tier-plans.ts";

export interface TierRecording {
  customerId: string;
  operation: AsyncOperation;
  payload: ProtectionTierPayload;
  /** The data orchestrator that moved the data (the copy's dataOrchestratorInfo). */
  dataOrchestratorId: string;
}

export async function recordTier(ctx: ProtectionContext, rec: TierRecording, result: TierResult, uow: UnitOfWork): Promise<CopyRecord> {
  const { customerId, operation, payload } = rec;
  const tier = tierOf(payload);
  const origin = await originOf(ctx, customerId, operation, payload, rec.dataOrchestratorId, uow);
  const pointInTime = new Date(result.pointInTime).toISOString();
  const copy = {
    origin,
    name: copyName(result.vmConfig.name, pointInTime, tier),
    pointInTime,
    consistency: result.consistency,
    expiresAt: after(result.pointInTime, tier.expireAfter),
    lockedUntil: after(result.pointInTime, tier.lockFor),
    vmConfig: result.vmConfig,
    disks: result.disks,
  };
  if (result.kind === "SNAPSHOT") return ctx.copies.addSnapshot(copy, uow);
  const storeId = tier.protectionStoreId;
  if (tier.protectionType === "SNAPSHOT" || storeId === null) throw new Error(`a ${tier.protectionType} tier made a backup`);
  const record = await ctx.copies.addBackup(
    {
      ...copy,
      backupType: tier.protectionType,
      protectionStoreId: storeId,
      sourceCopy: result.source,
      full: result.full,
      backupGranularity: tier.backupGranularity,
      generation: result.generation,
    },
    uow,
  );
  await ctx.copies.recordVerification(customerId, record.id, result.verification, uow);
  return record;
}

/** The store's sizes in its document once the data is in (best effort; outside the copy's transaction). */
export async function tierRecorded(ctx: ProtectionContext, customerId: string, payload: ProtectionTierPayload): Promise<void> {
  const storeId = payload.run.tiers[payload.tier]?.protectionStoreId;
  if (storeId) await storeWritten(ctx, customerId, storeId).catch(() => undefined);
}

export const tierResources = (record: CopyRecord): ResourceRef[] => [copyResource(record)];
