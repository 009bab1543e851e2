// Applies migrations in order on start, recording them in obr_migrations. Each runs in a
// transaction, so a crash mid-migration leaves the previous schema intact (PostgreSQL and SQLite
// both have transactional DDL).
import { type Kysely, sql } from "kysely";
import type { Database, Dialect } from "./database.ts";
import * as m001 from "./migrations/001-initial.ts";
import * as m002 from "./migrations/002-collection-versions.ts";
import * as m003 from "./migrations/003-inventory.ts";
import * as m004 from "./migrations/004-job-queue-options.ts";
import * as m005 from "./migrations/005-inventory-manager-name.ts";
import * as m006 from "./migrations/006-workspaces.ts";
import * as m007 from "./migrations/007-normalised-names.ts";
import * as m008 from "./migrations/008-data-orchestrators.ts";
import * as m009 from "./migrations/009-storage-systems.ts";
import * as m010 from "./migrations/010-protection-stores.ts";
import * as m011sequence from "./migrations/011-operation-sequence.ts";
import * as m011 from "./migrations/011-protection-jobs.ts";
import * as m012 from "./migrations/012-copies.ts";
import * as m013 from "./migrations/013-job-asset-reference.ts";

interface Migration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<[string, Migration]> = [
  ["001-initial", m001],
  ["002-collection-versions", m002],
  ["003-inventory", m003],
  ["004-job-queue-options", m004],
  ["005-inventory-manager-name", m005],
  ["006-workspaces", m006],
  ["007-normalised-names", m007],
  ["008-data-orchestrators", m008],
  ["009-storage-systems", m009],
  ["010-protection-stores", m010],
  ["011-operation-sequence", m011sequence],
  ["011-protection-jobs", m011],
  ["012-copies", m012],
  ["013-job-asset-reference", m013],
];

/** Applies every migration not yet applied; `before` stops at that one (tests build an older schema). */
export async function migrate({ db, dialect }: Database, options: { before?: string } = {}): Promise<string[]> {
  const raw = db as unknown as Kysely<{ obr_migrations: { name: string; applied_at: string } }>;
  await raw.schema
    .createTable("obr_migrations")
    .ifNotExists()
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("applied_at", "text", (c) => c.notNull())
    .execute();
  const applied: string[] = [];
  for (const [name, migration] of MIGRATIONS) {
    if (name === options.before) break;
    await raw.transaction().execute(async (trx) => {
      // Serialises concurrent starters of several replicas on PostgreSQL.
      if (dialect === "postgres") await sql`lock table obr_migrations in exclusive mode`.execute(trx);
      const done = await trx.selectFrom("obr_migrations").select("name").where("name", "=", name).executeTakeFirst();
      if (done) return;
      await migration.up(trx as unknown as Kysely<unknown>, dialect);
      await trx.insertInto("obr_migrations").values({ name, applied_at: new Date().toISOString() }).execute();
      applied.push(name);
    });
  }
  return applied;
}
