// The control plane's half of a protection tier before the data moves: everything the tier
// reads from the database, resolved into a TierPlan the data plane can run without it (the
// VM's connector address, the stores' locations, the snapshot to read, the parent to be
// incremental against). Planned when the tier starts (embedded) or is claimed (a separate
// orchestrator), so it sees the copies the earlier tiers of the run listed.
import { AppError } from "../../domain/app-error.ts";
import { parseManagerAddress } from "../../domain/network-address.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { locate } from "../infrastructure/protection-store-state.ts";
import type { ManagerDoc } from "../inventory/hypervisor-manager-discovery.ts";
import type { VmDoc } from "../inventory/virtual-machine-work.ts";
import type { CopyRecord } from "./copy-records.ts";
import { type ProtectionContext, storeDoc } from "./run-context.ts";
import type { RunTier } from "./run-request.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import { earlierCopy, snapshotNameFor } from "./run-tier-work.ts";
import type { BackupPlan, StoreAt, TierPlan } from "./tier-plan.ts";

/** How far the control plane's clock runs ahead of real time (the test clock), ms. */
const offsetOf = (ctx: ProtectionContext) => ctx.clock.now() - Date.now();

/** The connector address of the VM's hypervisor manager; 404/409 when either is gone. */
export async function vmAddress(ctx: ProtectionContext, customerId: string, vmId: string, uow?: UnitOfWork): Promise<{ vm: VmDoc; address: string }> {
  const vm = await ctx.inventory.store.repository("virtual-machine").get<VmDoc>(customerId, vmId, uow);
  if (!vm) throw AppError.notFound(`virtual machine '${vmId}' not found`);
  return { vm, address: await managerAddress(ctx, customerId, vm.hypervisorManagerInfo.id, uow) };
}

export async function managerAddress(ctx: ProtectionContext, customerId: string, managerId: string, uow?: UnitOfWork): Promise<string> {
  const manager = await ctx.inventory.store.repository("hypervisor-manager").get<ManagerDoc>(customerId, managerId, uow);
  if (!manager) throw AppError.notFound(`hypervisor manager '${managerId}' not found`);
  return parseManagerAddress(manager.networkAddress).address;
}

/** Where a protection store's chunk store lives (and its key); 409 when it cannot give or take data. */
export async function storeAt(ctx: ProtectionContext, customerId: string, storeId: string, uow?: UnitOfWork): Promise<StoreAt> {
  const doc = await storeDoc(ctx, customerId, storeId, uow);
  const location = await locate(ctx.stores, doc, false, uow);
  if (!location) throw AppError.conflict(`protection store '${doc.name}': its storage system ${doc.storageSystemInfo?.id ?? "(none)"} no longer exists`);
  return { id: doc.id, name: doc.name, ...("dir" in location ? { dir: location.dir } : { s3: location.s3 }), ...(location.key !== undefined ? { key: location.key } : {}) };
}

/** The backup a cloud tier copies: the run's, else the source schedule's newest (undefined: none). */
export async function sourceBackup(ctx: ProtectionContext, customerId: string, payload: ProtectionTierPayload, uow?: UnitOfWork): Promise<CopyRecord | undefined> {
  const fromRun = await earlierCopy(ctx, customerId, payload, "backup", "BACKUP", uow);
  if (fromRun) return fromRun;
  const tier = payload.run.tiers[payload.tier];
  if (!tier || tier.sourceScheduleId === null) return undefined;
  const where = { protectionJobId: payload.run.protectionJobId, scheduleId: tier.sourceScheduleId, backupType: "BACKUP" as const };
  return ctx.copies.newest(customerId, payload.run.assetId, "backup", where, uow);
}

export function tierOf(payload: ProtectionTierPayload): RunTier {
  const tier = payload.run.tiers[payload.tier];
  if (!tier) throw AppError.badRequest(`the run has no tier ${payload.tier}`);
  return tier;
}

export async function planTier(ctx: ProtectionContext, customerId: string, operationId: string, payload: ProtectionTierPayload): Promise<TierPlan> {
  const tier = tierOf(payload);
  const vmId = payload.run.assetId;
  const common = { operationId, clockOffsetMs: offsetOf(ctx) };
  const quiesce = tier.consistency !== "CRASH";
  switch (tier.protectionType) {
    case "SNAPSHOT": {
      const { address } = await vmAddress(ctx, customerId, vmId);
      const take = { name: snapshotNameFor(operationId), description: `protection job ${payload.run.protectionJobId}, schedule ${tier.scheduleId}`, quiesce };
      return { kind: "SNAPSHOT", ...common, address, vmId, take };
    }
    case "BACKUP": {
      if (tier.protectionStoreId === null) throw AppError.badRequest("a BACKUP tier needs a protection store");
      return planBackup(ctx, customerId, operationId, payload, tier, tier.protectionStoreId);
    }
    case "CLOUD_BACKUP": {
      const cloudId = tier.protectionStoreId;
      if (cloudId === null) throw AppError.badRequest("a CLOUD_BACKUP tier needs a protection store");
      const source = await sourceBackup(ctx, customerId, payload);
      // Without a backup to copy, the snapshot goes straight into the cloud store.
      if (!source?.protectionStoreId) return planBackup(ctx, customerId, operationId, payload, tier, cloudId);
      const [from, to] = [await storeAt(ctx, customerId, source.protectionStoreId), await storeAt(ctx, customerId, cloudId)];
      const copied = { id: source.id, pointInTime: Date.parse(source.pointInTime), vmConfig: source.vmConfig, disks: source.disks, generation: source.generation };
      const previous = await ctx.copies.newest(customerId, vmId, "backup", { protectionStoreId: cloudId });
      return { kind: "COPY", ...common, from, to, source: copied, verifiedInTarget: previous?.verified ? previous.disks : null, lockFor: tier.lockFor };
    }
  }
}

/** A backup of the run's snapshot (else the source schedule's newest, else one taken for it) into `storeId`. */
async function planBackup(ctx: ProtectionContext, customerId: string, operationId: string, payload: ProtectionTierPayload, tier: RunTier, storeId: string): Promise<BackupPlan> {
  const vmId = payload.run.assetId;
  const { address } = await vmAddress(ctx, customerId, vmId);
  const store = await storeAt(ctx, customerId, storeId);
  const snapshot =
    (await earlierCopy(ctx, customerId, payload, "snapshot", "SNAPSHOT")) ??
    (tier.sourceScheduleId === null ? undefined : await ctx.copies.newest(customerId, vmId, "snapshot", { protectionJobId: payload.run.protectionJobId, scheduleId: tier.sourceScheduleId }));
  const snapshotId = snapshot?.disks[0]?.ref;
  const source: BackupPlan["source"] =
    snapshot && snapshotId
      ? { listed: { copyId: snapshot.id, snapshotId, pointInTime: Date.parse(snapshot.pointInTime), vmConfig: snapshot.vmConfig, disks: snapshot.disks } }
      : { take: { name: snapshotNameFor(operationId), description: "taken for a backup, released after it", quiesce: tier.consistency !== "CRASH" } };
  const parent = payload.run.fullBackup ? undefined : await ctx.copies.newest(customerId, vmId, "backup", { protectionStoreId: storeId });
  return {
    kind: "BACKUP",
    operationId,
    clockOffsetMs: offsetOf(ctx),
    address,
    vmId,
    store,
    source,
    parent: parent ? { disks: parent.disks, generation: parent.generation, verified: parent.verified === true } : null,
    fullBackup: payload.run.fullBackup,
    changedBlocks: tier.backupGranularity === "VMWARE_CBT",
    lockFor: tier.lockFor,
  };
}
