// Protection policies: synchronous create/patch/replace/delete (the contract answers 200/204).
import { randomUUID } from "node:crypto";
import type { Static } from "typebox";
import type { DocumentRepository, StoredDocument, UnitOfWork } from "./ports/documents.ts";
import { nowIso } from "../domain/clock.ts";
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
  protectionStoreInfo?: { id: string; name: string; protectionStoreType: string; type: string; resourceUri: string };
  schedules: ScheduleSpec[];
}

interface Policy extends StoredDocument {
  name: string;
  description?: string;
  applicationType: string;
  assigned: boolean;
  protections: StoredProtection[];
}

/** How a policy finds the protection stores its tiers name (the protection-store use cases). */
export interface ProtectionStoreLookup {
  find(workspaceId: string, id: string): Promise<{ id: string; displayName: string; protectionStoreType: string } | undefined>;
}

/** The store type each tier writes to: a backup to an on-premises store, a cloud backup to a cloud one. */
const STORE_TYPE_OF_TIER: Readonly<Record<string, string>> = { BACKUP: "ON_PREMISES", CLOUD_BACKUP: "CLOUD" };

/**
 * The tiers with their protectionStoreInfo filled from the stores they name: each must be a store
 * of the caller's workspace, of the type the tier needs (400 otherwise).
 */
async function toStored(stores: ProtectionStoreLookup, workspaceId: string, protections: CreatePolicyCommand["protections"]): Promise<StoredProtection[]> {
  const out: StoredProtection[] = [];
  for (const [i, p] of protections.entries()) {
    let protectionStoreInfo: StoredProtection["protectionStoreInfo"];
    if (p.protectionStoreId) {
      const store = await stores.find(workspaceId, p.protectionStoreId);
      if (!store) throw AppError.badRequest(`protections[${i}].protectionStoreId '${p.protectionStoreId}' is not a protection store of this workspace`);
      const needed = STORE_TYPE_OF_TIER[p.type];
      if (needed && store.protectionStoreType !== needed) {
        throw AppError.badRequest(`protections[${i}]: a ${p.type} protection needs a protection store of type ${needed}; '${store.displayName}' is ${store.protectionStoreType}`);
      }
      protectionStoreInfo = {
        id: store.id,
        name: store.displayName,
        protectionStoreType: store.protectionStoreType,
        type: "backup-recovery/protection-store",
        resourceUri: `/backup-recovery/v1beta1/protection-stores/${store.id}`,
      };
    }
    out.push({ id: randomUUID(), type: p.type, ...(protectionStoreInfo ? { protectionStoreInfo } : {}), schedules: p.schedules });
  }
  return out;
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

/** Told of a changed assigned policy in the transaction that changes it (its protection jobs follow it). */
export type PolicyChanged = (policy: StoredDocument, uow: UnitOfWork) => Promise<void>;

export function protectionPolicyUseCases(repository: DocumentRepository, stores: ProtectionStoreLookup, changed?: PolicyChanged): ProtectionPolicyUseCases {
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
      const protections = await toStored(stores, actor.workspaceId, body.protections);
      const id = randomUUID();
      const now = nowIso(repository.clock);
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
        protections,
      };
      await repository.insert(policy);
      return { resource: policy };
    },

    async update(actor, id, patch, ifMatch) {
      const name = patch.name === undefined ? undefined : await uniqueName(actor.workspaceId, patch.name, id);
      const next = await repository.transaction(async (uow) => {
        const updated = await repository.update<Policy>(actor.workspaceId, id, ifMatch, (policy) => {
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
        }, uow);
        if (updated.assigned) await changed?.(updated, uow);
        return updated;
      });
      return { resource: next };
    },

    async replace(actor, id, body, ifMatch) {
      validateProtections(body.protections);
      const name = await uniqueName(actor.workspaceId, body.name, id);
      // Another workspace's policy is not there (404) whatever stores the body names.
      if (!(await repository.get(actor.workspaceId, id))) throw AppError.notFound(`protection policies '${id}' not found`);
      const protections = await toStored(stores, actor.workspaceId, body.protections);
      const next = await repository.update<Policy>(actor.workspaceId, id, ifMatch, (policy) => {
        if (policy.assigned) throw AppError.badRequest("the policy is assigned to protection jobs; change it with PATCH");
        const { description: _old, ...rest } = policy;
        return {
          ...rest,
          name,
          ...(body.description !== undefined ? { description: body.description } : {}),
          applicationType: body.applicationType,
          protections,
        };
      });
      return { resource: next };
    },

    async remove(actor, id, ifMatch) {
      await repository.delete(actor.workspaceId, id, ifMatch, (doc) => {
        // compat: the contract lists 400 here; a policy its jobs still use is a conflict, as the
        // database's reference (protection_jobs.protection_policy_id) answers too.
        if (doc.assigned === true) throw AppError.conflict("the policy is assigned to protection jobs; delete those jobs first");
      });
    },
  };
}
