// The SDK's checked-in types describe exactly what the server serves: regenerate them from this
// server's /openapi.json and compare (npm run sdk:types rewrites the file).
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { API_TYPES_FILE, generateApiTypes } from "../../scripts/sdk-types.ts";
import { type TestServer, startTestServer, testDb } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

test.skipIf(testDb !== "sqlite")("src/sdk/api-types.ts is generated from the current /openapi.json (else run npm run sdk:types)", async () => {
  const doc = (await (await server.api("/openapi.json", { token: null })).json()) as object;
  const fresh = await generateApiTypes(doc);
  expect(fresh === (await readFile(API_TYPES_FILE, "utf8")), "src/sdk/api-types.ts is stale: run npm run sdk:types").toBe(true);
});
