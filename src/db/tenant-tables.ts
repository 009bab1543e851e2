// Every table that holds rows of a workspace: those with a `customer_id` column, found from the
// schema itself so that a table added by a later migration is covered without a list to update.
// The API clients table and the workspaces registry are not resources and are left out.
import { type QueryExecutorProvider, sql } from "kysely";
import type { Dialect } from "./database.ts";

const NOT_RESOURCES = new Set(["api_clients", "workspaces"]);

export async function tenantTables(db: QueryExecutorProvider, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === "postgres"
      ? await sql<{ name: string }>`select table_name as name from information_schema.columns
          where column_name = 'customer_id' and table_schema = current_schema() order by table_name`.execute(db)
      : await sql<{ name: string }>`select m.name as name from sqlite_master m, pragma_table_info(m.name) c
          where m.type = 'table' and c.name = 'customer_id' order by m.name`.execute(db);
  return rows.rows.map((r) => r.name).filter((name) => !NOT_RESOURCES.has(name));
}

/** True when any resource table has (or, for collection_versions, ever had) a row of the workspace. */
export async function workspaceOwnsRows(db: QueryExecutorProvider, tables: readonly string[], workspaceId: string): Promise<boolean> {
  if (tables.length === 0) return false;
  const probes = tables.map((t) => sql`select 1 as hit from ${sql.id(t)} where customer_id = ${workspaceId}`);
  const found = await sql<{ hit: number }>`select hit from (${sql.join(probes, sql` union all `)}) probes limit 1`.execute(db);
  return found.rows.length > 0;
}
