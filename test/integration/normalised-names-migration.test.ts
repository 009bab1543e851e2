// Migration 007 on an installation made before it: names that now collide ("Gold" after "gold ")
// are renamed so that the unique index on the normalised name can hold, the oldest keeps its
// name, and the index then refuses a new duplicate.
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import * as m001 from "../../src/db/migrations/001-initial.ts";
import * as m002 from "../../src/db/migrations/002-collection-versions.ts";
import * as m003 from "../../src/db/migrations/003-inventory.ts";
import { scratchDatabase } from "../helpers/test-server.ts";

const scratch = scratchDatabase("obr-m007-");
let database: Database;

beforeAll(async () => {
  await scratch.open();
  database = scratch.database();
});
afterAll(() => scratch.close());

interface Row {
  id: string;
  name: string;
  generation: number | string;
  doc: unknown;
}

test("existing duplicates by case and spaces are renamed, the oldest keeps its name, and the index refuses new ones", async () => {
  const db = database.db as Kysely<unknown>;
  const { dialect } = database;
  // The schema as an installation before migration 007 has it.
  await db.transaction().execute(async (trx) => {
    for (const m of [m001, m002, m003]) await m.up(trx as Kysely<unknown>, dialect);
    await sql`create table obr_migrations (name text primary key, applied_at text not null)`.execute(trx);
    for (const name of ["001-initial", "002-collection-versions", "003-inventory"]) {
      await sql`insert into obr_migrations (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(trx);
    }
  });
  const insert = async (id: string, customer: string, name: string, createdAt: string) => {
    const doc = JSON.stringify({ id, customerId: customer, name, generation: 1, createdAt, updatedAt: createdAt });
    const value = dialect === "postgres" ? sql`${doc}::jsonb` : sql`${doc}`;
    await sql`insert into protection_policies (id, customer_id, generation, created_at, updated_at, doc, name)
      values (${id}, ${customer}, 1, ${createdAt}, ${createdAt}, ${value}, ${name})`.execute(db);
  };
  await insert("aaaaaaaa-0000-4000-8000-000000000001", "ws-1", "gold ", "2026-01-01T00:00:00.000Z");
  await insert("bbbbbbbb-0000-4000-8000-000000000002", "ws-1", "Gold", "2026-01-02T00:00:00.000Z");
  await insert("cccccccc-0000-4000-8000-000000000003", "ws-1", " GOLD", "2026-01-03T00:00:00.000Z");
  await insert("dddddddd-0000-4000-8000-000000000004", "ws-2", "Gold", "2026-01-02T00:00:00.000Z");

  await migrate(database);

  const { rows } = await sql<Row>`select id, name, generation, doc from protection_policies order by id`.execute(db);
  const docs = rows.map((r) => ({ id: r.id, name: r.name, generation: Number(r.generation), doc: typeof r.doc === "string" ? JSON.parse(r.doc) : r.doc }));
  expect(docs.map((d) => [d.name, d.generation])).toEqual([
    ["gold", 2],
    ["Gold (bbbbbbbb)", 2],
    ["GOLD (cccccccc)", 2],
    ["Gold", 1], // another workspace: no clash
  ]);
  for (const d of docs) expect(d.doc).toMatchObject({ name: d.name, generation: d.generation });

  await expect(
    sql`insert into protection_policies (id, customer_id, generation, created_at, updated_at, doc, name, name_key)
      values ('e', 'ws-1', 1, 'x', 'x', ${dialect === "postgres" ? sql`'{}'::jsonb` : sql`'{}'`}, 'GOLD', 'gold')`.execute(db),
  ).rejects.toThrow(/unique|duplicate/i);
});
