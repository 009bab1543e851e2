// Protection stores over HTTP: ON_PREMISES stores on a storage system (a test implementation of
// the StorageSystems port until the gateway service lands) and encrypted CLOUD stores in a
// storage location; real chunk stores behind both, measured into the documents; list filters of
// the contract and the HPE blog; patch, delete (copies, locks, force), reattach; other
// workspaces see nothing. Every body is checked against HPE's schema.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ProtectionStore } from "../../src/store/protection-store.ts";
import { WrongKeyError } from "../../src/store/errors.ts";
import { makeImage } from "../../src/store/test-support/fixtures.ts";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { accepted } from "../helpers/inventory.ts";
import { STORES, addTestSystem, createStore } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Store {
  id: string;
  name: string;
  displayName: string;
  generation: number;
  customerId: string;
  resourceUri: string;
  protectionStoreType: string;
  state: string;
  stateReason?: string;
  status: string;
  connectedState: string;
  storageSystemInfo?: { id: string; displayName: string; resourceUri: string; type: string };
  dataOrchestratorInfo: { id: string }[];
  region?: string;
  storageLocationInfo?: { id: string; name: string };
  maxCapacityInBytes?: number;
  sizeOnDiskInBytes: number;
  userDataStoredInBytes: number;
  deduplicationRatio: number;
  encrypted: boolean;
}
interface StoreList {
  items: Store[];
  count: number;
  offset: number;
  total: number;
}

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
const MERGE = { "content-type": "application/merge-patch+json" };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function get(id: string, token?: string): Promise<Store> {
  const store = await json<Store>(await server.api(`${STORES}/${id}`, token ? { token } : {}), 200);
  expectContract("backup-recovery", "ProtectionStoreDetail", store);
  return store;
}
async function list(query = "", token?: string): Promise<StoreList> {
  const body = await json<StoreList>(await server.api(`${STORES}${query}`, token ? { token } : {}), 200);
  expectContract("backup-recovery", "ProtectionStoreList", body);
  return body;
}
const filter = (expr: string) => `?limit=2000&filter=${encodeURIComponent(expr)}`;

describe("create", () => {
  test("ON_PREMISES on a storage system: 202, the operation succeeds, the store is a chunk store under the system's root", async () => {
    const system = addTestSystem(server, server.admin.workspaceId, { name: "psg-lab-01" });
    const { id, op } = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id, storageSystemType: "PROTECTION_STORE_GATEWAY", displayName: "gold" });
    expect(op.state).toBe("SUCCEEDED");
    const store = await get(id);
    expect(store).toMatchObject({
      displayName: "gold",
      protectionStoreType: "ON_PREMISES",
      state: "ONLINE",
      status: "OK",
      connectedState: "CONNECTED",
      storageSystemInfo: system.info,
      dataOrchestratorInfo: [{ id: system.dataOrchestratorIds[0] }],
      maxCapacityInBytes: system.capacityBytes,
      sizeOnDiskInBytes: 0,
      userDataStoredInBytes: 0,
      encrypted: false,
      customerId: server.admin.workspaceId,
      resourceUri: `${STORES}/${id}`,
    });
    expect(store).not.toHaveProperty("stateReason");
    expect(store.name).toMatch(/^obr-local-/);
    expect(existsSync(join(system.storeRoot, id, "config.json"))).toBe(true);
    expect(server.services.storeRegistry.isOpen(id)).toBe(true);
  });

  test("CLOUD in a storage location: encrypted with its own key, wrapped under the master key; export-key prints it", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:ap-southeast-3" });
    const store = await get(id);
    expect(store).toMatchObject({
      protectionStoreType: "CLOUD",
      region: "ap-southeast-3",
      storageLocationInfo: { id: "aws:ap-southeast-3", name: "Jakarta - AWS" },
      state: "ONLINE",
      encrypted: true,
      dataOrchestratorInfo: [],
    });
    expect(store).not.toHaveProperty("storageSystemInfo");
    const dir = join(server.dataDir, "cloud", "ap-southeast-3", id);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { encryption: unknown };
    expect(config.encryption).not.toBeNull();
    const keyFile = join(server.dataDir, "keys", `${id}.key`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(server.dataDir, "keys", "master.key")).mode & 0o777).toBe(0o600);

    const { stdout, stderr } = await run(process.execPath, [MAIN, "--data-dir", server.dataDir, "stores", "export-key", id]);
    const key = stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(keyFile, "utf8")).not.toContain(key);
    expect(stderr).toContain(dir);
    // The exported key alone opens the store's data, as after losing the server; nothing else does.
    await expect(ProtectionStore.open(dir, { passphrase: "0".repeat(64) })).rejects.toBeInstanceOf(WrongKeyError);
    const opened = await ProtectionStore.open(dir, { passphrase: key });
    expect(opened.encrypted).toBe(true);
    await opened.close();
    await expect(run(process.execPath, [MAIN, "--data-dir", server.dataDir, "stores", "export-key", randomUUID()])).rejects.toThrow(/no key/);
  });

  test("the deprecated region names a location too", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", region: "us-west-2", displayName: "oregon" });
    expect(await get(id)).toMatchObject({ region: "us-west-2", storageLocationInfo: { id: "aws:us-west-2", name: "Oregon - AWS" }, displayName: "oregon" });
  });

  const refused: [string, () => Record<string, unknown>, RegExp][] = [
    ["no protectionStoreType", () => ({ storageLocationId: "aws:us-east-1" }), /protectionStoreType/],
    ["an unknown protectionStoreType", () => ({ protectionStoreType: "TAPE" }), /protectionStoreType/],
    ["ON_PREMISES without storageSystemId", () => ({ protectionStoreType: "ON_PREMISES" }), /storageSystemId/],
    ["ON_PREMISES on an unknown system", () => ({ protectionStoreType: "ON_PREMISES", storageSystemId: randomUUID() }), /storageSystemId/],
    ["ON_PREMISES with a storage location", () => ({ protectionStoreType: "ON_PREMISES", storageSystemId: randomUUID(), storageLocationId: "aws:us-east-1" }), /storageLocationId/],
    ["storageSystemId not a uuid", () => ({ protectionStoreType: "ON_PREMISES", storageSystemId: "psg-1" }), /storageSystemId/],
    ["CLOUD without a location", () => ({ protectionStoreType: "CLOUD" }), /storageLocationId/],
    ["CLOUD in an unknown location", () => ({ protectionStoreType: "CLOUD", storageLocationId: "aws:mars-north-1" }), /storage location/],
    ["CLOUD where region and storageLocationId disagree", () => ({ protectionStoreType: "CLOUD", storageLocationId: "aws:us-east-1", region: "eu-west-1" }), /disagree/],
    ["an unknown field", () => ({ protectionStoreType: "CLOUD", storageLocationId: "aws:us-east-1", colour: "red" }), /colour/],
  ];
  test.each(refused)("%s → 400 and nothing is created", async (_label, body, message) => {
    const before = await list("?limit=2000");
    const err = await expectError(await server.api(STORES, { method: "POST", json: body() }), 400);
    expect(err.message).toMatch(message);
    expect((await list("?limit=2000")).total).toBe(before.total);
  });

  test("a system of another workspace, or of the wrong type, is refused", async () => {
    const other = await server.client("admin");
    const foreign = addTestSystem(server, other.workspaceId);
    await expectError(await server.api(STORES, { method: "POST", json: { protectionStoreType: "ON_PREMISES", storageSystemId: foreign.id } }), 400);
    const mine = addTestSystem(server, server.admin.workspaceId, { type: "STOREONCE" });
    const wrong = await expectError(await server.api(STORES, { method: "POST", json: { protectionStoreType: "ON_PREMISES", storageSystemId: mine.id, storageSystemType: "PROTECTION_STORE_GATEWAY" } }), 400);
    expect(wrong.message).toMatch(/STOREONCE/);
    const { id } = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: mine.id, storageSystemType: "STOREONCE" });
    expect((await get(id)).storageSystemInfo?.type).toBe("STOREONCE");
  });
});

describe("statistics", () => {
  test("size on disk, user data and dedup ratio are measured from the chunk store after a write", async () => {
    const system = addTestSystem(server, server.admin.workspaceId);
    const { id } = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id });
    const before = await get(id);
    const store = await server.services.storeRegistry.open(id, { dir: join(system.storeRoot, id) });
    const image = join(server.dataDir, "disk.img");
    makeImage(image, 4 << 20, "stores");
    await store.backup(image, { label: "vm-01" });
    await store.backup(image, { label: "vm-01 again" });
    // The GET serves the document: nothing changes until the writer reports its write.
    expect((await get(id)).userDataStoredInBytes).toBe(0);
    await server.services.useCases.protectionStores.refreshStats(server.admin.workspaceId, id);
    const after = await get(id);
    expect(after.userDataStoredInBytes).toBe(8 << 20);
    expect(after.sizeOnDiskInBytes).toBeGreaterThan(0);
    expect(after.sizeOnDiskInBytes).toBeLessThan(4 << 20);
    // Two identical backups: every chunk is stored once.
    expect(after.deduplicationRatio).toBeGreaterThanOrEqual(2);
    expect(after.generation).toBe(before.generation + 1);
    // GET /metrics reports the same measurements, per store and workspace.
    const metrics = await (await server.api("/metrics")).text();
    const labels = `{store_id="${id}",workspace="${server.admin.workspaceId}"}`;
    expect(metrics).toContain(`obr_protection_store_logical_bytes${labels} ${8 << 20}\n`);
    expect(metrics).toContain(`obr_protection_store_stored_bytes${labels} ${after.sizeOnDiskInBytes}\n`);
  });
  test("a write reported while an operation holds the store updates the sizes, not its busy state", async () => {
    const system = addTestSystem(server, server.admin.workspaceId);
    const { id } = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id });
    const store = await server.services.storeRegistry.open(id, { dir: join(system.storeRoot, id) });
    const image = join(server.dataDir, "busy.img");
    makeImage(image, 2 << 20, "busy");
    await store.backup(image, { label: "vm-02" });
    // As a delete or reattach that has been accepted and not yet run leaves it.
    await server.services.stores.repository.update(server.admin.workspaceId, id, undefined, (d) => ({ ...d, state: "NOT_READY", stateReason: "being deleted" }));
    await server.services.useCases.protectionStores.refreshStats(server.admin.workspaceId, id);
    const busy = await get(id);
    expect(busy).toMatchObject({ state: "NOT_READY", stateReason: "being deleted", userDataStoredInBytes: 2 << 20 });
    const unchanged = busy.generation;
    await server.services.useCases.protectionStores.refreshStats(server.admin.workspaceId, id);
    expect((await get(id)).generation).toBe(unchanged);
  });
});

describe("list", () => {
  test("the HPE blog's filter: protectionStoreType eq 'ON_PREMISES' and storageSystemInfo/id eq \"<psg-id>\"", async () => {
    const system = addTestSystem(server, server.admin.workspaceId);
    const a = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id, displayName: "a" });
    const b = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:us-east-1", storageSystemId: system.id, displayName: "b" });
    const onPrem = await list(filter(`protectionStoreType eq 'ON_PREMISES' and storageSystemInfo/id eq "${system.id}"`));
    expect(onPrem.items.map((s) => s.id)).toEqual([a.id]);
    const both = await list(`${filter(`storageSystemInfo/id eq ${system.id}`)}&sort=displayName desc`);
    expect(both.items.map((s) => s.id)).toEqual([b.id, a.id]);
    const cloud = await list(filter("protectionStoreType eq CLOUD"));
    expect(cloud.items.every((s) => s.protectionStoreType === "CLOUD")).toBe(true);
    expect(cloud.items.map((s) => s.id)).toContain(b.id);
    const selected = await json<StoreList>(await server.api(`${filter(`storageSystemInfo/id eq ${system.id}`)}&select=id,displayName&sort=displayName`.replace(/^/, STORES)), 200);
    expect(selected.items).toEqual([
      { id: a.id, displayName: "a" },
      { id: b.id, displayName: "b" },
    ]);
  });

  test("paging defaults to 10, at most 2000; bad filters are 400", async () => {
    const page = await list();
    expect(page.count).toBeLessThanOrEqual(10);
    await expectError(await server.api(`${STORES}?limit=2001`), 400);
    await expectError(await server.api(`${STORES}${filter("sizeOnDiskInBytes gt 1")}`), 400);
    await expectError(await server.api(`${STORES}${filter("protectionStoreType eq")}`), 400);
  });
});

describe("patch", () => {
  test("displayName: 200 with the store, generation + 1; read-only fields, stale If-Match, unknown ids refused", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-central-1" });
    const s = await get(id);
    const r = await server.api(`${STORES}/${id}`, { method: "PATCH", headers: MERGE, body: JSON.stringify({ displayName: "frankfurt archive" }) });
    const patched = await json<Store>(r, 200);
    expectContract("backup-recovery", "ProtectionStoreDetail", patched);
    expect(patched).toMatchObject({ displayName: "frankfurt archive", generation: s.generation + 1, name: s.name });
    expect(await get(id)).toEqual(patched);
    for (const body of [{ name: "x" }, { state: "OFFLINE" }, { protectionStoreType: "ON_PREMISES" }, {}, { displayName: "" }]) {
      await expectError(await server.api(`${STORES}/${id}`, { method: "PATCH", headers: MERGE, body: JSON.stringify(body) }), 400);
    }
    await expectError(await server.api(`${STORES}/${id}`, { method: "PATCH", headers: { ...MERGE, "if-match": '"1"' }, body: JSON.stringify({ displayName: "late" }) }), 412);
    expect(await get(id)).toEqual(patched);
    await expectError(await server.api(`${STORES}/${randomUUID()}`, { method: "PATCH", headers: MERGE, body: JSON.stringify({ displayName: "ghost" }) }), 404);
  });
});

describe("delete", () => {
  test("202; the store, its data and its key are gone", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-2" });
    const dir = join(server.dataDir, "cloud", "eu-west-2", id);
    expect(existsSync(dir)).toBe(true);
    const op = await accepted(server, `${STORES}/${id}`, { method: "DELETE" });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    await expectError(await server.api(`${STORES}/${id}`), 404);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(server.dataDir, "keys", `${id}.key`))).toBe(false);
    expect(server.services.storeRegistry.isOpen(id)).toBe(false);
    await expectError(await server.api(`${STORES}/${id}`, { method: "DELETE" }), 404);
  });

  test("refused while copies exist unless force, and never while a copy is locked", async () => {
    const system = addTestSystem(server, server.admin.workspaceId);
    const { id } = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id });
    // Copies do not exist in obr yet: a source counts them as the copy collections will.
    const held = { copies: 2, locked: 1 };
    server.services.storeCopies.add({ count: async (_ws, storeId) => (storeId === id ? held : { copies: 0, locked: 0 }) });
    const s = await get(id);
    expect((await expectError(await server.api(`${STORES}/${id}?force=true`, { method: "DELETE" }), 400)).message).toMatch(/locked/);
    held.locked = 0;
    expect((await expectError(await server.api(`${STORES}/${id}`, { method: "DELETE" }), 400)).message).toMatch(/2 copies.*force/);
    expect(await get(id)).toEqual(s);
    expect(existsSync(join(system.storeRoot, id))).toBe(true);
    const op = await accepted(server, `${STORES}/${id}?force=true`, { method: "DELETE" });
    expect(op.state).toBe("SUCCEEDED");
    expect(existsSync(join(system.storeRoot, id))).toBe(false);
  });

  test("a stale If-Match → 412 and nothing changes", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-3" });
    const s = await get(id);
    await expectError(await server.api(`${STORES}/${id}`, { method: "DELETE", headers: { "if-match": `"${s.generation + 5}"` } }), 412);
    expect(await get(id)).toEqual(s);
  });
});

describe("reattach", () => {
  test("a cloud store moves to a new gateway's orchestrators; its data and key stay", async () => {
    const oldGateway = addTestSystem(server, server.admin.workspaceId, { name: "psg-old" });
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:us-east-2", storageSystemId: oldGateway.id });
    expect((await get(id)).storageSystemInfo?.id).toBe(oldGateway.id);
    const newGateway = addTestSystem(server, server.admin.workspaceId, { name: "psg-new" });
    const op = await accepted(server, `${STORES}/${id}/reattach`, { json: { storageSystemId: newGateway.id, storageSystemType: "PROTECTION_STORE_GATEWAY" } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const moved = await get(id);
    expect(moved).toMatchObject({ storageSystemInfo: newGateway.info, dataOrchestratorInfo: [{ id: newGateway.dataOrchestratorIds[0] }], state: "ONLINE", encrypted: true });
  });

  test("refused for an ON_PREMISES store, an unknown system or store", async () => {
    const system = addTestSystem(server, server.admin.workspaceId);
    const local = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id });
    const other = addTestSystem(server, server.admin.workspaceId);
    expect((await expectError(await server.api(`${STORES}/${local.id}/reattach`, { method: "POST", json: { storageSystemId: other.id } }), 400)).message).toMatch(/CLOUD/);
    const cloud = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:us-west-1" });
    const before = await get(cloud.id);
    await expectError(await server.api(`${STORES}/${cloud.id}/reattach`, { method: "POST", json: { storageSystemId: randomUUID() } }), 400);
    expect(await get(cloud.id)).toEqual(before);
    await expectError(await server.api(`${STORES}/${randomUUID()}/reattach`, { method: "POST", json: { storageSystemId: other.id } }), 404);
  });
});

describe("tenancy", () => {
  test("another workspace sees nothing: 404 on the id, absent from its list, no writes", async () => {
    const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:ca-central-1" });
    const s = await get(id);
    const other = await server.client("admin");
    await expectError(await server.api(`${STORES}/${id}`, { token: other.token }), 404);
    expect((await list("?limit=2000", other.token)).items.map((x) => x.id)).not.toContain(id);
    await expectError(await server.api(`${STORES}/${id}`, { token: other.token, method: "PATCH", headers: MERGE, body: JSON.stringify({ displayName: "mine" }) }), 404);
    await expectError(await server.api(`${STORES}/${id}`, { token: other.token, method: "DELETE" }), 404);
    const system = addTestSystem(server, other.workspaceId);
    await expectError(await server.api(`${STORES}/${id}/reattach`, { token: other.token, method: "POST", json: { storageSystemId: system.id } }), 404);
    expect(await get(id)).toEqual(s);
  });

  test("a read-only client may list but not create", async () => {
    const ro = await server.client("read-only", server.admin.workspaceId);
    await list("", ro.token);
    await expectError(await server.api(STORES, { token: ro.token, method: "POST", json: { protectionStoreType: "CLOUD", storageLocationId: "aws:us-east-1" } }), 403);
  });
});

test("an unreadable key makes the store STORE_FAILURE with the reason, measured on refresh", async () => {
  const { id } = await createStore(server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-north-1" });
  await server.services.storeRegistry.release(id);
  writeFileSync(join(server.dataDir, "keys", `${id}.key`), "{}");
  await server.services.useCases.protectionStores.refreshStats(server.admin.workspaceId, id);
  const failed = await get(id);
  expect(failed).toMatchObject({ state: "STORE_FAILURE", status: "ERROR" });
  expect(failed.stateReason).toMatch(/key/);
});
