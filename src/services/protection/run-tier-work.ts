// What a tier of a protection run gets from the job that runs it (the services' view of the
// job context: jobs/ adapts its JobContext to this), and the copies the earlier tiers made.
import type { AsyncOperation, UnitOfWork } from "../async-operations.ts";
import type { CopyKind, CopyRecord } from "./copy-records.ts";
import type { ProtectionContext } from "./run-context.ts";
import { copyIdOf } from "./run-copies.ts";
import type { RunTier } from "./run-request.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import type { DataWork } from "./data-plane.ts";

export interface TierWork extends DataWork {
  customerId: string;
  operation: AsyncOperation;
  payload: ProtectionTierPayload;
  /** Commits only while the job still holds its lease. */
  fenced<R>(work: (uow: UnitOfWork) => Promise<R>): Promise<R>;
}

/** The newest copy of `kind` an earlier tier of this run made (the run's snapshot, its backup). */
export async function earlierCopy(
  ctx: ProtectionContext,
  customerId: string,
  payload: ProtectionTierPayload,
  kind: CopyKind,
  type: RunTier["protectionType"],
  uow?: UnitOfWork,
): Promise<CopyRecord | undefined> {
  const { run, earlier } = payload;
  for (let i = earlier.length - 1; i >= 0; i--) {
    if (run.tiers[i]?.protectionType !== type) continue;
    const op = await ctx.inventory.operations.repository.get<AsyncOperation>(customerId, earlier[i] ?? "", uow);
    const id = copyIdOf(op, kind);
    if (id) return ctx.copies.get(customerId, kind, id, uow);
  }
  return undefined;
}

/** Name of the hypervisor snapshots an operation takes, so its undo finds what it left. */
export const snapshotNameFor = (operationId: string): string => `obr-${operationId}`;
/** Label of the images an operation writes, so its undo finds what it left. */
export const imageLabelFor = (operationId: string, diskId: string): string => `obr-run ${operationId} disk ${diskId}`;
