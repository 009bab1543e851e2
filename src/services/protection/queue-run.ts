// Queues one run of a protection job: the run operation (job type protection.run, its payload
// resolved now), the schedules' record of it, and the job's history, in the caller's unit of
// work. Runs of one VM never overlap (concurrency key `protect:<vm id>`); a VM whose vCenter is
// served by a separate data orchestrator is protected there: the run (control-plane work) stays
// untargeted and its tiers, which move the data, are targeted at that orchestrator.
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import type { AsyncOperation, UnitOfWork } from "../async-operations.ts";
import type { ProtectionJobContext } from "./protection-job-context.ts";
import { type ProtectionJobDoc, pushStatus, schedulesOf } from "./protection-job-document.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload } from "./run-request.ts";
import { resolveTiers } from "./run-tiers.ts";

export interface RunRequest {
  job: ProtectionJobDoc;
  scheduleIds: readonly number[];
  trigger: ProtectionRunPayload["trigger"];
  fullBackup: boolean;
  /** Who asked: the API client, or the scheduler for the job's creator. */
  userId: string;
  /** A scheduled slot's key (schedule:<job>:<schedule>:<slot>): a second queue of the slot finds the first. */
  jobKey?: string;
  /** The slot's instant (scheduled runs); the queue time otherwise. */
  at: number;
  /** Next fire times to show, by schedule id (the scheduler's claim moved them). */
  nextRunTimes?: ReadonlyMap<number, number | null>;
}

/** The concurrency key of the work that reads or writes a VM's disks: its runs and the restores over it. */
export const protectKey = (vmId: string): string => `protect:${vmId}`;

export async function queueRun(ctx: ProtectionJobContext, req: RunRequest, uow: UnitOfWork): Promise<AsyncOperation> {
  const { job } = req;
  // the data orchestrator that must run the tiers when it is a separate process; undefined: any worker
  const target = await ctx.dataOrchestrators.separate(job.customerId, job.dataOrchestratorId, uow);
  const payload: ProtectionRunPayload = {
    protectionJobId: job.id,
    policyId: job.protectionPolicyInfo.id,
    assetId: job.assetInfo.id,
    assetType: "hybrid-cloud/virtual-machine",
    fullBackup: req.fullBackup,
    trigger: req.trigger,
    tiers: resolveTiers(job, req.scheduleIds),
    ...(target ? { orchestratorId: target } : {}),
  };
  const what = req.trigger === "SCHEDULED" ? "Scheduled protection" : req.trigger === "INITIAL" ? "First protection" : "Protection";
  const op = await ctx.operations.create(
    {
      customerId: job.customerId,
      userId: req.userId,
      name: `${what} of ${job.assetInfo.name}`,
      sourceResourceUri: job.assetInfo.resourceUri,
      associatedResources: [
        { name: job.name, resourceUri: job.resourceUri, type: job.type },
        { name: job.assetInfo.name, resourceUri: job.assetInfo.resourceUri, type: job.assetInfo.type },
      ],
      jobType: JOB_PROTECTION_RUN,
      payload,
      concurrencyKey: protectKey(job.assetInfo.id),
      ...(req.jobKey ? { jobKey: req.jobKey } : {}),
    },
    uow,
  );
  await ctx.schedules.setLastOperation(job.customerId, job.id, req.scheduleIds, op.id, uow);
  const taskUri = `${ASYNC_OPERATIONS_PATH}/${op.id}`;
  const timestamp = new Date(req.at).toISOString();
  await ctx.jobs.update<ProtectionJobDoc>(
    job.customerId,
    job.id,
    undefined,
    (doc) => {
      for (const { schedule } of schedulesOf(doc)) {
        if (req.nextRunTimes?.has(schedule.scheduleId)) setNextRunTime(schedule, req.nextRunTimes.get(schedule.scheduleId) ?? null);
        if (!req.scheduleIds.includes(schedule.scheduleId)) continue;
        schedule.prevRunTime = timestamp;
        pushStatus(schedule, { status: "IN_PROGRESS", timestamp, taskUri });
      }
      return doc;
    },
    uow,
  );
  return op;
}

export function setNextRunTime(schedule: { nextRunTime?: string }, next: number | null): void {
  if (next === null) delete schedule.nextRunTime;
  else schedule.nextRunTime = new Date(next).toISOString();
}
