// Job types of the protection-job operations. Each makes its change in the transaction that
// completes the operation (`commit`), so a crash before it leaves nothing done and the resumed
// job does it once; each finds a job already gone (deleted meanwhile) and does nothing.
import { Type } from "typebox";
import type { ProtectionJobContext } from "../services/protection/protection-job-context.ts";
import { queueInitialRun, removeJob, setSuspended } from "../services/protection/protection-job-changes.ts";
import {
  JOB_PROTECTION_JOB_CREATE,
  JOB_PROTECTION_JOB_DELETE,
  JOB_PROTECTION_JOB_RESUME,
  JOB_PROTECTION_JOB_SUSPEND,
} from "../services/protection/protection-jobs.ts";
import { type JobHandler, defineJob } from "./job-handler.ts";

const Id = Type.String({ minLength: 1 });
const JobPayload = Type.Object({ protectionJobId: Id });
const SchedulesPayload = Type.Object({ protectionJobId: Id, scheduleIds: Type.Array(Type.Integer({ minimum: 1 })) });

export function protectionJobJobs(ctx: ProtectionJobContext): JobHandler[] {
  return [
    defineJob({
      type: JOB_PROTECTION_JOB_CREATE,
      payload: JobPayload,
      resumable: true,
      // The first run is queued with the completion (its task is in the job's executionStatuses).
      run: async ({ customerId, payload, operation }) => ({
        commit: async (uow) => {
          if (await queueInitialRun(ctx, customerId, payload.protectionJobId, operation.userId, uow)) setImmediate(() => ctx.wake());
        },
      }),
    }),
    defineJob({
      type: JOB_PROTECTION_JOB_DELETE,
      payload: JobPayload,
      resumable: true,
      run: async ({ customerId, payload }) => ({ commit: (uow) => removeJob(ctx, customerId, payload.protectionJobId, uow) }),
    }),
    defineJob({
      type: JOB_PROTECTION_JOB_SUSPEND,
      payload: SchedulesPayload,
      resumable: true,
      run: async ({ customerId, payload }) => ({ commit: (uow) => setSuspended(ctx, customerId, payload.protectionJobId, payload.scheduleIds, true, uow) }),
    }),
    defineJob({
      type: JOB_PROTECTION_JOB_RESUME,
      payload: SchedulesPayload,
      resumable: true,
      run: async ({ customerId, payload }) => ({
        commit: async (uow) => {
          await setSuspended(ctx, customerId, payload.protectionJobId, payload.scheduleIds, false, uow);
          setImmediate(() => ctx.schedulesChanged());
        },
      }),
    }),
  ];
}
