// The SNAPSHOT tier: one hypervisor snapshot of all the VM's disks at one instant, listed as the
// VM's snapshot copy with its retention. A snapshot that cannot be recorded is deleted again.
import type { ResourceRef } from "../async-operations.ts";
import type { CopyDisk } from "./copy-records.ts";
import type { ProtectionContext } from "./run-context.ts";
import { vmAndConnector } from "./run-context.ts";
import { after, copyName, copyResource, originOf, vmConfigOf } from "./run-copies.ts";
import { type TierWork, snapshotNameFor } from "./run-tier-work.ts";

export async function runSnapshotTier(ctx: ProtectionContext, work: TierWork): Promise<ResourceRef[]> {
  const { customerId, tier, payload } = work;
  const vmId = payload.run.assetId;
  const { connector } = await vmAndConnector(ctx, customerId, vmId);
  const vm = await connector.getVm(vmId);
  await work.progress(10, `taking a snapshot of all ${vm.disks.length} disks of ${vm.name}`);
  const snap = await connector.createSnapshot(vmId, {
    name: snapshotNameFor(work.operation.id),
    description: `protection job ${payload.run.protectionJobId}, schedule ${tier.scheduleId}`,
    quiesce: tier.consistency !== "CRASH",
  });
  try {
    const at = ctx.clock.now();
    const pointInTime = new Date(at).toISOString();
    const disks: CopyDisk[] = snap.disks.map((d) => {
      const disk = vm.disks.find((v) => v.id === d.diskId);
      return { diskId: d.diskId, key: disk?.key ?? 0, label: disk?.label ?? d.diskId, capacityBytes: d.capacityBytes, ref: snap.id, changeId: d.changeId };
    });
    const origin = await originOf(ctx, customerId, work.operation, payload);
    const record = await work.fenced((uow) =>
      ctx.copies.addSnapshot(
        {
          origin,
          name: copyName(vm.name, pointInTime, tier),
          pointInTime,
          consistency: snap.consistency,
          expiresAt: after(at, tier.expireAfter),
          lockedUntil: after(at, tier.lockFor),
          vmConfig: vmConfigOf(vm),
          disks,
        },
        uow,
      ),
    );
    await work.log(`snapshot ${record.id} taken (${disks.length} disks)`);
    return [copyResource(record)];
  } catch (err) {
    await connector.deleteSnapshot(vmId, snap.id).catch(() => undefined);
    throw err;
  }
}
