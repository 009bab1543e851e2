// GET /metrics: Prometheus text with requests by route and status (latency histograms), jobs by
// type and state, orchestrator heartbeat ages and registered store statistics; guarded by
// OBR_METRICS_TOKEN, by a separate listener (OBR_METRICS_LISTEN), or else by an admin token.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectError, until } from "../helpers/greenlake.ts";
import { dataOrchestratorId } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const TOKEN = "metrics-token-0123456789";
let server: TestServer;

/** The value of one sample line, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async (s: TestServer, base = s.url) => {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

beforeAll(async () => {
  server = await startTestServer({ OBR_METRICS_TOKEN: TOKEN, OBR_ORCHESTRATOR_HEARTBEAT_SECONDS: "1" });
});
afterAll(async () => {
  await server?.stop();
});

describe("with OBR_METRICS_TOKEN", () => {
  test("requests by route template and status, with latency buckets", async () => {
    expect((await server.api("/backup-recovery/v1beta1/data-orchestrators")).status).toBe(200);
    expect((await server.api("/backup-recovery/v1beta1/data-orchestrators/nope")).status).toBe(404);
    const text = await scrape(server);
    const route = 'route="/backup-recovery/v1beta1/data-orchestrators"';
    expect(sample(text, `obr_http_request_duration_seconds_count{method="GET",${route},status_code="200"}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `obr_http_request_duration_seconds_count{method="GET",route="/backup-recovery/v1beta1/data-orchestrators/:id",status_code="404"}`)).toBe(1);
    expect(text).toContain(`obr_http_request_duration_seconds_bucket{le="0.1",method="GET",${route},status_code="200"}`);
  });

  test("jobs by type: queued and failed", async () => {
    const ops = server.services.operations;
    const base = { customerId: server.admin.workspaceId, userId: "metrics-test", name: "metrics" };
    // No worker serves this target: it stays queued. No handler exists for the other: it fails.
    await ops.create({ ...base, jobType: "metrics.waiting", target: "no-such-orchestrator" });
    const failed = await ops.create({ ...base, jobType: "metrics.unknown" });
    server.services.worker.wake();
    await until("the unknown job failed", async () => ((await ops.repository.get(base.customerId, failed.id))?.state === "FAILED" ? true : undefined));
    const text = await scrape(server);
    expect(sample(text, 'obr_jobs{type="metrics.waiting",state="queued"}')).toBe(1);
    expect(sample(text, 'obr_jobs{type="metrics.unknown",state="failed"}')).toBe(1);
  });

  test("orchestrator heartbeat ages and registered store statistics", async () => {
    await server.api("/backup-recovery/v1beta1/data-orchestrators");
    server.services.metrics.registerStoreStats(async () => [{ storeId: "store-1", workspaceId: "w1", logicalBytes: 1000, storedBytes: 400 }]);
    const text = await scrape(server);
    const id = dataOrchestratorId(server.admin.workspaceId);
    const age = sample(text, `obr_orchestrator_heartbeat_age_seconds{orchestrator_id="${id}",workspace="${server.admin.workspaceId}",deployment="EMBEDDED"}`);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
    expect(sample(text, 'obr_protection_store_logical_bytes{store_id="store-1",workspace="w1"}')).toBe(1000);
    expect(sample(text, 'obr_protection_store_stored_bytes{store_id="store-1",workspace="w1"}')).toBe(400);
  });

  test("without the token, or with another, 401 in the GreenLake error body", async () => {
    await expectError(await fetch(`${server.url}/metrics`), 401);
    await expectError(await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong" } }), 401);
    // An API access token is not the metrics token.
    await expectError(await server.api("/metrics"), 401);
  });
});

describe("other guards", () => {
  test("OBR_METRICS_LISTEN serves /metrics on its own address only", async () => {
    const s = await startTestServer({ OBR_METRICS_LISTEN: "127.0.0.1:0" });
    try {
      expect(s.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${s.metricsUrl}/metrics`)).status).toBe(200);
      await expectError(await s.api("/metrics"), 404);
    } finally {
      await s.stop();
    }
  });

  test("with neither, an admin API token is needed", async () => {
    const s = await startTestServer();
    try {
      expect((await s.api("/metrics")).status).toBe(200);
      const reader = await s.client("read-only");
      await expectError(await s.api("/metrics", { token: reader.token }), 403);
      await expectError(await fetch(`${s.url}/metrics`), 401);
    } finally {
      await s.stop();
    }
  });
});
