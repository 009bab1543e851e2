// Protection policy schemas (DataManagementTemplates* in the contract): protections -> schedules.
import { Type } from "typebox";
import { CommonResourceFields } from "./common-schemas.ts";
import { NameString } from "./name-schema.ts";

const HHMM = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description: "HH:MM, UTC" });
export const DURATION_UNITS = ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"] as const;
export const PROTECTION_TYPES = ["SNAPSHOT", "BACKUP", "CLOUD_BACKUP", "REPLICATED_SNAPSHOT", "DATABASE_LOG_BACKUP"] as const;
export const RECURRENCES = ["BY_MINUTES", "HOURLY", "DAILY", "WEEKLY", "MONTHLY"] as const;

export const Duration = Type.Object(
  { unit: Type.Enum([...DURATION_UNITS]), value: Type.Integer({ minimum: 1, maximum: 100_000 }) },
  { additionalProperties: false },
);
const Script = Type.Object(
  {
    hostId: Type.Optional(Type.String({ maxLength: 256 })),
    params: Type.Optional(Type.String({ maxLength: 4096 })),
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    timeoutInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
export const Schedule = Type.Object(
  {
    recurrence: Type.Enum([...RECURRENCES]),
    repeatInterval: Type.Object(
      { every: Type.Integer({ minimum: 1 }), on: Type.Optional(Type.Array(Type.Integer(), { maxItems: 31 })) },
      { additionalProperties: false },
    ),
    startTime: Type.Optional(HHMM),
    activeTime: Type.Optional(Type.Object({ activeFromTime: HHMM, activeUntilTime: HHMM }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Fields every schedule shares, in requests and responses. */
const scheduleFields = {
  scheduleId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  name: Type.Optional(NameString({ maxLength: 255 })),
  namePattern: Type.Optional(Type.Object({ format: Type.String({ maxLength: 255 }) }, { additionalProperties: false })),
  expireAfter: Type.Optional(Duration),
  lockFor: Type.Optional(Duration),
  schedule: Schedule,
  // compat: the guide's example carries `verify`; the schema does not declare it.
  verify: Type.Optional(Type.Boolean()),
};
const CreateSchedule = Type.Object(
  {
    ...scheduleFields,
    sourceProtectionScheduleId: Type.Optional(Type.Integer({ minimum: 1 })),
    preScriptInfo: Type.Optional(Script),
    postScriptInfo: Type.Optional(Script),
  },
  { additionalProperties: false },
);
const UpdateSchedule = Type.Object(scheduleFields, { additionalProperties: false });

const Limits = { maxItems: 16 };
export const PolicyCreateSchema = Type.Object(
  {
    name: NameString({ maxLength: 255 }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    applicationType: Type.Enum(["VMWARE", "AWS", "HPE_ARRAY_VOLUME", "MSSQL"]),
    protections: Type.Array(
      Type.Object(
        {
          type: Type.Enum([...PROTECTION_TYPES]),
          protectionStoreId: Type.Optional(Type.String({ format: "uuid" })),
          schedules: Type.Array(CreateSchedule, { minItems: 1, ...Limits }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, ...Limits },
    ),
  },
  { additionalProperties: false },
);

export const PolicyUpdateSchema = Type.Object(
  {
    name: Type.Optional(NameString({ maxLength: 255 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
    protections: Type.Optional(
      Type.Array(
        Type.Object(
          { id: Type.String({ format: "uuid" }), schedules: Type.Optional(Type.Array(UpdateSchedule, { minItems: 1, ...Limits })) },
          { additionalProperties: false },
        ),
        Limits,
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Reference = {
  id: Type.String({ format: "uuid" }),
  resourceUri: Type.String(),
  type: Type.String(),
};

export const PolicySchema = Type.Object({
  ...CommonResourceFields,
  consoleUri: Type.String(),
  description: Type.Optional(Type.String()),
  applicationType: Type.String(),
  assigned: Type.Boolean(),
  createdBy: Type.Object({ id: Type.String(), name: Type.String() }),
  protectionJobsInfo: Type.Array(
    Type.Object({
      ...Reference,
      assetInfo: Type.Object({ ...Reference, name: Type.String(), displayName: Type.String() }),
    }),
  ),
  protections: Type.Array(
    Type.Object({
      id: Type.String({ format: "uuid" }),
      type: Type.String(),
      protectionStoreInfo: Type.Optional(
        Type.Object({ ...Reference, name: Type.Optional(Type.String()), protectionStoreType: Type.Optional(Type.String()) }),
      ),
      schedules: Type.Array(CreateSchedule),
    }),
  ),
});
