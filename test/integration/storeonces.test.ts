// StoreOnce appliances over HTTP: a lab appliance is storeonce://<name>, a directory under the
// data dir with real capacity; credentials sealed with AES-256-GCM and never returned.
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadOrCreateSecretBox } from "../../src/auth/secret-box.ts";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { accepted } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const SO = "/backup-recovery/v1beta1/storeonces";

interface StoreOnce {
  id: string;
  name: string;
  health: { state: string; status: string };
  storage: { capacityLicensedBytes: number; freeBytes: number; usedBytes: number };
  network: { hostname: string };
  description?: string;
}

let server: TestServer;
let id: string;
const body = (extra: Record<string, unknown> = {}) => ({
  networkAddress: "storeonce://so-01",
  serialNumber: "CZ3456ABCD",
  description: "lab appliance",
  credentials: { username: "Admin", password: "so-secret-pw" },
  ...extra,
});

const get = async (token?: string) => {
  const s = await json<StoreOnce>(await server.api(`${SO}/${id}`, token ? { token } : {}), 200);
  expectContract("backup-recovery", "StoreOnce", s);
  return s;
};

beforeAll(async () => {
  server = await startTestServer();
  const op = await accepted(server, SO, { json: body() });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  id = op.associatedResources[0]!.resourceUri.split("/").at(-1)!;
});
afterAll(async () => {
  await server?.stop();
});

describe("register", () => {
  test("registration creates the appliance's directory and reports the filesystem's real capacity", async () => {
    const s = await get();
    expect(s).toMatchObject({ name: "so-01", serialNumber: "CZ3456ABCD", description: "lab appliance", network: { hostname: "so-01" }, health: { state: "SO_HEALTH_STATE_OK", status: "SO_HEALTH_STATUS_CONNECTED" } });
    const dir = join(server.dataDir, "storeonce", "so-01");
    expect((await stat(join(dir, "stores"))).isDirectory()).toBe(true);
    const fs = await (await import("node:fs/promises")).statfs(dir);
    expect(s.storage.capacityLicensedBytes).toBe(fs.blocks * fs.bsize);
    const list = await json<{ items: StoreOnce[]; total: number; count: number; offset: number }>(await server.api(`${SO}?limit=5`), 200);
    expectContract("backup-recovery", "StoreOnceList", list);
    expect(list).toMatchObject({ total: 1, count: 1, offset: 0 });
  });

  test("credentials are sealed with the data dir's key, never stored or returned in clear", async () => {
    const text = JSON.stringify(await get()) + JSON.stringify(await json(await server.api(SO), 200));
    expect(text).not.toContain("so-secret-pw");
    expect(text).not.toContain("credentials");
    const row = await server.services.database.db.selectFrom("storage_system_secrets").select("value").where("owner_id", "=", id).executeTakeFirstOrThrow();
    expect(row.value).not.toContain("so-secret-pw");
    const box = await loadOrCreateSecretBox(server.dataDir);
    expect(JSON.parse(box.open(row.value))).toEqual({ username: "Admin", password: "so-secret-pw" });
    expect((await stat(join(server.dataDir, "keys", "credentials.key"))).mode & 0o777).toBe(0o600);
  });

  test("the storage-systems port finds the appliance with its store root", async () => {
    const ref = await server.services.useCases.storageSystems.find(server.admin.workspaceId, id);
    expect(ref).toMatchObject({ id, storeRoot: join(server.dataDir, "storeonce", "so-01", "stores"), info: { type: "STOREONCE", resourceUri: `${SO}/${id}` } });
    expect(ref!.freeBytes).toBeGreaterThan(0);
  });

  test("bad addresses are 400, a serial number or name registered already is 409, nothing is created", async () => {
    await expectError(await server.api(SO, { method: "POST", json: body({ networkAddress: "10.0.0.5", serialNumber: "X1" }) }), 400);
    await expectError(await server.api(SO, { method: "POST", json: body({ networkAddress: "storeonce://../etc", serialNumber: "X2" }) }), 400);
    await expectError(await server.api(SO, { method: "POST", json: body({ networkAddress: "storeonce://so-02" }) }), 409);
    await expectError(await server.api(SO, { method: "POST", json: { networkAddress: "storeonce://so-03", serialNumber: "X3" } }), 400);
    expect((await json<{ total: number }>(await server.api(SO), 200)).total).toBe(1);
  });
});

describe("refresh, patch, unregister", () => {
  test("refresh reports the bytes the appliance's directory now holds", async () => {
    const before = (await get()).storage.usedBytes;
    await writeFile(join(server.dataDir, "storeonce", "so-01", "stores", "data.bin"), Buffer.alloc(1024 * 1024, 7));
    const op = await accepted(server, `${SO}/${id}/refresh`);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect((await get()).storage.usedBytes).toBeGreaterThanOrEqual(before + 1024 * 1024);
  });

  test("another workspace sees nothing", async () => {
    const other = await server.client("admin");
    await expectError(await server.api(`${SO}/${id}`, { token: other.token }), 404);
    await expectError(await server.api(`${SO}/${id}/refresh`, { method: "POST", token: other.token }), 404);
    expect((await json<{ total: number }>(await server.api(SO, { token: other.token }), 200)).total).toBe(0);
    expect(await server.services.useCases.storageSystems.find(other.workspaceId, id)).toBeUndefined();
  });

  test("PATCH changes the description and moves to another lab appliance", async () => {
    const op = await accepted(server, `${SO}/${id}`, { method: "PATCH", json: { networkAddress: "storeonce://so-01b", description: "moved" } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(await get()).toMatchObject({ description: "moved", network: { hostname: "so-01b" }, health: { state: "SO_HEALTH_STATE_OK" } });
    expect((await stat(join(server.dataDir, "storeonce", "so-01b", "stores"))).isDirectory()).toBe(true);
    await expectError(await server.api(`${SO}/${id}`, { method: "PATCH", json: { description: "no address" } }), 400);
  });

  test("unregister is refused while stores live on it, then removes the record and its credentials but keeps the data", async () => {
    server.services.storesOnSystem.use({ count: async (_w, systemId) => (systemId === id ? 1 : 0) });
    try {
      await expectError(await server.api(`${SO}/${id}`, { method: "DELETE" }), 409);
    } finally {
      server.services.storesOnSystem.use({ count: async () => 0 });
    }
    const op = await accepted(server, `${SO}/${id}`, { method: "DELETE" });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    await expectError(await server.api(`${SO}/${id}`), 404);
    expect(await server.services.database.db.selectFrom("storage_system_secrets").select("value").where("owner_id", "=", id).executeTakeFirst()).toBeUndefined();
    expect((await readFile(join(server.dataDir, "storeonce", "so-01", "stores", "data.bin"))).length).toBe(1024 * 1024);
  });
});
