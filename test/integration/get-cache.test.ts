// A document read by id is served again while nothing has been committed since: every write, by
// this server, by another connection or by another process, shows on the next GET, and a cached
// document never answers another tenant.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { asyncOperations } from "../../src/api/resources/async-operations.ts";
import { tableFor } from "../../src/container.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DocumentRepository } from "../../src/db/document-repository.ts";
import type { AsyncOperation } from "../../src/services/async-operations.ts";
import { OPERATIONS, expectError, json } from "../helpers/greenlake.ts";
import { type TestClient, type TestServer, startTestServer } from "../helpers/test-server.ts";

const SRC = join(import.meta.dirname, "..", "..", "src");
const module = (path: string) => JSON.stringify(pathToFileURL(join(SRC, path)).href);

let server: TestServer;
let other: TestClient;
/** A second connection to the same database, in this process. */
let elsewhere: Database;
let elsewhereOps: DocumentRepository;

const get = (id: string, token?: string, query = "") => server.api(`${OPERATIONS}/${id}${query}`, token ? { token } : {});
const getText = async (id: string, token?: string) => {
  const res = await get(id, token);
  expect(res.status).toBe(200);
  return res.text();
};
const getOp = async (id: string, token?: string) => json<AsyncOperation>(await get(id, token), 200);
/** Two reads: the first fills the cache, the second is served from it. */
const pollTwice = async (id: string, token?: string) => {
  await getText(id, token);
  return getText(id, token);
};
const create = (customerId: string, name: string) => server.services.operations.create({ customerId, userId: "test", name });

/** Renames an operation from a separate node process, through the same database. */
async function renameInAnotherProcess(customerId: string, id: string, displayName: string): Promise<void> {
  const script = `
    import { openDatabase } from ${module("db/database.ts")};
    import { DocumentRepository } from ${module("db/document-repository.ts")};
    import { tableFor } from ${module("container.ts")};
    import { asyncOperations } from ${module("api/resources/async-operations.ts")};
    const [url, customerId, id, displayName] = process.argv.slice(1);
    const db = await openDatabase(url);
    await new DocumentRepository(db, tableFor(asyncOperations)).update(customerId, id, undefined, (op) => ({ ...op, displayName }));
    await db.close();
  `;
  const url = server.services.config.databaseUrl;
  await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, url, customerId, id, displayName]);
}

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0" });
  other = await server.client("read-only");
  elsewhere = await openDatabase(server.services.config.databaseUrl);
  elsewhereOps = new DocumentRepository(elsewhere, tableFor(asyncOperations));
});

afterAll(async () => {
  await elsewhere?.close();
  await server?.stop();
});

test("polling an unchanged document gives the same bytes", async () => {
  const op = await create(server.admin.workspaceId, "unchanged");
  const first = await getText(op.id);
  expect(JSON.parse(first)).toMatchObject({ id: op.id, displayName: "unchanged" });
  expect(await getText(op.id)).toBe(first);
  expect(await getText(op.id)).toBe(first);
});

test("a write by another connection shows on the next GET", async () => {
  const op = await create(server.admin.workspaceId, "before");
  await pollTwice(op.id);
  await elsewhereOps.update<AsyncOperation>(server.admin.workspaceId, op.id, undefined, (o) => ({ ...o, displayName: "renamed elsewhere" }));
  expect(await getOp(op.id)).toMatchObject({ id: op.id, displayName: "renamed elsewhere", generation: op.generation + 1 });
});

test("a write by another process shows on the next GET", async () => {
  const op = await create(server.admin.workspaceId, "before");
  await pollTwice(op.id);
  await renameInAnotherProcess(server.admin.workspaceId, op.id, "renamed by another process");
  expect(await getOp(op.id)).toMatchObject({ id: op.id, displayName: "renamed by another process" });
  expect(await getOp(op.id)).toMatchObject({ displayName: "renamed by another process" });
}, 30_000);

test("a write by this server shows on the next GET", async () => {
  const op = await create(server.admin.workspaceId, "before");
  await pollTwice(op.id);
  await server.services.operations.change(server.admin.workspaceId, op.id, (o) => {
    o.displayName = "renamed here";
  });
  expect(await getOp(op.id)).toMatchObject({ displayName: "renamed here" });
});

test("a delete elsewhere is a 404 on the next GET", async () => {
  const op = await create(server.admin.workspaceId, "doomed");
  await pollTwice(op.id);
  await elsewhereOps.delete(server.admin.workspaceId, op.id, undefined);
  await expectError(await get(op.id), 404);
});

test("a document cached for its tenant is a 404 for another tenant", async () => {
  const mine = await create(server.admin.workspaceId, "mine");
  const theirs = await create(other.workspaceId, "theirs");
  const cached = await pollTwice(mine.id);
  await expectError(await get(mine.id, other.token), 404);
  await expectError(await get(mine.id, other.token), 404);
  await pollTwice(theirs.id, other.token);
  await expectError(await get(theirs.id), 404);
  expect(await getOp(theirs.id, other.token)).toMatchObject({ id: theirs.id, displayName: "theirs" });
  expect(await getText(mine.id)).toBe(cached);
});

test("select projects a cached document", async () => {
  const op = await create(server.admin.workspaceId, "projected");
  await pollTwice(op.id);
  const selected = await json(await get(op.id, undefined, "?select=id,displayName"), 200);
  expect(selected).toEqual({ id: op.id, displayName: "projected" });
});
