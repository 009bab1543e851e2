// Initial schema. JSON documents are jsonb on PostgreSQL and TEXT on SQLite; timestamps are ISO-8601
// text (YYYY-MM-DDTHH:MM:SS.sssZ) in both, so they sort and compare lexically the same way.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";

/**
 * Text type for promoted columns that filters compare by range and sorts order: PostgreSQL's
 * queries use code-point order (COLLATE "C", as SQLite's BINARY), and an index is only usable
 * when the column has that collation too.
 */
export const sortableText = (dialect: Dialect) => (dialect === "postgres" ? sql`text collate "C"` : sql`text`);

export function documentTable(db: Kysely<unknown>, dialect: Dialect, name: string) {
  return db.schema
    .createTable(name)
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("created_at", sortableText(dialect), (c) => c.notNull())
    .addColumn("updated_at", sortableText(dialect), (c) => c.notNull())
    .addColumn("doc", dialect === "postgres" ? "jsonb" : "text", (c) => c.notNull());
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("api_clients")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await documentTable(db, dialect, "protection_policies").addColumn("name", sortableText(dialect)).execute();
  // Policy names are unique per workspace; the index also settles concurrent creates.
  await db.schema.createIndex("protection_policies_customer_name").unique().on("protection_policies").columns(["customer_id", "name"]).execute();

  await documentTable(db, dialect, "async_operations")
    .addColumn("state", sortableText(dialect), (c) => c.notNull())
    .addColumn("parent_id", "text")
    .addColumn("job_type", "text")
    .addColumn("job_payload", "text")
    .addColumn("queue_state", "text", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "bigint")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("run_after", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
  for (const cols of [
    ["customer_id", "created_at"],
    ["customer_id", "state", "created_at"],
    ["customer_id", "parent_id"],
    ["customer_id", "updated_at"],
  ]) {
    await db.schema.createIndex(`async_operations_${cols.join("_")}`).on("async_operations").columns(cols).execute();
  }
  // The worker's claim query scans only queued rows that are due.
  await sql`create index async_operations_queue on async_operations (queue_state, run_after)`.execute(db);
}
