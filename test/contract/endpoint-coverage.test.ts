// Every operation in scope (endpoints.tsv, the Virtualization API, storage locations) is either
// served as the contract says (same method, path, operationId, success status and sync/async
// kind, in our own /openapi.json and as a real route) or named in test/contract/not-served.ts.
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeContract } from "../helpers/contract.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";
import { EXACT_PARAM_NAMES, checkCoverage, coverageSummary } from "./coverage-check.ts";
import { NOT_SERVED } from "./not-served.ts";
import { type Operation, documentOperations, operationsInScope } from "./operations.ts";

describeContract("endpoint coverage", () => {
  // Read while collecting: describeContract collects this body only when the contract is present.
  const scope = operationsInScope();
  let server: TestServer;
  let ours: Operation[];

  beforeAll(async () => {
    server = await startTestServer();
    const res = await server.api("/openapi.json", { token: null });
    expect(res.status).toBe(200);
    ours = documentOperations(await res.json());
  });
  afterAll(() => server?.stop());

  test("every operation in scope is served as the contract says, or listed as not served yet", () => {
    const report = checkCoverage(scope, ours, NOT_SERVED);
    console.log(coverageSummary(report));
    if (!EXACT_PARAM_NAMES) {
      console.log(
        `path parameter names differ from the contract's in ${report.paramNameDiffs.length} served operations ` +
          `(compared normalised; EXACT_PARAM_NAMES in test/contract/coverage-check.ts makes them fail)${report.paramNameDiffs.length > 0 ? `, e.g. ${report.paramNameDiffs[0]}` : ""}`,
      );
    }
    expect(report.problems).toEqual([]);
  });

  test("a served operation's route answers an unauthenticated request 401; a listed one's is no route (404, 405)", async () => {
    const listed = new Set(Object.values(NOT_SERVED).flat());
    const wrong: string[] = [];
    for (const op of scope) {
      const res = await server.api(op.path.replace(/\{[^}]*\}/g, "coverage-probe"), { method: op.method, token: null });
      const text = await res.text();
      const served = !listed.has(op.operationId);
      const expected = served ? [401] : [404, 405];
      // A missing route answers NOT_FOUND/METHOD_NOT_ALLOWED before any token check; a 404 for a
      // missing resource would need a token first.
      const code = served ? "UNAUTHENTICATED" : res.status === 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND";
      if (!expected.includes(res.status) || !text.includes(`"errorCode":"${code}"`)) {
        wrong.push(`${op.operationId} (${op.method} ${op.path}): ${res.status} ${text.slice(0, 200)}; expected ${served ? "401, a route" : "404 or 405, no route"}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
