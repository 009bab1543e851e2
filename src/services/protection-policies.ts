// Protection policies: synchronous create/patch/replace/delete (the contract answers 200/204).
import { randomUUID } from "node:crypto";
import type { Static } from "typebox";
import type { DocumentRepository, StoredDocument } from "../db/document-repository.ts";
import { nowIso } from "../db/document-repository.ts";
import type { Actor } from "../domain/actor.ts";
import { AppError } from "../domain/app-error.ts";
import type { ResourceOutcome } from "../domain/outcome.ts";
import { type ProtectionSpec, type ScheduleSpec, validateProtections } from "../domain/protection-policy-rules.ts";
import type { PolicyCreateSchema, PolicyUpdateSchema } from "../domain/schemas/protection-policy-schemas.ts";
import { nameKey, trimName } from "../domain/unique-name.ts";

const BASE = "/backup-recovery/v1beta1/protection-policies";

export type CreatePolicyCommand = Static<typeof PolicyCreateSchema>;
export type PatchPolicyCommand = Static<typeof PolicyUpdateSchema>;

interface StoredProtection {
  id: string;
  type: string;
  protectionStoreInfo?: { id: string; type: string; resourceUri: string };
  schedules: ScheduleSpec[];
}

interface Policy extends StoredDocument {
  name: string;
  description?: string;
  applicationType: string;
  assigned: boolean;
  protections: StoredProtection[];
}

function storeInfo(id: string) {
  // compat: name and protectionStoreType are filled once protection stores exist in obr.
  return { id, type: "backup-recovery/protection-store", resourceUri: `/backup-recovery/v1beta1/protection-stores/${id}` };
}

function toStored(protections: CreatePolicyCommand["protections"]): StoredProtection[] {
  return protections.map((p) => ({
    id: randomUUID(),
    type: p.type,
    ...(p.protectionStoreId ? { protectionStoreInfo: storeInfo(p.protectionStoreId) } : {}),
    schedules: p.schedules,
  }));
}

const asSpecs = (protections: StoredProtection[]): ProtectionSpec[] =>
  protections.map((p) => ({ type: p.type, ...(p.protectionStoreInfo ? { protectionStoreId: p.protectionStoreInfo.id } : {}), schedules: p.schedules }));

export interface ProtectionPolicyUseCases {
  create(actor: Actor, command: CreatePolicyCommand): Promise<ResourceOutcome>;
  /** Merge-patch; `ifMatch` is the generation the caller last saw. */
  update(actor: Actor, id: string, patch: PatchPolicyCommand, ifMatch?: number): Promise<ResourceOutcome>;
  replace(actor: Actor, id: string, command: CreatePolicyCommand, ifMatch?: number): Promise<ResourceOutcome>;
  remove(actor: Actor, id: string, ifMatch?: number): Promise<void>;
}

export function protectionPolicyUseCases(repository: DocumentRepository): ProtectionPolicyUseCases {
  // Names identify policies in the console and in scripts: two policies may not share one, even
  // in another case or with other surrounding spaces. The unique index on name_key settles races.
  const uniqueName = async (customerId: string, raw: string, exceptId?: string): Promise<string> => {
    const name = trimName(raw);
    const clash = await repository.findIdBy(customerId, "name_key", nameKey(name), exceptId);
    if (clash) throw AppError.conflict(`a protection policy named '${name}' already exists (${clash})`);
    return name;
  };

  return {
    async create(actor, body) {
      validateProtections(body.protections);
      const name = await uniqueName(actor.workspaceId, body.name);
      const id = randomUUID();
      const now = nowIso();
      const policy: Policy = {
        id,
        name,
        type: "backup-recovery/protection-policy",
        generation: 1,
        createdAt: now,
        updatedAt: now,
        resourceUri: `${BASE}/${id}`,
        consoleUri: `/backup-and-recovery/protection-policies/${id}`,
        customerId: actor.workspaceId,
        ...(body.description !== undefined ? { description: body.description } : {}),
        applicationType: body.applicationType,
        assigned: false,
        createdBy: { id: actor.apiClientId, name: actor.clientId },
        protectionJobsInfo: [],
        protections: toStored(body.protections),
      };
      await repository.insert(policy);
      return { resource: policy };
    },

    async update(actor, id, patch, ifMatch) {
      const name = patch.name === undefined ? undefined : await uniqueName(actor.workspaceId, patch.name, id);
      const next = await repository.update<Policy>(actor.workspaceId, id, ifMatch, (policy) => {
        if (name !== undefined) policy.name = name;
        if (patch.description === null) delete policy.description;
        else if (patch.description !== undefined) policy.description = patch.description;
        for (const change of patch.protections ?? []) {
          const tier = policy.protections.find((p) => p.id === change.id);
          if (!tier) throw AppError.badRequest(`protections: the policy has no protection '${change.id}'`);
          if (change.schedules) {
            // Script and chain settings are not patchable; keep them from the existing schedule.
            tier.schedules = change.schedules.map((s) => {
              const old = tier.schedules.find((o) => o.scheduleId === s.scheduleId) as Record<string, unknown> | undefined;
              const kept = old ? { sourceProtectionScheduleId: old.sourceProtectionScheduleId, preScriptInfo: old.preScriptInfo, postScriptInfo: old.postScriptInfo } : {};
              return JSON.parse(JSON.stringify({ ...s, ...kept })) as ScheduleSpec;
            });
          }
        }
        validateProtections(asSpecs(policy.protections));
        return policy;
      });
      return { resource: next };
    },

    async replace(actor, id, body, ifMatch) {
      validateProtections(body.protections);
      const name = await uniqueName(actor.workspaceId, body.name, id);
      const next = await repository.update<Policy>(actor.workspaceId, id, ifMatch, (policy) => {
        if (policy.assigned) throw AppError.badRequest("the policy is assigned to protection jobs; change it with PATCH");
        const { description: _old, ...rest } = policy;
        return {
          ...rest,
          name,
          ...(body.description !== undefined ? { description: body.description } : {}),
          applicationType: body.applicationType,
          protections: toStored(body.protections),
        };
      });
      return { resource: next };
    },

    async remove(actor, id, ifMatch) {
      await repository.delete(actor.workspaceId, id, ifMatch, (doc) => {
        if (doc.assigned === true) throw AppError.badRequest("the policy is assigned to protection jobs; unassign it first");
      });
    },
  };
}
