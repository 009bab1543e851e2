// Locks kept by the storage: a backup's lockedUntil is set (by the run's tier, from the policy's
// lockFor) or extended (PATCH) only after the store holds it, so a copy is never reported locked
// before its objects are. On S3 with Object Lock that is COMPLIANCE retention on every object the
// image needs; elsewhere the store cannot enforce it, obr's own lockedUntil is the guard, and the
// operation's log says which of the two it is.
import { AppError } from "../../domain/app-error.ts";
import { patchRetention } from "../../domain/copy-retention.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { repositoryOf } from "./copies.ts";
import type { DeleteCopyContext } from "./copy-deletes.ts";
import type { BackupDoc } from "./copy-documents.ts";
import { describeCopy } from "./copy-use-cases.ts";

export interface LockRun {
  customerId: string;
  copyId: string;
  /** The lockedUntil the PATCH asked for (ISO-8601), checked when it was accepted. */
  until: string;
  fenced<R>(work: (uow: UnitOfWork) => Promise<R>): Promise<R>;
  log(line: string): Promise<void>;
}

/** The PATCH's lock of a backup: the store's objects first, then the row (never shortened). */
export async function extendBackupLock(ctx: DeleteCopyContext, run: LockRun): Promise<BackupDoc> {
  const repository = repositoryOf(ctx, "backup");
  const doc = await repository.get<BackupDoc>(run.customerId, run.copyId);
  if (!doc) throw AppError.notFound(`backup '${run.copyId}' no longer exists`);
  const what = describeCopy("backup", doc);
  if (doc.state === "DELETING") throw AppError.preconditionFailed(`${what} is being deleted`);
  const hidden = await ctx.index.privateOf("backup", run.customerId, run.copyId);
  const refs = (hidden?.parts.disks ?? []).map((d) => d.ref);
  await ctx.data.lockImages(run.customerId, doc.protectionStoreInfo.id, refs, run.until, run.log);
  return run.fenced((uow) =>
    repository.update<BackupDoc>(
      run.customerId,
      run.copyId,
      undefined,
      (current) => {
        // A later PATCH may have locked it longer meanwhile: the longer lock stands.
        if (current.lockedUntil !== undefined && Date.parse(current.lockedUntil) >= Date.parse(run.until)) return current;
        const next = patchRetention(current, { lockedUntil: run.until }, ctx.clock.now(), what);
        if (next.lockedUntil !== undefined) current.lockedUntil = next.lockedUntil;
        return current;
      },
      uow,
    ),
  );
}
