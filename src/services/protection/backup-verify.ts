// On-demand verification of one backup (the contract has none: POST /obr/v1/backups/{id}/verify).
// Every chunk of every disk image is re-read and re-hashed; the result is recorded on the backup
// (`verified`, verificationInfo), and a damaged backup also ends the operation FAILED naming it.
import { Type } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { ResourceRef } from "../async-operations.ts";
import { startOperation } from "../inventory/inventory-context.ts";
import type { ProtectionContext } from "./run-context.ts";
import { openStore, storeDoc } from "./run-context.ts";
import { copyResource } from "./run-copies.ts";
import type { TierWork } from "./run-tier-work.ts";
import { verifyImages } from "./run-verify.ts";

export const JOB_VERIFY_BACKUP = "protection.verify-backup";
export const VerifyBackupPayload = Type.Object({ backupId: Type.String({ minLength: 1 }) });

export interface BackupVerifyUseCases {
  verify(actor: Actor, backupId: string): Promise<OperationOutcome>;
}

export function backupVerifyUseCases(ctx: ProtectionContext): BackupVerifyUseCases {
  return {
    async verify(actor, backupId) {
      const backup = await ctx.copies.get(actor.workspaceId, "backup", backupId);
      if (!backup) throw AppError.notFound(`backup '${backupId}' not found`);
      return startOperation(ctx.inventory, actor, { name: `Verify backup ${backup.name}`, jobType: JOB_VERIFY_BACKUP, payload: { backupId }, resource: copyResource(backup) });
    },
  };
}

/** The job's work: verify, record, and fail naming the backup when it is damaged. */
export async function verifyBackup(ctx: ProtectionContext, work: Pick<TierWork, "customerId" | "signal" | "progress" | "log" | "fenced">, backupId: string): Promise<ResourceRef[]> {
  const backup = await ctx.copies.get(work.customerId, "backup", backupId);
  if (!backup?.protectionStoreId) throw AppError.conflict(`backup '${backupId}' no longer exists`);
  const store = await openStore(ctx, await storeDoc(ctx, work.customerId, backup.protectionStoreId));
  const images = backup.disks.map((d) => ({ imageId: d.ref, sizeBytes: d.capacityBytes }));
  const result = await verifyImages(store, images, work, { from: 0, to: 99, clock: ctx.clock });
  await work.fenced((uow) => ctx.copies.recordVerification(work.customerId, backupId, result, uow));
  if (!result.ok) throw AppError.conflict(`backup '${backup.name}' (${backup.id}) is damaged: ${result.problems.slice(0, 3).join("; ")}`);
  return [copyResource(backup)];
}
