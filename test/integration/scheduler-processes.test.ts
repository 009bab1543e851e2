// Two real `obr serve` processes on one PostgreSQL schema, each with its test clock (OBR_TEST_CLOCK)
// and its own scheduler and worker: a BY_MINUTES schedule on two lab VMs, both clocks moved to the
// same instant one minute further each round (both requests at once, so the schedulers race),
// and every slot of every job fires exactly once: one run per slot's job key, none skipped.
// `npm run test:slow` runs many more rounds. PostgreSQL only (the multi-server deployment).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { JOB_PROTECTION_RUN } from "../../src/services/protection/run-request.ts";
import { until } from "../helpers/greenlake.ts";
import { createSmallLabIn } from "../helpers/inventory.ts";
import { type ObrProcess, killProcess, processToken, serveProcess } from "../helpers/obr-process.ts";
import { testDatabase, testDb } from "../helpers/test-server.ts";
import { cases, timeLimit } from "../helpers/tiers.ts";

const ROUNDS = cases(3, 25);
const MINUTE = 60_000;
const postgres = testDb === "postgres";

let dataDir: string;
let database: ReturnType<typeof testDatabase>;
let db: Database | undefined;
const servers: ObrProcess[] = [];
let token: string;

async function call<T>(p: ObrProcess, path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: T; location: string | null }> {
  const res = await fetch(`${p.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T, location: res.headers.get("location") };
}

/** Waits for the async operation at `location` to end; its state. */
const ended = (p: ObrProcess, location: string) =>
  until(`operation ${location}`, async () => {
    const { body } = await call<{ state: string; associatedResources: { resourceUri: string; type: string }[] }>(p, location);
    return ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"].includes(body.state) ? body : undefined;
  });

const runs = async () =>
  (await sql<{ job_key: string | null; queue_state: string; state: string }>`select job_key, queue_state, state from async_operations where job_type = ${JOB_PROTECTION_RUN}`.execute(db!.db)).rows;

beforeAll(async () => {
  if (!postgres) return;
  dataDir = await mkdtemp(join(tmpdir(), "obr-sched-procs-"));
  database = testDatabase(dataDir);
  await createSmallLabIn(dataDir, "sched", 2);
  // The first creates the schema; the second starts on it.
  servers.push(await serveProcess(dataDir, database.url, { OBR_TEST_CLOCK: "1" }));
  servers.push(await serveProcess(dataDir, database.url, { OBR_TEST_CLOCK: "1" }));
  db = await openDatabase(database.url);
}, 60_000);
afterAll(async () => {
  for (const p of servers) await killProcess(p);
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await database?.drop();
});

test.skipIf(!postgres)(
  "two server processes on one PostgreSQL fire every slot of a BY_MINUTES schedule exactly once",
  async () => {
    const [a, b] = servers as [ObrProcess, ObrProcess];
    token = await processToken(a.url);
    const workspace = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).cid as string;
    const registered = await call(a, "/backup-recovery/v1alpha1/hypervisor-managers", {
      method: "POST",
      json: { networkAddress: "lab://sched", hypervisorManagerType: "VMWARE_VCENTER", dataOrchestratorId: embeddedDataOrchestratorId(workspace), credentials: { username: "a", password: "-" } },
    });
    expect((await ended(a, registered.location!)).state).toBe("SUCCEEDED");
    const policy = await call<{ id: string }>(a, "/backup-recovery/v1beta1/protection-policies", {
      method: "POST",
      json: { name: "every minute", applicationType: "VMWARE", protections: [{ type: "SNAPSHOT", schedules: [{ scheduleId: 1, schedule: { recurrence: "BY_MINUTES", repeatInterval: { every: 1 } }, expireAfter: { unit: "DAYS", value: 1 } }] }] },
    });
    expect(policy.status).toBe(200);
    const vms = (await call<{ items: { id: string }[] }>(a, "/virtualization/v1beta1/virtual-machines")).body.items;
    expect(vms).toHaveLength(2);
    for (const vm of vms) {
      const job = await call(b, "/backup-recovery/v1beta1/protection-jobs", { method: "POST", json: { assetInfo: { id: vm.id, type: "hybrid-cloud/virtual-machine" }, protectionPolicyId: policy.body.id } });
      expect((await ended(b, job.location!)).state).toBe("SUCCEEDED");
    }
    const settled = () => until("every run ended", async () => ((await runs()).every((r) => r.queue_state === "done") ? true : undefined));
    await settled();

    // Both clocks to the same instant, mid-minute, one minute on each round.
    const clock = await call<{ now: string }>(a, "/obr/v1/test-clock");
    let at = Math.ceil((Date.parse(clock.body.now) + MINUTE) / MINUTE) * MINUTE + 30_000;
    for (let round = 0; round < ROUNDS; round++) {
      const before = (await runs()).length;
      const moved = await Promise.all(servers.map((p) => call(p, "/obr/v1/test-clock", { method: "POST", json: { now: new Date(at).toISOString() } })));
      expect(moved.map((m) => m.status)).toEqual([200, 200]);
      // Each job's slot fires (once) and its run ends before the clocks move again.
      await until(`round ${round}: a run per job`, async () => ((await runs()).length >= before + vms.length ? true : undefined));
      await settled();
      at += MINUTE;
    }
    const rows = await runs();
    const perKey = new Map<string, number>();
    for (const r of rows) if (r.job_key) perKey.set(r.job_key, (perKey.get(r.job_key) ?? 0) + 1);
    expect([...perKey.values()].filter((n) => n !== 1)).toEqual([]);
    // Every round fired one slot per job (and a minute that passed in real time during setup at most
    // one more); the jobs' initial runs (initial:<job>) are not slots.
    const slots = [...perKey.keys()].filter((k) => k.startsWith("schedule:")).length;
    expect(slots).toBeGreaterThanOrEqual(ROUNDS * vms.length);
    expect(slots).toBeLessThanOrEqual((ROUNDS + 1) * vms.length);
    expect(rows.filter((r) => r.job_key).every((r) => r.state === "SUCCEEDED")).toBe(true);
  },
  timeLimit(120_000),
);
