// The SDK against a real server: tokens from both endpoints, typed calls, lists walked to their
// total, waiting for operations that succeed and fail, and the API's own errors.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_JOB_COUNT } from "../../src/jobs/test-jobs.ts";
import { ApiError, createObrClient, OperationFailedError, TokenError } from "../../src/sdk/index.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ OBR_TEST_JOBS: "1" });
});
afterAll(() => server.stop());

const sdk = (extra: { workspaceId?: string; secret?: string } = {}) =>
  createObrClient({
    baseUrl: server.url,
    credentials: { clientId: server.admin.clientId, clientSecret: extra.secret ?? server.admin.clientSecret, ...(extra.workspaceId ? { workspaceId: extra.workspaceId } : {}) },
  });

const policy = (name: string) => ({
  name,
  applicationType: "VMWARE" as const,
  protections: [{ type: "SNAPSHOT" as const, schedules: [{ scheduleId: 1, schedule: { recurrence: "HOURLY" as const, repeatInterval: { every: 4 } } }] }],
});

describe("obr SDK", () => {
  test("typed calls with a token from either endpoint; listAll walks every page to the total", async () => {
    const client = sdk();
    for (let i = 0; i < 7; i++) {
      const { response } = await client.api.POST("/backup-recovery/v1beta1/protection-policies", { body: policy(`sdk-${i}`) });
      expect(response.status).toBe(200);
    }
    const names: string[] = [];
    for await (const p of client.listAll("/backup-recovery/v1beta1/protection-policies", { query: { limit: 3, filter: "name ge 'sdk-'", sort: "name" } })) names.push(p.name ?? "");
    expect(names).toEqual(["sdk-0", "sdk-1", "sdk-2", "sdk-3", "sdk-4", "sdk-5", "sdk-6"]);

    const scoped = sdk({ workspaceId: server.admin.workspaceId });
    const { data, response } = await scoped.api.GET("/backup-recovery/v1beta1/protection-policies", { params: { query: { limit: "1" } } });
    expect(response.status).toBe(200);
    expect(data?.total).toBe(7);
  });

  test("a wrong secret is a TokenError with the server's status; an API error keeps code, message and debugId", async () => {
    await expect(sdk({ secret: "wrong" }).token()).rejects.toSatisfy((e) => e instanceof TokenError && e.status === 401);
    const client = sdk();
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(client.waitForOperation(missing)).rejects.toSatisfy(
      (e) => e instanceof ApiError && e.httpStatusCode === 404 && e.errorCode !== "" && typeof e.debugId === "string" && !/at .*\.ts/.test(e.message),
    );
  });

  test("waitForOperation returns a succeeded operation and throws the failed one's own error", async () => {
    const client = sdk();
    const { customerId } = { customerId: server.admin.workspaceId };
    const ok = await server.services.operations.create({ customerId, userId: "sdk", name: "sdk ok", jobType: TEST_JOB_COUNT, payload: { sleepMs: 200 } });
    const seen: number[] = [];
    const done = await client.waitForOperation(`/data-services/v1beta1/async-operations/${ok?.id}`, { minIntervalMs: 50, onProgress: (op) => seen.push(op.progressPercent) });
    expect(done.state).toBe("SUCCEEDED");
    expect(seen.length).toBeGreaterThan(0);

    const bad = await server.services.operations.create({ customerId, userId: "sdk", name: "sdk bad", jobType: TEST_JOB_COUNT, payload: { failWith: "the disk is on fire" } });
    await expect(client.waitForOperation(bad?.id ?? "", { minIntervalMs: 50 })).rejects.toSatisfy(
      (e) => e instanceof OperationFailedError && e.state === "FAILED" && e.message.includes("the disk is on fire"),
    );
  });
});

test("the package exports the built SDK as open-backup-recovery/sdk (npm install builds it)", async () => {
  const packaged = await import("open-backup-recovery/sdk");
  expect(typeof packaged.createObrClient).toBe("function");
  const client = packaged.createObrClient({ baseUrl: server.url, credentials: { clientId: server.admin.clientId, clientSecret: server.admin.clientSecret } });
  const { response } = await client.api.GET("/backup-recovery/v1beta1/protection-policies", {});
  expect(response.status).toBe(200);
});

test("a token is fetched once for concurrent callers and renewed only near its expiry", async () => {
  const { TokenSource } = await import("../../src/sdk/tokens.ts");
  let now = Date.now();
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const tokens = new TokenSource(server.url, { clientId: server.admin.clientId, clientSecret: server.admin.clientSecret }, counting, () => now);
  const [a, b] = await Promise.all([tokens.token(), tokens.token()]);
  expect(a).toBe(b);
  expect(requests).toBe(1);
  now += 1000;
  await tokens.token();
  expect(requests).toBe(1);
  now += 24 * 3600 * 1000;
  await tokens.token();
  expect(requests).toBe(2);
});
