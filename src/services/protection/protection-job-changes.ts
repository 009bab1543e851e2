// What the protection-job operations change, each in one unit of work (the operation's completion,
// so it happens once): the first run, suspend/resume, removal, a policy's change reaching its
// jobs, and a run's end reaching the job's history.
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import { nextSlotAfter } from "../../domain/schedule-slots.ts";
import type { UnitOfWork } from "../async-operations.ts";
import type { ScheduleRow } from "../ports/protection-schedules.ts";
import type { ProtectionJobContext } from "./protection-job-context.ts";
import {
  type PolicyDoc,
  type ProtectionJobDoc,
  jobName,
  jobProtections,
  operationalOf,
  overridesOf,
  policyInfo,
  schedulesOf,
  settleStatus,
  timeZoneOf,
} from "./protection-job-document.ts";
import { queueRun, setNextRunTime } from "./queue-run.ts";
import { clearJobFromVm, showJobOnVm, showRunOnVm } from "./vm-protection.ts";

/** The scheduler's rows of a job's schedules, counting from `from` and first due at their next slot after it. */
export function scheduleRows(job: Pick<ProtectionJobDoc, "customerId" | "id" | "protections">, timeZone: string, from: number): ScheduleRow[] {
  return schedulesOf(job).map(({ schedule }) => ({
    customerId: job.customerId,
    jobId: job.id,
    scheduleId: schedule.scheduleId,
    rule: schedule.schedule,
    timeZone,
    anchorAt: from,
    nextFireAt: nextSlotAfter(schedule.schedule, from, { anchor: from, timeZone }) ?? null,
    suspended: schedule.operational === "SUSPENDED",
    lastSlot: null,
    lastOperationId: null,
  }));
}

/** Shows these rows' next fire times on the job document (none while suspended). */
export function showNextRunTimes(job: ProtectionJobDoc, rows: readonly ScheduleRow[]): void {
  for (const { schedule } of schedulesOf(job)) {
    const row = rows.find((r) => r.scheduleId === schedule.scheduleId);
    if (row) setNextRunTime(schedule, row.suspended ? null : row.nextFireAt);
  }
}

/** The run every new job starts with: all its schedules (GreenLake's first protection), unless it takes effect later. */
export async function queueInitialRun(ctx: ProtectionJobContext, customerId: string, jobId: string, userId: string, uow: UnitOfWork): Promise<string | undefined> {
  const job = await ctx.jobs.get<ProtectionJobDoc>(customerId, jobId, uow, true);
  const now = ctx.clock.now();
  if (!job || (job.effectiveFromDateTime && Date.parse(job.effectiveFromDateTime) > now)) return undefined;
  const scheduleIds = schedulesOf(job).map(({ schedule }) => schedule.scheduleId);
  const op = await queueRun(ctx, { job, scheduleIds, trigger: "INITIAL", fullBackup: false, userId, jobKey: `initial:${job.id}`, at: now }, uow);
  return op.id;
}

/** Suspends or resumes schedules; a resumed schedule fires at its next slot (missed slots are not caught up). */
export async function setSuspended(ctx: ProtectionJobContext, customerId: string, jobId: string, scheduleIds: readonly number[], suspended: boolean, uow: UnitOfWork): Promise<void> {
  const job = await ctx.jobs.get<ProtectionJobDoc>(customerId, jobId, uow, true);
  if (!job) return;
  const now = ctx.clock.now();
  const rows = (await ctx.schedules.ofJob(customerId, jobId, uow)).filter((r) => scheduleIds.includes(r.scheduleId));
  for (const row of rows) {
    if (!suspended && row.suspended) row.nextFireAt = nextSlotAfter(row.rule, now, { anchor: row.anchorAt, timeZone: row.timeZone }) ?? null;
    row.suspended = suspended;
  }
  await ctx.schedules.save(rows, uow);
  const next = await ctx.jobs.update<ProtectionJobDoc>(
    customerId,
    jobId,
    undefined,
    (doc) => {
      for (const { schedule } of schedulesOf(doc)) {
        if (!scheduleIds.includes(schedule.scheduleId)) continue;
        schedule.operational = suspended ? "SUSPENDED" : "ACTIVE";
      }
      showNextRunTimes(doc, rows);
      doc.operational = operationalOf(doc);
      return doc;
    },
    uow,
  );
  await showJobOnVm(ctx, next, uow);
}

/** Removes the job: its schedules, the document, its place on the policy (unassigned when it was the last) and on the VM. Copies stay. */
export async function removeJob(ctx: ProtectionJobContext, customerId: string, jobId: string, uow: UnitOfWork): Promise<void> {
  // The policy first, then the job: the order a policy change (applyPolicy) and a create take.
  const seen = await ctx.jobs.get<ProtectionJobDoc>(customerId, jobId, uow);
  if (!seen) return;
  await ctx.policies.update<PolicyDoc>(
    customerId,
    seen.protectionPolicyInfo.id,
    undefined,
    (policy) => {
      policy.protectionJobsInfo = policy.protectionJobsInfo.filter((j) => j.id !== jobId);
      policy.assigned = policy.protectionJobsInfo.length > 0;
      return policy;
    },
    uow,
  );
  const job = await ctx.jobs.get<ProtectionJobDoc>(customerId, jobId, uow, true);
  if (!job) return;
  await ctx.schedules.remove(customerId, jobId, "all", uow);
  await ctx.jobs.delete(customerId, jobId, undefined, undefined, uow);
  await clearJobFromVm(ctx, customerId, job.assetInfo.id, uow);
}

/**
 * A policy changed (PATCH): each of its jobs takes the new tiers and schedules, keeping its
 * overrides that still apply and each schedule's state; a changed rule is due at its next slot,
 * a new schedule starts now, a removed one stops.
 */
export async function applyPolicy(ctx: ProtectionJobContext, customerId: string, policyId: string, uow: UnitOfWork): Promise<void> {
  const policy = await ctx.policies.get<PolicyDoc>(customerId, policyId, uow);
  if (!policy) return;
  const now = ctx.clock.now();
  const timeZone = timeZoneOf(policy);
  for (const ref of policy.protectionJobsInfo) {
    const job = await ctx.jobs.get<ProtectionJobDoc>(policy.customerId, ref.id, uow, true);
    if (!job) continue;
    const protections = jobProtections(policy, overridesOf(job), job.protections);
    const rows = await ctx.schedules.ofJob(job.customerId, job.id, uow);
    const kept = new Set(schedulesOf({ protections }).map(({ schedule }) => schedule.scheduleId));
    await ctx.schedules.remove(job.customerId, job.id, rows.filter((r) => !kept.has(r.scheduleId)).map((r) => r.scheduleId), uow);
    const fresh = scheduleRows({ customerId: job.customerId, id: job.id, protections }, timeZone, now);
    const added = fresh.filter((f) => !rows.some((r) => r.scheduleId === f.scheduleId));
    const changed = rows.flatMap((r) => {
      const f = fresh.find((x) => x.scheduleId === r.scheduleId);
      if (!f || (JSON.stringify(f.rule) === JSON.stringify(r.rule) && f.timeZone === r.timeZone)) return [];
      return [{ ...r, rule: f.rule, timeZone, anchorAt: now, nextFireAt: f.nextFireAt }];
    });
    await ctx.schedules.insert(added, uow);
    await ctx.schedules.save(changed, uow);
    const all = await ctx.schedules.ofJob(job.customerId, job.id, uow);
    const next = await ctx.jobs.update<ProtectionJobDoc>(
      job.customerId,
      job.id,
      undefined,
      (doc) => {
        doc.protections = protections;
        doc.protectionPolicyInfo = policyInfo(policy);
        doc.name = jobName(policy.name, doc.assetInfo.name);
        showNextRunTimes(doc, all);
        doc.operational = operationalOf(doc);
        return doc;
      },
      uow,
    );
    await showJobOnVm(ctx, next, uow);
  }
}

/**
 * A run of the job ended: its IN_PROGRESS trigger statuses become OK or ERROR (prevSuccessfulRunTime
 * follows). The run's job type calls this when it ends; the scheduler also settles the statuses
 * of runs it finds ended.
 */
export async function recordRunEnd(ctx: ProtectionJobContext, customerId: string, jobId: string, operationId: string, ok: boolean, message: string | undefined, uow: UnitOfWork): Promise<void> {
  const job = await ctx.jobs.get<ProtectionJobDoc>(customerId, jobId, uow);
  const taskUri = `${ASYNC_OPERATIONS_PATH}/${operationId}`;
  if (!job || !schedulesOf(job).some(({ schedule }) => schedule.executionStatuses.some((s) => s.taskUri === taskUri && s.status === "IN_PROGRESS"))) return;
  const settled = await ctx.jobs.update<ProtectionJobDoc>(
    customerId,
    jobId,
    undefined,
    (doc) => {
      for (const { schedule } of schedulesOf(doc)) settleStatus(schedule, taskUri, ok, message);
      return doc;
    },
    uow,
  );
  await showRunOnVm(ctx, settled, uow);
}
