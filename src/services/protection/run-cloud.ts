// The CLOUD_BACKUP tier: the newest backup (this run's, else the source schedule's) copied into
// the cloud store, moving only the chunks it lacks, verified there and listed with the backup as
// its source; without a backup to copy, the snapshot goes straight into the cloud store.
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import type { CopyDisk, CopyRecord } from "./copy-records.ts";
import { backupSnapshot, deleteUnlisted, recordBackup } from "./run-backup.ts";
import { type ProtectionContext, openStore, storeDoc, storeWritten } from "./run-context.ts";
import { copyResource } from "./run-copies.ts";
import { ByteProgress } from "./run-progress.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import { type TierWork, earlierCopy } from "./run-tier-work.ts";
import { verifyImages } from "./run-verify.ts";

/** The backup a cloud tier copies: the run's, else the source schedule's newest (undefined: none). */
export async function sourceBackup(ctx: ProtectionContext, customerId: string, payload: ProtectionTierPayload, uow?: UnitOfWork): Promise<CopyRecord | undefined> {
  const fromRun = await earlierCopy(ctx, customerId, payload, "backup", "BACKUP", uow);
  if (fromRun) return fromRun;
  const tier = payload.run.tiers[payload.tier];
  if (!tier || tier.sourceScheduleId === null) return undefined;
  const where = { protectionJobId: payload.run.protectionJobId, scheduleId: tier.sourceScheduleId, backupType: "BACKUP" as const };
  return ctx.copies.newest(customerId, payload.run.assetId, "backup", where, uow);
}

export async function runCloudTier(ctx: ProtectionContext, work: TierWork): Promise<ResourceRef[]> {
  const { customerId, tier } = work;
  const cloudId = tier.protectionStoreId;
  if (cloudId === null) throw new Error("a CLOUD_BACKUP tier needs a protection store");
  const source = await sourceBackup(ctx, customerId, work.payload);
  if (!source?.protectionStoreId) {
    await work.log("no backup to copy: backing up the snapshot straight into the cloud store");
    return backupSnapshot(ctx, work, { backupType: "CLOUD_BACKUP", protectionStoreId: cloudId });
  }
  const from = await openStore(ctx, await storeDoc(ctx, customerId, source.protectionStoreId));
  const to = await openStore(ctx, await storeDoc(ctx, customerId, cloudId));
  await work.log(`copying backup ${source.id} of ${source.pointInTime} into the cloud store`);
  // the chunks a verified earlier copy in the cloud store shares with this one were not moved: looked up only
  const previous = await ctx.copies.newest(customerId, source.assetId, "backup", { protectionStoreId: cloudId });
  const progress = new ByteProgress(work, 0, 90, source.disks.map((d) => d.capacityBytes));
  const copied: string[] = [];
  try {
    const disks: CopyDisk[] = [];
    let moved = 0;
    for (const [i, disk] of source.disks.entries()) {
      const { imageId, bytesMoved } = await from.copyImage(disk.ref, to, { signal: work.signal, onProgress: (done, total) => progress.report(i, done, total) });
      copied.push(imageId);
      moved += bytesMoved;
      const image = await to.image(imageId);
      disks.push({ ...disk, ref: imageId, storedBytes: image?.storedBytes ?? 0, newStoredBytes: bytesMoved });
    }
    await work.log(`${moved} bytes moved to the cloud store`);
    const baseOf = (d: CopyDisk) => (previous?.verified ? previous.disks.find((p) => p.diskId === d.diskId && p.capacityBytes === d.capacityBytes)?.ref : undefined);
    const images = disks.map((d) => ({ imageId: d.ref, sizeBytes: d.capacityBytes, verifiedBase: baseOf(d) }));
    const verification = await verifyImages(to, images, work, { from: 90, to: 99, clock: ctx.clock });
    const record = await recordBackup(ctx, work, to, {
      into: { backupType: "CLOUD_BACKUP", protectionStoreId: cloudId },
      source: { kind: "backup", id: source.id },
      pointInTime: Date.parse(source.pointInTime),
      // compat: a copy keeps its source's consistency; the lab's snapshots are crash consistent.
      consistency: "CRASH",
      vmConfig: source.vmConfig,
      disks,
      full: source.generation === 1,
      generation: source.generation,
      verification,
    });
    await storeWritten(ctx, customerId, cloudId);
    return [copyResource(record)];
  } catch (err) {
    await deleteUnlisted(ctx, customerId, cloudId, to, copied);
    throw err;
  }
}
