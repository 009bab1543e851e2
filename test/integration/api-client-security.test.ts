// API clients and workspaces (issue 16, items 1, 3, 7 and 15): an orphaned workspace cannot be
// claimed, the API does not tell whether a workspace exists, HEAD is a read, and an admin can
// rotate a client's secret and change its role within its own workspace.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_CLIENTS, POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";
import { migrate } from "../../src/db/migrate.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const tokenStatus = async (clientId: string, clientSecret: string) =>
  (
    await fetch(`${server.url}/as/token.oauth2`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    })
  ).status;

describe("an orphaned workspace", () => {
  test("whose clients were all deleted cannot be claimed through the API by another workspace's admin", async () => {
    const victim = await server.client("admin");
    await json(await server.api(POLICIES, { method: "POST", token: victim.token, json: policyBody(`victim-${randomUUID()}`, { stores: await storesOf(server, victim) }) }), 200);
    for (const c of await server.services.clients.list(victim.workspaceId)) await server.services.clients.delete(c.id);

    const r = await server.api(API_CLIENTS, { method: "POST", json: { name: "takeover", role: "admin", workspaceId: victim.workspaceId } });
    expect((await expectError(r, 403)).errorCode).toBe("FORBIDDEN");
    expect(await server.services.clients.list(victim.workspaceId)).toEqual([]);
  });

  test("is never opened again as a new workspace, whether it had clients or only owns rows", async () => {
    const had = await server.client("read-only");
    await expect(server.services.clients.openWorkspace(had.workspaceId)).rejects.toMatchObject({ httpStatusCode: 409 });
    // Rows without any workspace record (say, written by a job): the id is still taken.
    const rowsOnly = `ws-${randomUUID()}`;
    await server.services.operations.create({ customerId: rowsOnly, userId: "x", name: "left behind" });
    await expect(server.services.clients.openWorkspace(rowsOnly)).rejects.toMatchObject({ httpStatusCode: 409 });
    const fresh = `ws-${randomUUID()}`;
    expect(await server.services.clients.openWorkspace(fresh)).toBe(fresh);
  });

  test("the operator (the CLI's service call) may still add a client to it", async () => {
    const victim = await server.client("admin");
    await server.services.clients.delete(victim.clientId);
    const back = await server.services.clients.create({ name: "recovered", role: "admin", workspaceId: victim.workspaceId });
    expect(back.workspaceId).toBe(victim.workspaceId);
  });

  test("migration 006 records every workspace that has clients or rows", async () => {
    const { db } = server.services.database;
    const orphan = `ws-${randomUUID()}`;
    await server.services.operations.create({ customerId: orphan, userId: "x", name: "orphan's" });
    await sql`drop table workspaces`.execute(db);
    await sql`delete from obr_migrations where name = '006-workspaces'`.execute(db);
    await migrate(server.services.database);
    const ids = new Set((await db.selectFrom("workspaces").select("id").execute()).map((r) => r.id));
    expect(ids.has(orphan)).toBe(true);
    expect(ids.has(server.admin.workspaceId)).toBe(true);
  });
});

describe("POST /obr/v1/api-clients does not tell whether a workspace exists", () => {
  test("another existing workspace and an unknown one get the same 403 and message", async () => {
    const other = await server.client("admin");
    const answer = async (workspaceId: string) => {
      const body = await expectError(await server.api(API_CLIENTS, { method: "POST", json: { name: "probe", role: "read-only", workspaceId } }), 403);
      return `${body.errorCode} ${body.message}`;
    };
    expect(await answer(other.workspaceId)).toBe(await answer(`ws-${randomUUID()}`));
  });

  test("newWorkspace and workspaceId together are refused", async () => {
    await expectError(await server.api(API_CLIENTS, { method: "POST", json: { name: "x", role: "admin", newWorkspace: true, workspaceId: server.admin.workspaceId } }), 400);
  });
});

describe("HEAD is a read", () => {
  test("a read-only client may HEAD what it may GET", async () => {
    const ro = await server.client("read-only", server.admin.workspaceId);
    const r = await server.api(POLICIES, { method: "HEAD", token: ro.token });
    expect(r.status).toBe(200);
    expect((await server.api(POLICIES, { method: "POST", token: ro.token, json: policyBody("ro") })).status).toBe(403);
  });
});

describe("rotate and set-role through the admin API", () => {
  test("rotate returns a new secret once; the old one stops working", async () => {
    const c = await server.client("operator", server.admin.workspaceId);
    const rotated = await json<{ clientId: string; clientSecret: string }>(await server.api(`${API_CLIENTS}/${c.clientId}/rotate`, { method: "POST" }), 200);
    expect(rotated.clientId).toBe(c.clientId);
    expect(rotated.clientSecret).not.toBe(c.clientSecret);
    expect(await tokenStatus(c.clientId, rotated.clientSecret)).toBe(200);
    expect(await tokenStatus(c.clientId, c.clientSecret)).toBe(401);
    const listed = await (await server.api(API_CLIENTS)).text();
    expect(listed).not.toContain(rotated.clientSecret);
  });

  test("PATCH role applies to the tokens the client already holds", async () => {
    const c = await server.client("operator", server.admin.workspaceId);
    expect((await server.api(POLICIES, { method: "POST", token: c.token, json: policyBody(`before-${randomUUID()}`, { stores: await storesOf(server) }) })).status).toBe(200);
    const changed = await json<{ role: string }>(await server.api(`${API_CLIENTS}/${c.clientId}`, { method: "PATCH", json: { role: "read-only" } }), 200);
    expect(changed.role).toBe("read-only");
    expect((await server.api(POLICIES, { method: "POST", token: c.token, json: policyBody(`after-${randomUUID()}`) })).status).toBe(403);
    expect((await server.api(POLICIES, { token: c.token })).status).toBe(200);
    await expectError(await server.api(`${API_CLIENTS}/${c.clientId}`, { method: "PATCH", json: { role: "superuser" } }), 400);
  });

  test("both are workspace-scoped and admin-only; an admin cannot change its own role", async () => {
    const other = await server.client("operator");
    await expectError(await server.api(`${API_CLIENTS}/${other.clientId}/rotate`, { method: "POST" }), 404);
    await expectError(await server.api(`${API_CLIENTS}/${other.clientId}`, { method: "PATCH", json: { role: "admin" } }), 404);
    expect(await tokenStatus(other.clientId, other.clientSecret)).toBe(200);
    const op = await server.client("operator", server.admin.workspaceId);
    await expectError(await server.api(`${API_CLIENTS}/${op.clientId}/rotate`, { method: "POST", token: op.token }), 403);
    await expectError(await server.api(`${API_CLIENTS}/${server.admin.clientId}`, { method: "PATCH", json: { role: "read-only" } }), 400);
  });
});
