// Job types of the copies: the PATCH's operation (the change committed with the request, but a
// backup's new lockedUntil, which goes to its store first: copy-locks.ts),
// the delete of one copy (resumable: each step is idempotent), and the gc of a protection store
// that deletes queue to reclaim the space of removed images.
import { Type } from "typebox";
import { StringEnum } from "../domain/schemas/inventory-schemas.ts";
import type { CopyDoc } from "../services/protection/copy-documents.ts";
import { type DeleteCopyContext, JOB_STORE_GC, deleteCopy, settleFailedDelete } from "../services/protection/copy-deletes.ts";
import { JOB_COPY_DELETE, JOB_COPY_UPDATE, copyResource } from "../services/protection/copy-use-cases.ts";
import { repositoryOf } from "../services/protection/copies.ts";
import { extendBackupLock } from "../services/protection/copy-locks.ts";
import { type JobHandler, type UndoContext, defineJob } from "./job-handler.ts";

const Id = Type.String({ minLength: 1 });
const Kind = StringEnum(["snapshot", "backup"]);
const CopyPayload = Type.Object({ kind: Kind, copyId: Id, vmId: Id });
const UpdatePayload = Type.Object({ kind: Kind, copyId: Id, vmId: Id, lockedUntil: Type.Optional(Type.String({ format: "date-time" })) });
const GcPayload = Type.Object({ storeId: Id });

const kindOf = (kind: string) => (kind === "snapshot" ? "snapshot" : "backup");

export interface CopyJobsContext extends DeleteCopyContext {
  /** Re-measures a protection store into its document after its space changed. */
  refreshStore(customerId: string, storeId: string): Promise<void>;
}

export function copyJobs(ctx: CopyJobsContext): JobHandler[] {
  const settle = ({ customerId, payload, reason, uow }: UndoContext<{ kind: string; copyId: string }>) =>
    settleFailedDelete(ctx, customerId, kindOf(payload.kind), payload.copyId, reason, uow);
  return [
    defineJob({
      type: JOB_COPY_UPDATE,
      payload: UpdatePayload,
      resumable: true,
      async run({ customerId, payload, fenced, log }) {
        if (payload.lockedUntil !== undefined && payload.kind === "backup") {
          return [copyResource(await extendBackupLock(ctx, { customerId, copyId: payload.copyId, until: payload.lockedUntil, fenced, log }))];
        }
        const doc = await repositoryOf(ctx, kindOf(payload.kind)).get<CopyDoc>(customerId, payload.copyId);
        return doc ? [copyResource(doc)] : [];
      },
    }),
    defineJob({
      type: JOB_COPY_DELETE,
      payload: CopyPayload,
      resumable: true,
      run: ({ customerId, operation, payload, fenced, log }) =>
        deleteCopy(ctx, { customerId, userId: operation.userId, kind: kindOf(payload.kind), copyId: payload.copyId, fenced, log }),
      onFailure: settle,
      onAbandon: settle,
    }),
    defineJob({
      type: JOB_STORE_GC,
      payload: GcPayload,
      resumable: true,
      async run({ customerId, payload, log }) {
        const { reclaimedBytes } = await ctx.data.gc(customerId, payload.storeId);
        await log(`reclaimed ${reclaimedBytes} bytes`);
        await ctx.refreshStore(customerId, payload.storeId);
        return [{ resourceUri: `/backup-recovery/v1beta1/protection-stores/${payload.storeId}`, type: "backup-recovery/protection-store" }];
      },
    }),
  ];
}
