// The data movement of a protection tier, on a data plane (connector and chunk stores, no
// database): take a snapshot, write a snapshot's disks into a store (incremental against the
// plan's parent: changed ranges with changed-block tracking, a re-read otherwise), or copy a
// backup's images into the cloud store moving only the chunks it lacks; every image written is
// verified. What it leaves when it fails (images labelled with the operation, a snapshot named
// after it) is removed by the tier's undo on the control plane (run-leftovers.ts), which knows
// which images listed copies still reference.
import { isConnectorError } from "../ports/connector-error.ts";
import type { HypervisorConnector } from "../ports/hypervisor-connector.ts";
import type { BackedUpImage, ImageBackupOptions, ImageStore, VerifiedOnWrite } from "../infrastructure/image-store.ts";
import type { CopyDisk, VerificationResult } from "./copy-records.ts";
import type { DataPlane, DataWork } from "./data-plane.ts";
import { lockImages } from "./image-locks.ts";
import { after, vmConfigOf } from "./run-copies.ts";
import { ByteProgress } from "./run-progress.ts";
import { imageLabelFor } from "./run-tier-work.ts";
import { verifyImages } from "./run-verify.ts";
import type { BackupPlan, BackupResult, CopyPlan, SnapshotPlan, SnapshotResult, TierPlan, TierResult } from "./tier-plan.ts";

export function moveTierData(plane: DataPlane, plan: TierPlan, work: DataWork): Promise<TierResult> {
  switch (plan.kind) {
    case "SNAPSHOT":
      return takeSnapshot(plane, plan, work);
    case "BACKUP":
      return backUpSnapshot(plane, plan, work);
    case "COPY":
      return copyBackup(plane, plan, work);
  }
}

/** Now on the control plane's clock (the test clock runs ahead of real time by the plan's offset). */
const nowFor = (plan: { clockOffsetMs: number }) => Date.now() + plan.clockOffsetMs;
const clockFor = (plan: { clockOffsetMs: number }) => ({ now: () => nowFor(plan) });

async function takeSnapshot(plane: DataPlane, plan: SnapshotPlan, work: DataWork): Promise<SnapshotResult> {
  const connector = plane.connector(plan.address);
  const vm = await connector.getVm(plan.vmId);
  await work.progress(10, `taking a snapshot of all ${vm.disks.length} disks of ${vm.name} (${plane.where})`);
  const snap = await connector.createSnapshot(plan.vmId, plan.take);
  const pointInTime = nowFor(plan);
  const disks = snapshotDisks(vm, snap);
  return { kind: "SNAPSHOT", snapshotId: snap.id, pointInTime, consistency: snap.consistency, vmConfig: vmConfigOf(vm), disks };
}

type Vm = Awaited<ReturnType<HypervisorConnector["getVm"]>>;
type Snap = Awaited<ReturnType<HypervisorConnector["createSnapshot"]>>;

function snapshotDisks(vm: Vm, snap: Snap): CopyDisk[] {
  return snap.disks.map((d) => {
    const disk = vm.disks.find((v) => v.id === d.diskId);
    return { diskId: d.diskId, key: disk?.key ?? 0, label: disk?.label ?? d.diskId, capacityBytes: d.capacityBytes, ref: snap.id, changeId: d.changeId };
  });
}

async function backUpSnapshot(plane: DataPlane, plan: BackupPlan, work: DataWork): Promise<BackupResult> {
  const connector = plane.connector(plan.address);
  const store = await plane.store(plan.store);
  let source: { snapshotId: string; pointInTime: number; vmConfig: BackupResult["vmConfig"]; disks: CopyDisk[]; copyId: string | null; consistency: "CRASH" | "APPLICATION" };
  let release: (() => Promise<void>) | undefined;
  if ("listed" in plan.source) {
    const l = plan.source.listed;
    await work.log(`reading snapshot ${l.copyId} of ${new Date(l.pointInTime).toISOString()} (${plane.where})`);
    // compat: a snapshot copy does not say how consistent it is; the lab's are crash consistent.
    source = { snapshotId: l.snapshotId, pointInTime: l.pointInTime, vmConfig: l.vmConfig, disks: l.disks, copyId: l.copyId, consistency: "CRASH" };
  } else {
    const vm = await connector.getVm(plan.vmId);
    const snap = await connector.createSnapshot(plan.vmId, plan.source.take);
    await work.log(`took snapshot ${snap.id} for this backup (released when it ends; ${plane.where})`);
    source = { snapshotId: snap.id, pointInTime: nowFor(plan), vmConfig: vmConfigOf(vm), disks: snapshotDisks(vm, snap), copyId: null, consistency: snap.consistency };
    release = () => connector.deleteSnapshot(plan.vmId, snap.id).catch(() => undefined);
  }
  try {
    const parent = plan.parent;
    if (plan.fullBackup) await work.log("full backup requested");
    else if (!parent) await work.log(`no earlier backup of this VM in store '${plan.store.name}': full backup`);
    const progress = new ByteProgress(work, 0, 90, source.disks.map((d) => d.capacityBytes));
    const written: (BackedUpImage & { verifiedBase?: string })[] = [];
    const disks: CopyDisk[] = [];
    for (const [i, disk] of source.disks.entries()) {
      const parentDisk = parent?.disks.find((d) => d.diskId === disk.diskId && d.capacityBytes === disk.capacityBytes);
      const options: ImageBackupOptions = { label: imageLabelFor(plan.operationId, disk.diskId), signal: work.signal, verifyWritten: true, onProgress: (done, total) => progress.report(i, done, total) };
      if (parentDisk) {
        options.parent = parentDisk.ref;
        const ranges = plan.changedBlocks ? await changedSince(connector, work, plan.vmId, source.snapshotId, disk, parentDisk) : undefined;
        if (ranges) options.changedRanges = ranges;
      }
      const reader = await connector.openSnapshotDisk(plan.vmId, source.snapshotId, disk.diskId);
      try {
        const image = await store.backupImage(reader, options);
        // what it shares with a verified parent is looked up only by verify-after-write (run-verify.ts)
        written.push(parentDisk && parent?.verified ? { ...image, verifiedBase: parentDisk.ref } : image);
        plane.crash.hit("protection.backup.after-image");
        disks.push({ ...disk, ref: image.imageId, storedBytes: image.storedBytes, newStoredBytes: image.newStoredBytes });
        await work.log(`${disk.label}: ${image.bytesRead} bytes read, ${image.newStoredBytes} bytes new in the store${parentDisk ? "" : " (full)"}`);
      } finally {
        await reader.close();
      }
    }
    const verification = await verifyImages(store, written, work, { from: 90, to: 99, clock: clockFor(plan) });
    await lockFor(store, plan, source.pointInTime, disks, work);
    const full = disks.every((d) => !parent?.disks.some((p) => p.diskId === d.diskId && p.capacityBytes === d.capacityBytes));
    return {
      kind: "BACKUP",
      source: source.copyId ? { kind: "snapshot", id: source.copyId } : null,
      pointInTime: source.pointInTime,
      consistency: source.consistency,
      vmConfig: source.vmConfig,
      disks,
      full,
      generation: full || !parent ? 1 : parent.generation + 1,
      verification: bounded(verification),
    };
  } finally {
    await release?.();
  }
}

/** Ranges changed since the parent's point in time, or undefined (a re-read) when CBT cannot say. */
async function changedSince(connector: HypervisorConnector, work: DataWork, vmId: string, snapshotId: string, disk: CopyDisk, parent: CopyDisk) {
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

async function copyBackup(plane: DataPlane, plan: CopyPlan, work: DataWork): Promise<BackupResult> {
  const from = await plane.store(plan.from);
  const to = await plane.store(plan.to);
  const { source } = plan;
  await work.log(`copying backup ${source.id} of ${new Date(source.pointInTime).toISOString()} into the cloud store (${plane.where})`);
  const progress = new ByteProgress(work, 0, 90, source.disks.map((d) => d.capacityBytes));
  const disks: CopyDisk[] = [];
  const onWrite = new Map<string, VerifiedOnWrite>();
  let moved = 0;
  for (const [i, disk] of source.disks.entries()) {
    const { imageId, bytesMoved, verifiedOnWrite } = await from.copyImage(disk.ref, to, { signal: work.signal, verifyWritten: true, onProgress: (done, total) => progress.report(i, done, total) });
    if (verifiedOnWrite) onWrite.set(imageId, verifiedOnWrite);
    moved += bytesMoved;
    const image = await to.image(imageId);
    disks.push({ ...disk, ref: imageId, storedBytes: image?.storedBytes ?? 0, newStoredBytes: bytesMoved });
  }
  await work.log(`${moved} bytes moved to the cloud store`);
  const baseOf = (d: CopyDisk) => plan.verifiedInTarget?.find((p) => p.diskId === d.diskId && p.capacityBytes === d.capacityBytes)?.ref;
  const images = disks.map((d) => ({ imageId: d.ref, sizeBytes: d.capacityBytes, verifiedBase: baseOf(d), verifiedOnWrite: onWrite.get(d.ref) }));
  const verification = await verifyImages(to, images, work, { from: 90, to: 99, clock: clockFor(plan) });
  await lockFor(to, plan, source.pointInTime, disks, work);
  return {
    kind: "BACKUP",
    source: { kind: "backup", id: source.id },
    pointInTime: source.pointInTime,
    // compat: a copy keeps its source's consistency; the lab's snapshots are crash consistent.
    consistency: "CRASH",
    vmConfig: source.vmConfig,
    disks,
    full: source.generation === 1,
    generation: source.generation,
    verification: bounded(verification),
  };
}

/** A verification as the result schema carries it (problems bounded as the copy keeps them). */
const bounded = (v: VerificationResult): BackupResult["verification"] => ({
  ok: v.ok,
  verifiedAt: v.verifiedAt,
  checked: v.checked.slice(0, 1000),
  problems: v.problems.slice(0, 1000).map((p) => p.slice(0, 1000)),
});

/**
 * A tier with lockFor has the store keep the images it wrote until the copy's lockedUntil before
 * the copy is listed (the record computes the same date from the same point in time).
 */
async function lockFor(store: ImageStore, plan: BackupPlan | CopyPlan, pointInTime: number, disks: readonly CopyDisk[], work: DataWork): Promise<void> {
  const until = after(pointInTime, plan.lockFor);
  if (until !== null) await lockImages(store, disks.map((d) => d.ref), until, (line) => work.log(line));
}
