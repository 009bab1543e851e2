// The work behind hypervisor-manager operations, run by the job worker: discover the inventory
// through the manager's connector and store it, apply an update, or unregister.
import { ConnectorError, isConnectorError } from "../ports/connector-error.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { HypervisorConnector } from "../ports/hypervisor-connector.ts";
import { AppError } from "../../domain/app-error.ts";
import { redactPrivatePaths } from "../../domain/private-paths.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import { parseManagerAddress } from "../../domain/network-address.ts";
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import type { InventoryContext } from "./inventory-context.ts";
import { type SyncScope, describeSync, syncInventory } from "./inventory-sync.ts";
import { managerFacts } from "./mappers/hypervisor-manager-mapper.ts";
import type { ManagerIdentity } from "./mappers/map-context.ts";

export interface ManagerDoc extends StoredDocument {
  name: string;
  displayName: string;
  networkAddress: string;
  state: string;
  status: string;
  stateReason?: string;
  description?: string;
  username?: string;
}

export interface ManagerPatch {
  displayName?: string;
  description?: string | null;
  networkAddress?: string;
  credentials?: { username?: string; password?: string };
}

export const identityOf = (m: ManagerDoc): ManagerIdentity => ({ id: m.id, name: m.name, displayName: m.displayName });

export const managerResource = (m: { id: string; name: string }): ResourceRef => ({
  name: m.name,
  resourceUri: resourceUriOf("hypervisor-manager", m.id, m.id),
  type: typeOf("hypervisor-manager"),
});

/** The connector of a hypervisor manager (the same instance for the same address). */
export function managerConnector(deps: Pick<InventoryContext, "connectors">, manager: Pick<ManagerDoc, "networkAddress">): HypervisorConnector {
  return deps.connectors.resolve(parseManagerAddress(manager.networkAddress).address);
}

export async function loadManager(deps: InventoryContext, customerId: string, id: string): Promise<ManagerDoc> {
  const manager = await deps.store.get<ManagerDoc>("hypervisor-manager", customerId, id);
  if (!manager) throw AppError.notFound(`hypervisor manager '${id}' not found`);
  return manager;
}

function withState(m: ManagerDoc, state: string, reason: string | undefined): ManagerDoc {
  m.state = state;
  m.status = state === "ERROR" ? "ERROR" : "OK";
  if (reason === undefined) delete m.stateReason;
  else m.stateReason = redactPrivatePaths(reason).slice(0, 255);
  return m;
}

export function setManagerState(deps: InventoryContext, customerId: string, id: string, state: string, reason?: string): Promise<ManagerDoc> {
  return deps.store.repository("hypervisor-manager").update<ManagerDoc>(customerId, id, undefined, (m) => withState(m, state, reason));
}

/**
 * Undo of a failed or abandoned manager operation, in `uow` (the transaction that ends it): a
 * manager still in `busy`, the state that operation set, goes to `state` with `reason`, so later
 * operations are accepted again. A manager the operation already settled (or that is gone) stays.
 */
export async function releaseManager(
  deps: InventoryContext,
  uow: UnitOfWork,
  customerId: string,
  id: string,
  busy: string,
  state: string,
  reason: string | undefined,
): Promise<void> {
  const repository = deps.store.repository("hypervisor-manager");
  const current = await repository.get<ManagerDoc>(customerId, id, uow);
  if (current?.state !== busy) return;
  await repository.update<ManagerDoc>(customerId, id, undefined, (m) => withState(m, state, reason), uow);
}

/** Discovers through the manager's connector and stores the objects in `scope` (default all). */
export function syncFromConnector(deps: InventoryContext, manager: ManagerDoc, scope: SyncScope = {}) {
  return deps.syncLock.run(manager.id, async () => {
    const inventory = await managerConnector(deps, manager).discover();
    const counts = await syncInventory(deps.store, manager.customerId, identityOf(manager), inventory, scope);
    return { inventory, counts };
  });
}

/**
 * Discovers the manager's whole inventory and stores it; the manager ends OK, or ERROR with the
 * reason when the connector fails (the error is rethrown for the operation).
 */
export async function discoverManager(
  deps: InventoryContext,
  customerId: string,
  managerId: string,
  log: (message: string) => Promise<void>,
): Promise<ResourceRef[]> {
  const manager = await loadManager(deps, customerId, managerId);
  try {
    const { inventory, counts } = await syncFromConnector(deps, manager);
    await log(`discovered ${describeSync(inventory, counts)}`);
    await deps.store.repository("hypervisor-manager").update<ManagerDoc>(customerId, managerId, undefined, (m) => {
      Object.assign(m, managerFacts(inventory), { state: "OK", status: "OK" });
      delete m.stateReason;
      return m;
    });
  } catch (err) {
    const reason = err instanceof AppError || err instanceof ConnectorError ? redactPrivatePaths(err.message) : "discovery failed";
    await setManagerState(deps, customerId, managerId, "ERROR", `discovery failed: ${reason}`).catch(() => undefined);
    throw isConnectorError(err, "not-found") ? AppError.badRequest(`${manager.networkAddress}: ${err.message}`) : err;
  }
  return [managerResource(manager)];
}

export async function applyManagerUpdate(
  deps: InventoryContext,
  customerId: string,
  managerId: string,
  patch: ManagerPatch,
  log: (message: string) => Promise<void>,
): Promise<ResourceRef[]> {
  await deps.store.repository("hypervisor-manager").update<ManagerDoc>(customerId, managerId, undefined, (m) => {
    if (patch.displayName !== undefined) m.displayName = patch.displayName;
    if (patch.description === null) delete m.description;
    else if (patch.description !== undefined) m.description = patch.description;
    if (patch.credentials?.username !== undefined) m.username = patch.credentials.username;
    if (patch.networkAddress !== undefined) {
      const address = parseManagerAddress(patch.networkAddress);
      m.networkAddress = address.address;
      m.name = address.name;
    }
    return m;
  });
  await log("updated; rediscovering the inventory");
  // The manager's name and displayName are copied into every inventory object's reference.
  return discoverManager(deps, customerId, managerId, log);
}

export async function unregisterManager(deps: InventoryContext, customerId: string, managerId: string): Promise<ResourceRef[]> {
  const manager = await deps.store.get<ManagerDoc>("hypervisor-manager", customerId, managerId);
  if (!manager) return []; // a resumed run that already finished
  await deps.store.removeManager(customerId, managerId);
  return [managerResource(manager)];
}
