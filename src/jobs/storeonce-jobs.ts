// Job types of StoreOnce appliances: registration and refresh measure the appliance's directory;
// unregister removes the record. A failure leaves the appliance in ERROR with the reason.
import { Type } from "typebox";
import { failStoreOnce, measureStoreOnce, type StoreOnceContext, unregisterStoreOnce } from "../services/infrastructure/storeonce-work.ts";
import { JOB_STOREONCE_REFRESH, JOB_STOREONCE_REGISTER, JOB_STOREONCE_UNREGISTER } from "../services/infrastructure/storeonces.ts";
import { type JobHandler, type UndoContext, defineJob } from "./job-handler.ts";

const StoreOncePayload = Type.Object({ storeOnceId: Type.String({ minLength: 1 }) });

export function storeOnceJobs(ctx: StoreOnceContext): JobHandler[] {
  const fail = ({ customerId, payload, reason, uow }: UndoContext<{ storeOnceId: string }>) => failStoreOnce(ctx, customerId, payload.storeOnceId, reason, uow);
  // Measuring and unregistering are idempotent: after a crash they simply run again.
  const measure = (type: string) =>
    defineJob({ type, payload: StoreOncePayload, resumable: true, run: ({ customerId, payload }) => measureStoreOnce(ctx, customerId, payload.storeOnceId), onFailure: fail, onAbandon: fail });
  return [
    measure(JOB_STOREONCE_REGISTER),
    measure(JOB_STOREONCE_REFRESH),
    defineJob({ type: JOB_STOREONCE_UNREGISTER, payload: StoreOncePayload, resumable: true, run: ({ customerId, payload }) => unregisterStoreOnce(ctx, customerId, payload.storeOnceId), onFailure: fail, onAbandon: fail }),
  ];
}
