// Protection stores for the integration suites: a test implementation of the StorageSystems port
// (a gateway or StoreOnce whose stores live in a directory of the server's data dir: the psg
// service will provide the real ones), store creation over HTTP, and a pair of real stores per
// workspace for tests that only need valid protectionStoreIds.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { expect } from "vitest";
import type { StorageSystemRef, StorageSystemType } from "../../src/services/infrastructure/storage-systems.ts";
import { type Operation, accepted } from "./inventory.ts";
import type { TestServer } from "./test-server.ts";

export const STORES = "/backup-recovery/v1beta1/protection-stores";
export const GiB = 1024 ** 3;

/** Adds a storage system of `workspaceId` to the server; its stores live under <data dir>/systems/<id>. */
export function addTestSystem(server: TestServer, workspaceId: string, o: { name?: string; type?: StorageSystemType } = {}): StorageSystemRef {
  const id = randomUUID();
  const type = o.type ?? "PROTECTION_STORE_GATEWAY";
  const base = type === "STOREONCE" ? "/backup-recovery/v1beta1/storeonces" : "/backup-recovery/v1beta1/protection-store-gateways";
  const system: StorageSystemRef = {
    id,
    info: { id, displayName: o.name ?? `psg-${id.slice(0, 8)}`, resourceUri: `${base}/${id}`, type },
    storeRoot: join(server.dataDir, "systems", id),
    capacityBytes: 100 * GiB,
    freeBytes: 90 * GiB,
    dataOrchestratorIds: [randomUUID()],
  };
  server.services.storageSystems.add({ find: async (ws, wanted) => (ws === workspaceId && wanted === id ? system : undefined) });
  return system;
}

/** POSTs a store and waits for its operation; returns the operation and the new store's id. */
export async function createStore(server: TestServer, body: Record<string, unknown>, token?: string): Promise<{ id: string; op: Operation }> {
  const op = await accepted(server, STORES, { json: body, ...(token ? { token } : {}) });
  const ref = op.associatedResources.find((r) => r.type === "backup-recovery/protection-store");
  expect(ref, JSON.stringify(op)).toBeDefined();
  return { id: ref!.resourceUri.split("/").at(-1)!, op };
}

const pairs = new WeakMap<TestServer, Map<string, Promise<StorePair>>>();

export interface StorePair {
  /** An ON_PREMISES store (for BACKUP tiers). */
  onPremises: string;
  /** A CLOUD store (for CLOUD_BACKUP tiers). */
  cloud: string;
}

/** One ON_PREMISES and one CLOUD store of the workspace, created once per server and workspace. */
export function storesOf(server: TestServer, client: { workspaceId: string; token: string } = server.admin): Promise<StorePair> {
  const byWorkspace = pairs.get(server) ?? new Map<string, Promise<StorePair>>();
  pairs.set(server, byWorkspace);
  let pair = byWorkspace.get(client.workspaceId);
  if (!pair) {
    pair = (async () => {
      const system = addTestSystem(server, client.workspaceId);
      const onPremises = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id, displayName: "local store" }, client.token);
      const cloud = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-1", displayName: "cloud store" }, client.token);
      expect(onPremises.op.state).toBe("SUCCEEDED");
      expect(cloud.op.state).toBe("SUCCEEDED");
      return { onPremises: onPremises.id, cloud: cloud.id };
    })();
    byWorkspace.set(client.workspaceId, pair);
  }
  return pair;
}
