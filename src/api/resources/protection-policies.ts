// GET/POST /protection-policies, GET/PATCH/PUT/DELETE /protection-policies/{id}: synchronous.
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { PolicyCreateSchema, PolicySchema, PolicyUpdateSchema } from "../../domain/schemas/protection-policy-schemas.ts";

export const protectionPolicies: CollectionDefinition = {
  name: "protection-policies",
  path: "/backup-recovery/v1beta1/protection-policies",
  idParam: "id",
  tag: "protection-policies",
  schema: PolicySchema,
  promoted: { name: "name", created_at: "createdAt", updated_at: "updatedAt", generation: "generation" },
  list: {
    operationId: "DataManagementTemplatesList",
    summary: "List protection policies",
    envelope: "standard",
    limitDefault: 100,
    limitMax: 20_000,
    offsetMax: 1000,
    // The contract's list (less protections/applicationType, which the resource does not carry),
    // plus the common fields clients filter on.
    filterable: [
      "assigned",
      "name",
      "protections/type",
      "protections/protectionStoreInfo/name",
      "protections/protectionStoreInfo/id",
      "applicationType",
      "id",
      "createdAt",
      "updatedAt",
      "generation",
      "createdBy/id",
      "createdBy/name",
    ],
  },
  get: { operationId: "DataManagementTemplateDetail", summary: "Get one protection policy" },
  create: { operationId: "DataManagementTemplateCreate", summary: "Create a protection policy", body: PolicyCreateSchema, status: 200 },
  update: { operationId: "DataManagementTemplateUpdate", summary: "Partly update a protection policy", body: PolicyUpdateSchema, status: 200 },
  replace: { operationId: "DataManagementTemplateReplace", summary: "Replace an unassigned protection policy", body: PolicyCreateSchema, status: 200 },
  remove: { operationId: "DeleteDataManagementTemplate", summary: "Delete a protection policy", status: 204 },
};
