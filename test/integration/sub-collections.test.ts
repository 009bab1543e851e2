// The framework scopes sub-collections to their parent: every read and write names the parent in
// its path, a missing or foreign parent is a 404, and a child of another parent is a 404 that
// changes nothing. Exercised through the real hypervisor-manager children (reads) and a test-only
// writable sub-collection registered beside the real collections (writes and actions).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CollectionDefinition } from "../../src/api/resource/collection-definition.ts";
import { operation, operationWithBody } from "../../src/api/resource/operation.ts";
import { type PathParams, handleItem } from "../../src/api/resource/operation-handlers.ts";
import { registerCollection } from "../../src/api/resource/register-collection.ts";
import { loadConfig } from "../../src/config/config.ts";
import { type Services, buildApp, buildServices } from "../../src/container.ts";
import { DocumentRepository, type StoredDocument } from "../../src/db/document-repository.ts";
import { nowIso, systemClock } from "../../src/domain/clock.ts";
import { expectError, json } from "../helpers/greenlake.ts";
import { testDatabase } from "../helpers/test-server.ts";

const MANAGERS = "/virtualization/v1beta1/hypervisor-managers";

// A writable child of hypervisor managers, stored in the folders table (test only).
const NoteSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  customerId: Type.String(),
  generation: Type.Integer(),
  hypervisorManagerInfo: Type.Optional(Type.Object({ id: Type.String() })),
});
const testNotes = {
  name: "test-notes",
  path: `${MANAGERS}/{hypervisor-id}/test-notes`,
  idParam: "note-id",
  tag: "test",
  schema: NoteSchema,
  table: "hypervisor_folders",
  parent: { param: "hypervisor-id", column: "hypervisor_manager_id", collection: "hypervisor-managers", what: "hypervisor manager" },
  promoted: { name: "name", hypervisor_manager_id: "hypervisorManagerInfo/id" },
  list: { operationId: "TestNoteList", summary: "List notes", envelope: "standard", limitDefault: 20, limitMax: 100, filterable: "all" },
  get: { operationId: "TestNote", summary: "Get a note" },
  update: operationWithBody({ operationId: "TestNoteUpdate", summary: "Rename a note", status: 200 }, Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
  remove: operation({ operationId: "TestNoteDelete", summary: "Delete a note", status: 204 }),
  actions: { touch: operation({ operationId: "TestNoteTouch", summary: "Touch a note", status: 202 }) },
} satisfies CollectionDefinition;

let services: Services;
let app: FastifyInstance;
let url: string;
let dataDir: string;
let dropDatabase: () => Promise<void>;
let token: string;
let otherToken: string;
let notes: DocumentRepository;
/** The params each handler call received. */
const seen: PathParams[] = [];

const api = (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
  const { json: body, token: tok, ...rest } = init;
  const headers = { authorization: `Bearer ${tok ?? token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) };
  return fetch(`${url}${path}`, { ...rest, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
};

async function tokenFor(workspaceId?: string): Promise<{ token: string; workspaceId: string }> {
  const c = await services.clients.create({ name: "sub-collections", role: "admin", ...(workspaceId ? { workspaceId } : {}) });
  const principal = { id: c.id, clientId: c.clientId, customerId: c.workspaceId, role: c.role };
  return { token: await services.tokens.issue(principal), workspaceId: c.workspaceId };
}

function doc(customerId: string, fields: Record<string, unknown>): StoredDocument {
  const now = nowIso(systemClock);
  return { id: randomUUID(), customerId, generation: 1, createdAt: now, updatedAt: now, ...fields };
}

let workspace: string;
let managerA: StoredDocument;
let managerB: StoredDocument;
let noteOfA: StoredDocument;
let noteOfB: StoredDocument;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-it-"));
  const database = testDatabase(dataDir);
  dropDatabase = database.drop;
  const config = loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_LISTEN: "127.0.0.1:0", OBR_DEMO: "0" });
  services = await buildServices(config, pino({ level: "silent" }));
  app = await buildApp(services);
  notes = new DocumentRepository(services.database, {
    table: "hypervisor_folders",
    promoted: { name: (d) => String(d.name), hypervisor_manager_id: (d) => String((d.hypervisorManagerInfo as { id: string }).id) },
  });
  const repositories = new Map([...services.repositories, ["test-notes", notes]]);
  const record = (params: PathParams) => seen.push(params);
  registerCollection(
    app,
    testNotes,
    {
      update: handleItem(testNotes.update, async ({ actor, id, params, body, ifMatch }) => {
        record(params);
        return { resource: await notes.update(actor.workspaceId, id, ifMatch, (n) => ({ ...n, name: body.name })) };
      }),
      remove: handleItem(testNotes.remove, async ({ actor, id, params }) => {
        record(params);
        await notes.delete(actor.workspaceId, id, undefined);
        return undefined;
      }),
      actions: {
        touch: handleItem(testNotes.actions.touch, async ({ params }) => {
          record(params);
          return { operationId: randomUUID() };
        }),
      },
    },
    { dialect: services.database.dialect, repositories },
  );
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const admin = await tokenFor();
  token = admin.token;
  workspace = admin.workspaceId;
  otherToken = (await tokenFor()).token;
  const managers = services.repositories.get("hypervisor-managers")!;
  managerA = doc(workspace, { name: "a", displayName: "a" });
  managerB = doc(workspace, { name: "b", displayName: "b" });
  for (const m of [managerA, managerB]) await managers.insert(m);
  noteOfA = doc(workspace, { name: "note-a", hypervisorManagerInfo: { id: managerA.id } });
  noteOfB = doc(workspace, { name: "note-b", hypervisorManagerInfo: { id: managerB.id } });
  for (const n of [noteOfA, noteOfB]) await notes.insert(n);
});

afterAll(async () => {
  await app?.close();
  await services?.database.close();
  await rm(dataDir, { recursive: true, force: true });
  await dropDatabase?.();
});

// The notes live in the folders table, so the real /folders routes see them as folders.
describe("reads through an existing nested route (hypervisor-manager folders)", () => {
  test("a child is read under its own parent only", async () => {
    expect((await json<{ id: string }>(await api(`${MANAGERS}/${managerB.id}/folders/${noteOfB.id}`), 200)).id).toBe(noteOfB.id);
    await expectError(await api(`${MANAGERS}/${managerA.id}/folders/${noteOfB.id}`), 404);
  });

  test("a missing parent, or one of another workspace, is a 404 for lists and gets", async () => {
    const missing = randomUUID();
    const body = await expectError(await api(`${MANAGERS}/${missing}/folders`), 404);
    expect(body.message).toBe(`hypervisor manager '${missing}' not found`);
    await expectError(await api(`${MANAGERS}/${managerB.id}/folders`, { token: otherToken }), 404);
    await expectError(await api(`${MANAGERS}/${managerB.id}/folders/${noteOfB.id}`, { token: otherToken }), 404);
  });

  test("a list shows only the parent's children", async () => {
    const page = await json<{ items: { id: string }[] }>(await api(`${MANAGERS}/${managerA.id}/folders`), 200);
    expect(page.items.map((i) => i.id)).toEqual([noteOfA.id]);
  });
});

describe("writes of a test-only sub-collection", () => {
  test("PATCH under the right parent changes the child; handlers get every path parameter by its contract name", async () => {
    seen.length = 0;
    const res = await api(`${MANAGERS}/${managerA.id}/test-notes/${noteOfA.id}`, { method: "PATCH", json: { name: "renamed" } });
    expect(await json(res, 200)).toMatchObject({ id: noteOfA.id, name: "renamed", generation: 2 });
    expect(seen).toEqual([{ "hypervisor-id": managerA.id, "note-id": noteOfA.id }]);
  });

  test("PATCH, DELETE and actions on a child of another parent are 404 and change nothing", async () => {
    seen.length = 0;
    const before = await notes.getRaw(workspace, noteOfB.id);
    const path = `${MANAGERS}/${managerA.id}/test-notes/${noteOfB.id}`;
    const patch = await expectError(await api(path, { method: "PATCH", json: { name: "stolen" } }), 404);
    expect(patch.message).toBe(`test-notes '${noteOfB.id}' not found`);
    await expectError(await api(path, { method: "DELETE" }), 404);
    await expectError(await api(`${path}/touch`, { method: "POST" }), 404);
    expect(await notes.getRaw(workspace, noteOfB.id)).toBe(before);
    expect(seen).toEqual([]);
  });

  test("writes under a missing parent or another workspace's parent are 404 and change nothing", async () => {
    const before = await notes.getRaw(workspace, noteOfB.id);
    await expectError(await api(`${MANAGERS}/${randomUUID()}/test-notes/${noteOfB.id}`, { method: "PATCH", json: { name: "x" } }), 404);
    await expectError(await api(`${MANAGERS}/${managerB.id}/test-notes/${noteOfB.id}`, { method: "DELETE", token: otherToken }), 404);
    expect(await notes.getRaw(workspace, noteOfB.id)).toBe(before);
    expect(seen).toEqual([]);
  });

  test("an action under the right parent runs with both parameters and answers 202 with a Location", async () => {
    const res = await api(`${MANAGERS}/${managerB.id}/test-notes/${noteOfB.id}/touch`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toMatch(/^\/data-services\/v1beta1\/async-operations\//);
    expect(seen.at(-1)).toEqual({ "hypervisor-id": managerB.id, "note-id": noteOfB.id });
  });

  test("/openapi.json names the parameters as the definition's contract path does", async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    expect(doc.paths[`${MANAGERS}/{hypervisor-id}/test-notes/{note-id}`]?.patch?.operationId).toBe("TestNoteUpdate");
    expect(doc.paths[`${MANAGERS}/{hypervisor-id}/test-notes/{note-id}/touch`]?.post?.operationId).toBe("TestNoteTouch");
  });
});
