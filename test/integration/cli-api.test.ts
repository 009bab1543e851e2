// The obr command line against a real server, run as the user runs it (bin/obr, a separate
// process, its own config dir): login with the secret on stdin, lists with filter and select in
// every output format, names where ids are expected, writes, waiting on operations, and errors
// as one line with an exit code that means something.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { EXIT } from "../../src/cli/api/exit-codes.ts";
import { TEST_JOB_COUNT } from "../../src/jobs/test-jobs.ts";
import { policyBody } from "../helpers/greenlake.ts";
import { createSmallLab, registerLab } from "../helpers/inventory.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer, testDb } from "../helpers/test-server.ts";

const OBR = new URL("../../bin/obr", import.meta.url).pathname;
let server: TestServer;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function obr(args: string[], stdin = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(OBR, args, { env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// The command line only speaks HTTP: one database backend proves it (the SDK's own tests and the
// API's run on both).
const onSqlite = testDb === "sqlite";

beforeAll(async () => {
  if (!onSqlite) return;
  server = await startTestServer({ OBR_TEST_JOBS: "1" });
  home = await mkdtemp(join(tmpdir(), "obr-cli-home-"));
  await createSmallLab(server, "cli", 3);
  await registerLab(server, "lab://cli");
});
afterAll(async () => {
  if (!onSqlite) return;
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

describe.skipIf(!onSqlite)("obr command line over the API", () => {
  test("before login: a clear message and the auth exit code; a wrong secret is refused and nothing is saved", async () => {
    const before = await obr(["vms", "list"]);
    expect(before.code).toBe(EXIT.AUTH);
    expect(before.stderr).toMatch(/not logged in: run obr login/);
    const wrong = await obr(["login", "--server", server.url, "--client-id", server.admin.clientId], "not-the-secret\n");
    expect(wrong.code).toBe(EXIT.AUTH);
    expect(wrong.stderr).toMatch(/^obr login: token request failed \(401\)/);
    expect(wrong.stderr).not.toMatch(/at .*\.ts:\d+/);
    await expect(stat(join(home, ".config/obr/profiles.json"))).rejects.toThrow();
  });

  test("login saves a 0600 profile; lists print tables, JSON and YAML with filter, sort and select", async () => {
    const login = await obr(["login", "--server", server.url, "--client-id", server.admin.clientId], `${server.admin.clientSecret}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect((await stat(join(home, ".config/obr/profiles.json"))).mode & 0o777).toBe(0o600);
    const profiles = await obr(["profiles"]);
    expect(profiles.stdout).toContain("* default");
    expect(profiles.stdout).not.toContain(server.admin.clientSecret);

    const table = await obr(["vms", "list", "--sort", "name"]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+POWER/);
    expect(lines).toHaveLength(4);

    const json = await obr(["vms", "list", "--json", "--sort", "name desc", "--select", "id,name", "--limit", "2"]);
    const items = JSON.parse(json.stdout) as { id: string; name: string }[];
    expect(items).toHaveLength(2);
    expect(Object.keys(items[0] ?? {}).sort()).toEqual(["id", "name"]);
    expect((items[0]?.name ?? "") > (items[1]?.name ?? "")).toBe(true);

    const name = items[0]?.name ?? "";
    const yaml = await obr(["vms", "get", name, "-o", "yaml"]);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parse(yaml.stdout)).toMatchObject({ id: items[0]?.id, name });

    const filtered = await obr(["vms", "list", "--json", "--filter", `name eq '${name}'`]);
    expect((JSON.parse(filtered.stdout) as unknown[]).length).toBe(1);
  });

  test("policies create -f, get by name, delete; errors keep the API's message and debugId with their exit codes", async () => {
    const file = join(home, "gold.json");
    await writeFile(
      file,
      JSON.stringify({ name: "gold", applicationType: "VMWARE", protections: [{ type: "SNAPSHOT", schedules: [{ scheduleId: 1, schedule: { recurrence: "HOURLY", repeatInterval: { every: 1 } } }] }] }),
    );
    const created = await obr(["policies", "create", "-f", file, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const got = await obr(["policies", "get", "gold", "--json"]);
    expect((JSON.parse(got.stdout) as { id: string }).id).toBe(id);

    const again = await obr(["policies", "create", "-f", file]);
    expect(again.code).toBe(EXIT.REJECTED);
    expect(again.stderr).toMatch(/^obr policies create: .*\(409 .*debugId [0-9a-f-]+\)\n$/);

    const missing = await obr(["policies", "get", "platinum"]);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toBe("obr policies get: no protection policy named 'platinum'\n");

    const badFile = await obr(["policies", "create", "-f", join(home, "nope.json")]);
    expect(badFile.code).toBe(EXIT.USAGE);

    expect((await obr(["policies", "delete", "gold"])).code).toBe(0);
    expect((await obr(["policies", "get", id])).code).toBe(EXIT.NOT_FOUND);
  });

  test("operations watch follows an operation to its end: success prints it, failure exits 6 with the operation's error", async () => {
    const customerId = server.admin.workspaceId;
    const ok = await server.services.operations.create({ customerId, userId: "cli", name: "cli ok", jobType: TEST_JOB_COUNT, payload: { sleepMs: 100 } });
    const watched = await obr(["operations", "watch", ok?.id ?? "", "--json"]);
    expect(watched.code, watched.stderr).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ id: ok?.id, state: "SUCCEEDED" });
    const bad = await server.services.operations.create({ customerId, userId: "cli", name: "cli bad", jobType: TEST_JOB_COUNT, payload: { failWith: "no space left on the store" } });
    const failed = await obr(["operations", "watch", bad?.id ?? ""]);
    expect(failed.code).toBe(EXIT.OPERATION_FAILED);
    expect(failed.stderr).toMatch(/ended FAILED: no space left on the store/);
  });

  test("protect and restore from the command line: jobs create and run with --wait, backups list, restore vm --alternate --wait", async () => {
    const stores = await storesOf(server);
    const file = join(home, "tiers.json");
    await writeFile(file, JSON.stringify(policyBody("cli tiers", { stores })));
    expect((await obr(["policies", "create", "-f", file])).code).toBe(0);
    const vms = JSON.parse((await obr(["vms", "list", "--json", "--sort", "name", "--select", "id,name"])).stdout) as { name: string }[];
    const vm = vms[0]?.name ?? "";

    const created = await obr(["jobs", "create", "--vm", vm, "--policy", "cli tiers", "--wait", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ state: "SUCCEEDED" });
    const run = await obr(["jobs", "run", vm, "--full", "--wait", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: "SUCCEEDED", progressPercent: 100 });

    const backups = JSON.parse((await obr(["backups", "list", "--vm", vm, "--json"])).stdout) as { id: string; backupType: string }[];
    expect(backups.length).toBeGreaterThanOrEqual(1);
    const table = await obr(["backups", "list", "--vm", vm]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+POINT IN TIME\s+TYPE\s+STORE/);

    const restored = await obr(["restore", "vm", "--vm", vm, "--backup", backups[0]?.id ?? "", "--alternate", "--name", `${vm}-cli`, "--wait", "--json"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ state: "SUCCEEDED" });
    const got = await obr(["vms", "get", `${vm}-cli`, "--json"]);
    expect(got.code, got.stderr).toBe(0);

    const usage = await obr(["restore", "vm", "--vm", vm, "--alternate"]);
    expect(usage.code).toBe(EXIT.USAGE);
    expect(usage.stderr).toBe("obr restore vm: give exactly one of --backup and --snapshot\n");
  });

  test("an unreachable server is its own exit code; completion knows the nouns and verbs", async () => {
    const login = await obr(["--profile", "dead", "profiles"]);
    expect(login.code).toBe(0);
    const down = await obr(["login", "--server", "http://127.0.0.1:9", "--client-id", "x"], "y\n");
    expect(down.code).toBe(EXIT.UNREACHABLE);
    const completion = await obr(["completion"]);
    expect(completion.stdout).toContain('"jobs") words="list get create run suspend resume delete');
    expect(completion.stdout).toContain("complete -o default -F _obr_complete obr");
  });
});
