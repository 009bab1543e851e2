// Error responses: every failure answers the GreenLake body {httpStatusCode, errorCode, message,
// debugId} with the right status, no internals, and a log line carrying the same debugId.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OPERATIONS, POLICIES, expectError, json, policyBody, until } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;

beforeAll(async () => {
  // A small body limit so 413 is cheap to provoke.
  server = await startTestServer({ OBR_BODY_LIMIT: "2048" });
});
afterAll(async () => {
  await server?.stop();
});

/** The log line of the request with this debugId (written when the response finished). */
async function requestLog(debugId: string): Promise<Record<string, unknown>> {
  return until(`the log line of request ${debugId}`, async () =>
    server.logs.find((l) => l.debugId === debugId && l.msg === "request" && "status" in l),
  );
}

async function expectLogged(debugId: string, method: string, path: string, status: number) {
  const line = await requestLog(debugId);
  expect(line).toMatchObject({ method, path, status });
  expect(typeof line.durationMs).toBe("number");
  expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
}

describe("status codes and bodies", () => {
  test("unknown route → 404 (with and without a token)", async () => {
    for (const token of [undefined, null]) {
      const r = await server.api("/backup-recovery/v1beta1/no-such-collection", { token });
      const body = await expectError(r, 404);
      expect(body.errorCode).toBe("NOT_FOUND");
      await expectLogged(body.debugId, "GET", "/backup-recovery/v1beta1/no-such-collection", 404);
    }
    // "/" is the web console's page; any other path outside the API and the console is a 404
    await expectError(await server.api("/no-such-page"), 404);
    await expectError(await server.api(`${POLICIES}/a/b/c`), 404);
  });

  test("wrong method on a known path → 405 with Allow", async () => {
    const r = await server.api(POLICIES, { method: "DELETE" });
    const allow = (r.headers.get("allow") ?? "").split(/\s*,\s*/).sort();
    const body = await expectError(r, 405);
    expect(allow).toEqual(expect.arrayContaining(["GET", "POST"]));
    expect(allow).not.toContain("DELETE");
    await expectLogged(body.debugId, "DELETE", POLICIES, 405);

    const item = await server.api(`${POLICIES}/00000000-0000-4000-8000-000000000000`, { method: "POST", json: {} });
    const itemAllow = (item.headers.get("allow") ?? "").split(/\s*,\s*/);
    await expectError(item, 405);
    expect(itemAllow).toEqual(expect.arrayContaining(["GET", "PATCH", "PUT", "DELETE"]));

    const op = await server.api(`${OPERATIONS}/00000000-0000-4000-8000-000000000000`, { method: "PUT", json: {} });
    expect((op.headers.get("allow") ?? "").split(/\s*,\s*/)).toEqual(["GET"]);
    await expectError(op, 405);
  });

  test("malformed JSON → 400 and nothing is created", async () => {
    const before = (await json<{ total: number }>(await server.api(POLICIES), 200)).total;
    for (const body of ['{"name": "x",', "not json", "[1,2", '{"name":"a"}garbage']) {
      const r = await server.api(POLICIES, { method: "POST", headers: { "content-type": "application/json" }, body });
      const err = await expectError(r, 400);
      expect(err.errorCode).toBe("BAD_REQUEST");
      await expectLogged(err.debugId, "POST", POLICIES, 400);
    }
    const empty = await server.api(POLICIES, { method: "POST", headers: { "content-type": "application/json" }, body: "" });
    await expectError(empty, 400);
    const notObject = await server.api(POLICIES, { method: "POST", json: ["a"] });
    await expectError(notObject, 400);
    expect((await json<{ total: number }>(await server.api(POLICIES), 200)).total).toBe(before);
  });

  test("body over the limit → 413 (application/json and merge-patch+json)", async () => {
    const big = policyBody("big", { description: "x".repeat(3000) });
    const r = await server.api(POLICIES, { method: "POST", json: big });
    const err = await expectError(r, 413);
    expect(err.errorCode).toBe("PAYLOAD_TOO_LARGE");
    await expectLogged(err.debugId, "POST", POLICIES, 413);

    const p = await json<{ id: string; generation: number }>(await server.api(POLICIES, { method: "POST", json: policyBody("small", { stores: await storesOf(server) }) }), 200);
    const patch = await server.api(`${POLICIES}/${p.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ description: "y".repeat(3000) }),
    });
    await expectError(patch, 413);
    expect((await json<{ generation: number }>(await server.api(`${POLICIES}/${p.id}`), 200)).generation).toBe(1);
    // Just under the limit is fine.
    const fits = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", json: { description: "z".repeat(1500) } });
    expect(fits.status).toBe(200);
  });

  const expect415 = async (type: string) => {
    const body = JSON.stringify(policyBody(`ct-${type}`));
    const r = await server.api(POLICIES, { method: "POST", headers: { "content-type": type }, body });
    const err = await expectError(r, 415);
    expect(err.errorCode).toBe("UNSUPPORTED_MEDIA_TYPE");
    await expectLogged(err.debugId, "POST", POLICIES, 415);
    expect((await json<{ total: number }>(await server.api(`${POLICIES}?filter=startswith(name,'ct-')`), 200)).total).toBe(0);
  };

  test("content-type text/plain → 415 (even when the text is valid JSON)", async () => {
    await expect415("text/plain");
    await expect415("text/plain; charset=utf-8");
  });

  test("other unsupported content types → 415", async () => {
    for (const type of ["application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]) await expect415(type);
  });

  test("401 and 403 carry the same body", async () => {
    const e401 = await expectError(await server.api(POLICIES, { token: null }), 401);
    await expectLogged(e401.debugId, "GET", POLICIES, 401);
    const ro = await server.client("read-only", server.admin.workspaceId);
    const e403 = await expectError(await server.api(POLICIES, { token: ro.token, method: "POST", json: policyBody("ro") }), 403);
    await expectLogged(e403.debugId, "POST", POLICIES, 403);
  });

  test("an unexpected failure → 500 INTERNAL_ERROR without internals; the cause is logged with the debugId", async () => {
    const repo = server.services.repositories.get("protection-policies")!;
    const original = repo.list;
    repo.list = async () => {
      throw new Error("SECRET-DETAIL connection to 10.0.0.7 refused at /srv/obr/src/db.ts:42");
    };
    try {
      const r = await server.api(POLICIES);
      const text = await r.clone().text();
      const err = await expectError(r, 500);
      expect(err.errorCode).toBe("INTERNAL_ERROR");
      expect(text).not.toContain("SECRET-DETAIL");
      expect(text).not.toContain("10.0.0.7");
      await expectLogged(err.debugId, "GET", POLICIES, 500);
      const failure = server.logs.find((l) => l.debugId === err.debugId && l.level === 50);
      expect(JSON.stringify(failure)).toContain("SECRET-DETAIL");
    } finally {
      repo.list = original;
    }
    expect((await server.api(POLICIES)).status).toBe(200);
  });
});

describe("debugId", () => {
  test("each response's debugId is unique and is the one logged for that request", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const err = await expectError(await server.api(`${POLICIES}/missing-${i}`), 404);
      ids.add(err.debugId);
      await expectLogged(err.debugId, "GET", `${POLICIES}/missing-${i}`, 404);
    }
    expect(ids.size).toBe(5);
  });

  test("successful requests are logged too, with the query string stripped from path", async () => {
    const before = server.logs.length;
    const r = await server.api(`${POLICIES}?limit=1&filter=name eq 'secret-name'`);
    expect(r.status).toBe(200);
    const line = await until("the request log line", async () =>
      server.logs.slice(before).find((l) => l.msg === "request" && l.path === POLICIES && l.status === 200),
    );
    expect(line.debugId).toMatch(/^[0-9a-f]{32}$/);
    expect(line.method).toBe("GET");
    expect(typeof line.durationMs).toBe("number");
    expect(JSON.stringify(line)).not.toContain("secret-name");
  });

  test("the bearer token never appears in the logs", () => {
    const all = JSON.stringify(server.logs);
    expect(all).not.toContain(server.admin.token);
    expect(all).not.toContain(server.admin.clientSecret);
  });
});
