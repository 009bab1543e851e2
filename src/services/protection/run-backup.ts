// The BACKUP tier, and a CLOUD_BACKUP tier without a backup to copy: the disks of a snapshot
// (the run's, the source schedule's newest, or one taken for this tier and released after)
// into a chunk store, each image incremental against the VM's newest backup in that store
// (changed ranges with VMWARE_CBT, a re-read otherwise; full when asked or without a parent),
// verified after it is written (what it shares with a verified parent: looked up only, see
// run-verify.ts), then listed as one backup.
import { isConnectorError } from "../ports/connector-error.ts";
import type { HypervisorConnector } from "../ports/hypervisor-connector.ts";
import type { ImageBackupOptions, ImageStore, StoredImage } from "../infrastructure/image-store.ts";
import type { ResourceRef } from "../async-operations.ts";
import type { CopyDisk, CopyRecord, CopyVmConfig, VerificationResult } from "./copy-records.ts";
import { type ProtectionContext, openStore, storeDoc, storeWritten, vmAndConnector } from "./run-context.ts";
import { after, copyName, copyResource, originOf, vmConfigOf } from "./run-copies.ts";
import { ByteProgress } from "./run-progress.ts";
import { type TierWork, earlierCopy, imageLabelFor, snapshotNameFor } from "./run-tier-work.ts";
import { verifyImages } from "./run-verify.ts";
import { lockImages } from "./copy-locks.ts";

/** The snapshot a backup reads: its id, disks and the VM as it was; `release` when this tier took it. */
interface SourceSnapshot {
  snapshotId: string;
  pointInTime: number;
  vmConfig: CopyVmConfig;
  disks: CopyDisk[];
  copy: CopyRecord | null;
  consistency: "CRASH" | "APPLICATION";
  release?: () => Promise<void>;
}

/** The run's snapshot, else the source schedule's newest, else a new one this tier releases. */
async function sourceSnapshot(ctx: ProtectionContext, work: TierWork, connector: HypervisorConnector): Promise<SourceSnapshot> {
  const { customerId, tier, payload } = work;
  const vmId = payload.run.assetId;
  const fromRun = await earlierCopy(ctx, customerId, payload, "snapshot", "SNAPSHOT");
  const copy =
    fromRun ??
    (tier.sourceScheduleId === null
      ? undefined
      : await ctx.copies.newest(customerId, vmId, "snapshot", { protectionJobId: payload.run.protectionJobId, scheduleId: tier.sourceScheduleId }));
  const snapshotId = copy?.disks[0]?.ref;
  if (copy && snapshotId) {
    await work.log(`reading snapshot ${copy.id} of ${copy.pointInTime}`);
    // compat: a snapshot copy does not say how consistent it is; the lab's are crash consistent.
    return { snapshotId, pointInTime: Date.parse(copy.pointInTime), vmConfig: copy.vmConfig, disks: copy.disks, copy, consistency: "CRASH" };
  }
  const vm = await connector.getVm(vmId);
  const snap = await connector.createSnapshot(vmId, { name: snapshotNameFor(work.operation.id), description: "taken for a backup, released after it", quiesce: tier.consistency !== "CRASH" });
  await work.log(`took snapshot ${snap.id} for this backup (released when it ends)`);
  const disks = snap.disks.map((d) => {
    const disk = vm.disks.find((v) => v.id === d.diskId);
    return { diskId: d.diskId, key: disk?.key ?? 0, label: disk?.label ?? d.diskId, capacityBytes: d.capacityBytes, ref: snap.id, changeId: d.changeId };
  });
  return {
    snapshotId: snap.id,
    pointInTime: ctx.clock.now(),
    vmConfig: vmConfigOf(vm),
    disks,
    copy: null,
    consistency: snap.consistency,
    release: () => connector.deleteSnapshot(vmId, snap.id).catch(() => undefined),
  };
}

export interface BackupInto {
  backupType: "BACKUP" | "CLOUD_BACKUP";
  protectionStoreId: string;
}

/** Writes the snapshot's disks into the store and lists the backup. */
export async function backupSnapshot(ctx: ProtectionContext, work: TierWork, into: BackupInto): Promise<ResourceRef[]> {
  const { customerId, tier, payload } = work;
  const vmId = payload.run.assetId;
  const doc = await storeDoc(ctx, customerId, into.protectionStoreId);
  const store = await openStore(ctx, doc);
  const { connector } = await vmAndConnector(ctx, customerId, vmId);
  const source = await sourceSnapshot(ctx, work, connector);
  const written: StoredImage[] = [];
  try {
    const parent = payload.run.fullBackup ? undefined : await ctx.copies.newest(customerId, vmId, "backup", { protectionStoreId: into.protectionStoreId });
    if (payload.run.fullBackup) await work.log("full backup requested");
    else if (!parent) await work.log(`no earlier backup of this VM in store '${doc.name}': full backup`);
    const progress = new ByteProgress(work, 0, 90, source.disks.map((d) => d.capacityBytes));
    const disks: CopyDisk[] = [];
    const bases = new Map<string, string>(); // image -> the verified parent image it was written against
    for (const [i, disk] of source.disks.entries()) {
      const parentDisk = parent?.disks.find((d) => d.diskId === disk.diskId && d.capacityBytes === disk.capacityBytes);
      const options: ImageBackupOptions = { label: imageLabelFor(work.operation.id, disk.diskId), signal: work.signal, onProgress: (done, total) => progress.report(i, done, total) };
      if (parentDisk) {
        options.parent = parentDisk.ref;
        const ranges = tier.backupGranularity === "VMWARE_CBT" ? await changedSince(connector, work, vmId, source.snapshotId, disk, parentDisk) : undefined;
        if (ranges) options.changedRanges = ranges;
      }
      const reader = await connector.openSnapshotDisk(vmId, source.snapshotId, disk.diskId);
      try {
        const image = await store.backupImage(reader, options);
        written.push(image);
        if (parentDisk && parent?.verified) bases.set(image.imageId, parentDisk.ref);
        ctx.crash.hit("protection.backup.after-image");
        disks.push({ ...disk, ref: image.imageId, storedBytes: image.storedBytes, newStoredBytes: image.newStoredBytes });
        await work.log(`${disk.label}: ${image.bytesRead} bytes read, ${image.newStoredBytes} bytes new in the store${parentDisk ? "" : " (full)"}`);
      } finally {
        await reader.close();
      }
    }
    const images = written.map((w) => ({ ...w, verifiedBase: bases.get(w.imageId) }));
    const verification = await verifyImages(store, images, work, { from: 90, to: 99, clock: ctx.clock });
    const full = disks.every((d) => !parent?.disks.some((p) => p.diskId === d.diskId && p.capacityBytes === d.capacityBytes));
    const record = await recordBackup(ctx, work, store, {
      into,
      source: source.copy ? { kind: "snapshot", id: source.copy.id } : null,
      pointInTime: source.pointInTime,
      consistency: source.consistency,
      vmConfig: source.vmConfig,
      disks,
      full,
      generation: full || !parent ? 1 : parent.generation + 1,
      verification,
    });
    await storeWritten(ctx, customerId, into.protectionStoreId);
    return [copyResource(record)];
  } catch (err) {
    // Nothing unlisted stays behind (a crash is undone by the job type's onAbandon instead).
    await deleteUnlisted(ctx, customerId, into.protectionStoreId, store, written.map((w) => w.imageId));
    throw err;
  } finally {
    await source.release?.();
  }
}

/** Ranges changed since the parent's point in time, or undefined (a re-read) when CBT cannot say. */
async function changedSince(connector: HypervisorConnector, work: TierWork, vmId: string, snapshotId: string, disk: CopyDisk, parent: CopyDisk) {
  if (!parent.changeId) {
    await work.log(`${disk.label}: the previous backup has no change id; re-reading the whole disk`);
    return undefined;
  }
  try {
    return await connector.changedRanges(vmId, snapshotId, disk.diskId, parent.changeId);
  } catch (err) {
    if (!isConnectorError(err, "precondition")) throw err;
    await work.log(`${disk.label}: changed-block tracking cannot answer since the previous backup (${err.message}); re-reading the whole disk`);
    return undefined;
  }
}

export interface BackupFacts {
  into: BackupInto;
  source: { kind: "snapshot" | "backup"; id: string } | null;
  pointInTime: number;
  consistency: "CRASH" | "APPLICATION";
  vmConfig: CopyVmConfig;
  disks: CopyDisk[];
  full: boolean;
  generation: number;
  verification: VerificationResult;
}

/**
 * Lists the backup and its verification in one transaction that commits only under the job's
 * lease; a tier with lockFor first has `store` keep the images until then (copy-locks.ts).
 */
export async function recordBackup(ctx: ProtectionContext, work: TierWork, store: ImageStore, facts: BackupFacts): Promise<CopyRecord> {
  const { customerId, tier, payload } = work;
  const origin = await originOf(ctx, customerId, work.operation, payload);
  const pointInTime = new Date(facts.pointInTime).toISOString();
  const lockedUntil = after(facts.pointInTime, tier.lockFor);
  if (lockedUntil !== null) await lockImages(store, facts.disks.map((d) => d.ref), lockedUntil, (line) => work.log(line));
  return work.fenced(async (uow) => {
    const record = await ctx.copies.addBackup(
      {
        origin,
        name: copyName(facts.vmConfig.name, pointInTime, tier),
        pointInTime,
        consistency: facts.consistency,
        expiresAt: after(facts.pointInTime, tier.expireAfter),
        lockedUntil,
        vmConfig: facts.vmConfig,
        disks: facts.disks,
        backupType: facts.into.backupType,
        protectionStoreId: facts.into.protectionStoreId,
        sourceCopy: facts.source,
        full: facts.full,
        backupGranularity: tier.backupGranularity,
        generation: facts.generation,
      },
      uow,
    );
    await ctx.copies.recordVerification(customerId, record.id, facts.verification, uow);
    return record;
  });
}

/** Deletes the images no listed backup of the store references (a failed tier's leftovers). */
export async function deleteUnlisted(ctx: ProtectionContext, customerId: string, storeId: string, store: ImageStore, imageIds: readonly string[]): Promise<void> {
  if (imageIds.length === 0) return;
  const listed = await ctx.copies.imagesInStore(customerId, storeId);
  for (const id of imageIds) if (!listed.has(id)) await store.deleteImage(id).catch(() => undefined);
}
