// StoreOnce appliances: register by address and credentials (sealed, never returned), patch,
// refresh and unregister, all async. In the lab an appliance is a directory (storeonce-work.ts).
import { randomUUID } from "node:crypto";
import type { Static } from "typebox";
import { nowIso } from "../../domain/clock.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { StoreOncePatchSchema, StoreOncePostSchema } from "../../domain/schemas/storeonce-schemas.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { type InventoryContext, startBusyOperation } from "../inventory/inventory-context.ts";
import type { Sealer } from "./storage-system-secrets.ts";
import type { StoresOnSystem } from "./stores-on-system.ts";
import { STOREONCES_PATH, STOREONCE_TYPE, type StoreOnceContext, type StoreOnceDoc, applianceName, setHealth, storeOnceResource } from "./storeonce-work.ts";

export const JOB_STOREONCE_REGISTER = "storeonce.register";
export const JOB_STOREONCE_REFRESH = "storeonce.refresh";
export const JOB_STOREONCE_UNREGISTER = "storeonce.unregister";

export type StoreOncePostCommand = Static<typeof StoreOncePostSchema>;
export type StoreOncePatchCommand = Static<typeof StoreOncePatchSchema>;

export interface StoreOnceUseCases {
  register(actor: Actor, command: StoreOncePostCommand): Promise<OperationOutcome>;
  /** A new address must name another lab appliance; refused (409) while stores live on it. */
  update(actor: Actor, id: string, patch: StoreOncePatchCommand): Promise<OperationOutcome>;
  refresh(actor: Actor, id: string): Promise<OperationOutcome>;
  /** Refused (409) while protection stores live on the appliance, `force` or not. */
  unregister(actor: Actor, id: string): Promise<OperationOutcome>;
}

export interface StoreOnceDeps extends StoreOnceContext {
  inventory: InventoryContext;
  sealer: Sealer;
  stores: StoresOnSystem;
  softwareVersion: string;
}

const BUSY = new Set(["SO_HEALTH_STATE_REGISTERING", "SO_HEALTH_STATE_DELETING"]);

export function storeOnceUseCases(deps: StoreOnceDeps): StoreOnceUseCases {
  const { storeonces } = deps;
  const clash = async (customerId: string, column: "name" | "serial_number", value: string, what: string, exceptId?: string) => {
    const other = await storeonces.findIdBy(customerId, column, value, exceptId);
    if (other) throw AppError.conflict(`a StoreOnce with ${what} '${value}' is already registered (${other})`);
  };
  const busyWrite = (actor: Actor, id: string, mutate: (s: StoreOnceDoc) => StoreOnceDoc) => (uow: UnitOfWork) =>
    storeonces.update<StoreOnceDoc>(
      actor.workspaceId,
      id,
      undefined,
      (s) => {
        if (BUSY.has(s.health.state)) throw AppError.conflict(`StoreOnce '${s.name}' is busy (${s.health.state}); try again when it is done`);
        return mutate(s);
      },
      uow,
    );
  const noStores = async (actor: Actor, s: StoreOnceDoc, what: string) => {
    const n = await deps.stores.count(actor.workspaceId, s.id);
    if (n > 0) throw AppError.conflict(`StoreOnce '${s.name}' holds ${n} protection store(s); ${what}`);
  };
  const existing = async (actor: Actor, id: string) => {
    const s = await storeonces.get<StoreOnceDoc>(actor.workspaceId, id);
    if (!s) throw AppError.notFound(`StoreOnce '${id}' not found`);
    return s;
  };

  return {
    async register(actor, body) {
      const customerId = actor.workspaceId;
      const appliance = applianceName(body.networkAddress);
      const name = body.name ?? appliance;
      await clash(customerId, "serial_number", body.serialNumber, "serial number");
      await clash(customerId, "name", name, "name");
      const orchestrator = await deps.inventory.dataOrchestrators.ensureEmbedded(customerId);
      const id = randomUUID();
      const now = nowIso(storeonces.clock);
      const doc: StoreOnceDoc = setHealth(
        {
          id,
          customerId,
          name,
          type: STOREONCE_TYPE,
          generation: 1,
          createdAt: now,
          updatedAt: now,
          resourceUri: `${STOREONCES_PATH}/${id}`,
          serialNumber: body.serialNumber,
          ...(body.description !== undefined ? { description: body.description } : {}),
          softwareVersion: deps.softwareVersion,
          network: { hostname: appliance },
          health: { state: "SO_HEALTH_STATE_REGISTERING", status: "SO_HEALTH_STATUS_DISCONNECTED", stateReason: null, updatedAt: now },
          dataOrchestrators: [{ id: orchestrator.id, name: String(orchestrator.name), resourceUri: String(orchestrator.resourceUri), type: String(orchestrator.type) }],
        },
        "SO_HEALTH_STATE_REGISTERING",
      );
      // Credentials are sealed (AES-256-GCM) in the secrets table, in the same transaction.
      const sealed = deps.sealer.seal(JSON.stringify(body.credentials));
      return startBusyOperation(
        deps.inventory,
        actor,
        async (uow) => {
          await storeonces.insert(doc, {}, uow);
          await deps.secrets.put(customerId, id, "storeonce-credentials", sealed, uow);
        },
        () => ({ name: `Register StoreOnce ${name}`, jobType: JOB_STOREONCE_REGISTER, payload: { storeOnceId: id }, resource: storeOnceResource(doc) }),
      );
    },

    async update(actor, id, patch) {
      const s = await existing(actor, id);
      const appliance = applianceName(patch.networkAddress);
      if (appliance !== s.network.hostname) await noStores(actor, s, "move them before changing its address");
      const write = busyWrite(actor, id, (doc) => {
        doc.network.hostname = appliance;
        if (patch.description !== undefined) doc.description = patch.description;
        return setHealth(doc, "SO_HEALTH_STATE_REGISTERING");
      });
      return startBusyOperation(deps.inventory, actor, write, (doc) => ({ name: `Update StoreOnce ${doc.name}`, jobType: JOB_STOREONCE_REFRESH, payload: { storeOnceId: id }, resource: storeOnceResource(doc) }));
    },

    async refresh(actor, id) {
      await existing(actor, id);
      const write = busyWrite(actor, id, (doc) => doc);
      return startBusyOperation(deps.inventory, actor, write, (doc) => ({ name: `Refresh StoreOnce ${doc.name}`, jobType: JOB_STOREONCE_REFRESH, payload: { storeOnceId: id }, resource: storeOnceResource(doc) }));
    },

    async unregister(actor, id) {
      const s = await existing(actor, id);
      await noStores(actor, s, "delete them first");
      const write = busyWrite(actor, id, (doc) => setHealth(doc, "SO_HEALTH_STATE_DELETING"));
      return startBusyOperation(deps.inventory, actor, write, (doc) => ({ name: `Unregister StoreOnce ${doc.name}`, jobType: JOB_STOREONCE_UNREGISTER, payload: { storeOnceId: id }, resource: storeOnceResource(doc) }));
    },
  };
}
