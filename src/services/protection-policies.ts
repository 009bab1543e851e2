// Protection policies: synchronous create/patch/replace/delete (the contract answers 200/204).
import { randomUUID } from "node:crypto";
import type { RequestContext, WriteResult, CollectionHandlers } from "../api/resource/collection-definition.ts";
import type { DocumentRepository, StoredDocument } from "../db/document-repository.ts";
import { nowIso } from "../db/document-repository.ts";
import { AppError } from "../domain/app-error.ts";
import { type ProtectionSpec, type ScheduleSpec, validateProtections } from "../domain/protection-policy-rules.ts";

const BASE = "/backup-recovery/v1beta1/protection-policies";

interface CreateBody {
  name: string;
  description?: string;
  applicationType: string;
  protections: (ProtectionSpec & { schedules: ScheduleSpec[] })[];
}

interface PatchBody {
  name?: string;
  description?: string | null;
  protections?: { id: string; schedules?: ScheduleSpec[] }[];
}

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

function toStored(protections: CreateBody["protections"]): StoredProtection[] {
  return protections.map((p) => ({
    id: randomUUID(),
    type: p.type,
    ...(p.protectionStoreId ? { protectionStoreInfo: storeInfo(p.protectionStoreId) } : {}),
    schedules: p.schedules,
  }));
}

const asSpecs = (protections: StoredProtection[]): ProtectionSpec[] =>
  protections.map((p) => ({ type: p.type, ...(p.protectionStoreInfo ? { protectionStoreId: p.protectionStoreInfo.id } : {}), schedules: p.schedules }));

export function protectionPolicyHandlers(repository: DocumentRepository): CollectionHandlers {
  // Names identify policies in the console and in scripts: two policies may not share one.
  const ensureUniqueName = async (customerId: string, name: string, exceptId?: string) => {
    const clash = await repository.findIdBy(customerId, "name", name, exceptId);
    if (clash) throw AppError.badRequest(`a protection policy named '${name}' already exists (${clash})`);
  };

  return {
    repository,
    async create(ctx: RequestContext, raw: unknown): Promise<WriteResult> {
      const body = raw as CreateBody;
      validateProtections(body.protections);
      await ensureUniqueName(ctx.principal.customerId, body.name);
      const id = randomUUID();
      const now = nowIso();
      const policy: Policy = {
        id,
        name: body.name,
        type: "backup-recovery/protection-policy",
        generation: 1,
        createdAt: now,
        updatedAt: now,
        resourceUri: `${BASE}/${id}`,
        consoleUri: `/backup-and-recovery/protection-policies/${id}`,
        customerId: ctx.principal.customerId,
        ...(body.description !== undefined ? { description: body.description } : {}),
        applicationType: body.applicationType,
        assigned: false,
        createdBy: { id: ctx.principal.id, name: ctx.principal.clientId },
        protectionJobsInfo: [],
        protections: toStored(body.protections),
      };
      await repository.insert(policy);
      return { document: policy };
    },

    async update(ctx, id, raw, ifMatch) {
      const patch = raw as PatchBody;
      if (patch.name !== undefined) await ensureUniqueName(ctx.principal.customerId, patch.name, id);
      const next = await repository.update<Policy>(ctx.principal.customerId, id, ifMatch, (policy) => {
        if (patch.name !== undefined) policy.name = patch.name;
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
      return { document: next };
    },

    async replace(ctx, id, raw, ifMatch) {
      const body = raw as CreateBody;
      validateProtections(body.protections);
      await ensureUniqueName(ctx.principal.customerId, body.name, id);
      const next = await repository.update<Policy>(ctx.principal.customerId, id, ifMatch, (policy) => {
        if (policy.assigned) throw AppError.badRequest("the policy is assigned to protection jobs; change it with PATCH");
        const { description: _old, ...rest } = policy;
        return {
          ...rest,
          name: body.name,
          ...(body.description !== undefined ? { description: body.description } : {}),
          applicationType: body.applicationType,
          protections: toStored(body.protections),
        };
      });
      return { document: next };
    },

    async remove(ctx, id, ifMatch) {
      await repository.delete(ctx.principal.customerId, id, ifMatch, (doc) => {
        if ((doc as Policy).assigned) throw AppError.badRequest("the policy is assigned to protection jobs; unassign it first");
      });
      return undefined;
    },
  };
}
