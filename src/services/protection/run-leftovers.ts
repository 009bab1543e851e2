// What a tier that failed, timed out or was interrupted (the server died) leaves, undone in the
// transaction that ends it: hypervisor snapshots it took and no copy lists (named after its
// operation), and images it wrote or copied that no backup lists (labelled with its operation,
// or, for a cloud copy, its source backup's images). An image a listed backup references, and a
// snapshot a listed copy names, always stay.
import type { UnitOfWork } from "../async-operations.ts";
import type { ProtectionContext } from "./run-context.ts";
import { openStore, storeDoc, vmAndConnector } from "./run-context.ts";
import { sourceBackup } from "./tier-plans.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import { imageLabelFor, snapshotNameFor } from "./run-tier-work.ts";

export async function undoTier(ctx: ProtectionContext, customerId: string, operationId: string, payload: ProtectionTierPayload, uow: UnitOfWork): Promise<void> {
  const tier = payload.run.tiers[payload.tier];
  if (!tier) return;
  const vmId = payload.run.assetId;
  const { connector } = await vmAndConnector(ctx, customerId, vmId, uow);
  const listed =
    tier.protectionType === "SNAPSHOT"
      ? await ctx.copies.newest(customerId, vmId, "snapshot", { protectionJobId: payload.run.protectionJobId, scheduleId: tier.scheduleId }, uow)
      : undefined;
  const keep = new Set(listed?.disks.map((d) => d.ref) ?? []);
  for (const snap of await connector.listSnapshots(vmId).catch(() => [])) {
    if (snap.name === snapshotNameFor(operationId) && !keep.has(snap.id)) await connector.deleteSnapshot(vmId, snap.id);
  }
  const storeId = tier.protectionStoreId;
  if (storeId === null) return;
  const store = await openStore(ctx, await storeDoc(ctx, customerId, storeId, uow), uow);
  const referenced = await ctx.copies.imagesInStore(customerId, storeId, uow);
  const prefix = imageLabelFor(operationId, "");
  const candidates = new Set((await store.listImages()).filter((i) => i.label.startsWith(prefix)).map((i) => i.imageId));
  if (tier.protectionType === "CLOUD_BACKUP") {
    for (const disk of (await sourceBackup(ctx, customerId, payload, uow))?.disks ?? []) candidates.add(disk.ref);
  }
  for (const id of candidates) if (!referenced.has(id)) await store.deleteImage(id);
}
