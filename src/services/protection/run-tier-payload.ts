// One tier of a protection run as its own job: the run's parent operation queues one child per
// tier, in sequence (each runs after the one before it), and a tier reads the copies the earlier
// tiers of the same run made from their operations' associatedResources.
import type { Static } from "typebox";
import { Type } from "typebox";
import { ProtectionRunPayload, type RunTier } from "./run-request.ts";

export const JOB_PROTECTION_TIER = "protection.run-tier";

export const ProtectionTierPayload = Type.Object({
  run: ProtectionRunPayload,
  /** Index of this tier in run.tiers. */
  tier: Type.Integer({ minimum: 0 }),
  /** The operations of run.tiers[0..tier-1], in order. */
  earlier: Type.Array(Type.String({ minLength: 1 })),
});
export type ProtectionTierPayload = Static<typeof ProtectionTierPayload>;

const TIER_NAMES: Record<RunTier["protectionType"], string> = { SNAPSHOT: "Snapshot", BACKUP: "Backup", CLOUD_BACKUP: "Cloud backup" };

/** "Backup of virtual machine web-01 (schedule 2)": the tier operation's name. */
export const tierOperationName = (tier: RunTier, vmName: string): string => `${TIER_NAMES[tier.protectionType]} of virtual machine ${vmName} (schedule ${tier.scheduleId})`;
