// Operations in sequence: a job may name another operation (`after_id`) that must be done before
// it is claimed, so a parent can queue its children as a chain (a protection run's tiers: the
// backup needs the snapshot made just before it) and still wait for them holding no worker slot.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("async_operations").addColumn("after_id", "text").execute();
}
