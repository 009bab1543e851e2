// The test clock over HTTP: off by default (404), with OBR_TEST_CLOCK=1 an admin reads it and
// moves it forward (never back), and the scheduler fires at once when it moves: a job's hourly
// schedule queues its next run as soon as the clock passes the hour, and the run's end shows in
// the job's history.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, expectError, json, until } from "../helpers/greenlake.ts";
import { createSmallLab, registerLab } from "../helpers/inventory.ts";
import { createJob, getJob, queuedRuns, runsEndOnServer } from "../helpers/protection-jobs.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const CLOCK = "/obr/v1/test-clock";
interface ClockBody {
  now: string;
  offsetSeconds: number;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ OBR_TEST_CLOCK: "1" });
});
afterAll(async () => {
  await server?.stop();
});

describe("the test clock", () => {
  test("is absent unless OBR_TEST_CLOCK=1", async () => {
    const plain = await startTestServer();
    try {
      await expectError(await plain.api(CLOCK), 404);
      await expectError(await plain.api(CLOCK, { method: "POST", json: { advanceSeconds: 60 } }), 404);
    } finally {
      await plain.stop();
    }
  });

  test("an admin reads it and moves it forward by seconds or to an instant; never back; others may not", async () => {
    const start = await json<ClockBody>(await server.api(CLOCK), 200);
    expect(Math.abs(Date.parse(start.now) - Date.now() - start.offsetSeconds * 1000)).toBeLessThan(5000);
    const moved = await json<ClockBody>(await server.api(CLOCK, { method: "POST", json: { advanceSeconds: 86_400 } }), 200);
    expect(moved.offsetSeconds - start.offsetSeconds).toBeCloseTo(86_400, 0);
    const target = new Date(Date.parse(moved.now) + 7 * 86_400_000).toISOString();
    const set = await json<ClockBody>(await server.api(CLOCK, { method: "POST", json: { now: target } }), 200);
    expect(Math.abs(Date.parse(set.now) - Date.parse(target))).toBeLessThan(2000);
    await expectError(await server.api(CLOCK, { method: "POST", json: { now: start.now } }), 400);
    await expectError(await server.api(CLOCK, { method: "POST", json: { advanceSeconds: -5 } }), 400);
    await expectError(await server.api(CLOCK, { method: "POST", json: { advanceSeconds: 1, now: target } }), 400);
    const operator = await server.client("operator", server.admin.workspaceId);
    await expectError(await server.api(CLOCK, { method: "POST", json: { advanceSeconds: 1 }, token: operator.token }), 403);
    // Resources are stamped on the moved clock.
    const policy = await json<{ createdAt: string }>(await server.api(POLICIES, { method: "POST", json: snapshotPolicy(`stamped-${randomUUID()}`) }), 200);
    expect(Date.parse(policy.createdAt)).toBeGreaterThanOrEqual(Date.parse(set.now));
  });

  test("moving it past a slot fires the schedule at once; the run's end shows in the job's history", async () => {
    runsEndOnServer(server);
    const lab = await createSmallLab(server, "clocklab", 1);
    await registerLab(server, lab.address);
    const policy = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: snapshotPolicy(`hourly-${randomUUID()}`) }), 200);
    const { id } = await createJob(server, { assetInfo: { id: lab.vms[0]!.id }, protectionPolicyId: policy.id });
    const initial = await until("the first run to end", async () => {
      const [run] = await queuedRuns(server, id);
      return run?.queueState === "done" ? run : undefined;
    });
    expect(initial.payload.trigger).toBe("INITIAL");
    const job = await getJob(server, id);
    const next = Date.parse(job.protections[0]!.schedules[0]!.nextRunTime!);
    const { now } = await json<ClockBody>(await server.api(CLOCK), 200);
    // Past the next slot and the one after it: one run, for the newest slot.
    await server.api(CLOCK, { method: "POST", json: { advanceSeconds: (next - Date.parse(now)) / 1000 + 3600 + 1 } });
    const scheduled = await until(
      "the scheduled run",
      async () => (await queuedRuns(server, id)).find((r) => r.payload.trigger === "SCHEDULED"),
      5000,
    );
    expect(scheduled.jobKey).toBe(`schedule:${id}:1:${next + 3_600_000}`);
    expect(scheduled.payload.tiers.map((t) => t.protectionType)).toEqual(["SNAPSHOT"]);
    const history = await until("the history to show both runs ended", async () => {
      const s = (await getJob(server, id)).protections[0]!.schedules[0]!;
      return s.executionStatuses.length === 2 && s.executionStatuses.every((e) => e.status === "OK") ? s : undefined;
    });
    expect(history.executionStatuses.map((e) => e.taskUri)).toEqual([`/data-services/v1beta1/async-operations/${initial.id}`, `/data-services/v1beta1/async-operations/${scheduled.id}`]);
    expect(Date.parse(history.nextRunTime!)).toBe(next + 2 * 3_600_000);
  });
});

function snapshotPolicy(name: string) {
  return {
    name,
    applicationType: "VMWARE",
    protections: [{ type: "SNAPSHOT", schedules: [{ scheduleId: 1, schedule: { recurrence: "HOURLY", repeatInterval: { every: 1, on: [0] } }, expireAfter: { unit: "DAYS", value: 1 } }] }],
  };
}
