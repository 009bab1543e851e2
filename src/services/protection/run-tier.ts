// One tier of a protection run on the embedded data orchestrator: plan it from the database,
// move the data on this process's data plane, and list the copy in a transaction fenced by the
// job's lease. A separate `obr orchestrator` runs the same three steps split across processes
// (src/jobs/protection-run-jobs.ts declares how).
import type { ResourceRef } from "../async-operations.ts";
import { embeddedDataOrchestratorId } from "../inventory/data-orchestrators.ts";
import type { ProtectionContext } from "./run-context.ts";
import type { TierWork } from "./run-tier-work.ts";
import { moveTierData } from "./tier-data.ts";
import { planTier } from "./tier-plans.ts";
import { recordTier, tierRecorded, tierResources } from "./tier-records.ts";

export async function runTier(ctx: ProtectionContext, work: TierWork): Promise<ResourceRef[]> {
  const { customerId, operation, payload } = work;
  const plan = await planTier(ctx, customerId, operation.id, payload);
  const result = await moveTierData(ctx.dataPlane, plan, work);
  const recording = { customerId, operation, payload, dataOrchestratorId: embeddedDataOrchestratorId(customerId) };
  const record = await work.fenced((uow) => recordTier(ctx, recording, result, uow));
  if (result.kind === "SNAPSHOT") await work.log(`snapshot ${record.id} taken (${result.disks.length} disks)`);
  await tierRecorded(ctx, customerId, payload);
  return tierResources(record);
}
