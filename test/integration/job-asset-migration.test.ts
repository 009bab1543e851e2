// Migration 013 on an installation made before it: the jobs and their schedules survive the
// SQLite table rebuild (and PostgreSQL's in-place constraint), a job whose VM row was already
// gone keeps its document with its reference cleared, and from then on the database refuses to
// drop a protected VM's row or to point a job at a VM that does not exist.
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { scratchDatabase } from "../helpers/test-server.ts";

const scratch = scratchDatabase("obr-m013-");
let database: Database;

beforeAll(async () => {
  await scratch.open();
  database = scratch.database();
});
afterAll(() => scratch.close());

const WS = "ws-1";
const AT = "2026-01-01T00:00:00.000Z";
const VM = "11111111-0000-4000-8000-000000000001";
const GONE_VM = "11111111-0000-4000-8000-000000000002";
const POLICY = "22222222-0000-4000-8000-000000000001";
const JOB = "33333333-0000-4000-8000-000000000001";
const ORPHAN_JOB = "33333333-0000-4000-8000-000000000002";

function json(doc: object) {
  const text = JSON.stringify(doc);
  return database.dialect === "postgres" ? sql`${text}::jsonb` : sql`${text}`;
}

async function insertJob(id: string, assetId: string) {
  await sql`insert into protection_jobs (id, customer_id, generation, created_at, updated_at, doc, asset_id, protection_policy_id)
            values (${id}, ${WS}, 1, ${AT}, ${AT}, ${json({ id, assetInfo: { id: assetId } })}, ${assetId}, ${POLICY})`.execute(database.db);
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return `${Reflect.get(Object(err), "code")}`;
  }
  return "accepted";
}

test("jobs and schedules survive, an orphan job's reference is cleared, and the reference then holds", async () => {
  await migrate(database, { before: "013-job-asset-reference" });
  const { db } = database;
  await sql`insert into virtual_machines (id, customer_id, generation, created_at, updated_at, doc, name)
            values (${VM}, ${WS}, 1, ${AT}, ${AT}, ${json({ id: VM, name: "web-01" })}, ${"web-01"})`.execute(db);
  await sql`insert into protection_policies (id, customer_id, generation, created_at, updated_at, doc, name)
            values (${POLICY}, ${WS}, 1, ${AT}, ${AT}, ${json({ id: POLICY, name: "gold" })}, ${"gold"})`.execute(db);
  await insertJob(JOB, VM);
  await insertJob(ORPHAN_JOB, GONE_VM);
  await sql`insert into protection_schedules (customer_id, schedule_id, rule, time_zone, anchor_at, protection_job_id)
            values (${WS}, 1, ${"{}"}, ${"UTC"}, 0, ${JOB})`.execute(db);

  expect(await migrate(database)).toEqual(["013-job-asset-reference"]);

  const jobs = (await sql<{ id: string; asset_id: string | null; doc: unknown }>`select id, asset_id, doc from protection_jobs order by id`.execute(db)).rows;
  expect(jobs.map((j) => [j.id, j.asset_id])).toEqual([
    [JOB, VM],
    [ORPHAN_JOB, null],
  ]);
  expect(JSON.stringify(jobs[1]?.doc)).toContain(GONE_VM);
  const schedules = (await sql<{ protection_job_id: string }>`select protection_job_id from protection_schedules`.execute(db)).rows;
  expect(schedules).toEqual([{ protection_job_id: JOB }]);

  const fk = database.dialect === "postgres" ? "23503" : "SQLITE_CONSTRAINT_FOREIGNKEY";
  // a protected VM's row cannot go; a job cannot name a VM that does not exist
  expect(await refusal(() => sql`delete from virtual_machines where id = ${VM}`.execute(db))).toBe(fk);
  expect(await refusal(() => sql`update protection_jobs set asset_id = ${GONE_VM} where id = ${ORPHAN_JOB}`.execute(db))).toBe(fk);
  // the rebuilt table kept its indexes and triggers: one job per asset, the policy reference, versions
  const unique = database.dialect === "postgres" ? "23505" : "SQLITE_CONSTRAINT_UNIQUE";
  expect(await refusal(() => insertJob("33333333-0000-4000-8000-000000000003", VM))).toBe(unique);
  expect(await refusal(() => sql`delete from protection_policies where id = ${POLICY}`.execute(db))).toBe(fk);
  const version = async () =>
    Number((await sql<{ version: number }>`select version from collection_versions where table_name = 'protection_jobs' and customer_id = ${WS}`.execute(db)).rows[0]?.version);
  const before = await version();
  await sql`update protection_jobs set generation = 2, doc = ${json({ id: JOB, assetInfo: { id: VM }, name: "renamed" })} where id = ${JOB}`.execute(db);
  expect(await version()).toBe(before + 1);
  // a schedule still follows its job: deleting the job with schedules is refused
  expect(await refusal(() => sql`delete from protection_jobs where id = ${JOB}`.execute(db))).toBe(fk);
});
