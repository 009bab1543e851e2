// POST/PATCH/DELETE /protection-stores and POST /protection-stores/{id}/reattach: validate
// synchronously (400/404/409, nothing changed), write the store's busy state and its operation
// in one transaction, and leave the chunk store work to the jobs (protection-store-work.ts).
// PATCH is synchronous, as the contract says (200 + the store).
import { randomUUID } from "node:crypto";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { nowIso } from "../../domain/clock.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome, ResourceOutcome } from "../../domain/outcome.ts";
import type { ProtectionStoreCreateSchema, ProtectionStoreEditSchema, ProtectionStoreReattachSchema } from "../../domain/schemas/protection-store-schemas.ts";
import { findStorageLocation } from "../../domain/storage-locations.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { startBusyOperation } from "../inventory/inventory-context.ts";
import { PROTECTION_STORES_PATH, PROTECTION_STORE_TYPE, type ProtectionStoreContext, type ProtectionStoreDoc, refreshStore, storeResource, systemFields } from "./protection-store-state.ts";
import type { StorageSystemRef } from "./storage-systems.ts";

export const JOB_STORE_CREATE = "protection-store.create";
export const JOB_STORE_DELETE = "protection-store.delete";
export const JOB_STORE_REATTACH = "protection-store.reattach";

export type CreateStoreCommand = Static<typeof ProtectionStoreCreateSchema>;
export type EditStoreCommand = Static<typeof ProtectionStoreEditSchema>;
export type ReattachStoreCommand = Static<typeof ProtectionStoreReattachSchema>;

/** What a protection policy needs to know of a store it names. */
export interface StoreSummary {
  id: string;
  displayName: string;
  protectionStoreType: "ON_PREMISES" | "CLOUD";
}

export interface ProtectionStoreUseCases {
  create(actor: Actor, command: CreateStoreCommand): Promise<OperationOutcome>;
  update(actor: Actor, id: string, patch: EditStoreCommand, ifMatch?: number): Promise<ResourceOutcome>;
  /** Refused while the store holds copies unless `force`, and always while one of them is locked. */
  remove(actor: Actor, id: string, force: boolean, ifMatch?: number): Promise<OperationOutcome>;
  /** CLOUD only: binds the store to another storage system (a gateway that replaced its old one). */
  reattach(actor: Actor, id: string, command: ReattachStoreCommand): Promise<OperationOutcome>;
  /** The store of this workspace with that id, or undefined. */
  find(workspaceId: string, id: string): Promise<StoreSummary | undefined>;
  /** Re-measures the store after data was written to or removed from it (the protection workflow calls this). */
  refreshStats(workspaceId: string, id: string): Promise<void>;
  /**
   * ON_PREMISES stores whose data lives on that storage system (a gateway or StoreOnce may not be
   * deleted while it holds any). Cloud stores bound to a gateway do not count: they are reattached.
   */
  countOnSystem(workspaceId: string, systemId: string, uow?: UnitOfWork): Promise<number>;
}

/** More stores than one system holds in practice; counting reads at most this many. */
const MAX_STORES_PER_SYSTEM = 10_000;
const OnPremises = Type.Object({ protectionStoreType: Type.Literal("ON_PREMISES") });

function ensureIdle(doc: ProtectionStoreDoc): void {
  // compat: 409 is not among the contract's statuses for these operations; a store busy with
  // another operation is refused as a conflict rather than given conflicting work.
  if (doc.state === "NOT_READY") throw AppError.conflict(`protection store '${doc.displayName}' is ${doc.stateReason ?? "busy"}; try again when it is done`);
}

async function requireSystem(ctx: ProtectionStoreContext, workspaceId: string, id: string, type: string | undefined): Promise<StorageSystemRef> {
  const system = await ctx.storageSystems.find(workspaceId, id);
  if (!system) throw AppError.badRequest(`storageSystemId '${id}' is not a protection store gateway or StoreOnce of this workspace`);
  if (type !== undefined && type !== system.info.type) throw AppError.badRequest(`storageSystemType '${type}' does not match storage system '${id}', a ${system.info.type}`);
  return system;
}

export function protectionStoreUseCases(ctx: ProtectionStoreContext): ProtectionStoreUseCases {
  const { repository } = ctx;
  const busyUpdate = (actor: Actor, id: string, ifMatch: number | undefined, change: (doc: ProtectionStoreDoc) => void) => (uow: UnitOfWork) =>
    repository.update<ProtectionStoreDoc>(
      actor.workspaceId,
      id,
      ifMatch,
      (doc) => {
        ensureIdle(doc);
        change(doc);
        doc.state = "NOT_READY";
        return doc;
      },
      uow,
    );

  return {
    async create(actor, body) {
      const id = randomUUID();
      const now = nowIso(repository.clock);
      let placement: Partial<ProtectionStoreDoc>;
      if (body.protectionStoreType === "ON_PREMISES") {
        if (body.region !== undefined || body.storageLocationId !== undefined) throw AppError.badRequest("an ON_PREMISES store takes no region or storageLocationId");
        if (body.storageSystemId === undefined) throw AppError.badRequest("an ON_PREMISES store needs storageSystemId (a protection store gateway or StoreOnce)");
        const system = await requireSystem(ctx, actor.workspaceId, body.storageSystemId, body.storageSystemType);
        placement = { ...systemFields(system), maxCapacityInBytes: system.capacityBytes, encrypted: false };
      } else {
        const wanted = body.storageLocationId ?? body.region;
        if (wanted === undefined) throw AppError.badRequest("a CLOUD store needs storageLocationId (see GET /data-services/v1beta1/storage-locations)");
        const location = findStorageLocation(wanted, ctx.locations);
        if (!location || (body.storageLocationId !== undefined && body.region !== undefined && findStorageLocation(body.region, ctx.locations) !== location)) {
          throw AppError.badRequest(`'${wanted}' is not a storage location of GET /data-services/v1beta1/storage-locations (or region and storageLocationId disagree)`);
        }
        // A cloud store is reached through a gateway's orchestrators when one is named; obr's own
        // orchestrators reach the bucket directly otherwise.
        const system = body.storageSystemId === undefined ? undefined : await requireSystem(ctx, actor.workspaceId, body.storageSystemId, body.storageSystemType);
        placement = {
          ...(system ? systemFields(system) : { dataOrchestratorInfo: [] }),
          region: location.cloudServiceProviderId,
          storageLocationInfo: { id: location.id, name: location.name, resourceUri: location.resourceUri, type: location.type },
          encrypted: true,
        };
      }
      const storeType = body.protectionStoreType === "CLOUD" ? "CLOUD" : "ON_PREMISES";
      const kind = storeType === "CLOUD" ? "cloud" : "local";
      const name = `obr-${kind}-${id.slice(0, 8)}`;
      const doc: ProtectionStoreDoc = {
        id,
        customerId: actor.workspaceId,
        name,
        displayName: body.displayName ?? name,
        type: PROTECTION_STORE_TYPE,
        generation: 1,
        createdAt: now,
        updatedAt: now,
        resourceUri: `${PROTECTION_STORES_PATH}/${id}`,
        consoleUri: `/backup-and-recovery/protection-stores/${id}`,
        protectionStoreType: storeType,
        connectedState: "DISCONNECTED",
        state: "NOT_READY",
        stateReason: "being created",
        status: "OK",
        dataOrchestratorInfo: [],
        sizeOnDiskInBytes: 0,
        userDataStoredInBytes: 0,
        deduplicationRatio: 1,
        encrypted: false,
        ...placement,
      };
      return startBusyOperation(
        ctx,
        actor,
        (uow) => repository.insert(doc, {}, uow),
        () => ({ name: `Create protection store ${doc.displayName}`, jobType: JOB_STORE_CREATE, payload: { storeId: id }, resource: storeResource(doc) }),
      );
    },

    async update(actor, id, patch, ifMatch) {
      const next = await repository.update<ProtectionStoreDoc>(actor.workspaceId, id, ifMatch, (doc) => ({ ...doc, displayName: patch.displayName }));
      return { resource: next };
    },

    async remove(actor, id, force, ifMatch) {
      const doc = await repository.get<ProtectionStoreDoc>(actor.workspaceId, id);
      if (!doc) throw AppError.notFound(`protection-stores '${id}' not found`);
      const held = await ctx.copies.count(actor.workspaceId, id);
      if (held.locked > 0) throw AppError.badRequest(`protection store '${doc.displayName}' holds ${held.locked} locked copies: it cannot be deleted until their locks expire, even with force`);
      if (held.copies > 0 && !force) throw AppError.badRequest(`protection store '${doc.displayName}' holds ${held.copies} copies: delete them first, or delete with force=true`);
      const busy = busyUpdate(actor, id, ifMatch, (d) => {
        d.stateReason = "being deleted";
      });
      return startBusyOperation(ctx, actor, busy, (d) => ({
        name: `Delete protection store ${d.displayName}`,
        jobType: JOB_STORE_DELETE,
        payload: { storeId: id, force },
        resource: storeResource(d),
      }));
    },

    async reattach(actor, id, body) {
      const doc = await repository.get<ProtectionStoreDoc>(actor.workspaceId, id);
      if (!doc) throw AppError.notFound(`protection-stores '${id}' not found`);
      if (doc.protectionStoreType !== "CLOUD") throw AppError.badRequest("only a CLOUD protection store can be reattached; an ON_PREMISES store lives on its storage system");
      await requireSystem(ctx, actor.workspaceId, body.storageSystemId, body.storageSystemType);
      const busy = busyUpdate(actor, id, undefined, (d) => {
        d.stateReason = "being reattached";
      });
      return startBusyOperation(ctx, actor, busy, (d) => ({
        name: `Reattach protection store ${d.displayName}`,
        jobType: JOB_STORE_REATTACH,
        payload: { storeId: id, storageSystemId: body.storageSystemId },
        resource: storeResource(d),
      }));
    },

    async find(workspaceId, id) {
      const doc = await repository.get<ProtectionStoreDoc>(workspaceId, id);
      return doc ? { id: doc.id, displayName: doc.displayName, protectionStoreType: doc.protectionStoreType } : undefined;
    },

    async countOnSystem(workspaceId, systemId, uow) {
      const page = await repository.list(workspaceId, { orderBy: [], offset: 0, limit: MAX_STORES_PER_SYSTEM }, { column: "storage_system_id", value: systemId }, uow);
      return page.docs.filter((text) => Value.Check(OnPremises, JSON.parse(text))).length;
    },

    async refreshStats(workspaceId, id) {
      await refreshStore(ctx, workspaceId, id, { written: true });
    },
  };
}
