// The server describes itself: /openapi.json is generated from the same definitions as the routes.
import { afterAll, beforeAll, expect, test } from "vitest";
import { contractChecks, contractOperations } from "../helpers/contract.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

interface OpenApiOperation {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> }>;
}

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
}

/** Every operation of our document with its method and path. */
function served(doc: OpenApi): { method: string; path: string; op: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

const placeholders = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);

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

test("every served operation has the contract's path and parameter names, its documented error statuses, and 202s answer {}", async () => {
  if (!contractChecks()) return;
  const doc = (await (await server.api("/openapi.json", { token: null })).json()) as OpenApi;
  const contract = contractOperations();
  let checked = 0;
  for (const { method, path, op } of served(doc)) {
    const expected = op.operationId ? contract.get(op.operationId) : undefined;
    if (!expected) continue; // obr's own routes (api-clients, health, tokens)
    checked++;
    const where = `${op.operationId} (${method} ${path})`;
    expect(`${method} ${path}`, where).toBe(`${expected.method} ${expected.path}`);
    const pathParams = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
    expect(pathParams.sort(), where).toEqual(placeholders(expected.path).sort());
    const statuses = Object.keys(op.responses ?? {}).map(Number);
    expect(statuses, where).toContain(expected.successStatus);
    for (const status of expected.errorStatuses) expect(statuses, `${where} documents ${status}`).toContain(status);
    if (expected.successStatus === 202) {
      const schema = op.responses?.["202"]?.content?.["application/json"]?.schema;
      expect(schema?.properties ?? {}, `${where} answers {}`).toEqual({});
    }
  }
  // Every collection the server has today is in the contract: policies, async operations, the
  // inventory and the v1alpha1 hypervisor-manager writes.
  expect(checked).toBeGreaterThanOrEqual(43);
});
