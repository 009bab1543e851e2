// Protection store gateways and StoreOnce appliances (the storage systems that host on-premises
// protection stores), and the secrets that belong to them but never appear in a resource: a
// gateway's console-user password hash, a StoreOnce's sealed credentials, a proxy's password.
import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";
import { documentTable, sortableText } from "./001-initial.ts";
import { versionTriggers } from "./002-collection-versions.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const table of ["protection_store_gateways", "storeonces"]) {
    await documentTable(db, dialect, table).addColumn("name", sortableText(dialect)).addColumn("serial_number", sortableText(dialect)).execute();
    // Names and serial numbers identify a system to its users: unique per workspace, which
    // also settles concurrent creations.
    await db.schema.createIndex(`${table}_customer_name`).unique().on(table).columns(["customer_id", "name"]).execute();
    await db.schema.createIndex(`${table}_customer_serial`).unique().on(table).columns(["customer_id", "serial_number"]).execute();
    await versionTriggers(db, dialect, table);
  }
  await db.schema
    .createTable("storage_system_secrets")
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("storage_system_secrets_pk", ["customer_id", "owner_id", "kind"])
    .execute();
}
