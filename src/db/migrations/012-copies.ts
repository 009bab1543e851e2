// Copies: one `snapshots` and one `backups` table, each shared by every asset kind (`asset_type`,
// the discriminator; `asset_id`, the protected asset). Columns mirror the attributes the copy lists
// filter and sort by, with indexes that lead with (customer_id, asset_id): every list is one
// asset's. Private columns, never in a response: `origin_key` (the run's operation and disk set,
// unique, so reporting a copy twice lists it once), `protection_job_id`, and `parts` (JSON: the
// run's CopyDisk parts, hypervisor snapshot ids or chunk store image ids, change ids, sizes; the
// VM's configuration at the point in time; a backup's chain generation).
//
// References: a backup's protection store is a foreign key (a store that holds backups cannot
// lose its row; a forced store delete drops the copies first). A backup made from another backup
// (a cloud copy of an on-premises backup) names it in `source_backup_id`, also a foreign key, but
// one the copies service clears on the dependants before it deletes the source: the cloud copy
// holds every chunk it needs in its own store, so the on-premises backup must stay deletable
// (expiry deletes it first, usually). The document keeps `sourceCopyInfo` as provenance; the
// column says whether the source is still listed. The key is composite, so SET NULL would null
// customer_id too (SQLite has no column list for it): the service unlinks in the delete's
// transaction instead.
import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";
import { addReference, foreignKeyName, makeReferenceable } from "../foreign-keys.ts";
import { documentTable, sortableText } from "./001-initial.ts";
import { versionTriggers } from "./002-collection-versions.ts";

/** Promoted columns both tables have (attribute paths in the collection definitions). */
const COMMON_FILTERED = ["name", "state", "status", "created_by_id", "created_by_name", "point_in_time", "expires_at", "locked_until", "schedule_id"] as const;

function copyTable(db: Kysely<unknown>, dialect: Dialect, table: string) {
  const text = sortableText(dialect);
  return documentTable(db, dialect, table)
    .addColumn("asset_type", "text", (c) => c.notNull())
    .addColumn("asset_id", text, (c) => c.notNull())
    .addColumn("name", text)
    .addColumn("state", text)
    .addColumn("status", text)
    .addColumn("created_by_id", text)
    .addColumn("created_by_name", text)
    .addColumn("point_in_time", text)
    .addColumn("expires_at", text)
    .addColumn("locked_until", text)
    .addColumn("schedule_id", "bigint")
    .addColumn("origin_key", "text", (c) => c.notNull())
    .addColumn("protection_job_id", "text")
    .addColumn("parts", "text", (c) => c.notNull());
}

async function copyIndexes(db: Kysely<unknown>, dialect: Dialect, table: string, more: readonly string[]): Promise<void> {
  for (const column of [...COMMON_FILTERED, ...more]) {
    await db.schema.createIndex(`${table}_asset_${column}`).on(table).columns(["customer_id", "asset_id", column]).execute();
  }
  await db.schema.createIndex(`${table}_origin`).unique().on(table).columns(["customer_id", "origin_key"]).execute();
  // The expiry worker's scan over every workspace: copies whose expiresAt has passed.
  await db.schema.createIndex(`${table}_expires`).on(table).columns(["expires_at"]).execute();
  await versionTriggers(db, dialect, table);
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const text = sortableText(dialect);
  await makeReferenceable(db, "protection_stores");

  await copyTable(db, dialect, "snapshots").addColumn("snapshot_type", text).addColumn("consistency", text).execute();
  await makeReferenceable(db, "snapshots");
  await copyIndexes(db, dialect, "snapshots", ["snapshot_type", "consistency"]);

  let backups = copyTable(db, dialect, "backups")
    .addColumn("backup_type", text)
    .addColumn("source_copy_id", text)
    .addColumn("storage_system_id", text)
    .addColumn("protection_store_name", text)
    // The target of source_backup_id below: PostgreSQL needs it in the same statement.
    .addUniqueConstraint("backups_customer_id_id", ["customer_id", "id"]);
  backups = addReference(backups, "backups", "protection_store_id", "protection_stores");
  backups = backups
    .addColumn("source_backup_id", "text")
    .addForeignKeyConstraint(foreignKeyName("backups", "source_backup_id"), ["customer_id", "source_backup_id"], "backups", ["customer_id", "id"]);
  await backups.execute();
  await copyIndexes(db, dialect, "backups", ["backup_type", "source_copy_id", "storage_system_id", "protection_store_id", "protection_store_name"]);
  // A store's delete counts its copies; the dependants of a deleted source backup are unlinked.
  await db.schema.createIndex("backups_store").on("backups").columns(["customer_id", "protection_store_id"]).execute();
  await db.schema.createIndex("backups_source_backup").on("backups").columns(["customer_id", "source_backup_id"]).execute();
}
