// A protection job's asset becomes a real reference: (customer_id, asset_id) -> virtual_machines,
// so a VM with a job cannot lose its row (a VM delete or a manager unregister while a job
// protects it is refused by the database as well as by the service). Every job's asset is a VM
// today; jobs on other asset kinds will reference their own tables through their own columns.
//
// A job whose VM row was already gone (a manager unregistered while a job protected one of its
// VMs, before this migration) keeps its document, which still names the asset, but its column is
// cleared: the key holds for every other row.
//
// PostgreSQL adds the constraint in place. SQLite cannot add a foreign key to an existing table,
// so the table is rebuilt (sqlite-rebuild.ts).
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";
import { foreignKeyName, makeReferenceable } from "../foreign-keys.ts";
import { rebuildSqliteTable } from "../sqlite-rebuild.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await makeReferenceable(db, "virtual_machines");
  await sql`update protection_jobs set asset_id = null
             where asset_id is not null
               and not exists (select 1 from virtual_machines v where v.customer_id = protection_jobs.customer_id and v.id = protection_jobs.asset_id)`.execute(db);
  const name = foreignKeyName("protection_jobs", "asset_id");
  if (dialect === "postgres") {
    await sql`alter table protection_jobs add constraint ${sql.id(name)}
                foreign key (customer_id, asset_id) references virtual_machines (customer_id, id)`.execute(db);
    return;
  }
  await rebuildSqliteTable(db, "protection_jobs", `constraint "${name}" foreign key ("customer_id", "asset_id") references "virtual_machines" ("customer_id", "id")`);
}
