
import type { Actor } from "../../domain/actor.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import { type AsyncOperationService, TERMINAL_STATES } from "../async-operations.ts";
import type { GatewayUseCases } from "./gateway-use-cases.ts";
import type { ProtectionStoreContext } from "./protection-store-state.ts";
import type { ProtectionStoreUseCases } from "./protection-stores.ts";
import { pathExists } from "../../platform/path-exists.ts";

export const DEMO_STORAGE_LOCATION = "aws:us-west-2";
export const DEMO_GATEWAY_NAME = "demo-psg";

export interface DemoResult {
  /** The created resource's id (from the operation), or "" while the operation has not said. */
  id: string;
  operationId: string;
  /** Terminal state of the operation, or undefined when no local worker runs it. */
  state: string | undefined;
}

export interface DemoStores {
  cloud: DemoResult & { storageLocationId: string };
  /** The gateway and its on-premises store, when the demo lab's vCenter is registered. */
  gateway?: DemoResult;
  onPremises?: DemoResult;
}

export interface DemoStoreDeps {
  ctx: ProtectionStoreContext;
  stores: ProtectionStoreUseCases;
  gateways: GatewayUseCases;
  admin: Actor;
  /** Wait for each operation (only when a worker runs in this process). */
  wait: boolean;
}


async function settle(operations: AsyncOperationService, admin: Actor, started: Promise<OperationOutcome>, wait: boolean): Promise<DemoResult> {
  const { operationId } = await started;
  let state: string | undefined;
  for (const deadline = Date.now() + 120_000; wait && Date.now() < deadline; ) {
    const op = await operations.get(admin.workspaceId, operationId);
    if (op && TERMINAL_STATES.includes(op.state)) {
      state = op.state;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const op = await operations.get(admin.workspaceId, operationId);
  return { id: op?.associatedResources[0]?.resourceUri.split("/").at(-1) ?? "", operationId, state };
}

/**
 * Creates the demo stores unless the workspace has a store already or cloud stores were ever made
 * here (<data dir>/cloud or the keys' master key exists, the latter also for stores in S3
 * buckets): deleted demo stores stay deleted. The gateway is deployed on a
 * datastore of the demo lab's vCenter when `lab` names them.
 */
export async function createDemoStores(deps: DemoStoreDeps, lab: { managerId: string; datastoreId: string } | undefined): Promise<DemoStores | undefined> {
  const { ctx, admin, wait } = deps;
  const any = await ctx.repository.list(admin.workspaceId, { orderBy: [], offset: 0, limit: 1 });
  if (any.docs.length > 0 || (await pathExists(ctx.cloudRoot)) || (await ctx.keys.everUsed())) return undefined;
  // With S3 targets configured, the demo cloud store goes to the first location that has one.
  const locationId = ctx.locations.some((l) => l.id === DEMO_STORAGE_LOCATION) ? DEMO_STORAGE_LOCATION : (ctx.locations[0]?.id ?? DEMO_STORAGE_LOCATION);
  const cloudStart = deps.stores.create(admin, { protectionStoreType: "CLOUD", storageLocationId: locationId, displayName: "Demo cloud store" });
  const cloud = { ...(await settle(ctx.operations, admin, cloudStart, wait)), storageLocationId: locationId };
  if (lab === undefined) return { cloud };
  // The smallest sizing the sizer takes: the lab VM's disks are sparse, so it costs no space.
  const sizing = { maxOnPremDailyProtectedDataInTiB: 1, maxOnPremRetentionDays: 7, maxInCloudDailyProtectedDataInTiB: 1, maxInCloudRetentionDays: 30 };
  const gateway = await settle(ctx.operations, admin, deps.gateways.create(admin, { hypervisorManagerId: lab.managerId, name: DEMO_GATEWAY_NAME, vmConfig: { ...sizing, datastoreIds: [lab.datastoreId] } }), wait);
  if (gateway.state !== "SUCCEEDED") return { cloud, gateway };
  const onPremStart = deps.stores.create(admin, {
    protectionStoreType: "ON_PREMISES",
    storageSystemId: gateway.id,
    storageSystemType: "PROTECTION_STORE_GATEWAY",
    displayName: "Demo on-premises store",
  });
  return { cloud, gateway, onPremises: await settle(ctx.operations, admin, onPremStart, wait) };
}
