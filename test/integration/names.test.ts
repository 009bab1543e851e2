// Names with control characters or lone surrogates are refused with 400 wherever a name is
// accepted (issue 16, item 5); other Unicode is fine.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_CLIENTS, POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { V1ALPHA1, VIRT, registrationBody } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const BAD = ["esc\u001b[2J", "nul\u0000", "line\nbreak", "del\u007f", "c1\u009b31m", "lone\ud800"];

describe("names", () => {
  test.each(BAD)("%j is refused in every name field", async (bad) => {
    const attempts: [string, string, unknown][] = [
      [API_CLIENTS, "POST", { name: bad, role: "read-only" }],
      [POLICIES, "POST", policyBody(bad)],
      [V1ALPHA1, "POST", registrationBody(server, "lab://names", { displayName: bad })],
      [`${VIRT}/virtual-machines`, "POST", { vmConfig: { name: bad, acceptEula: true }, storageConfig: { defaultDatastoreId: randomUUID() } }],
    ];
    for (const [path, method, body] of attempts) {
      const r = await server.api(path, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
      expect((await expectError(r, 400)).message, path).toMatch(/name.* must not contain control characters/i);
    }
    // Nothing was created.
    expect((await json<{ items: unknown[] }>(await server.api(API_CLIENTS), 200)).items).toHaveLength(1);
    expect((await json<{ total: number }>(await server.api(POLICIES), 200)).total).toBe(0);
  });

  test("schedule names and a policy rename are checked too; ordinary Unicode is accepted", async () => {
    const body = policyBody(`sauvegarde été ✓ ${randomUUID()}`, { stores: await storesOf(server) });
    const created = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: body }), 200);
    expect((await expectError(await server.api(`${POLICIES}/${created.id}`, { method: "PATCH", json: { name: "x\u001b" } }), 400)).message).toMatch(/control characters/);
    const schedules = policyBody(`with schedule ${randomUUID()}`, { stores: await storesOf(server) }) as { protections: { schedules: { name?: string }[] }[] };
    schedules.protections[0]!.schedules[0]!.name = "tab\tname";
    await expectError(await server.api(POLICIES, { method: "POST", json: schedules }), 400);
  });
});
