// The bodies `obr orchestrator` processes and the control plane exchange under
// /obr/v1/orchestrator (obr's own protocol, not part of the GreenLake API): checked on both sides.
import { Type } from "typebox";

/** What an orchestrator process reports about itself with every heartbeat. */
export const OrchestratorFactsSchema = Type.Object(
  {
    softwareVersion: Type.String({ maxLength: 64 }),
    hostname: Type.String({ maxLength: 255 }),
    upTimeInSeconds: Type.Integer({ minimum: 0 }),
    poweredOnAt: Type.String({ format: "date-time" }),
    vCpu: Type.Integer({ minimum: 0, maximum: 4096 }),
    totalMemoryInGiB: Type.Integer({ minimum: 0, maximum: 1048576 }),
    pid: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const PollSecret = Type.String({ minLength: 32, maxLength: 128, pattern: "^[A-Za-z0-9_-]+$" });

export const AnnounceSchema = Type.Object({ activationCode: Type.String({ format: "uuid" }), pollSecret: PollSecret, facts: OrchestratorFactsSchema }, { additionalProperties: false });
export const CollectSchema = Type.Object({ pollSecret: PollSecret }, { additionalProperties: false });
/** The credential issued once to the process that announced the code: only the hash is kept. */
export const PairedSchema = Type.Object({ orchestratorId: Type.String(), credential: Type.String() });

/** A lease owner names the orchestrator and one run of its process. */
export const ClaimSchema = Type.Object({ instance: Type.String({ format: "uuid" }) }, { additionalProperties: false });
export const ClaimedJobSchema = Type.Object({
  id: Type.String(),
  jobType: Type.String(),
  payload: Type.Unknown(),
  /** What the control plane planned for it (job types that move data: where the VM and stores are). */
  plan: Type.Optional(Type.Unknown()),
  attempt: Type.Integer(),
  leaseMs: Type.Integer(),
});
export const ProgressSchema = Type.Object(
  { instance: Type.String({ format: "uuid" }), percent: Type.Number({ minimum: 0, maximum: 100 }), message: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
const ResourceRefSchema = Type.Object({ name: Type.Optional(Type.String({ maxLength: 255 })), resourceUri: Type.String({ maxLength: 1000 }), type: Type.String({ maxLength: 255 }) }, { additionalProperties: false });
export const CompleteSchema = Type.Object(
  {
    instance: Type.String({ format: "uuid" }),
    outcome: Type.Union([Type.Literal("SUCCEEDED"), Type.Literal("FAILED")]),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    associatedResources: Type.Optional(Type.Array(ResourceRefSchema, { maxItems: 20 })),
    /** What the job produced (job types that move data), checked against the job type's schema. */
    result: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
