// The protection scheduler on one database shared by two instances of the services (separate
// connection pools, as two server processes have; PostgreSQL only, one instance on SQLite), driven by one injected clock: every round,
// both scan at once, and each slot of each schedule is fired exactly once (its run queued with
// the slot's job key), catch-up after a gap fires only the newest missed slot, a slot that comes
// while the previous run is unfinished is skipped and recorded, and a suspended schedule stays
// quiet. `npm run test:slow` runs many more rounds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { type Services, buildServices } from "../../src/container.ts";
import type { Actor } from "../../src/domain/actor.ts";
import { TestClock } from "../../src/domain/clock.ts";
import { markSucceeded } from "../../src/services/async-operations.ts";
import type { ProtectionJobDoc } from "../../src/services/protection/protection-job-document.ts";
import { setSuspended } from "../../src/services/protection/protection-job-changes.ts";
import { JOB_PROTECTION_RUN } from "../../src/services/protection/run-request.ts";
import { testDatabase, testDb } from "../helpers/test-server.ts";
import { cases, timeLimit } from "../helpers/tiers.ts";

const ROUNDS = cases(30, 300);
const MINUTE = 60_000;
const actor: Actor = { workspaceId: "scheduler-ws", apiClientId: "c1", clientId: "scheduler-test", role: "admin" };

let dir: string;
let drop: () => Promise<void>;
let a: Services;
let b: Services;
// Both instances read one clock that moves only when the test says.
let fake = Date.parse("2026-03-10T08:00:30Z");
const clock = new TestClock(() => fake);
const jobIds: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "obr-sched-"));
  const database = testDatabase(dir);
  drop = database.drop;
  const config = loadConfig({ OBR_DATA_DIR: dir, OBR_DATABASE_URL: database.url, OBR_DEMO: "0" });
  const quiet = pino({ level: "silent" });
  a = await buildServices(config, quiet, clock);
  // better-sqlite3 blocks its thread while it waits for the file lock, so two instances in one
  // process would wait for each other forever: on SQLite the second instance is the first.
  b = testDb === "postgres" ? await buildServices(config, quiet, clock) : a;
  // No worker runs here: the runs the schedulers queue stay queued until the test ends them.
  await a.worker.stop();
  await b.worker.stop();
  const policy = (await a.useCases.protectionPolicies.create(actor, {
    name: "every minute",
    applicationType: "VMWARE",
    protections: [{ type: "SNAPSHOT", schedules: [{ scheduleId: 1, schedule: { recurrence: "BY_MINUTES", repeatInterval: { every: 1 } } }] }],
  })).resource as { id: string };
  for (let i = 0; i < 3; i++) {
    const id = `00000000-0000-4000-8000-00000000000${i}`;
    const at = new Date(fake).toISOString();
    await a.repositories.get("virtual-machines")!.insert({ id, customerId: actor.workspaceId, generation: 1, createdAt: at, updatedAt: at, name: `vm-${i}`, type: "virtualization/virtual-machine", resourceUri: `/virtualization/v1beta1/virtual-machines/${id}` });
    await a.useCases.protectionJobs.create(actor, { assetInfo: { id }, protectionPolicyId: policy.id });
    jobIds.push((await a.useCases.protectionJobs.findByAsset(actor.workspaceId, id))!);
  }
});
afterAll(async () => {
  await a?.database.close();
  if (b !== a) await b?.database.close();
  await drop?.();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  id: string;
  jobKey: string;
  state: string;
  queueState: string;
  jobId: string;
}
async function runs(): Promise<Run[]> {
  const rows = await sql<{ id: string; job_key: string; state: string; queue_state: string; job_payload: string }>`
    select id, job_key, state, queue_state, job_payload from async_operations where job_type = ${JOB_PROTECTION_RUN}`.execute(a.database.db);
  return rows.rows.map((r) => ({ id: r.id, jobKey: r.job_key, state: r.state, queueState: r.queue_state, jobId: (JSON.parse(r.job_payload) as { protectionJobId: string }).protectionJobId }));
}

/** Ends every queued run SUCCEEDED, as a worker running them would. */
async function finishRuns(): Promise<void> {
  for (const run of (await runs()).filter((r) => r.queueState !== "done")) {
    await a.operations.change(actor.workspaceId, run.id, (op) => markSucceeded(op));
    await sql`update async_operations set queue_state = 'done' where id = ${run.id}`.execute(a.database.db);
  }
}
const both = () => Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
const job = (id: string) => a.repositories.get("protection-jobs")!.get<ProtectionJobDoc>(actor.workspaceId, id);

test(`two instances on one database fire every slot exactly once (${ROUNDS} rounds), catching up only the newest missed slot`, { timeout: timeLimit(120_000) }, async () => {
  const expected: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Every fifth round the servers were "down" for a while: three slots passed, one is fired.
    fake += round % 5 === 4 ? 3 * MINUTE + 7_000 : MINUTE;
    const slot = Math.floor(clock.now() / MINUTE) * MINUTE;
    for (const id of jobIds) expected.push(`schedule:${id}:1:${slot}`);
    await both();
    await finishRuns();
  }
  const keys = (await runs()).map((r) => r.jobKey);
  expect(keys.length).toBe(ROUNDS * jobIds.length);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.sort()).toEqual(expected.sort());
  // The job shows when it ran last and when it runs next, and its last five triggers, all OK now.
  const doc = (await job(jobIds[0]!))!;
  const schedule = doc.protections[0]!.schedules[0]!;
  expect(Date.parse(schedule.prevRunTime!)).toBe(Math.floor(clock.now() / MINUTE) * MINUTE);
  expect(Date.parse(schedule.nextRunTime!)).toBe(Math.floor(clock.now() / MINUTE) * MINUTE + MINUTE);
  expect(schedule.executionStatuses).toHaveLength(5);
  expect(schedule.executionStatuses.slice(0, 4).map((s) => s.status)).toEqual(["OK", "OK", "OK", "OK"]);
});

test("a slot that comes while the previous run is unfinished is skipped and recorded; a suspended schedule does not fire", async () => {
  await finishRuns();
  const before = (await runs()).length;
  fake += MINUTE;
  await both();
  fake += MINUTE;
  await both();
  fake += MINUTE;
  await both();
  // One run per job; the two later slots found it unfinished.
  expect((await runs()).length).toBe(before + jobIds.length);
  const schedule = (await job(jobIds[1]!))!.protections[0]!.schedules[0]!;
  const last = schedule.executionStatuses.slice(-3);
  expect(last.map((s) => s.status)).toEqual(["IN_PROGRESS", "SKIPPED", "SKIPPED"]);
  expect(last[2]!.errorMessage).toMatch(/previous run .* had not finished/);
  expect(Date.parse(last[2]!.timestamp)).toBe(Math.floor(clock.now() / MINUTE) * MINUTE);

  await finishRuns();
  await a.protection.jobs.transaction((uow) => setSuspended(a.protection, actor.workspaceId, jobIds[2]!, [1], true, uow));
  fake += 2 * MINUTE;
  await both();
  // Every earlier run has ended: the queued ones are this round's.
  const fired = (await runs()).filter((r) => r.queueState !== "done");
  expect(fired.map((r) => r.jobId).sort()).toEqual([jobIds[0], jobIds[1]].sort());
});
