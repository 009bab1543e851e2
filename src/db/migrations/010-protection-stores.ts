// Protection stores: one document per store, its type and hosting storage system mirrored in
// columns (the HPE blog lists a gateway's stores by `storageSystemInfo/id`; deleting a storage
// system asks which stores it hosts).
import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";
import { documentTable, sortableText } from "./001-initial.ts";
import { versionTriggers } from "./002-collection-versions.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await documentTable(db, dialect, "protection_stores")
    .addColumn("name", sortableText(dialect))
    .addColumn("protection_store_type", sortableText(dialect))
    .addColumn("storage_system_id", "text")
    .execute();
  await db.schema.createIndex("protection_stores_customer_name").on("protection_stores").columns(["customer_id", "name"]).execute();
  await db.schema.createIndex("protection_stores_customer_system").on("protection_stores").columns(["customer_id", "storage_system_id"]).execute();
  // The HPE blog lists a gateway's stores by type and system: `protectionStoreType eq 'ON_PREMISES' and storageSystemInfo/id eq ...`.
  await db.schema
    .createIndex("protection_stores_customer_type_system")
    .on("protection_stores")
    .columns(["customer_id", "protection_store_type", "storage_system_id"])
    .execute();
  await versionTriggers(db, dialect, "protection_stores");
}
