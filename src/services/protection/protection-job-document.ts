// The protection job's document (DataManagementJobsDetail): the policy's tiers and schedules as
// this job runs them, with the job's per-schedule overrides and each schedule's run state
// (operational, next/previous run times, the last five triggers). Built from the policy when the
// job is made and again whenever the policy changes, keeping each schedule's state.
import type { Static } from "typebox";
import { AppError } from "../../domain/app-error.ts";
import { durationHours } from "../../domain/protection-policy-rules.ts";
import type { ScheduleRule } from "../../domain/schedule-slots.ts";
import type { ProtectionJobCreateSchema, ScheduleOverrideFields } from "../../domain/schemas/protection-job-schemas.ts";
import { isTimeZone } from "../../domain/zoned-time.ts";
import type { StoredDocument } from "../ports/documents.ts";

export const PROTECTION_JOBS_PATH = "/backup-recovery/v1beta1/protection-jobs";
export const PROTECTION_JOB_TYPE = "backup-recovery/protection-job";
export const POLICIES_PATH = "/backup-recovery/v1beta1/protection-policies";
export const POLICY_TYPE = "backup-recovery/protection-policy";
/** Tier types a VM run executes (the run payload's RunTier). */
export const RUNNABLE_TIERS = ["SNAPSHOT", "BACKUP", "CLOUD_BACKUP"] as const;
/** The contract keeps "the last 5 schedule triggers". */
const STATUSES_KEPT = 5;

type Duration = { unit: string; value: number };
type Overrides = { [K in keyof typeof ScheduleOverrideFields]?: Static<(typeof ScheduleOverrideFields)[K]> };
export type CreateJobCommand = Static<typeof ProtectionJobCreateSchema>;

export interface PolicySchedule {
  scheduleId: number;
  name?: string;
  namePattern?: { format: string };
  expireAfter?: Duration;
  lockFor?: Duration;
  schedule: ScheduleRule;
  sourceProtectionScheduleId?: number;
  verify?: boolean;
}

export interface PolicyDoc extends StoredDocument {
  name: string;
  applicationType: string;
  assigned: boolean;
  resourceUri: string;
  protectionJobsInfo: { id: string; type: string; resourceUri: string; assetInfo: Record<string, string> }[];
  protections: { id: string; type: string; protectionStoreInfo?: Record<string, string>; schedules: PolicySchedule[] }[];
}

export interface ExecutionStatus {
  status: "OK" | "ERROR" | "WARNING" | "IN_PROGRESS" | "SKIPPED";
  timestamp: string;
  taskUri?: string;
  errorMessage?: string;
}

export interface JobSchedule extends PolicySchedule {
  operational: "ACTIVE" | "SUSPENDED";
  nextRunTime?: string;
  prevRunTime?: string;
  prevSuccessfulRunTime?: string;
  executionStatuses: ExecutionStatus[];
  overrides: Overrides;
}

export interface JobProtection {
  id: string;
  type: string;
  protectionStoreInfo?: Record<string, string>;
  schedules: JobSchedule[];
}

export interface ProtectionJobDoc extends StoredDocument {
  name: string;
  type: string;
  resourceUri: string;
  applicationType: string;
  assetInfo: { id: string; type: string; name: string; displayName: string; resourceUri: string };
  associatedAssetsInfo: never[];
  dataOrchestratorId?: string;
  effectiveFromDateTime?: string;
  operational: "ACTIVE" | "SUSPENDED" | "PARTIALLY_SUSPENDED";
  protectionPolicyInfo: { id: string; name: string; resourceUri: string; type: string };
  protections: JobProtection[];
}

/**
 * The wall-clock zone of the policy's schedules. The contract's times are UTC and its policy has
 * no zone; a policy document that names a valid one (`timezone`) is honoured.
 */
export function timeZoneOf(policy: StoredDocument): string {
  const zone = policy.timezone;
  return typeof zone === "string" && isTimeZone(zone) ? zone : "UTC";
}

export const jobName = (policyName: string, assetName: string) => `${policyName} (${assetName})`;
export const policyInfo = (p: PolicyDoc) => ({ id: p.id, name: p.name, resourceUri: `${POLICIES_PATH}/${p.id}`, type: POLICY_TYPE });

/** Every schedule of the job, with its tier's type. */
export function schedulesOf(job: { protections: JobProtection[] }): { tier: JobProtection; schedule: JobSchedule }[] {
  return job.protections.flatMap((tier) => tier.schedules.map((schedule) => ({ tier, schedule })));
}

/** The policy tiers a VM job cannot run: refused when the job is made (400). */
export function checkRunnable(policy: PolicyDoc): void {
  if (policy.applicationType !== "VMWARE") throw AppError.badRequest(`protection policy '${policy.name}' is for ${policy.applicationType} assets, not virtual machines (applicationType VMWARE)`);
  const other = policy.protections.find((p) => !(RUNNABLE_TIERS as readonly string[]).includes(p.type));
  if (other) throw AppError.badRequest(`protection policy '${policy.name}' has a ${other.type} protection; obr protects virtual machines with SNAPSHOT, BACKUP and CLOUD_BACKUP tiers`);
}

/** The overrides of the request by schedule id, checked against the policy (400 on a mismatch). */
export function overridesFrom(policy: PolicyDoc, overrides: CreateJobCommand["overrides"]): Map<number, Overrides> {
  const out = new Map<number, Overrides>();
  for (const [i, o] of (overrides?.protections ?? []).entries()) {
    const tier = policy.protections.find((p) => p.id === o.id);
    if (!tier) throw AppError.badRequest(`overrides.protections[${i}].id '${o.id}' is not a protection of policy '${policy.name}'`);
    // compat: a job keeps each tier's protection store from its policy.
    if (o.protectionStoreId !== undefined && o.protectionStoreId !== tier.protectionStoreInfo?.id) {
      throw AppError.badRequest(`overrides.protections[${i}].protectionStoreId: obr takes each tier's protection store from the policy`);
    }
    for (const [j, s] of (o.schedules ?? []).entries()) {
      const where = `overrides.protections[${i}].schedules[${j}]`;
      const base = tier.schedules.find((x) => x.scheduleId === s.scheduleId);
      if (!base) throw AppError.badRequest(`${where}.scheduleId ${s.scheduleId} is not a schedule of protection '${o.id}'`);
      if (out.has(s.scheduleId)) throw AppError.badRequest(`${where}.scheduleId ${s.scheduleId} is overridden twice`);
      const { scheduleId: _id, ...fields } = s;
      const lockFor = fields.lockFor ?? base.lockFor;
      const expireAfter = fields.expireAfter ?? base.expireAfter;
      if (lockFor && expireAfter && durationHours(lockFor) > durationHours(expireAfter)) {
        throw AppError.badRequest(`${where}: lockFor must not be longer than expireAfter: a copy cannot stay locked after it expires`);
      }
      out.set(s.scheduleId, fields);
    }
  }
  return out;
}

/**
 * The job's tiers from the policy: each schedule with the job's overrides and the state it had
 * (by schedule id) in `previous`; a schedule new to the job starts ACTIVE with no history.
 */
export function jobProtections(policy: PolicyDoc, overrides: ReadonlyMap<number, Overrides>, previous: readonly JobProtection[] = []): JobProtection[] {
  const before = new Map(schedulesOf({ protections: [...previous] }).map(({ schedule }) => [schedule.scheduleId, schedule]));
  return policy.protections.map((tier) => ({
    id: tier.id,
    type: tier.type,
    ...(tier.protectionStoreInfo ? { protectionStoreInfo: tier.protectionStoreInfo } : {}),
    schedules: tier.schedules.map((s) => {
      const old = before.get(s.scheduleId);
      const { preScriptInfo: _pre, postScriptInfo: _post, ...fields } = s as PolicySchedule & Record<string, unknown>;
      return {
        ...structuredClone(fields),
        operational: old?.operational ?? "ACTIVE",
        ...(old?.nextRunTime ? { nextRunTime: old.nextRunTime } : {}),
        ...(old?.prevRunTime ? { prevRunTime: old.prevRunTime } : {}),
        ...(old?.prevSuccessfulRunTime ? { prevSuccessfulRunTime: old.prevSuccessfulRunTime } : {}),
        executionStatuses: old?.executionStatuses ?? [],
        overrides: overrides.get(s.scheduleId) ?? {},
      };
    }),
  }));
}

/** The job's overrides by schedule id (to carry them through a rebuild). */
export const overridesOf = (job: ProtectionJobDoc): Map<number, Overrides> => new Map(schedulesOf(job).map(({ schedule }) => [schedule.scheduleId, schedule.overrides]));

/** ACTIVE, SUSPENDED (every schedule) or PARTIALLY_SUSPENDED. */
export function operationalOf(job: { protections: JobProtection[] }): ProtectionJobDoc["operational"] {
  const all = schedulesOf(job);
  const suspended = all.filter(({ schedule }) => schedule.operational === "SUSPENDED").length;
  if (suspended === 0) return "ACTIVE";
  return suspended === all.length ? "SUSPENDED" : "PARTIALLY_SUSPENDED";
}

/** Adds a trigger's status to a schedule, newest last, keeping the contract's five. */
export function pushStatus(schedule: JobSchedule, status: ExecutionStatus): void {
  schedule.executionStatuses = [...schedule.executionStatuses, status].slice(-STATUSES_KEPT);
}

/** Ends the IN_PROGRESS status of `taskUri` (a run that ended) with its outcome. */
export function settleStatus(schedule: JobSchedule, taskUri: string, ok: boolean, message?: string): boolean {
  const entry = schedule.executionStatuses.find((s) => s.taskUri === taskUri && s.status === "IN_PROGRESS");
  if (!entry) return false;
  entry.status = ok ? "OK" : "ERROR";
  if (!ok && message) entry.errorMessage = message;
  if (ok) schedule.prevSuccessfulRunTime = entry.timestamp;
  return true;
}
