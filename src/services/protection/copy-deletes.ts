// The delete job of a copy: remove its data (the hypervisor snapshot, or the backup's images in
// its store), then, in one fenced transaction, the row, the live links of copies made from it and
// the VM's recoveryPointsExist, and queue a gc of the store. Every step is idempotent, so a run
// resumed after a crash finishes the delete; the lock is checked again before anything goes.
import { AppError } from "../../domain/app-error.ts";
import { ensureUnlocked } from "../../domain/copy-retention.ts";
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import { type CopiesContext, markRecoveryPoints, repositoryOf } from "./copies.ts";
import type { CopyData } from "./copy-data.ts";
import type { BackupDoc, CopyDoc } from "./copy-documents.ts";
import { copyResource, describeCopy } from "./copy-use-cases.ts";
import type { CopyKind } from "./copy-records.ts";

export const JOB_STORE_GC = "protection-store.gc";

export interface DeleteCopyContext extends CopiesContext {
  data: CopyData;
}

export interface DeleteCopyRun {
  customerId: string;
  userId: string;
  kind: CopyKind;
  copyId: string;
  /** Commits only while the job holds its lease (JobContext.fenced). */
  fenced<R>(work: (uow: UnitOfWork) => Promise<R>): Promise<R>;
  log(message: string): Promise<void>;
}

export async function deleteCopy(ctx: DeleteCopyContext, run: DeleteCopyRun): Promise<ResourceRef[]> {
  const { customerId, kind, copyId } = run;
  const repository = repositoryOf(ctx, kind);
  const doc = await repository.get<CopyDoc>(customerId, copyId);
  if (!doc) return []; // deleted by an earlier run of this job
  const what = describeCopy(kind, doc);
  ensureUnlocked(doc, ctx.clock.now(), what);
  const hidden = await ctx.index.privateOf(kind, customerId, copyId);
  const refs = [...new Set((hidden?.parts.disks ?? []).map((d) => d.ref))];
  const storeId = kind === "backup" ? (doc as BackupDoc).protectionStoreInfo.id : undefined;
  for (const ref of refs) {
    if (storeId === undefined) await ctx.data.deleteSnapshot(customerId, doc.assetInfo.id, ref);
    else await ctx.data.deleteImage(customerId, storeId, ref);
  }
  await ctx.data.dropFileImages(copyId);
  await run.log(`removed ${refs.length} ${storeId === undefined ? "hypervisor snapshot(s)" : "disk image(s)"} of ${what}`);
  await run.fenced(async (uow) => {
    if (kind === "backup") await ctx.index.unlinkSource(customerId, copyId, uow);
    await repository.delete<CopyDoc>(customerId, copyId, undefined, (current) => ensureUnlocked(current, ctx.clock.now(), what), uow).catch((err: unknown) => {
      if (!(err instanceof AppError && err.errorCode === "NOT_FOUND")) throw err;
    });
    await markRecoveryPoints(ctx, customerId, doc.assetInfo.id, uow);
    if (storeId !== undefined) await queueStoreGc(ctx, customerId, run.userId, storeId, copyId, uow);
  });
  return [copyResource(doc)];
}

/**
 * Queues a gc of the store for this delete (its job key: once per deleted copy, however often the
 * delete job runs). A gc already running may have read the store before the delete, so each
 * delete gets its own; the concurrency key runs one gc of a store at a time.
 */
export async function queueStoreGc(ctx: CopiesContext, customerId: string, userId: string, storeId: string, copyId: string, uow: UnitOfWork): Promise<void> {
  await ctx.operations.create(
    {
      customerId,
      userId,
      name: `Reclaim space in protection store ${storeId}`,
      sourceResourceUri: `/backup-recovery/v1beta1/protection-stores/${storeId}`,
      jobType: JOB_STORE_GC,
      payload: { storeId },
      jobKey: `store-gc:${storeId}:${copyId}`,
      concurrencyKey: `store-gc:${storeId}`,
    },
    uow,
  );
  ctx.wake();
}

/** A failed or abandoned delete leaves the copy ERROR with the reason; DELETE again retries. */
export async function settleFailedDelete(ctx: CopiesContext, customerId: string, kind: CopyKind, copyId: string, reason: string, uow: UnitOfWork): Promise<void> {
  const repository = repositoryOf(ctx, kind);
  const doc = await repository.get<CopyDoc>(customerId, copyId, uow);
  if (doc?.state !== "DELETING") return;
  await repository.update<CopyDoc>(
    customerId,
    copyId,
    undefined,
    (d) => {
      d.state = "ERROR";
      d.status = "ERROR";
      d.stateReason = `delete failed: ${reason}`.slice(0, 255);
      return d;
    },
    uow,
  );
}
