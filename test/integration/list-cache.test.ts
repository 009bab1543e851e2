// A full list page and its total are served again while the tenant's collection is unchanged:
// every write, by this server or by another process, shows on the next poll, and a cached page
// never crosses tenants.
import { afterAll, beforeAll, expect, test } from "vitest";
import { asyncOperations } from "../../src/api/resources/async-operations.ts";
import { tableFor } from "../../src/container.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DocumentRepository } from "../../src/db/document-repository.ts";
import type { AsyncOperation } from "../../src/services/async-operations.ts";
import { OPERATIONS, json } from "../helpers/greenlake.ts";
import { type TestClient, type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Page {
  items: { id: string; displayName: string }[];
  count: number;
  total: number;
}

let server: TestServer;
let other: TestClient;
/** A second connection to the same database: what another obr process writes through. */
let elsewhere: Database;
let elsewhereOps: DocumentRepository;

const POLL = `${OPERATIONS}?sort=createdAt%20desc,name&limit=2`;
const poll = async (token?: string, query = POLL) => json<Page>(await server.api(query, token ? { token } : {}), 200);
const create = (customerId: string, name: string) => server.services.operations.create({ customerId, userId: "test", name });

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0" });
  other = await server.client("read-only");
  for (const name of ["op-1", "op-2", "op-3", "op-4", "op-5"]) await create(server.admin.workspaceId, name);
  for (const name of ["their-1", "their-2", "their-3"]) await create(other.workspaceId, name);
  elsewhere = await openDatabase(server.services.config.databaseUrl);
  elsewhereOps = new DocumentRepository(elsewhere, tableFor(asyncOperations));
});

afterAll(async () => {
  await elsewhere?.close();
  await server?.stop();
});

test("polling an unchanged full page gives the same page", async () => {
  const first = await poll();
  expect(first.count).toBe(2);
  expect(first.total).toBe(5);
  expect(await poll()).toEqual(first);
  expect(await poll()).toEqual(first);
});

test("a write by another process shows on the next poll", async () => {
  const before = await poll();
  await poll();
  const newest = before.items[0]!;
  await elsewhereOps.update<AsyncOperation>(server.admin.workspaceId, newest.id, undefined, (op) => ({ ...op, displayName: "renamed elsewhere" }));
  const after = await poll();
  expect(after.items[0]).toMatchObject({ id: newest.id, displayName: "renamed elsewhere" });

  await elsewhereOps.delete(server.admin.workspaceId, newest.id, undefined);
  await poll();
  const afterDelete = await poll();
  expect(afterDelete.total).toBe(4);
  expect(afterDelete.items.map((i) => i.id)).not.toContain(newest.id);
});

test("a write by this server shows on the next poll", async () => {
  await poll();
  await poll();
  const made = await create(server.admin.workspaceId, "op-6");
  const after = await poll();
  expect(after.total).toBe(5);
  expect(after.items.map((i) => i.id)).toContain(made.id);
});

test("the same query of another tenant gets that tenant's page", async () => {
  const mine = await poll();
  const theirs = await poll(other.token);
  expect(theirs.total).toBe(3);
  expect(theirs.items.map((i) => i.displayName).every((n) => n.startsWith("their-"))).toBe(true);
  expect(await poll()).toEqual(mine);
  expect(await poll(other.token)).toEqual(theirs);
});

test("select projects a cached page", async () => {
  const full = await poll();
  const selected = await poll(undefined, `${POLL}&select=id`);
  expect(selected.items).toEqual(full.items.map((i) => ({ id: i.id })));
  expect(selected.total).toBe(full.total);
});
