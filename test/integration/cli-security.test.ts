// The obr command as the installation's operator runs it (issue 16, items 5, 6 and 15): clients
// created in the first workspace by default, rotate and set-role, names escaped when printed, a
// private data dir, and `lab import-vm` refusing what must never become a lab disk.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSmallLab } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const obrIn = (dataDir: string, databaseUrl: string, ...args: string[]) => run(process.execPath, [MAIN, "--data-dir", dataDir, "--database-url", databaseUrl, ...args]);
const obr = (...args: string[]) => obrIn(server.dataDir, server.services.config.databaseUrl, ...args);
const failure = (p: Promise<unknown>) => p.then(() => "succeeded", (err: { stderr?: string; code?: number }) => `exit ${err.code}: ${err.stderr ?? ""}`);
const mode = async (path: string) => (await stat(path)).mode & 0o777;

const tokenStatus = async (clientId: string, clientSecret: string) =>
  (
    await fetch(`${server.url}/as/token.oauth2`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    })
  ).status;

describe("obr clients", () => {
  test("create without --workspace uses the installation's first workspace and says so; rotate and set-role", async () => {
    const { stdout, stderr } = await obr("clients", "create", "--name", "default ws", "--role", "operator", "--json");
    const created = JSON.parse(stdout) as { clientId: string; clientSecret: string; workspaceId: string };
    expect(created.workspaceId).toBe(server.admin.workspaceId);
    expect(stderr).toContain(`first workspace ${server.admin.workspaceId}`);

    const rotated = JSON.parse((await obr("clients", "rotate", created.clientId, "--json")).stdout) as { clientSecret: string };
    expect(rotated.clientSecret).not.toBe(created.clientSecret);
    expect(await tokenStatus(created.clientId, created.clientSecret)).toBe(401);
    expect(await tokenStatus(created.clientId, rotated.clientSecret)).toBe(200);

    expect((await obr("clients", "set-role", created.clientId, "read-only")).stdout).toContain("read-only");
    const listed = JSON.parse((await obr("clients", "list", "--json")).stdout) as { clientId: string; role: string }[];
    expect(listed.find((c) => c.clientId === created.clientId)?.role).toBe("read-only");
    expect(await failure(obr("clients", "set-role", created.clientId, "root"))).toMatch(/^exit 1: .*root/);
  });

  test("--new-workspace opens a new workspace", async () => {
    const created = JSON.parse((await obr("clients", "create", "--name", "elsewhere", "--new-workspace", "--json")).stdout) as { workspaceId: string };
    expect(created.workspaceId).not.toBe(server.admin.workspaceId);
  });

  test("a name with control characters is refused; one stored earlier is printed escaped", async () => {
    expect(await failure(obr("clients", "create", "--name", "evil\u001b[2J", "--workspace", server.admin.workspaceId))).toMatch(/^exit 1: .*control characters/);
    const name = `old\u001b]0;pwned\u0007\u009b31m-${randomUUID()}`;
    await server.services.database.db
      .insertInto("api_clients")
      .values({ id: randomUUID(), customer_id: server.admin.workspaceId, client_id: randomUUID(), secret_hash: "x", name, role: "read-only", created_at: new Date().toISOString() })
      .execute();
    for (const args of [["clients", "list"], ["clients", "list", "--json"]]) {
      const { stdout } = await obr(...args);
      expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(stdout).toContain("old\\");
    }
  });
});

describe("local permissions", () => {
  test("a new data dir is 0700 and its database 0600; loose ones are tightened", async () => {
    const parent = await mkdtemp(join(tmpdir(), "obr-perm-"));
    try {
      const dir = join(parent, "data");
      const url = `sqlite:${join(dir, "obr.sqlite")}`;
      await obrIn(dir, url, "clients", "create", "--name", "p", "--new-workspace");
      expect(await mode(dir)).toBe(0o700);
      for (const f of await readdir(dir)) expect([f, await mode(join(dir, f))]).toEqual([f, f === "keys" ? 0o700 : 0o600]);
      await chmod(dir, 0o755);
      await chmod(join(dir, "obr.sqlite"), 0o644);
      await obrIn(dir, url, "clients", "list");
      expect(await mode(dir)).toBe(0o700);
      expect(await mode(join(dir, "obr.sqlite"))).toBe(0o600);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe("obr lab import-vm", () => {
  // What the image checks refuse is unit-tested (src/connectors/lab/import-image.test.ts); here
  // the command's own rule (nothing from the data dir) and the mode of what it writes.
  test("refuses a file inside the data dir; a good image becomes 0600 lab disks", async () => {
    await createSmallLab(server, "demo", 0);
    const outside = await mkdtemp(join(tmpdir(), "obr-import-"));
    try {
      const inside = join(server.dataDir, "inside.raw");
      await writeFile(inside, Buffer.alloc(4096, 1));
      expect(await failure(obr("lab", "import-vm", "--disk", inside, "--name", "from-inside"))).toMatch(/inside the data dir/);
      const good = join(outside, "good.raw");
      await writeFile(good, Buffer.alloc(64 * 1024, 1));
      await obr("lab", "import-vm", "--disk", good, "--name", "good-one", "--json");
      const made = (await readdir(join(server.dataDir, "lab", "demo"), { recursive: true })).filter((f) => f.includes("good-one"));
      expect(made.some((f) => f.endsWith(".raw"))).toBe(true);
      for (const f of made) {
        const s = await stat(join(server.dataDir, "lab", "demo", f));
        expect([f, s.mode & 0o777]).toEqual([f, s.isDirectory() ? 0o700 : 0o600]);
      }
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
