// Protection stores on real storage systems: a gateway deployed in a lab vCenter hosts an
// ON_PREMISES store in its directory on the datastore; the gateway cannot be deleted while the
// store lives there, and can once the store is gone. A cloud store bound to the gateway does not
// hold it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { PSG, deployGateway, gatewayLab } from "../helpers/gateways.ts";
import { accepted } from "../helpers/inventory.ts";
import { STORES, createStore } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("an ON_PREMISES store on a deployed gateway holds the gateway until it is deleted", async () => {
  const at = await gatewayLab(server, "stores-psg");
  const gatewayId = await deployGateway(server, at, "psg-stores");
  const system = await server.services.storageSystems.find(server.admin.workspaceId, gatewayId);
  expect(system?.info.type).toBe("PROTECTION_STORE_GATEWAY");

  const local = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: gatewayId, storageSystemType: "PROTECTION_STORE_GATEWAY" });
  expect(local.op.state, JSON.stringify(local.op.error)).toBe("SUCCEEDED");
  const cloud = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-1", storageSystemId: gatewayId });
  const store = await json<Record<string, unknown>>(await server.api(`${STORES}/${local.id}`), 200);
  expectContract("backup-recovery", "ProtectionStoreDetail", store);
  expect(store).toMatchObject({ state: "ONLINE", storageSystemInfo: { id: gatewayId, type: "PROTECTION_STORE_GATEWAY" }, maxCapacityInBytes: system!.capacityBytes });
  expect(existsSync(join(system!.storeRoot, local.id, "config.json"))).toBe(true);
  const blog = await json<{ items: { id: string }[] }>(
    await server.api(`${STORES}?filter=${encodeURIComponent(`protectionStoreType eq 'ON_PREMISES' and storageSystemInfo/id eq "${gatewayId}"`)}`),
    200,
  );
  expect(blog.items.map((s) => s.id)).toEqual([local.id]);

  expect((await expectError(await server.api(`${PSG}/${gatewayId}`, { method: "DELETE" }), 409)).message).toContain("1 protection store(s)");
  expect((await accepted(server, `${STORES}/${local.id}`, { method: "DELETE" })).state).toBe("SUCCEEDED");
  expect(existsSync(join(system!.storeRoot, local.id))).toBe(false);
  // Only the cloud store remains bound to it: that one is reattached elsewhere, not a reason to keep the gateway.
  expect((await accepted(server, `${PSG}/${gatewayId}`, { method: "DELETE" })).state).toBe("SUCCEEDED");
  expect((await json<{ state: string }>(await server.api(`${STORES}/${cloud.id}`), 200)).state).toBe("ONLINE");
});
