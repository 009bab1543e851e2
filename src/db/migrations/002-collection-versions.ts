// A version per (table, customer) that every write to a document table bumps, by trigger, in the
// writer's own transaction, whichever process writes. List endpoints use it to reuse a cached
// `total` (count(*) over a filter) until that tenant's collection changes.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";

export const VERSIONED_TABLES = ["protection_policies", "async_operations"] as const;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("collection_versions")
    .addColumn("table_name", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("version", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("collection_versions_pk", ["table_name", "customer_id"])
    .execute();
  if (dialect === "postgres") {
    await sql`
      create or replace function obr_bump_collection_version() returns trigger language plpgsql as $$
      declare cid text;
      begin
        if tg_op = 'DELETE' then cid := old.customer_id; else cid := new.customer_id; end if;
        insert into collection_versions (table_name, customer_id, version) values (tg_table_name, cid, 1)
          on conflict (table_name, customer_id) do update set version = collection_versions.version + 1;
        return null;
      end $$`.execute(db);
  }
  for (const table of VERSIONED_TABLES) await versionTriggers(db, dialect, table);
}

/** Installs the bumping triggers on one document table (later migrations call it for new tables). */
export async function versionTriggers(db: Kysely<unknown>, dialect: Dialect, table: string): Promise<void> {
  const t = sql.id(table);
  if (dialect === "postgres") {
    await sql`create trigger ${sql.id(`${table}_version`)} after insert or update of doc or delete on ${t}
      for each row execute function obr_bump_collection_version()`.execute(db);
    return;
  }
  const bump = (row: "new" | "old") =>
    sql`insert into collection_versions (table_name, customer_id, version) values (${sql.lit(table)}, ${sql.raw(row)}.customer_id, 1)
        on conflict (table_name, customer_id) do update set version = version + 1;`;
  await sql`create trigger ${sql.id(`${table}_version_ins`)} after insert on ${t} begin ${bump("new")} end`.execute(db);
  await sql`create trigger ${sql.id(`${table}_version_upd`)} after update of doc on ${t} begin ${bump("new")} end`.execute(db);
  await sql`create trigger ${sql.id(`${table}_version_del`)} after delete on ${t} begin ${bump("old")} end`.execute(db);
}
