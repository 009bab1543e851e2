// Errors name only what the caller's workspace may see (issue 16, item 4): registering a lab that
// another workspace registered does not name that workspace's objects, and no message, operation
// error or logMessage carries the server's data-dir path.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, expectError, json } from "../helpers/greenlake.ts";
import { type SmallLab, V1ALPHA1, VIRT, accepted, createSmallLab, dataOrchestratorId, registerLab, registrationBody } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "disclosure", 1);
  await registerLab(server, lab.address);
});
afterAll(async () => {
  await server?.stop();
});

describe("what errors disclose", () => {
  test("registering a lab another workspace registered names none of its objects", async () => {
    const firstWorkspace = await json<{ items: { id: string; name: string }[] }>(await server.api(`${VIRT}/hypervisor-clusters`), 200);
    const managers = await json<{ items: { id: string }[] }>(await server.api(`${VIRT}/hypervisor-managers`), 200);
    const secrets = [...firstWorkspace.items.flatMap((c) => [c.id, c.name]), ...managers.items.map((m) => m.id), ...lab.vms.map((v) => v.id), server.admin.workspaceId];
    expect(secrets.length).toBeGreaterThan(2);

    const other = await server.client("admin");
    const body = { ...registrationBody(server, lab.address), dataOrchestratorId: dataOrchestratorId(other.workspaceId) };
    const op = await accepted(server, V1ALPHA1, { json: body, token: other.token });
    expect(op.state).toBe("FAILED");
    const seen = JSON.stringify([op, await (await server.api(`${VIRT}/hypervisor-managers`, { token: other.token })).json()]);
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });

  test("a lab that does not exist fails without the server's data-dir path", async () => {
    const op = await accepted(server, V1ALPHA1, { json: registrationBody(server, "lab://no-such-lab") });
    expect(op.state).toBe("FAILED");
    const manager = await (await server.api(`${VIRT}/hypervisor-managers?filter=name eq 'no-such-lab'`)).text();
    const seen = `${JSON.stringify(op)} ${manager}`;
    expect(seen).toContain("no-such-lab");
    expect(seen).not.toContain(server.dataDir);
  });

  test("request errors never carry the data-dir path", async () => {
    const r = await server.api(`${POLICIES}/${encodeURIComponent(server.dataDir)}`);
    const body = await expectError(r, 404);
    expect(body.message).not.toContain(server.dataDir);
  });
});
