// One tier of a protection run, by its protection type.
import type { ResourceRef } from "../async-operations.ts";
import { backupSnapshot } from "./run-backup.ts";
import { runCloudTier } from "./run-cloud.ts";
import type { ProtectionContext } from "./run-context.ts";
import { runSnapshotTier } from "./run-snapshot.ts";
import type { TierWork } from "./run-tier-work.ts";

export function runTier(ctx: ProtectionContext, work: TierWork): Promise<ResourceRef[]> {
  const { tier } = work;
  switch (tier.protectionType) {
    case "SNAPSHOT":
      return runSnapshotTier(ctx, work);
    case "BACKUP": {
      if (tier.protectionStoreId === null) throw new Error("a BACKUP tier needs a protection store");
      return backupSnapshot(ctx, work, { backupType: "BACKUP", protectionStoreId: tier.protectionStoreId });
    }
    case "CLOUD_BACKUP":
      return runCloudTier(ctx, work);
  }
}
