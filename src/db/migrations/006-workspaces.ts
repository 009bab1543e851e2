// Every workspace ever created, so that a workspace whose clients were all deleted can never be
// opened again as "new" by someone else. Filled from the API clients and from every resource
// table's customer ids as they stand when this migration runs.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";
import { tenantTables } from "../tenant-tables.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  for (const table of ["api_clients", ...(await tenantTables(db, dialect))]) {
    await sql`insert into workspaces (id, created_at) select distinct customer_id, ${now} from ${sql.id(table)}
      where customer_id not in (select id from workspaces)`.execute(db);
  }
}
