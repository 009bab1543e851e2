// Job types of the protection stores: create, delete and reattach, each delegating to
// protection-store-work.ts. All three are safe to run again after a crash (create opens what an
// earlier run made, delete finds nothing left to delete), and a failed run leaves the store's
// document saying what is true (settleStore).
import { Type } from "typebox";
import type { ProtectionStoreContext } from "../services/infrastructure/protection-store-state.ts";
import { destroyStore, provisionStore, reattachStore, settleStore } from "../services/infrastructure/protection-store-work.ts";
import { JOB_STORE_CREATE, JOB_STORE_DELETE, JOB_STORE_REATTACH } from "../services/infrastructure/protection-stores.ts";
import { type JobHandler, type UndoContext, defineJob } from "./job-handler.ts";

const Id = Type.String({ minLength: 1 });
const StorePayload = Type.Object({ storeId: Id });
const DeletePayload = Type.Object({ storeId: Id, force: Type.Boolean() });
const ReattachPayload = Type.Object({ storeId: Id, storageSystemId: Id });

export function protectionStoreJobs(ctx: ProtectionStoreContext): JobHandler[] {
  const settle = ({ customerId, payload, uow }: UndoContext<{ storeId: string }>) => settleStore(ctx, customerId, payload.storeId, uow);
  return [
    defineJob({
      type: JOB_STORE_CREATE,
      payload: StorePayload,
      resumable: true,
      run: ({ customerId, payload, log }) => provisionStore(ctx, customerId, payload.storeId, log),
      onFailure: settle,
      onAbandon: settle,
    }),
    defineJob({
      type: JOB_STORE_DELETE,
      payload: DeletePayload,
      resumable: true,
      run: ({ customerId, payload }) => destroyStore(ctx, customerId, payload.storeId),
      onFailure: settle,
      onAbandon: settle,
    }),
    defineJob({
      type: JOB_STORE_REATTACH,
      payload: ReattachPayload,
      resumable: true,
      run: ({ customerId, payload }) => reattachStore(ctx, customerId, payload.storeId, payload.storageSystemId),
      onFailure: settle,
      onAbandon: settle,
    }),
  ];
}
