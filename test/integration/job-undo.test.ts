// What a job undoes when it fails or is abandoned, on both databases, with the worker driven step
// by step: a manager never stays busy once its operation has ended, and recovery ends a job past
// its time limit TIMEDOUT instead of resuming it. A crash is simulated by a claim whose owner
// never comes back (its lease expires).
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pino from "pino";
import { inventoryJobs } from "../../src/jobs/inventory-jobs.ts";
import { TEST_JOB_COUNT, TEST_JOB_LIMITED, TEST_TIME_LIMIT_MS, testJobs } from "../../src/jobs/test-jobs.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { type AsyncOperation, markRunning } from "../../src/services/async-operations.ts";
import type { ManagerDoc } from "../../src/services/inventory/hypervisor-manager-discovery.ts";
import { sleep, until } from "../helpers/greenlake.ts";
import { V1ALPHA1, VIRT, dataOrchestratorId, registrationBody } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let customerId: string;
let worker: Worker;

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0", OBR_TEST_JOBS: "1" });
  customerId = server.admin.workspaceId;
  const s = server.services;
  // The server's own worker would run a job as soon as it is queued (wake): this one runs only when told.
  await s.worker.stop();
  worker = new Worker(s.queue, s.jobWrites, s.operations, pino({ level: "silent" }), { concurrency: 1, pollMs: 20 });
  for (const handler of [...inventoryJobs(s.inventory), ...testJobs(worker.id)]) worker.register(handler);
  worker.serveTarget(dataOrchestratorId(customerId));
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
});

const DEAD = "worker-that-crashed";
const op = async (id: string): Promise<AsyncOperation> => (await server.services.operations.get(customerId, id))!;
const manager = async (id: string): Promise<ManagerDoc> => (await server.services.inventory.store.get<ManagerDoc>("hypervisor-manager", customerId, id))!;
const queueState = async (id: string) =>
  (await server.services.database.db.selectFrom("async_operations").select("queue_state").where("id", "=", id).executeTakeFirstOrThrow()).queue_state;

/** Sends a request answered 202 (nothing runs: no worker polls) and returns its operation's id. */
async function start(path: string, init: RequestInit & { json?: unknown }): Promise<string> {
  const res = await server.api(path, init);
  expect(res.status, await res.clone().text()).toBe(202);
  return res.headers.get("location")!.split("/").at(-1)!;
}

/** Polls the server's worker until the operation has ended. */
const drive = (id: string) =>
  until(`operation ${id}`, async () => {
    await worker.poll();
    const o = await op(id);
    return ["SUCCEEDED", "FAILED", "TIMEDOUT", "CANCELLED"].includes(o.state) ? o : undefined;
  });

/** The queued job `id` is taken by a worker that dies on its last attempt: its lease expires at once. */
async function crashOnLastAttempt(id: string, startedAgoMs = 0): Promise<void> {
  const { queue, jobWrites, database } = server.services;
  const { target } = await database.db.selectFrom("async_operations").select("target").where("id", "=", id).executeTakeFirstOrThrow();
  const claimed = await queue.claim(DEAD, 1, target === null ? [] : [target]);
  expect(claimed?.id).toBe(id);
  await jobWrites.write({ id, customerId }, { owner: DEAD }, (o) => {
    markRunning(o);
    o.startedAt = new Date(Date.now() - startedAgoMs).toISOString();
  });
  await database.db.updateTable("async_operations").set({ attempts: 99 }).where("id", "=", id).execute();
  await sleep(5);
}

async function registerNowhere(): Promise<{ operationId: string; managerId: string }> {
  const operationId = await start(V1ALPHA1, { method: "POST", json: registrationBody(server, `lab://nowhere-${Math.random().toString(36).slice(2, 8)}`) });
  const managerId = (await op(operationId)).associatedResources[0]!.resourceUri.split("/").at(-1)!;
  return { operationId, managerId };
}

describe("managers are never left busy", () => {
  test("a register whose discovery fails leaves the manager ERROR; a later PATCH and refresh are accepted", async () => {
    const { operationId, managerId } = await registerNowhere();
    expect((await manager(managerId)).state).toBe("CREATING");
    expect((await drive(operationId)).state).toBe("FAILED");
    expect(await manager(managerId)).toMatchObject({ state: "ERROR", status: "ERROR" });
    const patch = await start(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { displayName: "renamed" } });
    await drive(patch);
    await drive(await start(`${VIRT}/hypervisor-managers/${managerId}/refresh`, { method: "POST" }));
  });

  test("a register abandoned after a crash (no attempts left) leaves the manager ERROR with the reason, not CREATING", async () => {
    const { operationId, managerId } = await registerNowhere();
    await crashOnLastAttempt(operationId);
    await worker.recover();
    expect(await op(operationId)).toMatchObject({ state: "FAILED", error: { errorCode: "INTERRUPTED" } });
    const m = await manager(managerId);
    expect(m).toMatchObject({ state: "ERROR", status: "ERROR" });
    expect(m.stateReason).toMatch(/^registration failed: the operation was interrupted/);
    // No longer busy: a PATCH is accepted (it answered 409 while the manager stayed CREATING).
    await drive(await start(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { displayName: "after the crash" } }));
  });

  test("an abandoned refresh or PATCH returns the manager to the state it had; an abandoned unregister leaves it ERROR to retry", async () => {
    const { operationId, managerId } = await registerNowhere();
    await drive(operationId);
    const repo = server.services.inventory.store.repository("hypervisor-manager");
    await repo.update<ManagerDoc>(customerId, managerId, undefined, (m) => {
      m.state = "OK";
      m.status = "OK";
      delete m.stateReason;
      return m;
    });
    const refresh = await start(`${VIRT}/hypervisor-managers/${managerId}/refresh`, { method: "POST" });
    expect((await manager(managerId)).state).toBe("REFRESHING");
    await crashOnLastAttempt(refresh);
    await worker.recover();
    const back = await manager(managerId);
    expect(back).toMatchObject({ state: "OK", status: "OK" });
    expect(back.stateReason).toBeUndefined();

    const update = await start(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { description: "never applied" } });
    expect((await manager(managerId)).state).toBe("UPDATING");
    await crashOnLastAttempt(update);
    await worker.recover();
    expect(await manager(managerId)).toMatchObject({ state: "OK", status: "OK" });

    const unregister = await start(`${V1ALPHA1}/${managerId}`, { method: "DELETE" });
    expect((await manager(managerId)).state).toBe("DELETING");
    await crashOnLastAttempt(unregister);
    await worker.recover();
    expect(await manager(managerId)).toMatchObject({ state: "ERROR", stateReason: expect.stringMatching(/^unregister failed: /) });
    const again = await start(`${V1ALPHA1}/${managerId}`, { method: "DELETE" });
    expect((await drive(again)).state).toBe("SUCCEEDED");
  });
});

describe("time limits after a crash", () => {
  const undoRows = async (id: string) =>
    Number((await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${id} and kind = 'failure'`.execute(server.services.database.db)).rows[0]?.n);

  test("recovery ends a job that started longer ago than its time limit TIMEDOUT (undone once) instead of resuming it", async () => {
    const late = await server.services.operations.create({ customerId, userId: "tester", name: "late", jobType: TEST_JOB_LIMITED, payload: { sleepMs: 0 } });
    await crashOnLastAttempt(late.id, TEST_TIME_LIMIT_MS + 1000);
    await server.services.database.db.updateTable("async_operations").set({ attempts: 1 }).where("id", "=", late.id).execute();
    await worker.recover();
    expect(await op(late.id)).toMatchObject({ state: "TIMEDOUT", error: { errorCode: "TIMEDOUT" } });
    expect(await queueState(late.id)).toBe("done");
    expect(await undoRows(late.id)).toBe(1);
  });

  test("within its time limit the same job resumes", async () => {
    const early = await server.services.operations.create({ customerId, userId: "tester", name: "early", jobType: TEST_JOB_LIMITED, payload: { sleepMs: 0 } });
    await crashOnLastAttempt(early.id);
    await server.services.database.db.updateTable("async_operations").set({ attempts: 1 }).where("id", "=", early.id).execute();
    await worker.recover();
    expect(await queueState(early.id)).toBe("queued");
    expect((await drive(early.id)).state).toBe("SUCCEEDED");
    expect(await undoRows(early.id)).toBe(0);
  });
});

test("a resumed run gets only what is left of its time limit, counted from the operation's start", async () => {
  const resumed = await server.services.operations.create({ customerId, userId: "tester", name: "resumed", jobType: TEST_JOB_LIMITED, payload: { sleepMs: 5000 } });
  await crashOnLastAttempt(resumed.id, TEST_TIME_LIMIT_MS - 50);
  await server.services.database.db.updateTable("async_operations").set({ attempts: 1 }).where("id", "=", resumed.id).execute();
  const ended = await drive(resumed.id);
  expect(ended.state).toBe("TIMEDOUT");
  // A fresh full limit would end it at least TIMEDOUT + 250 ms after its start.
  expect(Date.parse(ended.endedAt!) - Date.parse(ended.startedAt!)).toBeLessThan(TEST_TIME_LIMIT_MS + 200);
});

describe("an undo that fails", () => {
  test("is rolled back alone: the job still ends FAILED and nothing the undo wrote remains", async () => {
    const { operations, database } = server.services;
    const created = await operations.create({ customerId, userId: "tester", name: "undo fails", jobType: TEST_JOB_COUNT, payload: { failWith: "refused", undoFails: true } });
    expect(await drive(created.id)).toMatchObject({ state: "FAILED", error: { error: "refused" } });
    expect(await queueState(created.id)).toBe("done");
    const rows = await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${created.id} and kind = 'failure'`.execute(database.db);
    expect(Number(rows.rows[0]?.n)).toBe(0);
  });
});

describe("a separate orchestrator's failure", () => {
  test("runs the job type's undo in the transaction that ends the job, as an embedded failure does; a lost lease changes nothing", async () => {
    const { operations, broker, database } = server.services;
    const remote = { customerId, orchestratorId: "remote-orchestrator-1" };
    const instance = crypto.randomUUID();
    const created = await operations.create({ customerId, userId: "tester", name: "remote", jobType: TEST_JOB_COUNT, payload: {}, target: remote.orchestratorId });
    const claimed = await broker.claim(remote, instance);
    expect(claimed?.id).toBe(created.id);
    // Another process of the same orchestrator (a restart) does not hold it: its FAILED is refused.
    expect(await broker.complete(remote, crypto.randomUUID(), created.id, { outcome: "FAILED", message: "not mine" })).toBeUndefined();
    const ended = await broker.complete(remote, instance, created.id, { outcome: "FAILED", message: "the disk went away" });
    expect(ended).toMatchObject({ state: "FAILED", error: { error: "the disk went away", errorCode: "ORCHESTRATOR_JOB_FAILED" } });
    expect(await queueState(created.id)).toBe("done");
    const rows = await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${created.id} and kind = 'failure'`.execute(database.db);
    expect(Number(rows.rows[0]?.n)).toBe(1);
  });
});
