// The server describes itself: /openapi.json is generated from the same definitions as the routes.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
}

test("/openapi.json is OpenAPI 3.1, public, and lists every policy and async-operation operation with the contract's operationIds", async () => {
  const res = await server.api("/openapi.json", { token: null });
  expect(res.status).toBe(200);
  const doc = (await res.json()) as OpenApi;
  expect(doc.openapi).toBe("3.1.0");
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  const ops = new Map<string, string>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) if (op.operationId) ops.set(op.operationId, `${method.toUpperCase()} ${path}`);
  }
  expect(Object.fromEntries(ops)).toMatchObject({
    DataManagementTemplatesList: "GET /backup-recovery/v1beta1/protection-policies",
    DataManagementTemplateCreate: "POST /backup-recovery/v1beta1/protection-policies",
    DataManagementTemplateDetail: "GET /backup-recovery/v1beta1/protection-policies/{id}",
    DataManagementTemplateUpdate: "PATCH /backup-recovery/v1beta1/protection-policies/{id}",
    DataManagementTemplateReplace: "PUT /backup-recovery/v1beta1/protection-policies/{id}",
    DeleteDataManagementTemplate: "DELETE /backup-recovery/v1beta1/protection-policies/{id}",
    ListAsyncOperations: "GET /data-services/v1beta1/async-operations",
    GetAsyncOperation: "GET /data-services/v1beta1/async-operations/{id}",
  });
  const list = doc.paths["/backup-recovery/v1beta1/protection-policies"]!.get!;
  expect(list.parameters?.map((p) => p.name).sort()).toEqual(["filter", "limit", "offset", "select", "sort"]);
  expect(doc.paths["/backup-recovery/v1beta1/protection-policies"]!.post!.requestBody).toBeDefined();
});

test("/docs serves the interactive page without a token", async () => {
  const res = await server.api("/docs/", { token: null });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
});
