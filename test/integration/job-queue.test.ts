// The job queue's options and fencing, on both databases, driven step by step: job keys,
// concurrency keys, targets, priority, retries with backoff, time limits, retention, parents
// waiting for children, invalid payloads, and writes by a worker that lost its lease.
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_JOB_COUNT, TEST_JOB_LIMITED, TEST_TIME_LIMIT_MS, testJobs } from "../../src/jobs/test-jobs.ts";
import { Worker } from "../../src/jobs/worker.ts";
import type { AsyncOperation, NewOperation } from "../../src/services/async-operations.ts";
import { sleep, until } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let customerId: string;
let worker: Worker;

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0", OBR_TEST_JOBS: "1" });
  customerId = server.admin.workspaceId;
  const s = server.services;
  worker = new Worker(s.queue, s.jobWrites, s.operations, pino({ level: "silent" }), { concurrency: 2, leaseMs: 5000, pollMs: 20, retryBaseMs: 100 });
  for (const handler of testJobs(worker.id)) worker.register(handler);
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
});

const enqueue = (name: string, extra: Partial<NewOperation> = {}) =>
  server.services.operations.create({ customerId, userId: "tester", name, jobType: TEST_JOB_COUNT, payload: {}, ...extra });
const op = async (id: string) => (await server.services.operations.get(customerId, id))!;
const row = (id: string) => server.services.database.db.selectFrom("async_operations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const runs = async (id: string, kind = "run") => {
  const r = await sql<{ n: number }>`select count(*) as n from obr_test_job_runs where operation_id = ${id} and kind = ${kind}`.execute(server.services.database.db);
  return Number(r.rows[0]?.n);
};
/** Lets the worker poll until `id` reaches a state accepted by `done`. */
const drive = (id: string, done: (o: AsyncOperation) => boolean, timeoutMs = 10_000) =>
  until(
    `operation ${id}`,
    async () => {
      await worker.poll();
      const o = await op(id);
      return done(o) ? o : undefined;
    },
    timeoutMs,
    20,
  );
const ended = (o: AsyncOperation) => ["SUCCEEDED", "FAILED", "TIMEDOUT"].includes(o.state);
/** Claims every queued job directly (no worker), so claim order can be observed. */
const claimAll = async (owner: string, targets: string[] = []) => {
  const ids: string[] = [];
  for (let job = await server.services.queue.claim(owner, 60_000, targets); job; job = await server.services.queue.claim(owner, 60_000, targets)) ids.push(job.id);
  return ids;
};
const release = (ids: string[], owner: string) =>
  Promise.all(ids.map((id) => server.services.jobWrites.end({ id, customerId }, { owner }, () => {}, { queue_state: "done", lease_owner: null, lease_until: null })));

describe("claiming", () => {
  test("higher priority first; a targeted job only by its orchestrator's worker; one job per concurrency key at a time", async () => {
    const low = await enqueue("low", { priority: -1 });
    const high = await enqueue("high", { priority: 5 });
    const targeted = await enqueue("targeted", { target: "orchestrator-b" });
    const vmA1 = await enqueue("vm a 1", { concurrencyKey: "vm-a" });
    const vmA2 = await enqueue("vm a 2", { concurrencyKey: "vm-a" });
    const first = await claimAll("worker-a", ["orchestrator-a"]);
    expect(first[0]).toBe(high.id);
    expect(first.at(-1)).toBe(low.id);
    // Queued in the same millisecond, the two vm-a jobs tie (their order is by id): exactly one runs.
    const [held, other] = first.includes(vmA1.id) ? [vmA1, vmA2] : [vmA2, vmA1];
    expect(first).toContain(held.id);
    expect(first).not.toContain(other.id); // vm-a is held
    expect(first).not.toContain(targeted.id);
    expect(await claimAll("worker-b", ["orchestrator-b"])).toEqual([targeted.id]);
    await release([held.id], "worker-a");
    expect(await claimAll("worker-a")).toEqual([other.id]);
    await release([...first.filter((id) => id !== held.id), other.id], "worker-a");
    await release([targeted.id], "worker-b");
  });

  test("a second enqueue with the same job key returns the unfinished operation; after it finished, a new one", async () => {
    const first = await enqueue("slot 1", { jobKey: "schedule:x:2025-01-01T00:00" });
    const again = await enqueue("slot 1 again", { jobKey: "schedule:x:2025-01-01T00:00" });
    expect(again.id).toBe(first.id);
    expect(again.name).toBe("slot 1");
    const otherTenant = await server.services.operations.create({ customerId: "another-workspace", userId: "u", name: "other", jobType: TEST_JOB_COUNT, payload: {}, jobKey: "schedule:x:2025-01-01T00:00" });
    expect(otherTenant.id).not.toBe(first.id);
    await server.services.database.db.deleteFrom("async_operations").where("id", "=", otherTenant.id).execute();
    expect((await drive(first.id, ended)).state).toBe("SUCCEEDED");
    const later = await enqueue("slot 1 later", { jobKey: "schedule:x:2025-01-01T00:00" });
    expect(later.id).not.toBe(first.id);
    await drive(later.id, ended);
  });
});

describe("running", () => {
  test("a transient failure is retried after a backoff, then SUCCEEDED; the side effect happened once", async () => {
    const created = await enqueue("flaky", { payload: { transientFailures: 1 } });
    const retrying = await drive(created.id, (o) => o.logMessages.some((m) => /retrying in 100 ms/.test(m.message)));
    expect(retrying.state).toBe("RUNNING");
    const queued = await row(created.id);
    expect(queued.queue_state).toBe("queued");
    // Not before the backoff counted from the failed attempt's start (whatever the load since).
    expect(Number(queued.run_after)).toBeGreaterThanOrEqual(Date.parse(retrying.startedAt ?? "") + 100);
    const done = await drive(created.id, ended);
    expect(done.state).toBe("SUCCEEDED");
    expect(Number((await row(created.id)).attempts)).toBe(2);
    expect(await runs(created.id)).toBe(1);
  });

  test("transient failures beyond max_attempts end FAILED with the last error, and onFailure runs", async () => {
    const created = await enqueue("doomed", { payload: { transientFailures: 9 }, maxAttempts: 2 });
    const done = await drive(created.id, ended);
    expect(done.state).toBe("FAILED");
    expect(done.error?.error).toBe("transient failure 2");
    expect(await runs(created.id)).toBe(0);
    expect(await runs(created.id, "failure")).toBe(1);
  });

  test("a run longer than its type's time limit ends TIMEDOUT naming the limit", async () => {
    const created = await enqueue("slow", { jobType: TEST_JOB_LIMITED, payload: { sleepMs: 5000 } });
    const done = await drive(created.id, ended);
    expect(done.state).toBe("TIMEDOUT");
    expect(done.status).toBe("TIMEDOUT");
    expect(done.error?.error).toContain(`${TEST_TIME_LIMIT_MS} ms`);
    expect((await row(created.id)).queue_state).toBe("done");
    expect(await runs(created.id, "failure")).toBe(1);
    expect(await runs(created.id)).toBe(0);
  });

  test("an invalid payload fails the job without running it", async () => {
    const created = await enqueue("bad payload", { payload: { stallMs: "long" } });
    const done = await drive(created.id, ended);
    expect(done.state).toBe("FAILED");
    expect(done.error?.errorCode).toBe("INVALID_JOB");
    expect(done.error?.error).toMatch(/stallMs/);
    expect(await runs(created.id)).toBe(0);
  });
});

describe("parents waiting for children", () => {
  test("the parent frees its worker slot, shows the mean of its children's progress and ends SUCCEEDED with the last child", async () => {
    const parent = await enqueue("parent", { payload: { children: [{ sleepMs: 200 }, { sleepMs: 1500 }] } });
    // The parent runs, spawns its children and waits for them; with two slots and the parent
    // holding none, both children are taken while the longer one still runs.
    const kids = await until(`parent ${parent.id} waiting, its children taken`, async () => {
      await worker.poll();
      const children = await server.services.database.db.selectFrom("async_operations").select(["id", "queue_state"]).where("parent_id", "=", parent.id).execute();
      const taken = children.length === 2 && children.every((k) => k.queue_state !== "queued");
      return taken && (await row(parent.id)).queue_state === "waiting" ? children : undefined;
    });
    expect(kids.some((k) => k.queue_state === "running")).toBe(true);
    const midway = await drive(parent.id, (o) => o.progressPercent > 0);
    expect(midway.state).toBe("RUNNING");
    expect(midway.progressPercent).toBe(50); // (100 + 0) / 2: the second child is still asleep, at 0
    const done = await drive(parent.id, ended);
    expect(done.state).toBe("SUCCEEDED");
    expect(done.progressPercent).toBe(100);
    expect((await row(parent.id)).queue_state).toBe("done");
  });

  test("a failed child ends its waiting parent FAILED, naming the child", async () => {
    const parent = await enqueue("parent 2", { payload: { children: [{ failWith: "disk full" }, {}] } });
    const done = await drive(parent.id, ended);
    expect(done.state).toBe("FAILED");
    expect(done.error?.error).toMatch(/child operation 'child 0' \(.+\) ended FAILED: disk full/);
    expect(await runs(parent.id, "failure")).toBe(1);
  });

  test("children in sequence run one after another; after a failure the rest end CANCELLED naming it, and the parent names the failed one", async () => {
    const ok = await enqueue("sequence ok", { payload: { inSequence: true, children: [{ sleepMs: 150 }, { sleepMs: 10 }, {}] } });
    expect((await drive(ok.id, ended)).state).toBe("SUCCEEDED");
    const kids = async (parentId: string) => {
      const rows = await server.services.database.db.selectFrom("async_operations").select("id").where("parent_id", "=", parentId).execute();
      return (await Promise.all(rows.map((r) => op(r.id)))).sort((a, b) => a.name.localeCompare(b.name));
    };
    const done = await kids(ok.id);
    expect(done.map((k) => k.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    // Two worker slots were free, yet each child started only after the one before it ended.
    for (let i = 1; i < done.length; i++) expect(Date.parse(done[i]!.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.endedAt ?? ""));
    expect(await runs(ok.id)).toBe(1); // the parent's side effect committed with its wait, once

    const bad = await enqueue("sequence bad", { payload: { inSequence: true, children: [{}, { failWith: "store offline" }, { sleepMs: 10 }, {}] } });
    const failed = await drive(bad.id, ended);
    expect(failed.state).toBe("FAILED");
    expect(failed.error?.error).toMatch(/child operation 'child 1' \(.+\) ended FAILED: store offline/);
    const [first, second, third, fourth] = await kids(bad.id);
    expect([first?.state, second?.state, third?.state, fourth?.state]).toEqual(["SUCCEEDED", "FAILED", "CANCELLED", "CANCELLED"]);
    expect(third?.startedAt).toBeNull(); // never ran
    expect(third?.error?.error).toMatch(/^not run: 'child 1' \(.+\) ended FAILED: store offline/);
    expect(fourth?.error?.error).toMatch(/^not run: 'child 2' \(.+\) ended CANCELLED/);
    expect(await runs(third!.id)).toBe(0);
  });
});

describe("fencing and recovery", () => {
  test("a worker that lost its lease can write neither progress nor completion, and a second recoverer of the same expired lease changes nothing", async () => {
    const { queue, jobWrites } = server.services;
    const created = await enqueue("contested");
    const a = await queue.claim("owner-a", 1);
    expect(a?.id).toBe(created.id);
    await sleep(5);
    const [seen] = (await queue.expired()).filter((j) => j.id === created.id);
    expect(seen).toBeDefined();
    const expiredFence = { expiredOwner: seen!.leaseOwner, leaseUntil: seen!.leaseUntil };
    const requeue = { queue_state: "queued", lease_owner: null, lease_until: null, run_after: Date.now() } as const;
    expect(await jobWrites.end(created, expiredFence, () => {}, requeue)).toBeDefined();
    const b = await queue.claim("owner-b", 60_000);
    expect(b?.id).toBe(created.id);
    // Another recoverer that saw the same expired lease loses the compare-and-set.
    expect(await jobWrites.end(created, expiredFence, () => {}, requeue)).toBeUndefined();
    // The stalled first owner wakes up: its writes are refused.
    expect(await jobWrites.progress(created.id, { owner: "owner-a" }, 50)).toBe(false);
    expect(await jobWrites.end(created, { owner: "owner-a" }, (o) => (o.state = "SUCCEEDED"), { queue_state: "done" })).toBeUndefined();
    const current = await row(created.id);
    expect(current).toMatchObject({ queue_state: "running", lease_owner: "owner-b", progress_percent: 0 });
    expect((await op(created.id)).state).toBe("INITIALIZED");
    // The owner's own writes go through.
    expect(await jobWrites.progress(created.id, { owner: "owner-b" }, 40)).toBe(true);
    expect((await op(created.id)).progressPercent).toBe(40);
    await release([created.id], "owner-b");
  });

  test("progress-only writes leave the collection version (list caches) alone; GET shows them at once", async () => {
    const created = await enqueue("quiet");
    await server.services.queue.claim("owner-q", 60_000);
    const version = async () => {
      const r = await sql<{ version: number }>`select version from collection_versions where table_name = 'async_operations' and customer_id = ${customerId}`.execute(
        server.services.database.db,
      );
      return Number(r.rows[0]?.version);
    };
    const before = await version();
    for (const p of [10, 20, 30]) expect(await server.services.jobWrites.progress(created.id, { owner: "owner-q" }, p)).toBe(true);
    expect(await version()).toBe(before);
    const res = await server.api(`/data-services/v1beta1/async-operations/${created.id}`);
    expect(((await res.json()) as { progressPercent: number }).progressPercent).toBe(30);
    await release([created.id], "owner-q");
    expect(await version()).toBeGreaterThan(before);
  });
});

describe("retention", () => {
  test("the sweep deletes finished trees last changed before the cutoff, children with their root, and keeps the rest", async () => {
    const parent = await enqueue("old parent", { payload: { children: [{}] } });
    await drive(parent.id, ended);
    const [child] = await server.services.database.db.selectFrom("async_operations").select("id").where("parent_id", "=", parent.id).execute();
    const fresh = await enqueue("fresh");
    await drive(fresh.id, ended);
    const unfinished = await enqueue("old but unfinished");
    const old = "2000-01-01T00:00:00.000Z";
    await server.services.database.db.updateTable("async_operations").set({ updated_at: old }).where("id", "in", [parent.id, child!.id, unfinished.id]).execute();
    const deleted = await server.services.queue.sweep("2001-01-01T00:00:00.000Z");
    expect(deleted).toBe(2);
    expect(await server.services.operations.get(customerId, parent.id)).toBeUndefined();
    expect(await server.services.operations.get(customerId, child!.id)).toBeUndefined();
    expect(await server.services.operations.get(customerId, fresh.id)).toBeDefined();
    expect(await server.services.operations.get(customerId, unfinished.id)).toBeDefined();
    await drive(unfinished.id, ended);
  });
});
