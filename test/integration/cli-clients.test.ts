// `obr clients create|list|delete` as a real process against the same database a live server uses.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const obr = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [MAIN, "--data-dir", server.dataDir, "--database-url", server.services.config.databaseUrl, ...args]);
  return stdout;
};

const tokenStatus = async (clientId: string, clientSecret: string) =>
  (
    await fetch(`${server.url}/as/token.oauth2`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    })
  ).status;

describe("obr clients", () => {
  test("create prints a secret once that the server accepts; list shows the client without it; delete revokes it", async () => {
    const created = JSON.parse(await obr("clients", "create", "--name", "ci pipeline", "--role", "read-only", "--workspace", server.admin.workspaceId, "--json")) as {
      clientId: string;
      clientSecret: string;
      role: string;
      workspaceId: string;
    };
    expect(created.role).toBe("read-only");
    expect(created.workspaceId).toBe(server.admin.workspaceId);
    expect(created.clientSecret.length).toBeGreaterThanOrEqual(40);
    expect(await tokenStatus(created.clientId, created.clientSecret)).toBe(200);
    expect(await tokenStatus(created.clientId, "wrong")).toBe(401);

    const listed = JSON.parse(await obr("clients", "list", "--workspace", server.admin.workspaceId, "--json")) as Record<string, unknown>[];
    const row = listed.find((c) => c.clientId === created.clientId);
    expect(row).toMatchObject({ name: "ci pipeline", role: "read-only" });
    expect(JSON.stringify(listed)).not.toContain(created.clientSecret);
    const table = await obr("clients", "list");
    expect(table).toContain(created.clientId);

    await obr("clients", "delete", created.clientId);
    expect(await tokenStatus(created.clientId, created.clientSecret)).toBe(401);
    await expect(obr("clients", "delete", created.clientId)).rejects.toThrow(/not found/);
  });

  test("an unknown role is refused before anything is written", async () => {
    const before = JSON.parse(await obr("clients", "list", "--json")) as unknown[];
    await expect(obr("clients", "create", "--name", "x", "--role", "superuser")).rejects.toThrow(/superuser/);
    expect(JSON.parse(await obr("clients", "list", "--json"))).toHaveLength(before.length);
  });
});
