// Workspaces are isolated: another workspace's client — even an admin — cannot see, change or
// delete anything of the first, and cannot create clients inside it.
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_CLIENTS, OPERATIONS, POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestClient, type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Page {
  items: { id: string; name: string; customerId?: string }[];
  count: number;
  total: number;
}

let server: TestServer;
let other: TestClient;
let policy: Record<string, unknown> & { id: string; name: string };
let operation: { id: string };
let child: { id: string };

beforeAll(async () => {
  server = await startTestServer();
  other = await server.client("admin");
  policy = await json(await server.api(POLICIES, { method: "POST", json: policyBody(`tenant-a-${randomUUID()}`, { description: "A", stores: await storesOf(server) }) }), 200);
  const userId = decodeJwt(server.admin.token).sub!;
  operation = await server.services.operations.create({ customerId: server.admin.workspaceId, userId, name: "workspace A task" });
  child = await server.services.operations.create({ customerId: server.admin.workspaceId, userId, name: "child", parentId: operation.id });
});
afterAll(async () => {
  await server?.stop();
});

const snapshot = async () => ({
  policy: await (await server.api(`${POLICIES}/${policy.id}`)).text(),
  operation: await (await server.api(`${OPERATIONS}/${operation.id}`)).text(),
  policies: await (await server.api(POLICIES)).text(),
  operations: await (await server.api(OPERATIONS)).text(),
});

describe("another workspace's admin", () => {
  test("the second client really is another workspace", () => {
    expect(other.workspaceId).not.toBe(server.admin.workspaceId);
    expect(decodeJwt(other.token).role).toBe("admin");
  });

  test("gets 404 for GET/PATCH/PUT/DELETE of the first workspace's policy, which stays unchanged", async () => {
    const before = await snapshot();
    const url = `${POLICIES}/${policy.id}`;
    await expectError(await server.api(url, { token: other.token }), 404);
    await expectError(await server.api(`${url}?select=name`, { token: other.token }), 404);
    await expectError(await server.api(url, { token: other.token, method: "PATCH", json: { name: "hijacked" } }), 404);
    await expectError(
      await server.api(url, { token: other.token, method: "PATCH", json: { description: null }, headers: { "if-match": '"1"' } }),
      404,
    );
    await expectError(await server.api(url, { token: other.token, method: "PUT", json: policyBody("hijacked") }), 404);
    await expectError(await server.api(url, { token: other.token, method: "DELETE" }), 404);
    await expectError(await server.api(url, { token: other.token, method: "DELETE", headers: { "if-match": '"1"' } }), 404);
    // Same answer as for an id that exists nowhere: nothing tells the ids apart.
    const ghost = await expectError(await server.api(`${POLICIES}/${randomUUID()}`, { token: other.token }), 404);
    expect(ghost.errorCode).toBe("NOT_FOUND");
    expect(await snapshot()).toEqual(before);
  });

  test("gets 404 for the first workspace's async operations, and no other method works on them", async () => {
    const before = await snapshot();
    await expectError(await server.api(`${OPERATIONS}/${operation.id}`, { token: other.token }), 404);
    await expectError(await server.api(`${OPERATIONS}/${child.id}?select=state`, { token: other.token }), 404);
    for (const method of ["PATCH", "PUT", "DELETE"]) {
      const mine = await server.api(`${OPERATIONS}/${operation.id}`, { token: other.token, method, json: {} });
      const nobody = await server.api(`${OPERATIONS}/${randomUUID()}`, { token: other.token, method, json: {} });
      expect(mine.status).toBe(nobody.status);
      expect(mine.status === 404 || mine.status === 405).toBe(true);
      await expectError(mine, mine.status);
    }
    expect(await snapshot()).toEqual(before);
  });

  test("sees none of the first workspace's items in lists, whatever the filter", async () => {
    const lists = [
      POLICIES,
      `${POLICIES}?filter=${encodeURIComponent(`id eq '${policy.id}'`)}`,
      `${POLICIES}?filter=${encodeURIComponent(`name eq '${policy.name}'`)}`,
      OPERATIONS,
      `${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq '${operation.id}'`)}`,
      `${OPERATIONS}?filter=${encodeURIComponent(`customerId eq '${server.admin.workspaceId}'`)}`,
      `${OPERATIONS}?filter=${encodeURIComponent(`id eq '${operation.id}' or id ne '${operation.id}'`)}`,
    ];
    for (const url of lists) {
      const page = await json<Page>(await server.api(url, { token: other.token }), 200);
      expect(page.total, url).toBe(0);
      expect(page.items, url).toEqual([]);
    }
    // Control: the owner sees them.
    const own = await json<Page>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq '${operation.id}'`)}`), 200);
    expect(own.items.map((i) => i.id)).toEqual([child.id]);
  });

  test("may use the same policy name in its own workspace; each side sees only its own", async () => {
    const mine = await json<{ id: string; customerId: string }>(
      await server.api(POLICIES, { token: other.token, method: "POST", json: policyBody(policy.name, { stores: await storesOf(server, other) }) }),
      200,
    );
    expect(mine.customerId).toBe(other.workspaceId);
    const theirs = await json<Page>(await server.api(POLICIES, { token: other.token }), 200);
    expect(theirs.items.map((i) => i.id)).toEqual([mine.id]);
    const ours = await json<Page>(await server.api(POLICIES), 200);
    expect(ours.items.map((i) => i.id)).toEqual([policy.id]);
    await expectError(await server.api(`${POLICIES}/${mine.id}`), 404);
    expect((await server.api(`${POLICIES}/${mine.id}`, { token: other.token, method: "DELETE" })).status).toBe(204);
  });

  test("sees only its own workspace's API clients", async () => {
    const list = await json<{ items: { clientId: string; workspaceId: string }[] }>(await server.api(API_CLIENTS, { token: other.token }), 200);
    expect(list.items.map((c) => c.clientId)).toEqual([other.clientId]);
    expect(list.items.every((c) => c.workspaceId === other.workspaceId)).toBe(true);
  });
});

describe("creating clients in other workspaces", () => {
  test("an admin may open a NEW workspace (generated id) with a client; that client sees nothing of the creator's", async () => {
    const created = await json<{ clientId: string; clientSecret: string; workspaceId: string; role: string }>(
      await server.api(API_CLIENTS, { method: "POST", json: { name: "new workspace", role: "admin", newWorkspace: true } }),
      201,
    );
    const workspaceId = created.workspaceId;
    expect(workspaceId).not.toBe(server.admin.workspaceId);
    const r = await fetch(`${server.url}/authorization/v2/oauth2/${workspaceId}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: created.clientId, client_secret: created.clientSecret }),
    });
    const { access_token } = await json<{ access_token: string }>(r, 200);
    expect(decodeJwt(access_token).cid).toBe(workspaceId);
    expect((await json<Page>(await server.api(POLICIES, { token: access_token }), 200)).total).toBe(0);
    await expectError(await server.api(`${POLICIES}/${policy.id}`, { token: access_token }), 404);
    // The creator does not see the new workspace's client in its own list.
    const mine = await json<{ items: { clientId: string }[] }>(await server.api(API_CLIENTS), 200);
    expect(mine.items.map((c) => c.clientId)).not.toContain(created.clientId);
  });

  test("an admin gets 403 creating a client in an existing other workspace, and nothing is created", async () => {
    const before = await json<{ items: unknown[] }>(await server.api(API_CLIENTS, { token: other.token }), 200);
    const r = await server.api(API_CLIENTS, { method: "POST", json: { name: "intruder", role: "admin", workspaceId: other.workspaceId } });
    expect((await expectError(r, 403)).errorCode).toBe("FORBIDDEN");
    const after = await json<{ items: unknown[] }>(await server.api(API_CLIENTS, { token: other.token }), 200);
    expect(after.items).toEqual(before.items);
  });

  test("naming its own workspace explicitly is allowed; an invalid workspace id is 400", async () => {
    const own = await server.api(API_CLIENTS, { method: "POST", json: { name: "own", role: "read-only", workspaceId: server.admin.workspaceId } });
    expect((await json<{ workspaceId: string }>(own, 201)).workspaceId).toBe(server.admin.workspaceId);
    await expectError(await server.api(API_CLIENTS, { method: "POST", json: { name: "bad", role: "admin", workspaceId: "../etc" } }), 400);
  });
});
