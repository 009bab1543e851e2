// The job types of a protection run, of a restore, of a file restore and of an on-demand backup verification. The run (queued by the protection-jobs service with the
// tiers resolved) is a parent operation that spawns one child per tier in sequence, in the same
// transaction that makes it wait for them: each tier runs only after the one before it ended,
// and a tier that did not succeed leaves the later ones CANCELLED (naming it) and the run FAILED
// (naming it), while the copies the earlier tiers made stay. The parent's progress is the mean
// of its children's, theirs from bytes done.
//
// Resumability: the parent is resumable (spawning is atomic with its wait, so a resumed parent
// never spawns twice). A tier is not: a tier interrupted by a crash ends FAILED and its undo
// deletes what it left (run-leftovers.ts); the run's next slot or an on-demand run makes the copy.
import { AppError } from "../domain/app-error.ts";
import type { ResourceRef, UnitOfWork } from "../services/async-operations.ts";
import { type VmDoc, vmResource } from "../services/inventory/virtual-machine-work.ts";
import type { ProtectionContext } from "../services/protection/run-context.ts";
import { undoTier } from "../services/protection/run-leftovers.ts";
import { JOB_PROTECTION_RUN, ProtectionRunPayload } from "../services/protection/run-request.ts";
import { JOB_VERIFY_BACKUP, VerifyBackupPayload, verifyBackup } from "../services/protection/backup-verify.ts";
import { JOB_RESTORE, RestorePayload } from "../services/protection/restore-payload.ts";
import { releaseRestored, restoreCopy, restoreRecorded, restoreResources } from "../services/protection/restore-work.ts";
import { RestoreResult, planRestore } from "../services/protection/restore-plan.ts";
import { FileRestorePayload, JOB_RESTORE_FILES } from "../services/protection/file-restore-payload.ts";
import { restoreFiles } from "../services/protection/file-restore-work.ts";
import { runTier } from "../services/protection/run-tier.ts";
import { TierResult } from "../services/protection/tier-plan.ts";
import { planTier } from "../services/protection/tier-plans.ts";
import { recordTier, tierRecorded, tierResources } from "../services/protection/tier-records.ts";
import { JOB_PROTECTION_TIER, ProtectionTierPayload, tierOperationName } from "../services/protection/run-tier-payload.ts";
import { type JobHandler, defineJob } from "./job-handler.ts";

/** A tier moving a VM's disks may take long; past this it ends TIMEDOUT and is undone. */
const TIER_TIME_LIMIT_MS = 24 * 3_600_000;

export function protectionRunJobs(ctx: ProtectionContext): JobHandler[] {
  return [
    defineJob({
      type: JOB_PROTECTION_RUN,
      payload: ProtectionRunPayload,
      resumable: true,
      async run({ customerId, payload, spawnChild }) {
        const vm = await ctx.inventory.store.get<VmDoc>("virtual-machine", customerId, payload.assetId);
        if (!vm) throw AppError.conflict(`virtual machine '${payload.assetId}' no longer exists`);
        const resource: ResourceRef = vmResource(vm, vm.hypervisorManagerInfo.id);
        const spawn = async (uow: UnitOfWork) => {
          const earlier: string[] = [];
          for (const [tier, spec] of payload.tiers.entries()) {
            const after = earlier.at(-1);
            const child = await spawnChild(
              {
                name: tierOperationName(spec, vm.name),
                jobType: JOB_PROTECTION_TIER,
                payload: { run: payload, tier, earlier: [...earlier] },
                associatedResources: [resource],
                ...(after ? { after } : {}),
                ...(payload.orchestratorId ? { target: payload.orchestratorId } : {}),
              },
              uow,
            );
            earlier.push(child.id);
          }
        };
        return { associatedResources: [resource], waitForChildren: true, commit: spawn };
      },
      // The protection job's schedules and the VM show how the run ended, once its end is
      // committed (the scheduler settles what a crash in between leaves IN_PROGRESS).
      onChildrenEnded: ({ customerId, operationId, payload, succeeded, reason }) => ctx.runEnded({ customerId, protectionJobId: payload.protectionJobId, operationId, succeeded, reason }),
    }),
    defineJob({
      type: JOB_PROTECTION_TIER,
      payload: ProtectionTierPayload,
      resumable: false,
      maxAttempts: 1,
      timeLimitMs: TIER_TIME_LIMIT_MS,
      run: ({ customerId, payload, operation, signal, progress, log, fenced }) => runTier(ctx, { customerId, operation, payload, signal, progress, log, fenced }),
      // On a separate orchestrator: planned here, the data moved there, the copy listed here.
      remote: {
        result: TierResult,
        plan: ({ customerId, operation, payload }) => planTier(ctx, customerId, operation.id, payload),
        record: async ({ customerId, operation, payload, result, uow, orchestratorId }) =>
          tierResources(await recordTier(ctx, { customerId, operation, payload, dataOrchestratorId: orchestratorId }, result, uow)),
        refresh: ({ customerId, payload }) => tierRecorded(ctx, customerId, payload),
      },
      onFailure: ({ customerId, operationId, payload, uow }) => undoTier(ctx, customerId, operationId, payload, uow),
      onAbandon: ({ customerId, operationId, payload, uow }) => undoTier(ctx, customerId, operationId, payload, uow),
    }),
    defineJob({
      // Not resumable: an interrupted restore ends FAILED (a new VM it was filling is removed by
      // the connector); requesting it again writes every disk from the start. The VM it writes
      // over stops being busy with the job's end, whichever way it ends.
      type: JOB_RESTORE,
      payload: RestorePayload,
      resumable: false,
      maxAttempts: 1,
      timeLimitMs: TIER_TIME_LIMIT_MS,
      run: async ({ customerId, payload, operation, signal, progress, log }) => ({
        associatedResources: await restoreCopy(ctx, { customerId, operationId: operation.id, payload, signal, progress, log }),
        commit: (uow) => releaseRestored(ctx, customerId, payload, "OK", uow),
      }),
      onFailure: ({ customerId, payload, uow }) => releaseRestored(ctx, customerId, payload, "RESTORE_FAILED", uow),
      onAbandon: ({ customerId, payload, uow }) => releaseRestored(ctx, customerId, payload, "RESTORE_FAILED", uow),
      // On a separate orchestrator: planned here, the disks written there, the VM released here.
      remote: {
        result: RestoreResult,
        plan: ({ customerId, operation, payload }) => planRestore(ctx, customerId, operation.id, payload),
        record: async ({ customerId, payload, result, uow }) => {
          await releaseRestored(ctx, customerId, payload, "OK", uow);
          return restoreResources(payload, result);
        },
        refresh: ({ customerId, payload, result }) => restoreRecorded(ctx, customerId, payload, result.vmId),
      },
    }),
    defineJob({
      // Not resumable: an interrupted file restore ends FAILED having written whole files or
      // none of a debugfs run's; requesting it again (OVERWRITE) writes them all again.
      type: JOB_RESTORE_FILES,
      payload: FileRestorePayload,
      resumable: false,
      maxAttempts: 1,
      timeLimitMs: TIER_TIME_LIMIT_MS,
      run: ({ customerId, payload, signal, progress, log }) => restoreFiles(ctx, { customerId, payload, signal, progress, log }),
    }),
    defineJob({
      // Resumable: verifying again from the start changes nothing but the time it took.
      type: JOB_VERIFY_BACKUP,
      payload: VerifyBackupPayload,
      resumable: true,
      run: ({ customerId, payload, signal, progress, log, fenced }) => verifyBackup(ctx, { customerId, signal, progress, log, fenced }, payload.backupId),
    }),
  ];
}
