// GET/POST /protection-policies, GET/PATCH/PUT/DELETE /protection-policies/{id}: synchronous.
import { PolicyCreateSchema, PolicySchema, PolicyUpdateSchema } from "../../domain/schemas/protection-policy-schemas.ts";
import type { ProtectionPolicyUseCases } from "../../services/protection-policies.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operation, operationWithBody } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

export const protectionPolicies = {
  name: "protection-policies",
  path: "/backup-recovery/v1beta1/protection-policies",
  idParam: "id",
  tag: "protection-policies",
  schema: PolicySchema,
  table: "protection_policies",
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
  create: operationWithBody({ operationId: "DataManagementTemplateCreate", summary: "Create a protection policy", status: 200, errors: [400, 401, 403, 500] }, PolicyCreateSchema),
  update: operationWithBody(
    { operationId: "DataManagementTemplateUpdate", summary: "Partly update a protection policy", status: 200, errors: [400, 401, 403, 404, 412, 500] },
    PolicyUpdateSchema,
  ),
  replace: operationWithBody(
    { operationId: "DataManagementTemplateReplace", summary: "Replace an unassigned protection policy", status: 200, errors: [400, 401, 403, 404, 412, 500] },
    PolicyCreateSchema,
  ),
  // compat: 409 answers a policy its protection jobs still use (not among the contract's statuses).
  remove: operation({ operationId: "DeleteDataManagementTemplate", summary: "Delete a protection policy", status: 204, errors: [400, 401, 403, 404, 409, 412, 500] }),
} satisfies CollectionDefinition;

export function protectionPolicyHandlers(policies: ProtectionPolicyUseCases): CollectionHandlers {
  const def = protectionPolicies;
  return {
    create: handleCollection(def.create, ({ actor, body }) => policies.create(actor, body)),
    update: handleItem(def.update, ({ actor, id, body, ifMatch }) => policies.update(actor, id, body, ifMatch)),
    replace: handleItem(def.replace, ({ actor, id, body, ifMatch }) => policies.replace(actor, id, body, ifMatch)),
    remove: handleItem(def.remove, async ({ actor, id, ifMatch }) => {
      await policies.remove(actor, id, ifMatch);
      return undefined;
    }),
  };
}
