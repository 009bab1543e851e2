// Async operations as clients poll them: state machine, progress, results, failures, child
// operations, select, and crash recovery of the job queue — over HTTP, with test job handlers.
// The embedded worker's timer is off (OBR_EMBEDDED_WORKER=0): jobs run when the test wakes the
// worker, so every step is deterministic.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../../src/domain/app-error.ts";
import type { JobContext } from "../../src/jobs/job-handler.ts";
import { markRunning } from "../../src/services/async-operations.ts";
import { DEBUG_ID_RE, OPERATIONS, expectContract, expectError, json, sleep, until } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Operation {
  id: string;
  name: string;
  state: string;
  status: string;
  healthStatus: string;
  progressPercent: number;
  generation: number;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
  resourceUri: string;
  customerId: string;
  userId: string;
  type: string;
  error?: { error: string; errorCode: string; traceId: string };
  logMessages: { message: string; timestamp: string }[];
  associatedResources: { type: string; resourceUri: string; name?: string }[];
  parent?: { id: string; resourceUri: string; type: string };
  rootOperation?: { id: string; resourceUri: string; type: string } | null;
  hasChildOperations: boolean;
  subtreeOperationCount: number;
  suggestedPollingIntervalSeconds: number;
}

let server: TestServer;
let userId: string;
let customerId: string;

type Gate = { reached30: PromiseWithResolvers<void>; go30: PromiseWithResolvers<void>; reached60: PromiseWithResolvers<void>; go60: PromiseWithResolvers<void> };
const gates = new Map<string, Gate>();
const runs: Record<string, number[]> = {};
const record = (type: string, ctx: JobContext) => {
  runs[type] ??= [];
  runs[type].push(ctx.attempt);
};
const RESULT = { type: "backup-recovery/protection-policy", resourceUri: "/backup-recovery/v1beta1/protection-policies/made-by-job", name: "made" };

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0" });
  userId = decodeJwt(server.admin.token).sub!;
  customerId = server.admin.workspaceId;
  const worker = server.services.worker;
  worker.register({
    type: "test.gated",
    resumable: false,
    async run(ctx) {
      record("test.gated", ctx);
      const gate = gates.get((ctx.payload as { key: string }).key)!;
      await ctx.progress(30, "copied 30%");
      gate.reached30.resolve();
      await gate.go30.promise;
      await ctx.progress(60, "copied 60%");
      gate.reached60.resolve();
      await gate.go60.promise;
      return [RESULT];
    },
  });
  worker.register({
    type: "test.fail",
    resumable: false,
    async run(ctx) {
      record("test.fail", ctx);
      await ctx.progress(40, "half way");
      throw new AppError(409, "CONFLICT", "the protection store is busy");
    },
  });
  worker.register({
    type: "test.crash",
    resumable: false,
    async run(ctx) {
      record("test.crash", ctx);
      throw new Error("SECRET-INTERNAL pointer 0xdeadbeef");
    },
  });
  worker.register({
    type: "test.fragile",
    resumable: false,
    async run(ctx) {
      record("test.fragile", ctx);
      return [];
    },
  });
  worker.register({
    type: "test.resumable",
    resumable: true,
    async run(ctx) {
      record("test.resumable", ctx);
      return [RESULT];
    },
  });
});
afterAll(async () => {
  await server?.stop();
});

async function getOp(id: string): Promise<Operation> {
  const op = await json<Operation>(await server.api(`${OPERATIONS}/${id}`), 200);
  expectContract("data-services", "Operation", op);
  expect(op.status).toBe(op.state);
  expect(op.progressPercent).toBeGreaterThanOrEqual(0);
  expect(op.progressPercent).toBeLessThanOrEqual(100);
  return op;
}
const waitFor = (id: string, what: string, pred: (op: Operation) => boolean) =>
  until(`operation ${id}: ${what}`, async () => {
    const op = await getOp(id);
    return pred(op) ? op : undefined;
  });
const create = (name: string, jobType?: string, payload?: unknown, parentId?: string) =>
  server.services.operations.create({ customerId, userId, name, ...(jobType ? { jobType, payload } : {}), ...(parentId ? { parentId } : {}) });

describe("state machine over HTTP", () => {
  test("INITIALIZED → RUNNING (30%, 60%) → SUCCEEDED with progress 100, endedAt and associatedResources", async () => {
    const key = "k1";
    const gate: Gate = {
      reached30: Promise.withResolvers(),
      go30: Promise.withResolvers(),
      reached60: Promise.withResolvers(),
      go60: Promise.withResolvers(),
    };
    gates.set(key, gate);
    const created = await create("gated job", "test.gated", { key });

    const initial = await getOp(created.id);
    expect(initial).toMatchObject({ id: created.id, state: "INITIALIZED", status: "INITIALIZED", progressPercent: 0, startedAt: null, endedAt: null });
    expect(initial.resourceUri).toBe(`${OPERATIONS}/${created.id}`);
    expect(initial.customerId).toBe(customerId);
    expect(initial.userId).toBe(userId);
    expect(initial.healthStatus).toBe("OK");
    expect(initial.suggestedPollingIntervalSeconds).toBeGreaterThan(0);
    expect(initial.associatedResources).toEqual([]);
    // Nothing runs until the worker looks.
    await sleep(300);
    expect((await getOp(created.id)).state).toBe("INITIALIZED");

    server.services.worker.wake();
    await gate.reached30.promise;
    const at30 = await waitFor(created.id, "30%", (o) => o.progressPercent === 30);
    expect(at30.state).toBe("RUNNING");
    expect(at30.startedAt).not.toBeNull();
    expect(Date.parse(at30.startedAt!)).toBeGreaterThanOrEqual(Date.parse(initial.updatedAt) - 1);
    expect(at30.endedAt).toBeNull();
    expect(at30.generation).toBeGreaterThan(initial.generation);
    expect(at30.logMessages.map((m) => m.message)).toContain("copied 30%");

    gate.go30.resolve();
    await gate.reached60.promise;
    const at60 = await waitFor(created.id, "60%", (o) => o.progressPercent === 60);
    expect(at60.state).toBe("RUNNING");
    expect(at60.startedAt).toBe(at30.startedAt);
    expect(at60.generation).toBeGreaterThan(at30.generation);

    gate.go60.resolve();
    const done = await waitFor(created.id, "SUCCEEDED", (o) => o.state !== "RUNNING");
    expect(done.state).toBe("SUCCEEDED");
    expect(done.status).toBe("SUCCEEDED");
    expect(done.progressPercent).toBe(100);
    expect(done.healthStatus).toBe("OK");
    expect(done.startedAt).toBe(at30.startedAt);
    expect(done.endedAt).not.toBeNull();
    expect(Date.parse(done.endedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect(done.associatedResources).toEqual([RESULT]);
    expect(done.error ?? null).toBeNull();
    expect(done.generation).toBeGreaterThan(at60.generation);
    expect(runs["test.gated"]).toEqual([1]);

    // Terminal is terminal: waking the worker again changes nothing.
    server.services.worker.wake();
    await sleep(100);
    expect(await getOp(created.id)).toEqual(done);
  });

  test("a handler that throws an AppError ends FAILED with its message and code, healthStatus ERROR", async () => {
    const created = await create("failing job", "test.fail");
    server.services.worker.wake();
    const op = await waitFor(created.id, "FAILED", (o) => o.state === "FAILED" || o.state === "SUCCEEDED");
    expect(op.state).toBe("FAILED");
    expect(op.status).toBe("FAILED");
    expect(op.healthStatus).toBe("ERROR");
    expect(op.error?.error).toBe("the protection store is busy");
    expect(op.error?.errorCode).toBe("CONFLICT");
    expect(op.error?.traceId).toMatch(DEBUG_ID_RE);
    expect(op.endedAt).not.toBeNull();
    expect(op.progressPercent).toBeLessThan(100);
    expect(op.associatedResources).toEqual([]);
  });

  test("an unexpected exception ends FAILED with a generic message (no internals)", async () => {
    const created = await create("crashing job", "test.crash");
    server.services.worker.wake();
    const op = await waitFor(created.id, "FAILED", (o) => o.state === "FAILED" || o.state === "SUCCEEDED");
    expect(op.state).toBe("FAILED");
    expect(op.healthStatus).toBe("ERROR");
    expect(op.error?.errorCode).toBe("INTERNAL_ERROR");
    expect(op.error?.error.length).toBeGreaterThan(0);
    expect(JSON.stringify(op)).not.toContain("SECRET-INTERNAL");
  });

  test("a job type without a handler ends FAILED, it does not stay INITIALIZED or RUNNING", async () => {
    const created = await create("orphan job", "test.no-such-handler");
    server.services.worker.wake();
    const op = await waitFor(created.id, "terminal", (o) => o.state !== "INITIALIZED" && o.state !== "RUNNING");
    expect(op.state).toBe("FAILED");
    expect(op.error?.error).toContain("test.no-such-handler");
  });

  test("an operation without a job type (a record of work done elsewhere) is never claimed", async () => {
    const created = await create("record only");
    server.services.worker.wake();
    await sleep(150);
    expect((await getOp(created.id)).state).toBe("INITIALIZED");
  });

  test("GET of an unknown id → 404", async () => {
    await expectError(await server.api(`${OPERATIONS}/00000000-0000-4000-8000-000000000000`), 404);
  });
});

describe("child operations, select, list", () => {
  test("filter parent/id eq '<id>' lists exactly the child operations", async () => {
    const parent = await create("parent");
    const kids = [await create("child 1", undefined, undefined, parent.id), await create("child 2", undefined, undefined, parent.id)];
    const grandchild = await create("grandchild", undefined, undefined, kids[0]!.id);
    await create("unrelated");
    for (const filter of [`parent/id eq '${parent.id}'`, `parent/id eq ${parent.id}`, `parent.id eq "${parent.id}"`]) {
      const list = await json<{ items: Operation[]; count: number; offset: number; total: number }>(
        await server.api(`${OPERATIONS}?filter=${encodeURIComponent(filter)}`),
        200,
      );
      expectContract("data-services", "OperationList", list);
      expect(list.items.map((o) => o.id).sort()).toEqual(kids.map((k) => k.id).sort());
      expect(list.total).toBe(2);
      for (const item of list.items) {
        const parentRef = { id: parent.id, name: parent.name, resourceUri: `${OPERATIONS}/${parent.id}`, type: "task" };
        expect(item.parent).toEqual(parentRef);
        expect(item.rootOperation).toEqual(parentRef);
        expect(item.status).toBe(item.state);
      }
    }
    const grand = await json<{ items: Operation[] }>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq '${kids[0]!.id}'`)}`), 200);
    expect(grand.items.map((o) => o.id)).toEqual([grandchild.id]);
    const roots = await json<{ items: Operation[] }>(
      await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq null and name eq 'parent'`)}`),
      200,
    );
    expect(roots.items.map((o) => o.id)).toEqual([parent.id]);
  });

  test("a parent reports its children: hasChildOperations, subtreeOperationCount; children name their rootOperation", async () => {
    const parent = await create("reporting parent");
    const kid = await create("kid", undefined, undefined, parent.id);
    const grandkid = await create("grandkid", undefined, undefined, kid.id);
    const p = await getOp(parent.id);
    expect(p.hasChildOperations).toBe(true);
    expect(p.subtreeOperationCount).toBe(2);
    expect((await getOp(kid.id)).hasChildOperations).toBe(true);
    expect((await getOp(grandkid.id)).rootOperation?.id).toBe(parent.id);
    expect((await getOp(kid.id)).rootOperation?.id).toBe(parent.id);
  });

  test("select=state,progressPercent on GET by id returns exactly those", async () => {
    const created = await create("selected");
    const body = await json(await server.api(`${OPERATIONS}/${created.id}?select=state,progressPercent`), 200);
    expect(body).toEqual({ state: "INITIALIZED", progressPercent: 0 });
    const nested = await json(await server.api(`${OPERATIONS}/${created.id}?select=id,error/errorCode`), 200);
    expect(nested).toEqual({ id: created.id });
    await expectError(await server.api(`${OPERATIONS}/${created.id}?select=state,bogus`), 400);
  });

  test("the list validates against OperationList, filters on state and sorts", async () => {
    const list = await json<{ items: Operation[]; total: number }>(await server.api(`${OPERATIONS}?sort=createdAt desc,id&limit=1000`), 200);
    expectContract("data-services", "OperationList", list);
    expect(list.total).toBe(list.items.length);
    const created = list.items.map((o) => (o as unknown as { createdAt: string }).createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const failed = await json<{ items: Operation[] }>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent("state eq 'FAILED'")}&limit=1000`), 200);
    expect(failed.items.length).toBeGreaterThanOrEqual(3);
    expect(failed.items.every((o) => o.state === "FAILED" && o.status === "FAILED")).toBe(true);
    const byStatus = await json<{ items: Operation[] }>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent("status eq 'FAILED'")}&limit=1000`), 200);
    expect(byStatus.items.map((o) => o.id).sort()).toEqual(failed.items.map((o) => o.id).sort());
    await expectError(await server.api(`${OPERATIONS}?limit=1001`), 400);
  });
});

describe("crash recovery", () => {
  /** Simulates a worker that claimed the job, started it, and died: its 1 ms lease runs out. */
  async function dieHoldingIt(id: string) {
    let claimed = await server.services.queue.claim("dead-owner", 1);
    // Only ever hold our own job: anything else queued (none expected) is put back for later.
    for (let i = 0; claimed && claimed.id !== id && i < 20; i++) {
      await server.services.queue.requeue(claimed.id, "dead-owner", Date.now() + 60_000);
      claimed = await server.services.queue.claim("dead-owner", 1);
    }
    expect(claimed?.id).toBe(id);
    await server.services.operations.change(customerId, id, (op) => {
      markRunning(op);
      op.progressPercent = 40;
    });
    expect((await getOp(id)).state).toBe("RUNNING");
    await sleep(10);
    return claimed!;
  }

  test("a non-resumable job whose worker died ends FAILED with a reason mentioning the interruption", async () => {
    const created = await create("fragile", "test.fragile");
    await dieHoldingIt(created.id);
    await server.services.worker.recover();
    const op = await getOp(created.id);
    expect(op.state).toBe("FAILED");
    expect(op.status).toBe("FAILED");
    expect(op.healthStatus).toBe("ERROR");
    expect(op.error?.error).toMatch(/interrupt/i);
    expect(op.endedAt).not.toBeNull();
    // It is not run again afterwards.
    server.services.worker.wake();
    await sleep(150);
    expect((await getOp(created.id)).state).toBe("FAILED");
    expect(runs["test.fragile"]).toBeUndefined();
  });

  test("a resumable job whose worker died is requeued and then SUCCEEDED (attempt 2)", async () => {
    const created = await create("resumable", "test.resumable");
    await dieHoldingIt(created.id);
    await server.services.worker.recover();
    const requeued = await getOp(created.id);
    expect(requeued.state).not.toBe("FAILED");
    expect(requeued.logMessages.map((m) => m.message).join("\n")).toMatch(/interrupt/i);
    server.services.worker.wake();
    const op = await waitFor(created.id, "SUCCEEDED", (o) => o.state === "SUCCEEDED" || o.state === "FAILED");
    expect(op.state).toBe("SUCCEEDED");
    expect(op.progressPercent).toBe(100);
    expect(op.associatedResources).toEqual([RESULT]);
    expect(runs["test.resumable"]).toEqual([2]);
  });

  test("recovery also happens when the worker polls (wake), not only on an explicit recover()", async () => {
    const created = await create("fragile 2", "test.fragile");
    await dieHoldingIt(created.id);
    server.services.worker.wake();
    const op = await waitFor(created.id, "FAILED", (o) => o.state === "FAILED");
    expect(op.error?.error).toMatch(/interrupt/i);
  });

  test("a resumable job that keeps dying ends FAILED after the maximum attempts", async () => {
    const created = await create("doomed", "test.resumable");
    for (let i = 0; i < 3; i++) {
      await dieHoldingIt(created.id);
      await server.services.worker.recover();
    }
    const op = await getOp(created.id);
    expect(op.state).toBe("FAILED");
    expect(op.error?.error).toMatch(/interrupt/i);
    expect(runs["test.resumable"]).toEqual([2]); // only the earlier test's run
  });

  test("a live lease is left alone", async () => {
    const created = await create("alive", "test.fragile");
    const claimed = await server.services.queue.claim("live-owner", 60_000);
    expect(claimed?.id).toBe(created.id);
    await server.services.worker.recover();
    expect((await getOp(created.id)).state).toBe("INITIALIZED");
    await server.services.queue.requeue(created.id, "live-owner", Date.now());
    server.services.worker.wake();
    expect((await waitFor(created.id, "SUCCEEDED", (o) => o.state === "SUCCEEDED")).progressPercent).toBe(100);
  });
});
