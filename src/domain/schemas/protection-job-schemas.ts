// Protection jobs (DataManagementJobs* in the contract): a protection policy assigned to an asset,
// with per-schedule overrides, and the run/suspend/resume bodies.
import { Type } from "typebox";
import { CommonResourceFields, Timestamp } from "./common-schemas.ts";
import { StringEnum } from "./inventory-schemas.ts";
import { Duration, Schedule } from "./protection-policy-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();

export const CONSISTENCIES = ["CRASH", "APPLICATION", "CRASH_CONSISTENT_ON_FAILURE"] as const;
export const BACKUP_GRANULARITIES = ["VOLUME", "VMWARE_CBT"] as const;
/** The asset types obr protects: VMs, as the contract names them and as the HPE blog does. */
export const VM_ASSET_TYPES = ["virtualization/virtual-machine", "hybrid-cloud/virtual-machine"] as const;
export const JOB_OPERATIONAL = ["ACTIVE", "SUSPENDED", "PARTIALLY_SUSPENDED", "PERMANENTLY_SUSPENDED"] as const;

const ScheduleId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const ScriptOverride = Type.Object({ params: Type.String({ maxLength: 4096 }) }, { additionalProperties: false });

/** What a job may change of one policy schedule (the contract's overrides). */
export const ScheduleOverrideFields = {
  backupGranularity: O(Type.Enum([...BACKUP_GRANULARITIES])),
  consistency: O(Type.Enum([...CONSISTENCIES])),
  createSnapshotOnFailure: O(Type.Boolean()),
  expireAfter: O(Duration),
  lockFor: O(Duration),
  namePattern: O(Type.Object({ format: Type.String({ maxLength: 255 }) }, { additionalProperties: false })),
  preScriptInfo: O(ScriptOverride),
  postScriptInfo: O(ScriptOverride),
  vmwareOptions: O(Type.Object({ includeRdmDisks: O(Type.Boolean()) }, { additionalProperties: false })),
};

export const ProtectionJobCreateSchema = Type.Object(
  {
    assetInfo: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), type: O(Type.String({ maxLength: 256 })) }, { additionalProperties: false }),
    protectionPolicyId: Type.String({ minLength: 1, maxLength: 256 }),
    effectiveFromDateTime: O(Type.String({ format: "date-time" })),
    overrides: O(
      Type.Object(
        {
          protections: O(
            Type.Array(
              Type.Object(
                {
                  id: Type.String({ format: "uuid" }),
                  protectionStoreId: O(Type.String({ format: "uuid" })),
                  schedules: O(Type.Array(Type.Object({ scheduleId: ScheduleId, ...ScheduleOverrideFields }, { additionalProperties: false }), { maxItems: 16 })),
                },
                { additionalProperties: false },
              ),
              { maxItems: 16 },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const ScheduleIds = Type.Array(ScheduleId, { maxItems: 64 });

export const ProtectionJobRunSchema = Type.Object(
  {
    scheduleIds: O(ScheduleIds),
    // compat: the HPE blog sends `ScheduleIds`; both spellings are accepted (not both at once).
    ScheduleIds: O(ScheduleIds),
    fullBackup: O(Type.Boolean()),
    // Asset groups only; obr protects single VMs, so a non-empty list is refused.
    includeResources: O(Type.Array(Type.String(), { maxItems: 0 })),
  },
  { additionalProperties: false },
);

export const ProtectionJobSchedulesSchema = Type.Object({ scheduleIds: O(ScheduleIds) }, { additionalProperties: false });

const ExecutionStatus = Type.Object({
  status: StringEnum(["OK", "ERROR", "WARNING", "IN_PROGRESS", "SKIPPED"]),
  timestamp: Timestamp,
  taskUri: O(S()),
  errorMessage: O(S()),
});

const Reference = { id: Type.String(), name: O(S()), resourceUri: O(S()), type: O(S()) };

export const ProtectionJobSchema = Type.Object({
  ...CommonResourceFields,
  consoleUri: S(),
  applicationType: S(),
  assetInfo: Type.Object({ ...Reference, displayName: O(S()) }),
  associatedAssetsInfo: Type.Array(Type.Object({ ...Reference, displayName: O(S()) })),
  dataOrchestratorId: O(S()),
  effectiveFromDateTime: O(Timestamp),
  operational: StringEnum(JOB_OPERATIONAL),
  protectionPolicyInfo: Type.Object(Reference),
  protections: Type.Array(
    Type.Object({
      id: S(),
      type: S(),
      protectionStoreInfo: O(Type.Object({ ...Reference, protectionStoreType: O(S()) })),
      schedules: Type.Array(
        Type.Object({
          scheduleId: Type.Integer(),
          name: O(S()),
          namePattern: O(Type.Object({ format: S() })),
          schedule: Schedule,
          expireAfter: O(Duration),
          lockFor: O(Duration),
          sourceProtectionScheduleId: O(Type.Integer()),
          operational: StringEnum(["ACTIVE", "SUSPENDED"]),
          nextRunTime: O(Timestamp),
          prevRunTime: O(Timestamp),
          prevSuccessfulRunTime: O(Timestamp),
          executionStatuses: Type.Array(ExecutionStatus),
          overrides: Type.Object(ScheduleOverrideFields),
        }),
      ),
    }),
  ),
});
