// The StorageSystems port over gateways and StoreOnce appliances: where a protection store of
// either kind keeps its chunk store, and how much room there is (real filesystem figures).
import { join } from "node:path";
import { directoryBytes, filesystemSpace } from "../../platform/disk-usage.ts";
import { type GatewayContext, gatewayStoreRoot } from "./gateway-context.ts";
import { type GatewayDoc, gatewayCapacityBytes } from "./gateway-document.ts";
import { type StoreOnceContext, type StoreOnceDoc, applianceDir } from "./storeonce-work.ts";
import type { StorageSystemRef, StorageSystems } from "./storage-systems.ts";

/** Systems in these states host no new store: not deployed, failed, or going away. */
const UNUSABLE_GATEWAY = new Set(["PSG_STATE_DEPLOYING", "PSG_STATE_DEPLOYED_ERROR", "PSG_STATE_DELETING"]);
const UNUSABLE_STOREONCE = new Set(["SO_HEALTH_STATE_REGISTERING", "SO_HEALTH_STATE_DELETING", "SO_HEALTH_STATE_ERROR"]);

export function storageSystemDirectory(gateways: GatewayContext, storeonces: StoreOnceContext): StorageSystems {
  const gatewayRef = async (g: GatewayDoc): Promise<StorageSystemRef> => {
    const storeRoot = await gatewayStoreRoot(gateways, g);
    const capacityBytes = gatewayCapacityBytes(g);
    const [used, space] = await Promise.all([directoryBytes(storeRoot), filesystemSpace(storeRoot)]);
    return {
      id: g.id,
      info: { id: g.id, displayName: g.displayName, resourceUri: g.resourceUri, type: "PROTECTION_STORE_GATEWAY" },
      storeRoot,
      capacityBytes,
      // The sized storage less what the stores hold, never more than the filesystem has.
      freeBytes: Math.max(0, Math.min(space.freeBytes, capacityBytes - used)),
      dataOrchestratorIds: g.dataOrchestratorId ? [g.dataOrchestratorId] : [],
    };
  };
  const storeOnceRef = async (s: StoreOnceDoc): Promise<StorageSystemRef> => {
    const storeRoot = join(applianceDir(storeonces, s), "stores");
    const space = await filesystemSpace(storeRoot);
    return {
      id: s.id,
      info: { id: s.id, displayName: s.name, resourceUri: s.resourceUri, type: "STOREONCE" },
      storeRoot,
      capacityBytes: space.totalBytes,
      freeBytes: space.freeBytes,
      dataOrchestratorIds: s.dataOrchestrators.map((d) => d.id),
    };
  };
  return {
    async find(workspaceId, id, uow) {
      const g = await gateways.gateways.get<GatewayDoc>(workspaceId, id, uow);
      if (g) return g.vmId === undefined || UNUSABLE_GATEWAY.has(g.state) ? undefined : gatewayRef(g);
      const s = await storeonces.storeonces.get<StoreOnceDoc>(workspaceId, id, uow);
      return s && !UNUSABLE_STOREONCE.has(s.health.state) ? storeOnceRef(s) : undefined;
    },
  };
}
