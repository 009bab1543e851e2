// /backup-recovery/v1beta1/protection-jobs: list, get, create (202), delete (202) and the run,
// suspend and resume actions (202).
import {
  ProtectionJobCreateSchema,
  ProtectionJobRunSchema,
  ProtectionJobSchedulesSchema,
  ProtectionJobSchema,
} from "../../domain/schemas/protection-job-schemas.ts";
import type { ProtectionJobUseCases } from "../../services/protection/protection-jobs.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operation, operationWithBody } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

export const protectionJobs = {
  name: "protection-jobs",
  table: "protection_jobs",
  path: "/backup-recovery/v1beta1/protection-jobs",
  idParam: "id",
  tag: "protection-jobs",
  schema: ProtectionJobSchema,
  promoted: {
    asset_id: "assetInfo/id",
    asset_type: "assetInfo/type",
    asset_name: "assetInfo/name",
    asset_resource_uri: "assetInfo/resourceUri",
    operational: "operational",
    data_orchestrator_id: "dataOrchestratorId",
    protection_policy_id: "protectionPolicyInfo/id",
    protection_policy_name: "protectionPolicyInfo/name",
  },
  references: {
    protection_policy_id: { table: "protection_policies", relation: "protection policy" },
    asset_id: { table: "virtual_machines", relation: "virtual machine" },
  },
  list: {
    operationId: "DataManagementJobsList",
    summary: "List protection jobs",
    envelope: "standard",
    limitDefault: 100,
    limitMax: 20_000,
    offsetMax: 1000,
    // The contract's attributes, and the common fields.
    filterable: [
      "assetInfo/name",
      "assetInfo/type",
      "assetInfo/id",
      "assetInfo/resourceUri",
      "operational",
      "dataOrchestratorId",
      "protectionPolicyInfo/id",
      "protectionPolicyInfo/name",
      "id",
      "name",
      "createdAt",
      "updatedAt",
      "generation",
    ],
  },
  get: { operationId: "DataManagementJobDetail", summary: "Get one protection job" },
  create: operationWithBody(
    // compat: 409 answers a VM that a job protects already (not among the contract's statuses).
    { operationId: "DataManagementJobCreate", summary: "Assign a protection policy to a virtual machine", status: 202, errors: [400, 401, 403, 409, 500] },
    ProtectionJobCreateSchema,
  ),
  remove: operation({ operationId: "DeleteDataManagementJob", summary: "Remove a protection job (unprotect the VM; its copies stay)", status: 202, errors: [400, 401, 403, 404, 412, 500] }),
  actions: {
    run: operationWithBody(
      { operationId: "DataManagementJobRun", summary: "Run selected schedules of a protection job now", status: 202, errors: [400, 401, 403, 404, 500] },
      ProtectionJobRunSchema,
    ),
    suspend: operationWithBody(
      { operationId: "DataManagementJobSuspend", summary: "Suspend schedules of a protection job", status: 202, errors: [400, 401, 403, 404, 500] },
      ProtectionJobSchedulesSchema,
    ),
    resume: operationWithBody(
      { operationId: "DataManagementJobResume", summary: "Resume suspended schedules of a protection job", status: 202, errors: [400, 401, 403, 404, 500] },
      ProtectionJobSchedulesSchema,
    ),
  },
} satisfies CollectionDefinition;

export function protectionJobHandlers(jobs: ProtectionJobUseCases): CollectionHandlers {
  const def = protectionJobs;
  return {
    create: handleCollection(def.create, ({ actor, body }) => jobs.create(actor, body)),
    remove: handleItem(def.remove, ({ actor, id, ifMatch }) => jobs.remove(actor, id, ifMatch)),
    actions: {
      run: handleItem(def.actions.run, ({ actor, id, body }) => jobs.run(actor, id, body)),
      suspend: handleItem(def.actions.suspend, ({ actor, id, body }) => jobs.suspend(actor, id, body)),
      resume: handleItem(def.actions.resume, ({ actor, id, body }) => jobs.resume(actor, id, body)),
    },
  };
}
