// A run's tiers: the selected schedules of the job as its policy and overrides say, ordered so
// each tier finds what it copies (SNAPSHOT, then BACKUP, then CLOUD_BACKUP; by schedule id
// within a type). Resolved when the run is queued, so the run does what was asked even if the
// policy changes while it waits.
import type { RunTier } from "./run-request.ts";
import { type ProtectionJobDoc, schedulesOf } from "./protection-job-document.ts";

const ORDER: Readonly<Record<string, number>> = { SNAPSHOT: 0, BACKUP: 1, CLOUD_BACKUP: 2 };
const UNITS = ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"] as const;
type Duration = NonNullable<RunTier["expireAfter"]>;

const isTierType = (t: string): t is RunTier["protectionType"] => t in ORDER;
const duration = (d: { unit: string; value: number } | undefined): Duration | null => {
  const unit = UNITS.find((u) => u === d?.unit);
  return d && unit ? { unit, value: d.value } : null;
};

export function resolveTiers(job: ProtectionJobDoc, scheduleIds: readonly number[]): RunTier[] {
  const wanted = new Set(scheduleIds);
  return schedulesOf(job)
    .filter(({ schedule }) => wanted.has(schedule.scheduleId))
    .sort((a, b) => (ORDER[a.tier.type] ?? 9) - (ORDER[b.tier.type] ?? 9) || a.schedule.scheduleId - b.schedule.scheduleId)
    .flatMap(({ tier, schedule }): RunTier[] => {
      const o = schedule.overrides;
      const protectionType = tier.type;
      // The job was refused when its policy had other tiers (checkRunnable).
      if (!isTierType(protectionType)) return [];
      return [{
        scheduleId: schedule.scheduleId,
        protectionType,
        protectionStoreId: tier.type === "SNAPSHOT" ? null : (tier.protectionStoreInfo?.id ?? null),
        expireAfter: duration(o.expireAfter ?? schedule.expireAfter),
        lockFor: duration(o.lockFor ?? schedule.lockFor),
        sourceScheduleId: schedule.sourceProtectionScheduleId ?? null,
        consistency: o.consistency ?? "CRASH",
        // The lab tracks changed blocks as vCenter does: incrementals read only what changed unless told VOLUME.
        backupGranularity: o.backupGranularity ?? "VMWARE_CBT",
        // Every backup is verified after it is written unless the policy says otherwise.
        verify: schedule.verify ?? true,
      }];
    });
}
