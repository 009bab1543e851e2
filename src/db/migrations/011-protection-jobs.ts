// Protection jobs (a policy assigned to a VM) and their schedules. A job's document mirrors every
// attribute its list filters on into columns; the policy is a real reference, so a policy with
// jobs cannot be deleted (the database refuses, whatever the service checked), and one job per
// asset is a unique index (two concurrent creates for one VM: the second is refused). The
// scheduler's rows, one per (job, schedule): the next fire time it claims with a conditional
// update, the rule it computes slots from, and what it fired last.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";
import { addReference, makeReferenceable } from "../foreign-keys.ts";
import { documentTable, sortableText } from "./001-initial.ts";
import { versionTriggers } from "./002-collection-versions.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await makeReferenceable(db, "protection_policies");
  const text = sortableText(dialect);
  await addReference(
    documentTable(db, dialect, "protection_jobs")
      .addColumn("asset_id", text)
      .addColumn("asset_type", text)
      .addColumn("asset_name", text)
      .addColumn("asset_resource_uri", text)
      .addColumn("operational", text)
      .addColumn("data_orchestrator_id", text)
      .addColumn("protection_policy_name", text),
    "protection_jobs",
    "protection_policy_id",
    "protection_policies",
  ).execute();
  await makeReferenceable(db, "protection_jobs");
  // The HPE blog finds a VM's job with `assetInfo/id eq <id>`; one job per asset.
  await db.schema.createIndex("protection_jobs_customer_asset").unique().on("protection_jobs").columns(["customer_id", "asset_id"]).execute();
  for (const column of ["protection_policy_id", "asset_name", "asset_type", "operational", "protection_policy_name", "data_orchestrator_id", "asset_resource_uri"]) {
    await db.schema.createIndex(`protection_jobs_customer_${column}`).on("protection_jobs").columns(["customer_id", column]).execute();
  }
  await versionTriggers(db, dialect, "protection_jobs");

  await addReference(
    db.schema
      .createTable("protection_schedules")
      .addColumn("customer_id", "text", (c) => c.notNull())
      .addColumn("schedule_id", "integer", (c) => c.notNull())
      // The policy schedule's `schedule` (recurrence, repeatInterval, startTime, activeTime) as JSON.
      .addColumn("rule", "text", (c) => c.notNull())
      .addColumn("time_zone", "text", (c) => c.notNull())
      // Epoch ms from which "every N" days/weeks/months count: when the schedule began.
      .addColumn("anchor_at", "bigint", (c) => c.notNull())
      // Epoch ms of the next slot; null when the rule can never fire.
      .addColumn("next_fire_at", "bigint")
      .addColumn("suspended", "integer", (c) => c.notNull().defaultTo(0))
      // The newest slot fired (or skipped), epoch ms, and the run operation it queued.
      .addColumn("last_slot", "bigint")
      .addColumn("last_operation_id", "text"),
    "protection_schedules",
    "protection_job_id",
    "protection_jobs",
  ).execute();
  await sql`create unique index protection_schedules_job_schedule on protection_schedules (customer_id, protection_job_id, schedule_id)`.execute(db);
  // The scheduler's scan: due, not suspended, across every workspace.
  await sql`create index protection_schedules_due on protection_schedules (suspended, next_fire_at)`.execute(db);
}
