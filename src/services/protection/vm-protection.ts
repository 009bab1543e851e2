// The protection fields of a VM in the Virtualization API, written in the same unit of work as
// the job change they describe. Discovery never overwrites them (inventory-sync.ts PROTECTION_FIELDS).
import { AppError } from "../../domain/app-error.ts";
import { protectionStatusOf } from "../../domain/protection-status.ts";
import type { StoredDocument, UnitOfWork } from "../ports/documents.ts";
import type { ProtectionJobContext } from "./protection-job-context.ts";
import { type ProtectionJobDoc, schedulesOf } from "./protection-job-document.ts";

/** The VM's fields for its job: protectionJobInfo, protectionPolicyAppliedAtInfo, protectionStatus. */
export async function showJobOnVm(ctx: ProtectionJobContext, job: ProtectionJobDoc, uow: UnitOfWork): Promise<void> {
  const paused = schedulesOf(job).some(({ schedule }) => schedule.operational === "SUSPENDED");
  await updateVm(ctx, job.customerId, job.assetInfo.id, uow, (vm) => {
    vm.protectionJobInfo = { id: job.id, name: job.name, resourceUri: job.resourceUri, type: job.type, protectionPolicyInfo: job.protectionPolicyInfo };
    vm.protectionPolicyAppliedAtInfo = { id: job.protectionPolicyInfo.id, name: job.protectionPolicyInfo.name, resourceUri: job.protectionPolicyInfo.resourceUri, type: "VIRTUAL_MACHINE" };
    const recoveryPointsExist = vm.recoveryPointsExist === true;
    // A status the run set (PROTECTED after every schedule succeeded) stands until something changes it.
    if (paused || vm.protectionStatus !== "PROTECTED") vm.protectionStatus = protectionStatusOf({ assigned: true, paused, recoveryPointsExist });
  });
}

/**
 * After a run of the job ended: PROTECTED when the newest run of every schedule succeeded (and a
 * copy exists), PARTIAL otherwise, PAUSED while a schedule is suspended.
 */
export async function showRunOnVm(ctx: ProtectionJobContext, job: ProtectionJobDoc, uow: UnitOfWork): Promise<void> {
  const schedules = schedulesOf(job).map(({ schedule }) => schedule);
  const paused = schedules.some((s) => s.operational === "SUSPENDED");
  const allSchedulesSucceeded = schedules.every((s) => s.executionStatuses.filter((e) => e.status !== "SKIPPED").at(-1)?.status === "OK");
  await updateVm(ctx, job.customerId, job.assetInfo.id, uow, (vm) => {
    vm.protectionStatus = protectionStatusOf({ assigned: true, paused, recoveryPointsExist: vm.recoveryPointsExist === true, allSchedulesSucceeded });
  });
}

/** The VM unprotected: no job or policy; LAPSED while its copies remain. */
export async function clearJobFromVm(ctx: ProtectionJobContext, customerId: string, vmId: string, uow: UnitOfWork): Promise<void> {
  await updateVm(ctx, customerId, vmId, uow, (vm) => {
    delete vm.protectionJobInfo;
    delete vm.protectionPolicyAppliedAtInfo;
    vm.protectionStatus = protectionStatusOf({ assigned: false, paused: false, recoveryPointsExist: vm.recoveryPointsExist === true });
  });
}

async function updateVm(ctx: ProtectionJobContext, customerId: string, vmId: string, uow: UnitOfWork, change: (vm: StoredDocument) => void): Promise<void> {
  try {
    await ctx.virtualMachines.update<StoredDocument>(customerId, vmId, undefined, (vm) => {
      change(vm);
      return vm;
    }, uow);
  } catch (err) {
    // A VM removed with its hypervisor manager has no fields left to show.
    if (!(err instanceof AppError && err.httpStatusCode === 404)) throw err;
  }
}
