// What the gateway use cases and jobs share, and how a gateway finds the hypervisor manager (and
// its connector) it runs in: through the datastore it was deployed on.
import { join } from "node:path";
import type { HypervisorConnector } from "../ports/hypervisor-connector.ts";
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { type InventoryContext, startBusyOperation } from "../inventory/inventory-context.ts";
import { type GatewayDoc, ensureIdle, gatewayResource } from "./gateway-document.ts";
import type { NetworkProbe } from "./network-tests.ts";
import type { Sealer, StorageSystemSecrets } from "./storage-system-secrets.ts";
import type { StoresOnSystem } from "./stores-on-system.ts";

export interface GatewayContext {
  gateways: DocumentRepository;
  inventory: InventoryContext;
  stores: StoresOnSystem;
  secrets: StorageSystemSecrets;
  sealer: Sealer;
  probe: NetworkProbe;
  /** Support bundles are written under <dataDir>/support-bundles. */
  dataDir: string;
  softwareVersion: string;
}

export const STORES_DIR = "stores";

export async function requireGateway(ctx: GatewayContext, customerId: string, id: string): Promise<GatewayDoc> {
  const g = await ctx.gateways.get<GatewayDoc>(customerId, id);
  if (!g) throw AppError.notFound(`protection store gateway '${id}' not found`);
  return g;
}

interface ManagerDoc extends StoredDocument {
  networkAddress: string;
  name: string;
}

export interface Placement {
  managerId: string;
  connector: HypervisorConnector;
}

/** The registered hypervisor manager of the workspace by id, and its connector; 400 when there is none. */
export async function managerPlacement(ctx: GatewayContext, customerId: string, managerId: string, what = "hypervisorManagerId"): Promise<Placement> {
  const manager = await ctx.inventory.store.get<ManagerDoc & { state: string }>("hypervisor-manager", customerId, managerId);
  if (!manager || manager.state === "DELETING") throw AppError.badRequest(`${what}: '${managerId}' is not a registered hypervisor manager of this workspace`);
  return { managerId, connector: ctx.inventory.connectors.resolve(manager.networkAddress) };
}

/** Where a deployed gateway runs: the manager of its first datastore. */
export async function gatewayPlacement(ctx: GatewayContext, g: GatewayDoc): Promise<Placement> {
  const dsId = g.datastoresInfo[0]?.id;
  const ds = dsId ? await ctx.inventory.store.get<StoredDocument & { hypervisorManagerInfo?: { id: string } }>("datastore", g.customerId, dsId) : undefined;
  const managerId = ds?.hypervisorManagerInfo?.id;
  if (!managerId) throw AppError.conflict(`the hypervisor manager of protection store gateway '${g.name}' is no longer registered`);
  return managerPlacement(ctx, g.customerId, managerId);
}

/** The directory the gateway's on-premises stores live in: inside its VM's home on the datastore. */
export async function gatewayStoreRoot(ctx: GatewayContext, g: GatewayDoc): Promise<string> {
  if (g.vmId === undefined) throw AppError.conflict(`protection store gateway '${g.name}' has no deployed VM`);
  const { connector } = await gatewayPlacement(ctx, g);
  return join(await connector.vmDirectory(g.vmId), STORES_DIR);
}

export interface GatewayStart {
  name: string;
  jobType: string;
  payload: unknown;
}

/**
 * Moves an idle gateway into `busy` (after `check`, which may refuse with a 4xx) and queues its
 * operation in the same transaction.
 */
export function startGatewayOperation(
  ctx: GatewayContext,
  actor: Actor,
  id: string,
  busy: (g: GatewayDoc) => GatewayDoc,
  describe: (g: GatewayDoc) => GatewayStart,
  extra?: (g: GatewayDoc, uow: UnitOfWork) => Promise<void>,
): Promise<OperationOutcome> {
  const write = async (uow: UnitOfWork) => {
    const next = await ctx.gateways.update<GatewayDoc>(
      actor.workspaceId,
      id,
      undefined,
      (g) => {
        ensureIdle(g);
        return busy(g);
      },
      uow,
    );
    await extra?.(next, uow);
    return next;
  };
  return startBusyOperation(ctx.inventory, actor, write, (g) => ({ ...describe(g), resource: gatewayResource(g) }));
}
