// Deterministic crashes (OBR_CRASH_POINT: the process exits 137 at that exact step) between the
// steps that must be all-or-nothing: a resource's busy state and its operation; a job's end state,
// its queue state and the side effect committed with them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { type Services, buildServices } from "../../src/container.ts";
import { TEST_JOB_COUNT } from "../../src/jobs/test-jobs.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { until } from "../helpers/greenlake.ts";
import { type ObrProcess, killProcess, processToken, serveProcess } from "../helpers/obr-process.ts";
import { testDatabase } from "../helpers/test-server.ts";

let dataDir: string;
let database: ReturnType<typeof testDatabase>;
let running: ObrProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-crashpoint-"));
  database = testDatabase(dataDir);
});
afterAll(async () => {
  if (running) await killProcess(running);
  await rm(dataDir, { recursive: true, force: true });
  await database.drop();
});

const serve = async (env: Record<string, string> = {}) => {
  running = await serveProcess(dataDir, database.url, { OBR_TEST_JOBS: "1", OBR_JOB_LEASE_SECONDS: "1", ...env });
  return running;
};

async function api(p: ObrProcess, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { authorization: `Bearer ${await processToken(p.url)}`, "content-type": "application/json" };
  return fetch(`${p.url}${path}`, { ...init, headers });
}

test("a crash between a manager's busy state and its operation leaves neither", async () => {
  const p = await serve({ OBR_CRASH_POINT: "after-busy-state" });
  const token = await processToken(p.url);
  const workspace = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).cid as string;
  const register = api(p, "/backup-recovery/v1alpha1/hypervisor-managers", {
    method: "POST",
    body: JSON.stringify({
      networkAddress: "lab://demo",
      hypervisorManagerType: "VMWARE_VCENTER",
      dataOrchestratorId: embeddedDataOrchestratorId(workspace),
      credentials: { username: "administrator@vsphere.local", password: "-" },
    }),
  });
  await expect(register).rejects.toThrow();
  expect(await p.exited).toBe(137);

  const again = await serve();
  const managers = (await (await api(again, "/virtualization/v1beta1/hypervisor-managers")).json()) as { items: unknown[] };
  expect(managers.items).toEqual([]);
  const operations = (await (await api(again, "/data-services/v1beta1/async-operations")).json()) as { items: unknown[] };
  expect(operations.items).toEqual([]);
  await killProcess(again);
});

test("a crash while a job completes leaves it RUNNING and queued-as-running, without its side effect; after a restart it ends SUCCEEDED once", async () => {
  const p = await serve({ OBR_CRASH_POINT: "before-completion-commit" });
  let services: Services | undefined;
  try {
    services = await buildServices(loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_EMBEDDED_WORKER: "0", OBR_DEMO: "0" }), pino({ level: "silent" }));
    const s = services;
    const created = await s.operations.create({ customerId: "crash", userId: "tester", name: "completes", jobType: TEST_JOB_COUNT, payload: {} });
    expect(await p.exited).toBe(137);
    const row = () => s.database.db.selectFrom("async_operations").select(["state", "queue_state"]).where("id", "=", created.id).executeTakeFirstOrThrow();
    const sideEffects = async () =>
      Number((await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${created.id} and kind = 'run'`.execute(s.database.db)).rows[0]?.n);
    expect(await row()).toEqual({ state: "RUNNING", queue_state: "running" });
    expect((await s.operations.get("crash", created.id))?.state).toBe("RUNNING");
    expect(await sideEffects()).toBe(0);

    const again = await serve();
    const done = await until("the resumed job", async () => {
      const op = await s.operations.get("crash", created.id);
      return op?.state === "SUCCEEDED" ? op : undefined;
    });
    expect(done.logMessages.map((m) => m.message)).toContain("interrupted; resuming");
    expect(await row()).toEqual({ state: "SUCCEEDED", queue_state: "done" });
    expect(await sideEffects()).toBe(1);
    await killProcess(again);
  } finally {
    await services?.database.close();
  }
});

test("a crash while a failing job ends keeps neither its FAILED state nor its undo; after a restart both commit together, once", async () => {
  const p = await serve({ OBR_CRASH_POINT: "before-completion-commit" });
  let services: Services | undefined;
  try {
    services = await buildServices(loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_EMBEDDED_WORKER: "0", OBR_DEMO: "0" }), pino({ level: "silent" }));
    const s = services;
    const created = await s.operations.create({ customerId: "crash", userId: "tester", name: "fails", jobType: TEST_JOB_COUNT, payload: { failWith: "refused" } });
    expect(await p.exited).toBe(137);
    // The undo (onFailure) ran inside the completing transaction: the crash rolled it back with the end state.
    const undone = async () =>
      Number((await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${created.id} and kind = 'failure'`.execute(s.database.db)).rows[0]?.n);
    expect((await s.operations.get("crash", created.id))?.state).toBe("RUNNING");
    expect(await undone()).toBe(0);

    const again = await serve();
    const failed = await until("the resumed job", async () => {
      const op = await s.operations.get("crash", created.id);
      return op?.state === "FAILED" ? op : undefined;
    });
    expect(failed.error?.error).toBe("refused");
    expect(await undone()).toBe(1);
    await killProcess(again);
  } finally {
    await services?.database.close();
  }
});

test("a crash just after a failing job ended finds its undo committed with its FAILED state", async () => {
  const p = await serve({ OBR_CRASH_POINT: "after-completion-commit" });
  let services: Services | undefined;
  try {
    services = await buildServices(loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_EMBEDDED_WORKER: "0", OBR_DEMO: "0" }), pino({ level: "silent" }));
    const s = services;
    const created = await s.operations.create({ customerId: "crash", userId: "tester", name: "fails", jobType: TEST_JOB_COUNT, payload: { failWith: "refused" } });
    expect(await p.exited).toBe(137);
    expect((await s.operations.get("crash", created.id))?.state).toBe("FAILED");
    const undone = await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${created.id} and kind = 'failure'`.execute(s.database.db);
    expect(Number(undone.rows[0]?.n)).toBe(1);
  } finally {
    await services?.database.close();
  }
});
