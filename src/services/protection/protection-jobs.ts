// POST/DELETE /protection-jobs and POST /protection-jobs/{id}/run|suspend|resume: each validates
// synchronously (400/404/409/412, nothing changed) and answers with an async operation. Create
// writes the job, its schedules, the policy's assignment and the VM's protection fields in one
// transaction with its operation, whose completion queues the first run; delete, suspend and
// resume change everything in their operation's completion (protection-job-changes.ts); run
// queues the run itself, so its Location is the run to poll.
import { randomUUID } from "node:crypto";
import type { Static } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { nowIso } from "../../domain/clock.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import { VM_ASSET_TYPES, type ProtectionJobRunSchema, type ProtectionJobSchedulesSchema } from "../../domain/schemas/protection-job-schemas.ts";
import type { StoredDocument } from "../ports/documents.ts";
import { type StartOperation, startBusyOperation } from "../inventory/inventory-context.ts";
import type { ProtectionJobContext } from "./protection-job-context.ts";
import {
  type CreateJobCommand,
  type PolicyDoc,
  PROTECTION_JOBS_PATH,
  PROTECTION_JOB_TYPE,
  type ProtectionJobDoc,
  checkRunnable,
  jobName,
  jobProtections,
  overridesFrom,
  policyInfo,
  schedulesOf,
  timeZoneOf,
} from "./protection-job-document.ts";
import { scheduleRows, showNextRunTimes } from "./protection-job-changes.ts";
import { queueRun } from "./queue-run.ts";
import { showJobOnVm } from "./vm-protection.ts";

export const JOB_PROTECTION_JOB_CREATE = "protection-job.create";
export const JOB_PROTECTION_JOB_DELETE = "protection-job.delete";
export const JOB_PROTECTION_JOB_SUSPEND = "protection-job.suspend";
export const JOB_PROTECTION_JOB_RESUME = "protection-job.resume";

export type RunJobCommand = Static<typeof ProtectionJobRunSchema>;
export type SchedulesCommand = Static<typeof ProtectionJobSchedulesSchema>;

export interface ProtectionJobUseCases {
  create(actor: Actor, command: CreateJobCommand): Promise<OperationOutcome>;
  remove(actor: Actor, id: string, ifMatch?: number): Promise<OperationOutcome>;
  run(actor: Actor, id: string, command: RunJobCommand): Promise<OperationOutcome>;
  suspend(actor: Actor, id: string, command: SchedulesCommand): Promise<OperationOutcome>;
  resume(actor: Actor, id: string, command: SchedulesCommand): Promise<OperationOutcome>;
  /** The job protecting this asset, if any (the demo and scripts find a VM's job by it). */
  findByAsset(workspaceId: string, assetId: string): Promise<string | undefined>;
}

const jobRef = (job: ProtectionJobDoc) => ({ name: job.name, resourceUri: job.resourceUri, type: job.type });

interface VmDoc extends StoredDocument {
  name: string;
  type: string;
  resourceUri: string;
  state?: string;
  hypervisorManagerInfo?: { id?: string };
}

export function protectionJobUseCases(ctx: ProtectionJobContext): ProtectionJobUseCases {
  const starter = { operations: ctx.operations, wake: () => ctx.wake() };

  const requireJob = async (actor: Actor, id: string, ifMatch?: number): Promise<ProtectionJobDoc> => {
    const job = await ctx.jobs.get<ProtectionJobDoc>(actor.workspaceId, id);
    if (!job) throw AppError.notFound(`protection-jobs '${id}' not found`);
    if (ifMatch !== undefined && ifMatch !== job.generation) throw AppError.preconditionFailed(`generation ${ifMatch} does not match the current generation ${job.generation}`);
    return job;
  };

  /** The schedule ids a request names, each a schedule of the job (400 otherwise); none named: all. */
  const selected = (job: ProtectionJobDoc, ids: readonly number[] | undefined): number[] => {
    const all = schedulesOf(job).map(({ schedule }) => schedule.scheduleId);
    if (!ids || ids.length === 0) return all;
    const unknown = ids.find((id) => !all.includes(id));
    if (unknown !== undefined) throw AppError.badRequest(`scheduleIds: ${unknown} is not a schedule of this protection job (its schedules: ${all.join(", ")})`);
    return [...new Set(ids)];
  };

  const change = (actor: Actor, job: ProtectionJobDoc, name: string, jobType: string, payload: object): Promise<OperationOutcome> => {
    const start: StartOperation = { name, jobType, payload: { protectionJobId: job.id, ...payload }, resource: jobRef(job) };
    return startBusyOperation(starter, actor, async () => undefined, () => start);
  };

  return {
    async create(actor, body) {
      if (body.assetInfo.type !== undefined && !(VM_ASSET_TYPES as readonly string[]).includes(body.assetInfo.type)) {
        throw AppError.badRequest(`assetInfo.type '${body.assetInfo.type}' is not supported: obr protects virtual machines (${VM_ASSET_TYPES.join(" or ")})`);
      }
      const policy = await ctx.policies.get<PolicyDoc>(actor.workspaceId, body.protectionPolicyId);
      if (!policy) throw AppError.badRequest(`protectionPolicyId '${body.protectionPolicyId}' is not a protection policy of this workspace`);
      checkRunnable(policy);
      const vm = await ctx.virtualMachines.get<VmDoc>(actor.workspaceId, body.assetInfo.id);
      if (!vm || vm.state === "DELETED") throw AppError.badRequest(`assetInfo.id '${body.assetInfo.id}' is not a virtual machine of this workspace`);
      const existing = await ctx.jobs.findIdBy(actor.workspaceId, "asset_id", vm.id);
      // compat: the contract lists no 409; a VM already protected is a conflict, as a duplicate name is.
      if (existing) throw AppError.conflict(`virtual machine '${vm.name}' is already protected by protection job '${existing}'; delete that job first`);
      const overrides = overridesFrom(policy, body.overrides);
      const managerId = vm.hypervisorManagerInfo?.id;
      const manager = managerId ? await ctx.hypervisorManagers.get<StoredDocument & { dataOrchestratorInfo?: { id?: string } }>(actor.workspaceId, managerId) : undefined;
      const now = ctx.clock.now();
      const effectiveFrom = body.effectiveFromDateTime === undefined ? undefined : Date.parse(body.effectiveFromDateTime);
      const id = randomUUID();
      const at = nowIso(ctx.clock);
      const job: ProtectionJobDoc = {
        id,
        customerId: actor.workspaceId,
        name: jobName(policy.name, vm.name),
        type: PROTECTION_JOB_TYPE,
        generation: 1,
        createdAt: at,
        updatedAt: at,
        resourceUri: `${PROTECTION_JOBS_PATH}/${id}`,
        consoleUri: `/backup-and-recovery/protection-jobs/${id}`,
        applicationType: "VMWARE",
        assetInfo: { id: vm.id, type: vm.type, name: vm.name, displayName: vm.name, resourceUri: vm.resourceUri },
        associatedAssetsInfo: [],
        ...(manager?.dataOrchestratorInfo?.id ? { dataOrchestratorId: manager.dataOrchestratorInfo.id } : {}),
        ...(effectiveFrom !== undefined ? { effectiveFromDateTime: new Date(effectiveFrom).toISOString() } : {}),
        operational: "ACTIVE",
        protectionPolicyInfo: policyInfo(policy),
        protections: jobProtections(policy, overrides),
      };
      const rows = scheduleRows(job, timeZoneOf(policy), Math.max(now, effectiveFrom ?? now));
      showNextRunTimes(job, rows);
      // One transaction, its writes in the order every protection-job change takes (operation,
      // policy, job, schedules, VM), so two of them in one workspace never deadlock on PostgreSQL.
      const operation = await ctx.jobs.transaction(async (uow) => {
        const op = await ctx.operations.create(
          {
            customerId: actor.workspaceId,
            userId: actor.clientId,
            name: `Assign protection policy ${policy.name} to ${vm.name}`,
            sourceResourceUri: job.resourceUri,
            associatedResources: [jobRef(job)],
            jobType: JOB_PROTECTION_JOB_CREATE,
            payload: { protectionJobId: id },
          },
          uow,
        );
        await ctx.policies.update<PolicyDoc>(
          actor.workspaceId,
          policy.id,
          undefined,
          (p) => {
            p.assigned = true;
            p.protectionJobsInfo = [
              ...p.protectionJobsInfo,
              { id, type: PROTECTION_JOB_TYPE, resourceUri: job.resourceUri, assetInfo: { id: vm.id, name: vm.name, displayName: vm.name, resourceUri: vm.resourceUri, type: vm.type } },
            ];
            return p;
          },
          uow,
        );
        await ctx.jobs.insert(job, {}, uow);
        await ctx.schedules.insert(rows, uow);
        await showJobOnVm(ctx, job, uow);
        return op;
      });
      const outcome = { operationId: operation.id };
      ctx.wake();
      ctx.schedulesChanged();
      return outcome;
    },

    async remove(actor, id, ifMatch) {
      const job = await requireJob(actor, id, ifMatch);
      return change(actor, job, `Remove protection of ${job.assetInfo.name}`, JOB_PROTECTION_JOB_DELETE, {});
    },

    async run(actor, id, body) {
      const job = await requireJob(actor, id);
      const ids = body.scheduleIds || body.ScheduleIds ? [...(body.scheduleIds ?? []), ...(body.ScheduleIds ?? [])] : undefined;
      const scheduleIds = selected(job, ids);
      const op = await ctx.jobs.transaction(async (uow) => {
        const current = await ctx.jobs.get<ProtectionJobDoc>(actor.workspaceId, id, uow, true);
        if (!current) throw AppError.notFound(`protection-jobs '${id}' not found`);
        return queueRun(ctx, { job: current, scheduleIds, trigger: "ON_DEMAND", fullBackup: body.fullBackup ?? false, userId: actor.clientId, at: ctx.clock.now() }, uow);
      });
      ctx.wake();
      return { operationId: op.id };
    },

    async suspend(actor, id, body) {
      const job = await requireJob(actor, id);
      return change(actor, job, `Suspend schedules of ${job.name}`, JOB_PROTECTION_JOB_SUSPEND, { scheduleIds: selected(job, body.scheduleIds) });
    },

    async resume(actor, id, body) {
      const job = await requireJob(actor, id);
      return change(actor, job, `Resume schedules of ${job.name}`, JOB_PROTECTION_JOB_RESUME, { scheduleIds: selected(job, body.scheduleIds) });
    },

    findByAsset(workspaceId, assetId) {
      return ctx.jobs.findIdBy(workspaceId, "asset_id", assetId);
    },
  };
}
