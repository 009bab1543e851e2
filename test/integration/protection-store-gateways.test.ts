// Protection store gateways over HTTP: deployment as a lab VM, list/get/patch/delete, the
// storage-systems port, refused deletes, other workspaces; every body checked against HPE's schema.
import { access, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { type Gateway, type GatewayLab, PSG, deployGateway, gatewayBody, gatewayLab, getGateway as fetchGateway } from "../helpers/gateways.ts";
import { type SmallLab, accepted } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let at: GatewayLab;
let lab: SmallLab;
let managerId: string;
let datastoreId: string;
let gatewayId: string;

const getGateway = (id: string, token?: string) => fetchGateway(server, id, token);

beforeAll(async () => {
  server = await startTestServer();
  at = await gatewayLab(server, "psglab");
  ({ lab, managerId, datastoreId } = at);
  gatewayId = await deployGateway(server, at, "psg-01");
});
afterAll(async () => {
  await server?.stop();
});

describe("deploy", () => {
  test("creating a gateway deploys a powered-on lab VM sized by the sizer, with a stores directory in its home on the datastore", async () => {
    const g = await getGateway(gatewayId);
    expect(g).toMatchObject({ name: "psg-01", state: "PSG_STATE_OK", health: { state: "PSG_HEALTH_STATE_OK", status: "PSG_HEALTH_STATUS_CONNECTED" }, type: "backup-recovery/protection-store-gateway" });
    expect(g.serialNumber).toMatch(/^PSG[0-9A-F]{10}$/);
    const vm = await lab.lab.getVm(g.vmId!);
    expect(vm).toMatchObject({ name: "psg-01", powerState: "poweredOn", numCpus: 2, memoryMib: 15 * 1024 });
    expect(vm.datastoreIds).toContain(datastoreId);
    const dir = await lab.lab.vmDirectory(g.vmId!);
    expect((await stat(join(dir, "stores"))).isDirectory()).toBe(true);
    expect(dir.startsWith(join(server.dataDir, "lab", "psglab", "datastores"))).toBe(true);
  });

  test("the storage-systems port finds the gateway with its store root and real free space", async () => {
    const ref = await server.services.useCases.storageSystems.find(server.admin.workspaceId, gatewayId);
    expect(ref).toBeDefined();
    expect(ref!.info).toMatchObject({ id: gatewayId, type: "PROTECTION_STORE_GATEWAY", resourceUri: `${PSG}/${gatewayId}` });
    expect(ref!.storeRoot).toBe(join(await lab.lab.vmDirectory((await getGateway(gatewayId)).vmId!), "stores"));
    // Sized: (5 x 1.08 / 2 + 2 % of 90 x 2.78 / 2) x 1.2 = 6.25 TiB.
    expect(ref!.capacityBytes).toBe(Math.round(6.25 * 2 ** 40));
    expect(ref!.freeBytes).toBeGreaterThan(0);
    expect(ref!.freeBytes).toBeLessThanOrEqual(ref!.capacityBytes);
    expect(await server.services.useCases.storageSystems.find(server.admin.workspaceId, "00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  test("bad references are 400s and nothing is created", async () => {
    await expectError(await server.api(PSG, { method: "POST", json: gatewayBody("nope", datastoreId, "psg-x") }), 400);
    await expectError(await server.api(PSG, { method: "POST", json: gatewayBody(managerId, "no-such-ds", "psg-x") }), 400);
    await expectError(await server.api(PSG, { method: "POST", json: gatewayBody(managerId, datastoreId, "psg-01") }), 400);
    await expectError(await server.api(PSG, { method: "POST", json: { ...gatewayBody(managerId, datastoreId, "psg-x"), vmConfig: { datastoreIds: [datastoreId] } } }), 400);
    const all = await json<{ total: number }>(await server.api(PSG), 200);
    expect(all.total).toBe(1);
  });
});

describe("list and get", () => {
  test("the list has the gateways' envelope (limit echoed) and filters by serialNumber and state", async () => {
    const g = await getGateway(gatewayId);
    const page = await json<{ items: Gateway[]; count: number; limit: number; offset: number; total: number }>(await server.api(`${PSG}?limit=5&filter=serialNumber eq '${g.serialNumber}'`), 200);
    expectContract("backup-recovery", "ProtectionStoreGatewayList", page);
    expect(page).toMatchObject({ count: 1, limit: 5, offset: 0, total: 1 });
    expect(page.items[0]!.id).toBe(gatewayId);
    const none = await json<{ items: unknown[] }>(await server.api(`${PSG}?filter=${encodeURIComponent("state eq 'PSG_STATE_OK_OFF'")}`), 200);
    expect(none.items).toHaveLength(0);
  });

  test("another workspace sees nothing: 404 on the id, absent from its list, its writes 404", async () => {
    const other = await server.client("admin");
    await expectError(await server.api(`${PSG}/${gatewayId}`, { token: other.token }), 404);
    expect((await json<{ total: number }>(await server.api(PSG, { token: other.token }), 200)).total).toBe(0);
    await expectError(await server.api(`${PSG}/${gatewayId}`, { method: "DELETE", token: other.token }), 404);
    await expectError(await server.api(`${PSG}/${gatewayId}/consoleUser`, { method: "POST", token: other.token }), 404);
    expect(await server.services.useCases.storageSystems.find(other.workspaceId, gatewayId)).toBeUndefined();
  });
});

describe("patch", () => {
  test("PATCH keeps DNS, NTP and the proxy; the proxy password is never returned", async () => {
    const op = await accepted(server, `${PSG}/${gatewayId}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      json: { dns: [{ networkAddress: "10.0.0.53" }], ntp: [{ networkAddress: "10.0.0.123" }], proxy: { networkAddress: "proxy.lab", port: 3128, credentials: { username: "px", password: "proxy-pass-123" } } },
    });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const g = await getGateway(gatewayId);
    expect(g).toMatchObject({ state: "PSG_STATE_OK", network: { dns: [{ networkAddress: "10.0.0.53" }], ntp: [{ networkAddress: "10.0.0.123" }], proxy: { networkAddress: "proxy.lab", port: 3128, credentials: { username: "px" } } } });
    expect(JSON.stringify(g)).not.toContain("proxy-pass-123");
    await expectError(await server.api(`${PSG}/${gatewayId}`, { method: "PATCH", json: { name: "renamed" } }), 400);
  });
});

describe("delete", () => {
  test("delete is refused while protection stores live on the gateway, then removes its VM and record", async () => {
    const id = await deployGateway(server, at, "psg-del");
    const vmId = (await getGateway(id)).vmId!;
    const vmDir = await lab.lab.vmDirectory(vmId);
    server.services.storesOnSystem.use({ count: async (_w, systemId) => (systemId === id ? 2 : 0) });
    try {
      const refused = await expectError(await server.api(`${PSG}/${id}`, { method: "DELETE" }), 409);
      expect(refused.message).toContain("2 protection store(s)");
      expect((await getGateway(id)).state).toBe("PSG_STATE_OK");
    } finally {
      server.services.storesOnSystem.use({ count: async () => 0 });
    }
    const deleted = await accepted(server, `${PSG}/${id}`, { method: "DELETE" });
    expect(deleted.state, JSON.stringify(deleted.error)).toBe("SUCCEEDED");
    await expectError(await server.api(`${PSG}/${id}`), 404);
    await expect(lab.lab.getVm(vmId)).rejects.toThrow(/not found/);
    await expect(access(vmDir)).rejects.toThrow();
  });
});
