// What one run of a protection job asks the worker to do. The protection-jobs service resolves
// the job's policy (with the job's per-schedule overrides) into tiers when it queues a run, so the
// run executes exactly what was asked even if the policy changes meanwhile, and the run's job type
// (src/jobs/protection-run-jobs.ts) needs no knowledge of how protection jobs are stored.
import type { Static } from "typebox";
import { Type } from "typebox";

export const JOB_PROTECTION_RUN = "protection.run";

const Id = Type.String({ minLength: 1 });
/** A policy's expireAfter or lockFor. */
export const Duration = Type.Object({
  unit: Type.Union([Type.Literal("HOURS"), Type.Literal("DAYS"), Type.Literal("WEEKS"), Type.Literal("MONTHS"), Type.Literal("YEARS")]),
  value: Type.Integer({ minimum: 1 }),
});

/** One schedule of the policy, as this run executes it. Tiers run in array order. */
export const RunTier = Type.Object({
  scheduleId: Type.Integer({ minimum: 1 }),
  protectionType: Type.Union([Type.Literal("SNAPSHOT"), Type.Literal("BACKUP"), Type.Literal("CLOUD_BACKUP")]),
  /** The tier's protection store (BACKUP: on-premises, CLOUD_BACKUP: cloud); null for SNAPSHOT. */
  protectionStoreId: Type.Union([Id, Type.Null()]),
  expireAfter: Type.Union([Duration, Type.Null()]),
  lockFor: Type.Union([Duration, Type.Null()]),
  /** The schedule whose newest copy this tier copies instead of taking a new snapshot. */
  sourceScheduleId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** The contract's Consistency: the lab has no guest to quiesce, so it records CRASH either way. */
  consistency: Type.Union([Type.Literal("CRASH"), Type.Literal("APPLICATION"), Type.Literal("CRASH_CONSISTENT_ON_FAILURE")]),
  /** The contract's backupGranularity: VMWARE_CBT reads only changed ranges, VOLUME re-reads the disks. */
  backupGranularity: Type.Union([Type.Literal("VOLUME"), Type.Literal("VMWARE_CBT")]),
  verify: Type.Boolean(),
});
export type RunTier = Static<typeof RunTier>;

export const ProtectionRunPayload = Type.Object({
  protectionJobId: Id,
  policyId: Id,
  /** The protected VM (Virtualization API id). */
  assetId: Id,
  assetType: Type.Literal("hybrid-cloud/virtual-machine"),
  fullBackup: Type.Boolean(),
  trigger: Type.Union([Type.Literal("SCHEDULED"), Type.Literal("ON_DEMAND"), Type.Literal("INITIAL")]),
  tiers: Type.Array(RunTier, { minItems: 1 }),
  /** The separate data orchestrator (`obr orchestrator`) that moves the VM's data; absent: the embedded one. */
  orchestratorId: Type.Optional(Id),
});
export type ProtectionRunPayload = Static<typeof ProtectionRunPayload>;
